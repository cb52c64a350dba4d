package sft

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// truths are the laws the synthetic sweeps are drawn from (not the acceptance check's).
var truths = []Law{{B: 30, Dl: 18, Beta: 0.55, E: 1.7}, {B: 12, Dl: 4, Beta: 0.42, E: 2.05}}

// sweep draws one base model's fine-tuning sweep: D = 0 and 30 sizes from 20 to ~650,000 in
// half-octave steps, reps seeds each, multiplicative log-normal noise sigma; seeded.
func sweep(l Law, seed uint64, reps int, sigma float64) family.Input {
	rng := rand.New(rand.NewPCG(seed, 13))
	in := family.Input{Source: "synthetic", Cols: map[string][]float64{}}
	for k := -1; k < 30; k++ {
		d := 0.0
		if k >= 0 {
			d = math.Round(20 * math.Pow(2, float64(k)/2))
		}
		for range reps {
			in.Runs = append(in.Runs, runs.Run{Loss: l.Loss(d) * math.Exp(sigma*rng.NormFloat64()), Line: len(in.Runs) + 2})
			in.Cols["sft_data_size"] = append(in.Cols["sft_data_size"], d)
		}
	}
	return in
}

func TestLawClosedForms(t *testing.T) {
	l := truths[0]
	if got := l.Loss(0); math.Abs(got-(l.B/l.Dl+l.E)) > 1e-15 {
		t.Errorf("L(0) = %g, want B/D_l + E", got)
	}
	// DataFor inverts Loss.
	for _, d := range []float64{10, 1000, 1e6} {
		if n, ok := l.DataFor(l.Loss(d)); !ok || math.Abs(n/d-1) > 1e-9 {
			t.Errorf("DataFor(L(%g)) = %g %v", d, n, ok)
		}
	}
	if n, ok := l.DataFor(l.Loss(0) + 0.1); !ok || n != 0 {
		t.Errorf("a target above the base model's loss: %g %v, want 0 examples", n, ok)
	}
	if _, ok := l.DataFor(l.E); ok {
		t.Error("a target at E is reachable")
	}
	row, err := l.Optimal(family.Query{"target_loss": 1.8, "sft_data_size": 5000})
	if err != nil || row["reachable"] != 1 || math.Abs(l.Loss(row["examples_needed"])-1.8) > 1e-12 || row["loss"] != l.Loss(5000) {
		t.Errorf("Optimal: %v %v", row, err)
	}
	if row, _ := l.Optimal(family.Query{"target_loss": 1.6}); row["reachable"] != 0 || row["examples_needed"] != 0 {
		t.Errorf("unreachable target: %v", row)
	}
	if (Law{}).Rank(family.Query{"target_loss": 2}) != "examples_needed" || (Law{}).Rank(family.Query{"sft_data_size": 2}) != "loss" {
		t.Error("Rank")
	}
	for _, q := range []family.Query{{}, {"sft_data_size": -1}, {"target_loss": 0}} {
		if _, err := l.Optimal(q); err == nil {
			t.Errorf("Optimal(%v): no error", q)
		}
	}
}

func TestResidualGradient(t *testing.T) {
	m, err := prepare(sweep(truths[0], 1, 1, 0.001))
	if err != nil {
		t.Fatal(err)
	}
	th := theta(Law{B: 20, Dl: 9, Beta: 0.6, E: 1.5})
	jac := make([]float64, 4)
	for _, i := range []int{0, 1, 12, 30} { // row 0 is D = 0
		m.Residual(i, th, jac)
		for j := range th {
			h := 1e-6 * (1 + math.Abs(th[j]))
			up, dn := append([]float64(nil), th...), append([]float64(nil), th...)
			up[j] += h
			dn[j] -= h
			if fd := (m.Residual(i, up, nil) - m.Residual(i, dn, nil)) / (2 * h); math.Abs(fd-jac[j]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("row %d, d/dθ%d: analytic %g, finite difference %g", i, j, jac[j], fd)
			}
		}
	}
}

