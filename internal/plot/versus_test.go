package plot

import (
	"bytes"
	"slices"
	"testing"

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
