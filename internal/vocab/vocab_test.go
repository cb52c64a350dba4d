package vocab

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// TestTable1 reproduces Tao et al. 2024 Table 1 (Approach 3): the optimal vocabularies of
// 3B to 70B non-vocabulary parameters at their budgets, from the Sec. 4.3 constants, within 3%.
func TestTable1(t *testing.T) {
	for _, tc := range []struct{ n, d, c, want float64 }{
		{3e9, 3200, 1.3e21, 37e3}, {7e9, 4096, 7.1e21, 60e3}, {13e9, 5120, 2.4e22, 81e3},
		{30e9, 6048, 1.3e23, 142e3}, {70e9, 8192, 7.1e23, 218e3},
	} {
		row, err := Published.Optimal(family.Query{"non_vocab_params": tc.n, "embed_dim": tc.d, "flops": tc.c})
		if err != nil {
			t.Fatal(err)
		}
		if v := row["vocab_opt"]; math.Abs(v/tc.want-1) > 0.03 {
			t.Errorf("N_nv %g: V_opt %.0f, Table 1 %.0f", tc.n, v, tc.want)
		}
		// The optimum is a minimum: 10% either side costs loss.
		for _, f := range []float64{0.9, 1.1} {
			if l := Published.LossAtBudget(tc.n, f*row["vocab_opt"], tc.d, tc.c); !(l > row["loss"]) {
				t.Errorf("N_nv %g: Lu at %.0f%% of V_opt %g, not above the optimum's %g", tc.n, 100*f, l, row["loss"])
			}
		}
	}
	// Llama 2 70B's 32K vocabulary costs loss against the optimum (the abstract's headline).
	row, _ := Published.Optimal(family.Query{"non_vocab_params": 70e9, "embed_dim": 8192, "flops": 7.1e23, "vocab_size": 32000})
	if !(row["loss_cost"] > 0) || row["vocab_opt"] < 216e3 {
		t.Errorf("32K at Llama 2 70B's budget: %v", row)
	}
	if _, err := Published.Optimal(family.Query{"non_vocab_params": 7e9, "embed_dim": 4096}); err == nil || !strings.Contains(err.Error(), "flops missing") {
		t.Errorf("no budget: %v", err)
	}
}

func TestCharsPerToken(t *testing.T) {
	// f(V) from Eq. 3 at V = 32,000: 0.0064·10.3735² − 0.1581·10.3735 + 1.2047.
	l := math.Log(32000.0)
	if got, want := CharsPerToken(32000), 0.0064*l*l-0.1581*l+1.2047; math.Abs(got-want) > 1e-15 || math.Abs(got-0.2534) > 1e-3 {
		t.Errorf("f(32000) = %g, want %g (about 0.2534)", got, want)
	}
	for _, v := range []float64{2, 10, 1e3, 1e5, 1e8} {
		if !(CharsPerToken(v) > 0) {
			t.Errorf("f(%g) = %g: want positive", v, CharsPerToken(v))
		}
	}
}

// truth is the law the synthetic sweeps are drawn from (not the acceptance check's constants).
var truth = Law{E: 5.3, A1: 1.9, A2: 0.22, B: 2.0, Alpha1: 0.42, Alpha2: 0.65, Beta: 0.48}

// sweep draws a synthetic vocabulary sweep: 6 model sizes (non-vocabulary parameters,
// embedding dimension and characters of the longest run as in Tao et al.'s Table 4), 10
// vocabularies from 4K to 96K, ckpts checkpoints from 10% to 100% of the characters, additive
// Gaussian noise sigma nats; seeded.
func sweep(l Law, seed uint64, ckpts int, sigma float64) family.Input {
	rng := rand.New(rand.NewPCG(seed, 11))
	in := family.Input{Source: "synthetic", Cols: map[string][]float64{}}
	models := [][3]float64{{33e6, 512, 4.3e9}, {85e6, 768, 11.1e9}, {151e6, 768, 19.6e9}, {302e6, 1024, 43e9}, {631e6, 1536, 101.6e9}, {1130e6, 2048, 201.3e9}}
	for _, md := range models {
		n := md[0] * (0.98 + 0.04*rng.Float64())
		for _, v := range []float64{4096, 6144, 8192, 12288, 16384, 24576, 32768, 48128, 64512, 96256} {
			for k := range ckpts {
				h := md[2] * math.Pow(10, -1+float64(k)/float64(ckpts-1))
				in.Runs = append(in.Runs, runs.Run{Loss: l.Loss(n, v, md[1], h) + sigma*rng.NormFloat64(), Line: len(in.Runs) + 2})
				for c, x := range map[string]float64{"non_vocab_params": n, "vocab_size": v, "embed_dim": md[1], "characters": h} {
					in.Cols[c] = append(in.Cols[c], x)
				}
			}
		}
	}
	return in
}

