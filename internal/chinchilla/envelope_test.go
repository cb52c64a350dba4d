package chinchilla

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"

	"github.com/scalefit/scalefit/internal/stats"
)

// loadOLMoCurves returns the 30 OLMo ladder runs as curves (C4-en loss; FLOPs = 6ND).
func loadOLMoCurves(t testing.TB) []Point {
	col, rows := testutil.ReadTable(t, "olmo_curves.csv")
	pts := make([]Point, 0, len(rows))
	for _, r := range rows {
		pts = append(pts, Point{Run: r[col["run"]], Params: atof(t, r[col["params"]]),
			Tokens: atof(t, r[col["tokens"]]), Loss: atof(t, r[col["loss_c4_en"]])})
	}
	return pts
}

func TestEnvelopeOLMoCurves(t *testing.T) {
	pts := loadOLMoCurves(t)
	for _, mode := range []EnvelopeFit{EnvelopeFitGrid, EnvelopeFitSegments} {
		res, err := Envelope(pts, EnvelopeOptions{Fit: mode, Bootstrap: 200, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: runs %d sizes %d segments %d a %.4f (%.4f, %.4f) b %.4f (%.4f, %.4f) R² %.3f ok %d warnings %v",
			mode, res.Runs, res.Sizes, res.Segments, res.A, res.AInt.Lo, res.AInt.Hi, res.B, res.BInt.Lo, res.BInt.Hi, res.R2A, res.BootstrapOK, res.Warnings)
		if res.Runs != 30 {
			t.Errorf("runs %d, want 30", res.Runs)
		}
		if !(res.A > 0 && res.A < 1) || math.Abs(res.A+res.B-1) > 1e-9 {
			t.Errorf("a %.4f b %.4f: want 0 < a < 1 and a + b = 1", res.A, res.B)
		}
		for _, iv := range []stats.Interval{res.AInt, res.BInt, res.LnKInt, res.LnKDInt} {
			if math.IsNaN(iv.Lo) || math.IsInf(iv.Lo, 0) || math.IsInf(iv.Hi, 0) || !(iv.Hi >= iv.Lo) {
				t.Errorf("interval %+v not finite", iv)
			}
		}
		if !res.AInt.Contains(res.A) || !res.BInt.Contains(res.B) {
			t.Errorf("a %.4f not in %+v or b %.4f not in %+v", res.A, res.AInt, res.B, res.BInt)
		}
		if n := len(res.Points); n < 10 || n > 400 {
			t.Errorf("%d plot points, want about 200", n)
		}
	}
}

// synthCurves returns training curves from synthLaw: sizes 1e7..1e11 (4 per decade), each
// with 150 log-spaced token counts from 1 to 5000 tokens per parameter.
func synthCurves() []Point {
	var pts []Point
	for i := 0; i <= 16; i++ {
		n := 1e7 * math.Pow(10, float64(i)/4)
		for j := 0; j < 150; j++ {
			d := n * math.Pow(5000, float64(j)/149)
			pts = append(pts, Point{Run: "N" + itoa(i), Params: n, Tokens: d, Loss: synthLaw.Loss(n, d)})
		}
	}
	return pts
}

func itoa(i int) string { return string(rune('A' + i)) }

func TestEnvelopeSyntheticRecoversExponent(t *testing.T) {
	// Restrict compute to where the true N_opt lies between the 3rd smallest and 3rd largest
	// size, so every competitive curve covers the grid (no edge effects).
	lo, _ := synthLaw.ComputeForParams(1e7 * math.Pow(10, 0.5))
	hi, _ := synthLaw.ComputeForParams(1e11 / math.Pow(10, 0.5))
	want := synthLaw.ExponentA()
	for _, mode := range []EnvelopeFit{EnvelopeFitGrid, EnvelopeFitSegments} {
		res, err := Envelope(synthCurves(), EnvelopeOptions{MinFLOPs: lo, MaxFLOPs: hi, Fit: mode})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: C %.3g..%.3g a %.4f (want %.4f) b %.4f sizes %d segments %d N_opt(1e20)/true %.3f",
			mode, lo, hi, res.A, want, res.B, res.Sizes, res.Segments, res.NOpt(1e20)/synthLaw.NOpt(1e20))
		if math.Abs(res.A-want) > 0.02 {
			t.Errorf("%s: a %.4f, want %.4f within 0.02", mode, res.A, want)
		}
		if len(res.Warnings) > 0 {
			t.Errorf("unexpected warnings %v", res.Warnings)
		}
	}
	// Over the data's full range the smallest and largest sizes hold the envelope at the ends
	// (the true optimum lies outside the sampled sizes there) and flatten the staircase.
	full, err := Envelope(synthCurves(), EnvelopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full range: a %.4f", full.A)
}

func TestEnvelopeFewSizes(t *testing.T) {
	var pts []Point
	for _, n := range []float64{1e8, 2e8} {
		for j := 0; j < 50; j++ {
			d := n * math.Pow(1000, float64(j)/49)
			pts = append(pts, Point{Run: "r" + itoa(int(n/1e8)), Params: n, Tokens: d, Loss: synthLaw.Loss(n, d)})
		}
	}
	// Issue 12: two sizes no longer give an exponent (any line fits two points): the
	// approach fails, naming the minimum, and warns.
	res, err := Envelope(pts, EnvelopeOptions{})
	if err == nil || !strings.Contains(err.Error(), "want at least 3") {
		t.Fatalf("err %v: want a refusal naming the 3 sizes needed", err)
	}
	if res == nil || !hasCode(res.Warnings, CodeFewSizesEnvelope) {
		t.Errorf("no %s warning", CodeFewSizesEnvelope)
	}
}

// Issue 12, finding 8: the envelope started at the data's smallest compute, where every run
// is still training, and a size winning a sliver of compute entered the fit. Now it starts
// where the first run ends, and stray sizes are left out with a warning.
func TestEnvelopeTrimsAndDropsStraySegments(t *testing.T) {
	pts := synthCurves()
	firstEnd := 6 * 1e7 * 1e7 * 5000 // the smallest run's last point: 5000 tokens per parameter
	res, err := Envelope(pts, EnvelopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Trimmed || res.Points[0].C < firstEnd*(1-1e-9) {
		t.Errorf("envelope starts at %.4g (trimmed %v), want where the first run ends, %.4g", res.Points[0].C, res.Trimmed, firstEnd)
	}
	// A size that dips below the others over a sliver of compute: one run whose loss is
	// lower only near one compute value.
	n := 1e7 * math.Pow(10, 2.125) // between two sampled sizes
	for j := 0; j < 150; j++ {
		d := n * math.Pow(5000, float64(j)/149)
		l := synthLaw.Loss(n, d) * 1.05
		if j == 75 {
			l = synthLaw.Loss(n, d) * 0.9
		}
		pts = append(pts, Point{Run: "stray", Params: n, Tokens: d, Loss: l})
	}
	res, err = Envelope(pts, EnvelopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasCode(res.Warnings, CodeStrayEnvelope) {
		t.Errorf("no %s warning: %v", CodeStrayEnvelope, res.Warnings)
	}
	for _, p := range res.Points {
		if p.N == n {
			t.Errorf("the stray size holds the fitted envelope at C %.3g", p.C)
			break
		}
	}
}

func TestEnvelopeFinalPoints(t *testing.T) {
	col, rows := testutil.ReadTable(t, "olmo_final.csv")
	var pts []Point
	for _, r := range rows {
		if r[col["run"]] == "7B-4T" || r[col["run"]] == "13B-5T" {
			continue
		}
		pts = append(pts, Point{Params: atof(t, r[col["params"]]), Tokens: atof(t, r[col["tokens"]]), Loss: atof(t, r[col["loss_c4_en_final"]])})
	}
	res, err := Envelope(pts, EnvelopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("final points: runs %d frontier %d sizes %d a %.4f warnings %v", res.Runs, len(res.Points), res.Sizes, res.A, res.Warnings)
	if !hasCode(res.Warnings, CodeFinalPointsOnly) || res.Runs != len(pts) {
		t.Errorf("want %s warning and %d runs: %v", CodeFinalPointsOnly, len(pts), res.Warnings)
	}
}

func TestEnvelopeBootstrapDeterministic(t *testing.T) {
	pts := loadOLMoCurves(t)
	r1, err := Envelope(pts, EnvelopeOptions{Bootstrap: 50, Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r8, err := Envelope(pts, EnvelopeOptions{Bootstrap: 50, Seed: 3, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r1.AInt != r8.AInt || r1.BootstrapOK != r8.BootstrapOK {
		t.Errorf("bootstrap depends on workers: %+v vs %+v", r1.AInt, r8.AInt)
	}
}
