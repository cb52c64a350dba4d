package moe

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// truth is the law the synthetic sweeps are drawn from (not the acceptance check's constants:
// those are its own held-out set).
var truth = Law{A: -0.075, B: -0.095, C: 0.0070, D: 1.05, EStart: 1.8, EMax: 180}

// sweep draws a synthetic MoE sweep at fixed tokens: 8 dense sizes from 20M to 1B, 18 expert
// counts from 1 to 512, reps training seeds each, multiplicative log-normal noise sigma; seeded.
func sweep(l Law, seed uint64, reps int, sigma float64) family.Input {
	rng := rand.New(rand.NewPCG(seed, 7))
	var in family.Input
	in.Source = "synthetic"
	in.Cols = map[string][]float64{}
	for i := range 8 {
		n := 20e6 * math.Pow(1e9/20e6, float64(i)/7)
		for _, e := range []float64{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512} {
			for range reps {
				in.Runs = append(in.Runs, runs.Run{Loss: l.Loss(n, e) * math.Exp(sigma*rng.NormFloat64()), Line: len(in.Runs) + 2})
				in.Cols["params"] = append(in.Cols["params"], n)
				in.Cols["experts"] = append(in.Cols["experts"], e)
			}
		}
	}
	return in
}

func TestResidualGradient(t *testing.T) {
	in := sweep(truth, 1, 1, 0.002)
	m, _, err := prepare(in)
	if err != nil {
		t.Fatal(err)
	}
	th := theta(Law{A: -0.07, B: -0.1, C: 0.008, D: 1.1, EStart: 2.5, EMax: 90})
	jac := make([]float64, 6)
	for _, i := range []int{0, 5, 30, 70} {
		m.Residual(i, th, jac)
		for j := range th {
			h := 1e-6 * (1 + math.Abs(th[j]))
			up, dn := append([]float64(nil), th...), append([]float64(nil), th...)
			up[j] += h
			dn[j] -= h
			fd := (m.Residual(i, up, nil) - m.Residual(i, dn, nil)) / (2 * h)
			if math.Abs(fd-jac[j]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("row %d, d/dθ%d: analytic %g, finite difference %g", i, j, jac[j], fd)
			}
		}
	}
}

func TestLawClosedForms(t *testing.T) {
	l := truth
	if e := l.EHat(1); math.Abs(e-l.EStart) > 1e-12 {
		t.Errorf("Ê(1) = %g, want E_start %g", e, l.EStart)
	}
	if e := l.EHat(1e12); math.Abs(e/l.EMax-1) > 1e-6 {
		t.Errorf("Ê(1e12) = %g, want E_max %g", e, l.EMax)
	}
	// N_eff of a dense model is N itself; routing makes it larger where b + c log10 N < 0.
	if ne := l.EffectiveParams(3e8, 1); math.Abs(ne/3e8-1) > 1e-9 {
		t.Errorf("N_eff(3e8, 1) = %g, want 3e8", ne)
	}
	if ne := l.EffectiveParams(3e8, 64); !(ne > 3e8) || math.Abs(l.Loss(ne, 1)/l.Loss(3e8, 64)-1) > 1e-9 {
		t.Errorf("N_eff(3e8, 64) = %g: want a dense size with the same loss", ne)
	}
	// N_cutoff: the loss does not depend on E there.
	nc, ok := l.Cutoff()
	if !ok || math.Abs(l.Loss(nc, 1)/l.Loss(nc, 256)-1) > 1e-9 {
		t.Errorf("cutoff %g %v: want equal losses at 1 and 256 experts", nc, ok)
	}
	// Where doublings stop paying: the gain per doubling crosses g there, falling.
	e, ok := l.StopExperts(1e8, 0.01)
	if !ok || math.Abs(l.Gain(1e8, e)-0.01) > 1e-6 || !(l.Gain(1e8, 2*e) < 0.01) {
		t.Errorf("StopExperts(1e8, 1%%) = %g %v (gain there %g)", e, ok, l.Gain(1e8, e))
	}
	if e, ok := l.StopExperts(1e8, 0.5); !ok || e != 1 {
		t.Errorf("StopExperts(1e8, 50%%) = %g %v: want 1 (no doubling gains half the loss)", e, ok)
	}
	row, err := l.Optimal(family.Query{"params": 1e8, "experts": 64})
	if err != nil || row["experts_stop"] != e0(l) || row["loss"] != l.Loss(1e8, 64) || row["min_gain"] != DefaultMinGain {
		t.Errorf("Optimal: %v %v", row, err)
	}
	for _, q := range []family.Query{{}, {"params": -1}, {"params": 1e8, "experts": 0.5}, {"params": 1e8, "min_gain": 1}} {
		if _, err := l.Optimal(q); err == nil {
			t.Errorf("Optimal(%v): no error", q)
		}
	}
}

func e0(l Law) float64 { e, _ := l.StopExperts(1e8, DefaultMinGain); return e }

func TestFitRecovers(t *testing.T) {
	in := sweep(truth, 3, 10, 0.0015)
	res, err := Family{}.Fit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !r.Converged || r.Starts < 2 || r.AtBest < 1 {
		t.Errorf("diagnostics: converged %v (%s), %d starts, %d at best", r.Converged, r.Status, r.Starts, r.AtBest)
	}
	checkClose(t, r.Params, truth)
}