func TestResidualGradient(t *testing.T) {
	m, _, err := prepare(sweep(truth, 1, 5, 0.003))
	if err != nil {
		t.Fatal(err)
	}
	th := theta(Law{E: 5, A1: 2.1, A2: 0.3, B: 1.7, Alpha1: 0.5, Alpha2: 0.55, Beta: 0.4})
	jac := make([]float64, 7)
	for _, i := range []int{0, 17, 101, 250} {
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

// checkClose holds a fit to the acceptance tolerances: E, A1, A2, B within 5%, exponents
// within 0.02.
func checkClose(t *testing.T, p map[string]float64, l Law) {
	t.Helper()
	for k, v := range l.Params() {
		if strings.HasPrefix(k, "alpha") || k == "beta" {
			if math.Abs(p[k]-v) > 0.02 {
				t.Errorf("%s = %g, truth %g (tolerance 0.02)", k, p[k], v)
			}
		} else if math.Abs(p[k]/v-1) > 0.05 {
			t.Errorf("%s = %g, truth %g (tolerance 5%%)", k, p[k], v)
		}
	}
}

func TestFitRecovers(t *testing.T) {
	// The loss is negative on most rows: fitted in loss space, no log taken.
	in := sweep(truth, 5, 20, 0.003)
	neg := 0
	for _, r := range in.Runs {
		if r.Loss < 0 {
			neg++
		}
	}
	if neg < len(in.Runs)/2 {
		t.Fatalf("%d of %d losses negative: the sweep should be mostly negative, as Lu is", neg, len(in.Runs))
	}
	res, err := Family{}.Fit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !r.Converged || r.AtBest < 1 || r.Starts < 2 {
		t.Errorf("diagnostics: converged %v (%s), %d of %d starts at the best", r.Converged, r.Status, r.AtBest, r.Starts)
	}
	checkClose(t, r.Params, truth)
}

// TestBootstrapCoverage: over 10 seeds the 95% intervals cover every constant in at least 7.
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("10 fits with 200 resamples each")
	}
	cover := map[string]int{}
	for seed := uint64(1); seed <= 10; seed++ {
		in := sweep(truth, 100+seed, 20, 0.003)
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
		col  string
		v    float64
		want string
	}{
		{"vocab_size", 0, "line 5: vocab_size 0: want a vocabulary of 2 or more tokens"},
		{"vocab_size", 1, "line 5: vocab_size 1"},
		{"embed_dim", 0, "line 5: embed_dim 0: want a positive embedding dimension"},
		{"characters", -1, "line 5: characters -1: want a positive number"},
		{"non_vocab_params", 0, "line 5: non_vocab_params 0: want a positive parameter count"},
	} {
		in := sweep(truth, 1, 3, 0.003)
		in.Cols[tc.col][3] = tc.v
		if _, err := (Family{}).Fit(context.Background(), in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %g: %v, want %q", tc.col, tc.v, err, tc.want)
		}
	}
}

func TestLawFromParams(t *testing.T) {
	l, err := Family{}.Law(Published.Params())
	if err != nil || l != Published {
		t.Fatalf("%v %v", l, err)
	}
	x := map[string]float64{"non_vocab_params": 7e9, "vocab_size": 32000, "embed_dim": 4096, "characters": 1e12}
	if v, err := l.Predict(x); err != nil || v != Published.Loss(7e9, 32000, 4096, 1e12) {
		t.Errorf("predict %g %v", v, err)
	}
	x["vocab_size"] = 0
	if _, err := l.Predict(x); err == nil || !strings.Contains(err.Error(), "vocab_size 0") {
		t.Errorf("predict at V = 0: %v", err)
	}
	p := Published.Params()
	p["alpha2"] = -0.1
	if _, err := (Family{}).Law(p); err == nil || !strings.Contains(err.Error(), "alpha2") {
		t.Errorf("negative alpha2: %v", err)
	}
}

func BenchmarkFit(b *testing.B) {
	for _, c := range []struct {
		name  string
		ckpts int
	}{{"1200runs", 20}, {"1980runs", 33}} {
		in := sweep(truth, 1, c.ckpts, 0.003)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := (Family{}).Fit(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOptimal(b *testing.B) {
	for b.Loop() {
		Published.OptimalVocab(70e9, 8192, 7.1e23)
	}
}

func TestChart(t *testing.T) {
	in := sweep(truth, 1, 5, 0.003)
	res, err := Family{}.Fit(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Family{}.Chart([]family.Fitted{{Input: in, Result: res[0]}})
	if err != nil || len(c.Series) != 6 || c.LogY || len(c.Series[0].X) != 10 {
		t.Errorf("chart: %d series, %v", len(c.Series), err)
	}
}