// checkClose holds a fit to the acceptance tolerances: B, D_l, E within 5%, beta within 0.02.
func checkClose(t *testing.T, p map[string]float64, l Law) {
	t.Helper()
	for k, v := range l.Params() {
		if k == "beta" {
			if math.Abs(p[k]-v) > 0.02 {
				t.Errorf("beta = %g, truth %g (tolerance 0.02)", p[k], v)
			}
		} else if math.Abs(p[k]/v-1) > 0.05 {
			t.Errorf("%s = %g, truth %g (tolerance 5%%)", k, p[k], v)
		}
	}
}

func TestFitRecovers(t *testing.T) {
	for i, l := range truths {
		res, err := Family{}.Fit(context.Background(), sweep(l, uint64(7+i), 4, 0.001))
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if !r.Converged || r.AtBest < 1 || r.Starts < 2 {
			t.Errorf("truth %d: converged %v (%s), %d of %d starts at the best", i, r.Converged, r.Status, r.AtBest, r.Starts)
		}
		checkClose(t, r.Params, l)
	}
}

// TestBootstrapCoverage: over 10 seeds the 95% intervals cover every constant of both base
// models in at least 7.
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("20 fits with 200 resamples each")
	}
	for i, l := range truths {
		cover := map[string]int{}
		for seed := uint64(1); seed <= 10; seed++ {
			in := sweep(l, 100+seed+uint64(50*i), 4, 0.001)
			in.Bootstrap, in.Seed = 200, seed
			res, err := Family{}.Fit(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, res[0].Params, l)
			for k, v := range l.Params() {
				if iv, ok := res[0].Intervals[k]; ok && iv[0] <= v && v <= iv[1] {
					cover[k]++
				}
			}
		}
		for k := range l.Params() {
			if cover[k] < 7 {
				t.Errorf("truth %d: %s covered in %d of 10 seeds, want >= 7", i, k, cover[k])
			}
		}
		t.Logf("truth %d: coverage %v", i, cover)
	}
}

func TestFitRefusesBadInput(t *testing.T) {
	in := sweep(truths[0], 1, 1, 0.001)
	in.Cols["sft_data_size"][2] = -800
	if _, err := (Family{}).Fit(context.Background(), in); err == nil || !strings.Contains(err.Error(), "line 4: sft_data_size -800: want 0 or more fine-tuning examples") {
		t.Errorf("negative D: %v", err)
	}
	in = sweep(truths[0], 1, 1, 0.001)
	in.Runs, in.Cols["sft_data_size"] = in.Runs[:4], in.Cols["sft_data_size"][:4]
	if _, err := (Family{}).Fit(context.Background(), in); err == nil || !strings.Contains(err.Error(), "4 runs: want at least 5") {
		t.Errorf("4 runs: %v", err)
	}
}

func TestLawFromParams(t *testing.T) {
	l, err := Family{}.Law(truths[1].Params())
	if err != nil || l != truths[1] {
		t.Fatalf("%v %v", l, err)
	}
	if v, err := l.Predict(map[string]float64{"sft_data_size": 0}); err != nil || v != truths[1].Loss(0) {
		t.Errorf("predict at D = 0: %g %v", v, err)
	}
	if _, err := l.Predict(map[string]float64{"sft_data_size": -1}); err == nil {
		t.Error("predict at D = -1: no error")
	}
	p := truths[1].Params()
	p["D_l"] = 0
	if _, err := (Family{}).Law(p); err == nil || !strings.Contains(err.Error(), "D_l 0") {
		t.Errorf("D_l = 0: %v", err)
	}
}

func BenchmarkFit(b *testing.B) {
	for _, c := range []struct {
		name string
		reps int
	}{{"124runs", 4}, {"1984runs", 64}} {
		in := sweep(truths[0], 1, c.reps, 0.001)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := (Family{}).Fit(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestChart(t *testing.T) {
	var fits []family.Fitted
	for i, l := range truths {
		in := sweep(l, 1, 1, 0.001)
		res, err := Family{}.Fit(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		res[0].Group = []string{"a", "b"}[i]
		fits = append(fits, family.Fitted{Input: in, Result: res[0]})
	}
	c, err := Family{}.Chart(fits)
	if err != nil || len(c.Series) != 2 || c.Series[1].Name != "b" || len(c.Series[0].X) != 30 || !strings.Contains(strings.Join(c.Notes, ";"), "2 run(s) at D = 0") {
		t.Errorf("chart: %+v, %v", c.Notes, err)
	}
}
