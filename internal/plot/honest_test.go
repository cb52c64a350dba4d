package plot

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/runs"
)

// Regression tests of issue 12, finding 4: figures hid data silently, drew a law that did
// not converge like a good one, extrapolated with no change of style, and gave 24 budgets
// 24 near-identical swatches.

// svgText renders a figure as SVG and returns it, to read the words it shows.
func svgText(t *testing.T, f *Figure) string {
	t.Helper()
	var b bytes.Buffer
	if err := f.WriteTo(&b, "svg"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func plateauInput(t *testing.T) *Input {
	t.Helper()
	set := load(t, "plateau_synthetic.csv", runs.Options{})
	iso, err := chinchilla.IsoFLOP(points(set.Runs), chinchilla.IsoFLOPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &Input{Title: "plateau", Runs: set.Runs, IsoFLOP: iso, Law: law(t, "chinchilla2022"), LawLabel: "Approach 3 fit"}
}

// The IsoFLOP figure capped its loss axis at 1.8x the lowest loss, hiding runs of accepted
// budgets (and their minima) without a word. Now every accepted budget is on the canvas and
// a note counts the runs that are not, and says why.
func TestIsoFLOPHidesNothingSilently(t *testing.T) {
	in := plateauInput(t)
	f, err := Build(KindIsoFLOP, in)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Panels[0]
	per := budgetPoints(in.isoFLOPRuns(), in.IsoFLOP)
	above := 0
	for i, b := range in.IsoFLOP.Budgets {
		for _, r := range per[i] {
			if b.Accepted && (r.Loss > p.Y.Max || r.Loss < p.Y.Min) {
				t.Errorf("accepted budget %g: run with loss %v is off the loss axis [%v, %v]", b.FLOPs, r.Loss, p.Y.Min, p.Y.Max)
			}
			if r.Loss > p.Y.Max {
				above++
			}
		}
	}
	if above == 0 {
		t.Fatal("want some rejected runs above the axis on this data (the test lost its point)")
	}
	if f.OffCanvas != above {
		t.Errorf("OffCanvas %d, want %d", f.OffCanvas, above)
	}
	notes := strings.Join(f.Notes, "\n")
	for _, want := range []string{"lie outside the axes", "the loss axis stops at"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the figure does not say %q", want)
		}
	}
	svg := svgText(t, f)
	for _, l := range wrapNotes(f.Notes, noteChars) {
		if !strings.Contains(svg, html.EscapeString(strings.TrimSpace(l))) {
			t.Errorf("note line %q is not drawn", l)
		}
	}
}

// The loss figure hid 16 of 37 runs; now it says how many it does not show.
func TestLossFigureSaysWhatIsOff(t *testing.T) {
	in := plateauInput(t)
	f, err := Build(KindLoss, in)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Panels[0]
	off := 0
	for _, r := range in.Runs {
		if r.Loss > p.Y.Max || r.Loss < p.Y.Min || r.FLOPs < p.X.Min || r.FLOPs > p.X.Max {
			off++
		}
	}
	if off != f.OffCanvas || (off > 0 && !strings.Contains(strings.Join(f.Notes, " "), "lie outside the axes")) {
		t.Errorf("%d runs off the canvas, the figure says %d", off, f.OffCanvas)
	}
}

// A law whose fit did not converge is grey, dashed and labelled; the same law from a
// converged fit is not.
func TestNotConvergedLawLooksDifferent(t *testing.T) {
	for _, kind := range []Kind{KindFrontier, KindLoss, KindResiduals, KindContour} {
		for _, bad := range []bool{false, true} {
			in := plateauInput(t)
			in.LawNotConverged = bad
			f, err := Build(kind, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(svgText(t, f), "(not converged)"); got != bad {
				t.Errorf("%s, not converged %v: label says not converged: %v", kind, bad, got)
			}
		}
	}
	in := plateauInput(t)
	col, _, dashes, label := in.lawStyle(fitColour, 2)
	in.LawNotConverged = true
	col2, _, dashes2, label2 := in.lawStyle(fitColour, 2)
	if col == col2 || len(dashes) != 0 || len(dashes2) == 0 || label2 != label+" (not converged)" {
		t.Errorf("converged %v %v %q; not converged %v %v %q", col, dashes, label, col2, dashes2, label2)
	}
}

// Fits ran two decades past the data in the same style; now the part beyond the fitted runs'
// compute is faded and dotted, and the legend says so.
func TestExtrapolationStyledDifferently(t *testing.T) {
	in := plateauInput(t)
	for _, kind := range []Kind{KindFrontier, KindLoss} {
		f, err := Build(kind, in)
		if err != nil {
			t.Fatal(err)
		}
		if !f.extrapolated || !strings.Contains(svgText(t, f), "beyond the fits") {
			t.Errorf("%s: no extrapolated style or legend entry", kind)
		}
	}
	inside, outside := splitRange(logXY(1, 100, 5), 2, 50)
	if len(inside) != 3 || len(outside) != 2 || outside[0][len(outside[0])-1] != inside[0] || outside[1][0] != inside[len(inside)-1] {
		t.Errorf("split of 1..100 at [2, 50]: inside %v, outside %v", inside, outside)
	}
}

func logXY(lo, hi float64, n int) (out plotter.XYs) {
	for _, x := range logspace(lo, hi, n) {
		out = append(out, plotter.XY{X: x, Y: x})
	}
	return out
}

// With bootstrap draws the frontier and loss figures shade the 95% band, and say so.
func TestBootstrapBandWhereDrawsExist(t *testing.T) {
	in := plateauInput(t)
	l := *in.Law
	for i := 0; i < 50; i++ {
		d := l
		d.Alpha *= 1 + 0.02*math.Sin(float64(i))
		d.Beta *= 1 + 0.02*math.Cos(float64(i))
		in.LawDraws = append(in.LawDraws, d)
	}
	for _, kind := range []Kind{KindFrontier, KindLoss} {
		f, err := Build(kind, in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(svgText(t, f), "95% band over 50 bootstrap draws") {
			t.Errorf("%s: no bootstrap band", kind)
		}
	}
	in.LawDraws = nil
	f, _ := Build(KindFrontier, in)
	if strings.Contains(svgText(t, f), "bootstrap draws") {
		t.Error("a band without draws")
	}
}

// 23 budgets: each profile is labelled with its budget on the canvas and the legend explains
// the colour scale, instead of 23 near-identical swatches.
func TestManyBudgetsLabelledDirectly(t *testing.T) {
	in := inputs(t)["chinchilla"]
	f, err := Build(KindIsoFLOP, in)
	if err != nil {
		t.Fatal(err)
	}
	svg := svgText(t, f)
	if strings.Contains(svg, "C = 1.57e18") || !strings.Contains(svg, "colour: budget C") {
		t.Error("want direct labels and a colour-scale entry, not a swatch per budget")
	}
	for _, b := range in.IsoFLOP.Budgets {
		if label := format.Sci(b.FLOPs); !strings.Contains(svg, ">"+label+"<") {
			t.Errorf("budget %s is not labelled on the canvas", label)
		}
	}
	// Few budgets keep their legend entries.
	f, _ = Build(KindIsoFLOP, plateauInput(t))
	if !strings.Contains(svgText(t, f), "C = 1e14") {
		t.Error("4 budgets: want a legend entry per budget")
	}
}

// Finding 11: figures stay linear in rows. A curve of 100,000 points keeps at most
// maxCurvePoints, its ends, its lowest and highest loss; the figure says how many it drew.
func TestThinLineKeepsTheEnvelope(t *testing.T) {
	var xys plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 1; i <= 100000; i++ {
		y := 2 + 1/math.Sqrt(float64(i)) + 0.01*math.Sin(float64(i))
		xys = append(xys, plotter.XY{X: float64(i), Y: y})
		lo, hi = math.Min(lo, y), math.Max(hi, y)
	}
	f := newFigure(newPanel("", "", ""))
	out := f.thinLine(xys)
	if len(out) > maxCurvePoints+2 || len(out) < maxCurvePoints/2 {
		t.Fatalf("%d points kept, want at most %d", len(out), maxCurvePoints+2)
	}
	if out[0] != xys[0] || out[len(out)-1] != xys[len(xys)-1] {
		t.Error("the curve's ends are not kept")
	}
	var olo, ohi float64 = math.Inf(1), math.Inf(-1)
	for i, p := range out {
		olo, ohi = math.Min(olo, p.Y), math.Max(ohi, p.Y)
		if i > 0 && p.X < out[i-1].X {
			t.Fatal("points out of order")
		}
	}
	if olo != lo || ohi != hi {
		t.Errorf("loss range %v..%v, want %v..%v", olo, ohi, lo, hi)
	}
	short := xys[:100]
	if got := f.thinLine(short); len(got) != 100 {
		t.Errorf("a short curve lost points: %d", len(got))
	}
	f.noteThinned()
	if len(f.Notes) != 1 || !strings.Contains(f.Notes[0], "of 100100 points drawn") {
		t.Errorf("notes %q", f.Notes)
	}
	// A scatter of 50,000 points on one spot keeps one; few points are kept whole.
	many := make(plotter.XYs, 50000)
	for i := range many {
		many[i] = plotter.XY{X: 1, Y: 1}
	}
	if got, _ := f.thinScatter(many, nil); len(got) != 1 {
		t.Errorf("thinScatter kept %d of 50,000 overlapping points", len(got))
	}
	if got, _ := f.thinScatter(many[:100], nil); len(got) != 100 {
		t.Errorf("thinScatter thinned 100 points to %d", len(got))
	}
}

// A loss figure of 50 curves x 4,000 points draws at most maxCurvePoints (+2 ends) per curve
// and says how many points it drew: the figure's cost no longer grows with the rows.
func TestLossFigureThinsLongCurves(t *testing.T) {
	var rs []runs.Run
	for i := 0; i < 50; i++ {
		n := 1e8 * math.Pow(10, float64(i)/25)
		for k := 1; k <= 4000; k++ {
			d := 20 * n * float64(k) / 4000
			rs = append(rs, runs.Run{ID: fmt.Sprint("r", i), Params: n, Tokens: d, FLOPs: 6 * n * d, Loss: 1.7 + 450/math.Pow(n, 0.33) + 1600/math.Pow(d, 0.37)})
		}
	}
	f, err := Build(KindLoss, &Input{Runs: rs, Curves: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.pointsIn != len(rs) || f.pointsDrawn > 50*(maxCurvePoints+2) {
		t.Errorf("%d of %d points drawn, want at most %d", f.pointsDrawn, f.pointsIn, 50*(maxCurvePoints+2))
	}
	if !strings.Contains(strings.Join(f.Notes, " "), fmt.Sprintf("of %d points drawn", len(rs))) {
		t.Errorf("notes %q do not say the points were thinned", f.Notes)
	}
}

// The IsoFLOP scatter draws, per budget, the runs chinchilla assigned to it: on
// chinchilla.csv (sizes within 1% merged into one knot) the lowest drawn loss of every
// budget is its lowest knot, and the drawn runs are as many as the budget counted.
func TestIsoFLOPScatterIsChinchillasAssignment(t *testing.T) {
	in := inputs(t)["chinchilla"]
	per := budgetPoints(in.isoFLOPRuns(), in.IsoFLOP)
	total := 0
	for i, b := range in.IsoFLOP.Budgets {
		if len(per[i]) != b.Runs {
			t.Errorf("budget %g: %d runs drawn, %d assigned", b.FLOPs, len(per[i]), b.Runs)
		}
		total += len(per[i])
		low := math.Inf(1)
		for _, r := range per[i] {
			low = math.Min(low, math.Log(r.Loss))
		}
		if kmin := slices.Min(b.LnLoss); low != kmin {
			t.Errorf("budget %g: lowest drawn ln loss %g, lowest knot %g", b.FLOPs, low, kmin)
		}
	}
	if total+len(in.IsoFLOP.Unassigned) != len(in.Runs) {
		t.Errorf("%d drawn + %d unassigned, want %d runs", total, len(in.IsoFLOP.Unassigned), len(in.Runs))
	}
}
