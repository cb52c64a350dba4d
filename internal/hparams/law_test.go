package hparams

import (
	"context"
	"math"
	"testing"
)

// The built-in laws give the printed formulas' values (DeepSeek-AI 2024 Sec. 3.1; Li et al.
// 2025), evaluated here independently of PowerLaw.
func TestBuiltinsArePrintedFormulas(t *testing.T) {
	ds, err := Lookup("DeepSeek2024-HParams")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{1e20, 1e22, 1e24} {
		lr, b, err := ds.At(Point{Params: math.NaN(), Tokens: math.NaN(), FLOPs: c})
		if err != nil {
			t.Fatal(err)
		}
		if w := 0.3118 * math.Pow(c, -0.1250); math.Abs(lr/w-1) > 1e-12 {
			t.Errorf("deepseek lr at %g: %g, want %g", c, lr, w)
		}
		if w := 0.2920 * math.Pow(c, 0.3271); math.Abs(b/w-1) > 1e-12 {
			t.Errorf("deepseek batch at %g: %g, want %g", c, b, w)
		}
	}
	// At C = 1e22: lr 5.546e-4 ... the figures a reader can check by hand.
	lr, b, _ := ds.At(Point{FLOPs: 1e22})
	if math.Abs(lr-0.3118*math.Pow(10, -2.75)) > 1e-9 || math.Abs(b/4.5876e6-1) > 1e-3 {
		t.Errorf("deepseek at 1e22: lr %g, batch %g tokens", lr, b)
	}
	sl, _ := Lookup("steplaw2025")
	lr, b, err = sl.At(Point{Params: 1e9, Tokens: 1e11, FLOPs: 6e20})
	if err != nil {
		t.Fatal(err)
	}
	if w := 1.79 * math.Pow(1e9, -0.713) * math.Pow(1e11, 0.307); math.Abs(lr/w-1) > 1e-12 {
		t.Errorf("steplaw lr: %g, want %g", lr, w)
	}
	if w := 0.58 * math.Pow(1e11, 0.571); math.Abs(b/w-1) > 1e-12 {
		t.Errorf("steplaw batch: %g, want %g", b, w)
	}
	if _, _, err := sl.At(Point{Params: math.NaN(), Tokens: math.NaN(), FLOPs: 1e22}); err == nil {
		t.Error("steplaw2025 at compute alone: want an error (it is a law in N and D)")
	}
	if _, err := Lookup("chinchilla2022"); err == nil {
		t.Error("Lookup(chinchilla2022): want an error (not a hyper-parameter law)")
	}
}

func TestPowerLawForm(t *testing.T) {
	for _, c := range []struct {
		p    PowerLaw
		want string
	}{
		{PowerLaw{Coef: 1.79, ExpParams: -0.713, ExpTokens: 0.307}, "1.79 N^-0.713 D^0.307"},
		{PowerLaw{Coef: 0.292, ExpCompute: 0.3271}, "0.292 C^0.3271"},
	} {
		if got := c.p.Form(); got != c.want {
			t.Errorf("Form: %q, want %q", got, c.want)
		}
	}
}

// The bootstrap's 95% intervals (runs resampled within groups) cover the true exponents in
// most of 20 synthetic sweeps (out of sample: the recipe was not tuned on these seeds).
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("20 sweeps × 200 resamples")
	}
	truth := map[string]float64{"lr exp_params": -0.713, "lr exp_tokens": 0.307, "batch exp_tokens": 0.571}
	cover := map[string]int{}
	n := 20
	for _, seed := range seeds(501, uint64(n)) {
		res, err := Fit(context.Background(), synth(acceptanceSpec(seed)), Options{Bootstrap: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range truth {
			f := res.LR
			if k[0] == 'b' {
				f = res.Batch
			}
			iv := f.Intervals[k[len(k)-len("exp_tokens"):]]
			if k == "lr exp_params" {
				iv = f.Intervals["exp_params"]
			}
			if iv[0] <= v && v <= iv[1] {
				cover[k]++
			}
		}
	}
	for k, c := range cover {
		t.Logf("%s: covered in %d of %d sweeps", k, c, n)
	}
	for k := range truth {
		if cover[k] < 16 {
			t.Errorf("%s: the 95%% interval covers the truth in %d of %d sweeps, want at least 16", k, cover[k], n)
		}
	}
}

// BenchmarkFit2000 fits a 2,000-run sweep (8 sizes × 5 data amounts × 10 lr × 5 batch) with
// the default bootstrap of the CLI (1,000 resamples).
func BenchmarkFit2000(b *testing.B) {
	s := acceptanceSpec(7)
	s.Ns = []float64{20e6, 40e6, 80e6, 160e6, 320e6, 640e6, 1.28e9, 2.56e9}
	s.Ds = []float64{2e9, 6e9, 2e10, 6e10, 2e11}
	s.nLR = 10
	rs := synth(s)
	if len(rs) != 2000 {
		b.Fatalf("%d runs", len(rs))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fit(context.Background(), rs, Options{Bootstrap: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
