package plot

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/synth"
	"github.com/scalefit/scalefit/internal/versus"
)

// The comparison figure draws every group's frontier (whatever estimator it rests on),
// the multiplier of each compared group, and renders as SVG.
func TestVersusFigure(t *testing.T) {
	ref, half, _ := synth.VersusLaws()
	var gs []versus.Group
	var in VersusInput
	for _, law := range []struct {
		name string
		rs   []synth.Run
	}{{"A", synth.IsoFLOPGrid(ref, synth.ExampleBudgets, 7, 4, 1, 0.002, 1)}, {"B", synth.IsoFLOPGrid(half, synth.ExampleBudgets, 7, 4, 1, 0.002, 2)}} {
		g := versus.Group{Name: law.name}
		for _, r := range law.rs {
			g.Params, g.Tokens, g.FLOPs, g.Loss = append(g.Params, r.Params), append(g.Tokens, r.Tokens), append(g.FLOPs, r.FLOPs), append(g.Loss, r.Loss)
		}
		g.Budgets = slices.Clone(g.FLOPs)
		gs = append(gs, g)
		in.Runs = append(in.Runs, VersusRuns{Group: g.Name, FLOPs: g.FLOPs, Loss: g.Loss})
	}
	for _, frontier := range []string{versus.FrontierApproach3, versus.FrontierIsoFLOP} {
		res, err := versus.Compare(gs, versus.Options{Frontier: frontier, Bootstrap: 10, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		in.Result = res
		fig, err := Versus(&in)
		if err != nil {
			t.Fatal(err)
		}
		if len(fig.Panels) != 2 {
			t.Fatalf("%s: %d panels", frontier, len(fig.Panels))
		}
		for _, f := range res.Fits {
			in, _ := frontierXYs(f, logspace(1e17, 1e22, 50))
			if len(positive(in, true, true)) < 10 {
				t.Errorf("%s: group %s: %d frontier points inside its range", frontier, f.Group, len(in))
			}
		}
		var b bytes.Buffer
		if err := fig.WriteTo(&b, "svg"); err != nil || b.Len() < 1000 {
			t.Errorf("%s: svg %d bytes, %v", frontier, b.Len(), err)
		}
	}
	if _, err := Versus(&VersusInput{Result: &versus.Result{}}); err == nil {
		t.Error("no fitted groups: want an error")
	}
}

// versusFixture fits groups drawn from the given laws (IsoFLOP grids, 5 budgets x 5 sizes).
func versusFixture(t *testing.T, names []string, laws []chinchilla.Law, opts versus.Options) *VersusInput {
	t.Helper()
	var gs []versus.Group
	in := &VersusInput{}
	for i, law := range laws {
		g := versus.Group{Name: names[i]}
		for _, r := range synth.IsoFLOPGrid(law, synth.ExampleBudgets[:5], 5, 4, 1, 0.002, uint64(i+1)) {
			g.Params, g.Tokens, g.FLOPs, g.Loss = append(g.Params, r.Params), append(g.Tokens, r.Tokens), append(g.FLOPs, r.FLOPs), append(g.Loss, r.Loss)
		}
		g.Budgets = slices.Clone(g.FLOPs)
		gs = append(gs, g)
		in.Runs = append(in.Runs, VersusRuns{Group: g.Name, FLOPs: g.FLOPs, Loss: g.Loss})
	}
	res, err := versus.Compare(gs, opts)
	if err != nil {
		t.Fatal(err)
	}
	in.Result = res
	return in
}

// legendLabels lists the figure's legend entries.
func legendLabels(f *Figure) []string {
	return f.legend
}

// D15: the versus figure hides nothing silently: a long reference name is shortened (it
// emptied the multiplier panel), past ten groups the others are grey and counted (the
// legend was cut at ~50 and colours repeated every 10), multipliers past the old 100x clip
// are on the axis up to the supported 1000x and beyond it named in a note, and a group
// whose runs and frontier fall off the loss axis (issue 23 finding 8: the reference
// vanished) is named in the notes with its count.
func TestD15VersusFigureHidesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fits a dozen groups")
	}
	ref, _, _ := synth.VersusLaws()
	opts := versus.Options{Frontier: versus.FrontierApproach3}

	long := "reference-" + strings.Repeat("x", 300)
	in := versusFixture(t, []string{long, "B"}, []chinchilla.Law{ref, synth.Scaled(ref, 0.5)}, opts)
	fig, err := Versus(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fig.Panels {
		for _, s := range []string{p.Title.Text, p.X.Label.Text} {
			if utf8.RuneCountInString(s) > limits.MaxLabelRunes+40 {
				t.Errorf("a label of %d characters: %.60q...", utf8.RuneCountInString(s), s)
			}
		}
	}
	for _, l := range legendLabels(fig) {
		if utf8.RuneCountInString(l) > 2*limits.MaxLabelRunes+20 {
			t.Errorf("a legend entry of %d characters", utf8.RuneCountInString(l))
		}
	}
	var b bytes.Buffer
	if err := fig.WriteTo(&b, "svg"); err != nil {
		t.Fatal(err)
	}

	// Twelve groups, one far beyond the reference (multipliers over 1000x), one at about
	// 300x (the old axis stopped at 100x).
	var names []string
	var laws []chinchilla.Law
	for i := 0; i < 12; i++ {
		names = append(names, fmt.Sprintf("g%02d", i))
		laws = append(laws, synth.Scaled(ref, 1+0.05*float64(i)))
	}
	laws[9] = synth.Scaled(ref, 1/math.Sqrt(300)) // multipliers near 300x
	laws[10] = synth.Scaled(ref, 3)
	laws[11] = synth.Scaled(ref, 1e-4) // far beyond 1000x, its runs far above the others
	in = versusFixture(t, names, laws, opts)
	fig, err = Versus(in)
	if err != nil {
		t.Fatal(err)
	}
	labels := legendLabels(fig)
	named := 0
	for _, l := range labels {
		if !strings.Contains(l, "/") && strings.HasPrefix(l, "g") {
			named++
		}
	}
	if named > limits.MaxFigureGroups {
		t.Errorf("%d groups named in the legend: %q", named, labels)
	}
	notes := strings.Join(fig.Notes, " | ")
	if !strings.Contains(notes, fmt.Sprintf("%d of 12 groups drawn grey", 12-named)) {
		t.Errorf("notes do not count the unnamed groups: %s", notes)
	}
	var top float64
	for _, c := range in.Result.Comparisons {
		for _, p := range c.Multipliers {
			if p.Value <= versus.MaxSupported {
				top = math.Max(top, p.Value)
			}
		}
	}
	if top < 150 {
		t.Fatalf("fixture: the largest supported multiplier is %.1f, want one past the old 100x clip", top)
	}
	if pm := fig.Panels[1]; pm.Y.Max < top {
		t.Errorf("the multiplier axis stops at %.0f, below the multiplier %.0f", pm.Y.Max, top)
	}
	if !strings.Contains(notes, "g11") || !strings.Contains(notes, "multipliers off the axis") {
		t.Errorf("the group beyond 1000x is not named in the notes: %s", notes)
	}
	if !strings.Contains(notes, "off the loss axis: g11: 25 of 25 runs and its frontier") {
		t.Errorf("the group off the loss axis is not named with its count: %s", notes)
	}
	b.Reset()
	if err := fig.WriteTo(&b, "png"); err != nil {
		t.Fatal(err)
	}
}