// checkClose holds a fit to the acceptance tolerances: a, b within 0.02, d within log10 1.05,
// c, E_start and E_max within 5%.
func checkClose(t *testing.T, p map[string]float64, l Law) {
	t.Helper()
	for k, tol := range map[string]float64{"a": 0.02, "b": 0.02, "d": math.Log10(1.05)} {
		if math.Abs(p[k]-l.Params()[k]) > tol {
			t.Errorf("%s = %g, truth %g (tolerance %g)", k, p[k], l.Params()[k], tol)
		}
	}
	for _, k := range []string{"c", "E_start", "E_max"} {
		if math.Abs(p[k]/l.Params()[k]-1) > 0.05 {
			t.Errorf("%s = %g, truth %g (tolerance 5%%)", k, p[k], l.Params()[k])
		}
	}
}

// TestBootstrapCoverage: over 10 seeds the 95% intervals cover every constant in at least 7
// (a correct recipe covers about 9.5; 7 leaves room for the binomial spread).
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("10 fits with 200 resamples each")
	}
	cover := map[string]int{}
	for seed := uint64(1); seed <= 10; seed++ {
		in := sweep(truth, 100+seed, 10, 0.0015)
		in.Bootstrap, in.Seed = 200, seed
		res, err := Family{}.Fit(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, res[0].Params, truth)
		for k, v := range truth.Params() {
			if iv, ok := res[0].Intervals[k]; ok && iv[0] <= v && v <= iv[1] {
				cover[k]++
			}
		}
		if len(res[0].Draws["a"]) < 190 {
			t.Errorf("seed %d: %d draws of 200", seed, len(res[0].Draws["a"]))
		}
	}
	for k := range truth.Params() {
		if cover[k] < 7 {
			t.Errorf("%s: covered in %d of 10 seeds, want >= 7", k, cover[k])
		}
	}
	t.Logf("coverage %v", cover)
}

func TestFitRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		edit func(in *family.Input)
		want string
	}{
		{func(in *family.Input) { in.Cols["experts"][3] = 0 }, "line 5: experts 0: want an expert count of 1 or more"},
		{func(in *family.Input) { in.Cols["experts"][2] = 0.5 }, "line 4: experts 0.5"},
		{func(in *family.Input) { in.Cols["params"][1] = -3 }, "line 3: params -3: want a positive parameter count"},
		{func(in *family.Input) { in.Runs[4].Loss = 0 }, "line 6: loss 0: want a positive loss"},
		{func(in *family.Input) { in.Runs, in.Cols["params"] = in.Runs[:5], in.Cols["params"][:5] }, "5 runs: want at least 7"},
		{func(in *family.Input) {
			for i := range in.Cols["experts"] {
				in.Cols["experts"][i] = float64(1 + i%3)
			}
		}, "3 distinct expert counts"},
		{func(in *family.Input) { in.Loss = "l1" }, `--loss "l1"`},
	} {
		in := sweep(truth, 1, 1, 0.001)
		tc.edit(&in)
		_, err := Family{}.Fit(context.Background(), in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
	// Mixed token counts are a warning.
	in := sweep(truth, 1, 1, 0.001)
	in.Cols["tokens"] = make([]float64, len(in.Runs))
	for i := range in.Cols["tokens"] {
		in.Cols["tokens"][i] = 1e9 * float64(1+i%2)
	}
	res, err := Family{}.Fit(context.Background(), in)
	if err != nil || !hasCode(res[0], CodeMixedTokens) {
		t.Errorf("mixed tokens: %v, warnings %v", err, res)
	}
}

func hasCode(r family.Result, code string) bool {
	for _, w := range r.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestLawFromParams(t *testing.T) {
	l, err := Family{}.Law(truth.Params())
	if err != nil {
		t.Fatal(err)
	}
	if v, err := l.Predict(map[string]float64{"params": 1e8, "experts": 8}); err != nil || v != truth.Loss(1e8, 8) {
		t.Errorf("predict %g %v", v, err)
	}
	p := truth.Params()
	p["E_max"] = 1
	if _, err := (Family{}).Law(p); err == nil || !strings.Contains(err.Error(), "want 0 < E_start < E_max") {
		t.Errorf("E_max < E_start: %v", err)
	}
	delete(p, "c")
	if _, err := (Family{}).Law(p); err == nil || !strings.Contains(err.Error(), `no constant "c"`) {
		t.Errorf("missing c: %v", err)
	}
}

func BenchmarkFit(b *testing.B) {
	in := sweep(truth, 1, 7, 0.0015) // 1,008 runs
	in2 := sweep(truth, 2, 14, 0.0015)
	in2.Runs, in2.Cols["params"], in2.Cols["experts"] = in2.Runs[:2000], in2.Cols["params"][:2000], in2.Cols["experts"][:2000]
	for _, c := range []struct {
		name string
		in   family.Input
	}{{"1008runs", in}, {"2000runs", in2}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := (Family{}).Fit(context.Background(), c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestChart(t *testing.T) {
	in := sweep(truth, 1, 1, 0.001)
	res, err := Family{}.Fit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Family{}.Chart([]family.Fitted{{Input: in, Result: res[0]}})
	if err != nil || len(c.Series) != 8 || !c.LogX || len(c.Series[0].X) != 18 || len(c.Series[0].LawX) < 50 {
		t.Errorf("chart: %d series, %v", len(c.Series), err)
	}
}
