package versus

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/synth"
)

// The frontier in closed form: L*(C) inverted gives C back; a law whose N and D are scaled
// by k needs 1/k² the compute at every budget; a loss at or below E is never reached.
func TestFrontierClosedForm(t *testing.T) {
	law := synth.Example
	for _, c := range []float64{1e15, 1e18, 1e21, 5.76e23, 1e27} {
		if got := ComputeForLoss(law, FrontierLoss(law, c)); math.Abs(got/c-1) > 1e-9 {
			t.Errorf("ComputeForLoss(FrontierLoss(%g)) = %g", c, got)
		}
		for _, k := range []float64{math.Sqrt(0.5), 1, 2, 10} {
			if got, want := Multiplier(law, synth.Scaled(law, k), c), 1/(k*k); math.Abs(got/want-1) > 1e-9 {
				t.Errorf("C %g, k %g: multiplier %g, want %g", c, k, got, want)
			}
		}
	}
	if got := ComputeForLoss(law, law.E); !math.IsInf(got, 1) {
		t.Errorf("loss = E: compute %g, want +Inf", got)
	}
	higherE := law
	higherE.E = 2.5
	if m := Multiplier(law, higherE, 1e24); !math.IsInf(m, 1) {
		t.Errorf("a law with E above the reference's loss: multiplier %g, want +Inf", m)
	}
	// L* − E = K (C/6)^−γ: the slope is the log-log derivative of the reducible loss
	c1, c2 := 1e20, 1e22
	got := -math.Log((FrontierLoss(law, c2)-law.E)/(FrontierLoss(law, c1)-law.E)) / math.Log(c2/c1)
	if math.Abs(got-Slope(law)) > 1e-12 {
		t.Errorf("frontier slope %g, Slope %g", got, Slope(law))
	}
}

func TestCrossoverKnown(t *testing.T) {
	ref, half, steep := synth.VersusLaws()
	c, ok, _ := crossover(Of(ref), Of(steep), 1e16, 1e25)
	if !ok || math.Abs(c/synth.VersusCrossover-1) > 1e-6 {
		t.Errorf("crossover %g (found %v), want %g", c, ok, synth.VersusCrossover)
	}
	if _, ok, bBetter := crossover(Of(ref), Of(half), 1e16, 1e25); ok || bBetter {
		t.Errorf("half never crosses ref and is never better (found %v, better %v)", ok, bBetter)
	}
}

// Noise-free runs: every multiplier, the crossover and the exponent differences come back
// to fitting precision, independently and with a shared E.
func TestCompareExactRecovery(t *testing.T) {
	ref, half, steep := synth.VersusLaws()
	gs := []Group{synthGroup("ref", ref, 0, 1), synthGroup("half", half, 0, 2), synthGroup("steep", steep, 0, 3)}
	for _, shared := range []bool{false, true} {
		r, err := Compare(gs, Options{SharedE: shared})
		if err != nil {
			t.Fatal(err)
		}
		if r.Reference != "ref" || len(r.Comparisons) != 2 {
			t.Fatalf("reference %q, %d comparisons", r.Reference, len(r.Comparisons))
		}
		if shared && math.Abs(r.E/ref.E-1) > 1e-4 {
			t.Errorf("shared E %g, want %g", r.E, ref.E)
		}
		for _, c := range r.Comparisons {
			law := half
			if c.Group == "steep" {
				law = steep
			}
			for _, p := range c.Multipliers {
				if want := Multiplier(ref, law, p.FLOPs); math.Abs(p.Value/want-1) > 1e-3 {
					t.Errorf("shared %v, %s at %g: multiplier %g, want %g", shared, c.Group, p.FLOPs, p.Value, want)
				}
			}
			for k, e := range c.Exponents {
				want := a3Draw(law).Exponents[k] - a3Draw(ref).Exponents[k]
				if math.Abs(e.Diff-want) > 1e-4 {
					t.Errorf("shared %v, %s: %s difference %g, want %g", shared, c.Group, e.Name, e.Diff, want)
				}
			}
			switch c.Group {
			case "half":
				if c.Crossover != nil || c.Trend != "steady" {
					t.Errorf("half: crossover %+v, trend %q; want none, steady", c.Crossover, c.Trend)
				}
			case "steep":
				if c.Crossover == nil || math.Abs(c.Crossover.FLOPs/synth.VersusCrossover-1) > 1e-3 || c.Crossover.BetterAbove != "steep" || c.Crossover.Extrapolated {
					t.Errorf("steep: crossover %+v, want %g with steep better above", c.Crossover, synth.VersusCrossover)
				}
				if c.Trend != "crossing" {
					t.Errorf("steep: trend %q, want crossing", c.Trend)
				}
			}
		}
	}
}

// The bar on noisy runs (log-loss noise 0.25%, as the acceptance check uses; 7
// budgets x 7 sizes): multipliers
// within 5% at the budgets inside the runs' compute range, the crossover within a factor
// 1.5, and 95% intervals that cover the truth.
func TestCompareNoisyRecovery(t *testing.T) {
	ref, half, steep := synth.VersusLaws()
	gs := []Group{synthGroup("ref", ref, 0.0025, 11), synthGroup("half", half, 0.0025, 12), synthGroup("steep", steep, 0.0025, 13)}
	r, err := Compare(gs, Options{SharedE: true, Bootstrap: 100, Seed: 1, Budgets: []float64{1e18, 1e19, 1e20, 1e21}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Comparisons {
		law := map[string]chinchilla.Law{"half": half, "steep": steep}[c.Group]
		for _, p := range c.Multipliers {
			want := Multiplier(ref, law, p.FLOPs)
			if !p.Extrapolated && math.Abs(p.Value/want-1) > 0.05 {
				t.Errorf("%s at %g: multiplier %.4g, want %.4g within 5%%", c.Group, p.FLOPs, p.Value, want)
			}
			if p.Interval == nil || !(p.Interval.Lo < p.Value && p.Value < p.Interval.Hi) {
				t.Errorf("%s at %g: interval %+v does not hold the estimate %g", c.Group, p.FLOPs, p.Interval, p.Value)
			}
		}
	}
	x := r.Comparisons[1].Crossover
	if x == nil || x.FLOPs > 1.5*synth.VersusCrossover || x.FLOPs < synth.VersusCrossover/1.5 {
		t.Fatalf("crossover %+v, want within 1.5x of %g", x, synth.VersusCrossover)
	}
	if x.Interval == nil || x.Interval.Lo > synth.VersusCrossover || x.Interval.Hi < synth.VersusCrossover {
		t.Errorf("crossover interval %+v does not cover %g", x.Interval, synth.VersusCrossover)
	}
}

// coverage runs seeded trials and returns the share of (trial, group, budget) 95%
// intervals that hold the true multiplier, and of trials whose crossover is within 1.5x.
func coverage(t testing.TB, trials, resamples int, shared bool) (cover, crossClose float64) {
	ref, half, steep := synth.VersusLaws()
	truth := map[string]chinchilla.Law{"half": half, "steep": steep}
	hit, n, xc := 0, 0, 0
	for s := range trials {
		seed := uint64(100 + 3*s)
		gs := []Group{synthGroup("ref", ref, 0.005, seed), synthGroup("half", half, 0.005, seed+1), synthGroup("steep", steep, 0.005, seed+2)}
		r, err := Compare(gs, Options{SharedE: shared, Bootstrap: resamples, Seed: uint64(s), Budgets: []float64{1e18, 1e19, 1e20, 1e21}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Comparisons {
			for _, p := range c.Multipliers {
				n++
				if m := Multiplier(ref, truth[c.Group], p.FLOPs); p.Interval.Lo <= m && m <= p.Interval.Hi {
					hit++
				}
			}
			if x := c.Crossover; c.Group == "steep" && x != nil && x.FLOPs < 1.5*synth.VersusCrossover && x.FLOPs > synth.VersusCrossover/1.5 {
				xc++
			}
		}
	}
	return float64(hit) / float64(n), float64(xc) / float64(trials)
}

// The pinned, fast version of the coverage study (BenchmarkCoverage runs the larger one):
// 10 seeded trials of 100 resamples with a shared E (the designs share it).
func TestCoverage(t *testing.T) {
	cover, cross := coverage(t, 10, 100, true)
	t.Logf("coverage %.1f%%, crossover within 1.5x in %.0f%% of trials", 100*cover, 100*cross)
	if cover < 0.9 {
		t.Errorf("95%% intervals cover the true multiplier in %.0f%% of trials x budgets, want >= 90%%", 100*cover)
	}
	if cross < 0.9 {
		t.Errorf("crossover within 1.5x in %.0f%% of trials, want >= 90%%", 100*cross)
	}
}

// BenchmarkCoverage is the coverage study: 20 seeded trials of 200 resamples, independent
// and shared-E fits; it reports the coverage as metrics (go test -bench Coverage -benchtime 1x).
func BenchmarkCoverage(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := "independent"
		if shared {
			name = "sharedE"
		}
		b.Run(name, func(b *testing.B) {
			var cover, cross float64
			for b.Loop() {
				cover, cross = coverage(b, 20, 200, shared)
			}
			b.ReportMetric(100*cover, "%covered")
			b.ReportMetric(100*cross, "%crossover-within-1.5x")
		})
	}
}

func TestCompareWarningsAndErrors(t *testing.T) {
	ref, half, _ := synth.VersusLaws()
	a := synthGroup("A", ref, 0.002, 1)
	b := synthGroup("B", half, 0.002, 2)
	tiny := Group{Name: "tiny", Params: a.Params[:4], Tokens: a.Tokens[:4], FLOPs: a.FLOPs[:4], Loss: a.Loss[:4]}
	// a group whose runs all sit far above the reference's compute range
	far := synthGroup("far", half, 0.002, 3)
	for i := range far.FLOPs {
		far.FLOPs[i] *= 1e6
		far.Params[i] *= 1e3
		far.Tokens[i] *= 1e3
	}
	r, err := Compare([]Group{a, b, tiny, far}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, w := range r.Warnings {
		codes[w.Code] = w.Group
	}
	if codes[CodeTooFewRuns] != "tiny" || codes[CodeNoOverlap] != "far" {
		t.Errorf("warnings %v: want %s for tiny and %s for far", r.Warnings, CodeTooFewRuns, CodeNoOverlap)
	}
	if len(r.Comparisons) != 2 {
		t.Errorf("%d comparisons, want B and far", len(r.Comparisons))
	}
	for _, p := range r.Comparisons[1].Multipliers {
		if !p.Extrapolated {
			t.Errorf("far at %g: not marked extrapolated", p.FLOPs)
		}
	}

	for _, tt := range []struct {
		groups []Group
		opts   Options
		want   string
	}{
		{[]Group{a}, Options{}, "want at least two groups"},
		{[]Group{a, b}, Options{Reference: "C"}, `reference group "C" not found`},
		{[]Group{tiny, a}, Options{}, `reference group "tiny" has 4 runs`},
		{[]Group{a, tiny}, Options{}, `only group "A" could be fitted`},
		{[]Group{a, b}, Options{Bootstrap: -1}, "bootstrap -1"},
	} {
		_, err := Compare(tt.groups, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.opts, err, tt.want)
		}
	}
	if _, err := Compare([]Group{a}, Options{}); !errors.Is(err, ErrNoComparison) {
		t.Errorf("one group: %v, want ErrNoComparison", err)
	}
}

// MoE: the memory ratio is each group's compute-optimal total parameters at matched loss.
func TestMemoryRatio(t *testing.T) {
	ref, half, _ := synth.VersusLaws()
	a, b := synthGroup("dense", ref, 0, 1), synthGroup("moe", half, 0, 2)
	b.TotalParams = make([]float64, len(b.Params))
	for i, n := range b.Params {
		b.TotalParams[i] = 8 * n
	}
	a.TotalParams = a.Params
	r, err := Compare([]Group{a, b}, Options{Budgets: []float64{1e20}})
	if err != nil {
		t.Fatal(err)
	}
	if f := r.Fits[1].MemoryFactor; math.Abs(f-8) > 1e-12 {
		t.Errorf("memory factor %g, want 8", f)
	}
	p := r.Comparisons[0].Multipliers[0]
	want := 8 * half.NOpt(2e20) / ref.NOpt(1e20)
	if math.Abs(p.MemoryRatio/want-1) > 1e-3 {
		t.Errorf("memory ratio %g, want %g", p.MemoryRatio, want)
	}
}

// The IsoFLOP-minima frontier: on noise-free IsoFLOP grids the minima lie on the law's
// frontier (up to the Akima spline's interpolation), so the multipliers come back closely,
// independently and with a shared E; a is Approach 2's.
func TestIsoFLOPFrontierRecovery(t *testing.T) {
	ref, half, steep := synth.VersusLaws()
	withBudgets := func(g Group) Group {
		g.Budgets = slices.Clone(g.FLOPs)
		return g
	}
	gs := []Group{withBudgets(synthGroup("ref", ref, 0, 1)), withBudgets(synthGroup("half", half, 0, 2)), withBudgets(synthGroup("steep", steep, 0, 3))}
	for _, shared := range []bool{false, true} {
		r, err := Compare(gs, Options{SharedE: shared, Frontier: FrontierIsoFLOP, Budgets: []float64{1e18, 1e19, 1e20}, CrossoverMax: 1e22, Bootstrap: 20, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Frontier != FrontierIsoFLOP || r.Fits[0].Budgets != 7 {
			t.Fatalf("frontier %q on %d budgets", r.Frontier, r.Fits[0].Budgets)
		}
		for _, c := range r.Comparisons {
			law := map[string]chinchilla.Law{"half": half, "steep": steep}[c.Group]
			for _, p := range c.Multipliers {
				if want := Multiplier(ref, law, p.FLOPs); math.Abs(p.Value/want-1) > 0.03 {
					t.Errorf("shared %v, %s at %g: multiplier %.4g, want %.4g within 3%%", shared, c.Group, p.FLOPs, p.Value, want)
				}
			}
			if len(c.Exponents) != 3 || c.Exponents[0].Name != "a" {
				t.Errorf("exponents %+v: want a, b, slope", c.Exponents)
			}
		}
		if x := r.Comparisons[1].Crossover; x == nil || math.Abs(x.FLOPs/synth.VersusCrossover-1) > 0.1 {
			t.Errorf("shared %v: crossover %+v, want %g", shared, x, synth.VersusCrossover)
		}
	}
	// too few budgets for the frontier's three parameters
	few := withBudgets(synthGroup("few", half, 0, 2))
	n := 3 * 7
	few.Params, few.Tokens, few.FLOPs, few.Loss, few.Budgets = few.Params[:n], few.Tokens[:n], few.FLOPs[:n], few.Loss[:n], few.Budgets[:n]
	r, err := Compare([]Group{gs[0], few}, Options{Frontier: FrontierIsoFLOP})
	if err == nil || !strings.Contains(err.Error(), "only group") {
		t.Errorf("a group with 3 budgets: %v, %+v; want it left out", err, r)
	}
}

// BenchmarkCompare: three groups of 49 runs, 200 resamples, independent and shared-E fits.
func BenchmarkCompare(b *testing.B) {
	ref, half, steep := synth.VersusLaws()
	gs := []Group{synthGroup("ref", ref, 0.005, 1), synthGroup("half", half, 0.005, 2), synthGroup("steep", steep, 0.005, 3)}
	for _, shared := range []bool{false, true} {
		name := "independent"
		if shared {
			name = "sharedE"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Compare(gs, Options{SharedE: shared, Bootstrap: 200, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Results depend on the seed only, never on the number of workers.
func TestCompareIndependentOfWorkers(t *testing.T) {
	ref, half, _ := synth.VersusLaws()
	gs := []Group{synthGroup("ref", ref, 0.005, 1), synthGroup("half", half, 0.005, 2)}
	for _, shared := range []bool{false, true} {
		var got [][]Point
		for _, w := range []int{1, 3} {
			r, err := Compare(gs, Options{SharedE: shared, Bootstrap: 12, Seed: 5, Budgets: []float64{1e19, 1e22}, Fit: chinchilla.FitOptions{Workers: w}})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r.Comparisons[0].Multipliers)
		}
		for i := range got[0] {
			a, b := got[0][i], got[1][i]
			if a.Value != b.Value || *a.Interval != *b.Interval {
				t.Errorf("shared %v at %g: 1 worker %g %v, 3 workers %g %v", shared, a.FLOPs, a.Value, *a.Interval, b.Value, *b.Interval)
			}
		}
	}
}

// D08: two identical groups need exactly 1x each other's compute and never cross, with or
// without noise and resamples (the last bits of two fits are not a crossing).
func TestD08IdenticalGroups(t *testing.T) {
	ref, _, _ := synth.VersusLaws()
	for _, noise := range []float64{0, 0.005} {
		a, b := synthGroup("a", ref, noise, 7), synthGroup("b", ref, noise, 7)
		r, err := Compare([]Group{a, b}, Options{Bootstrap: 20, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		c := r.Comparisons[0]
		for _, p := range c.Multipliers {
			if math.Abs(p.Value-1) > 1e-6 || p.Unsupported != "" {
				t.Errorf("noise %g: multiplier %g at %g (%s), want 1", noise, p.Value, p.FLOPs, p.Unsupported)
			}
		}
		if c.Crossover != nil || c.Trend != "steady" {
			t.Errorf("noise %g: crossover %+v, trend %q; want none and steady", noise, c.Crossover, c.Trend)
		}
	}
	// Frontiers equal but for rounding never cross.
	f := Frontier{E: 1.8, K: 40, Gamma: 0.17}
	g := f
	g.K *= 1 + 1e-13
	if _, ok, _ := crossover(f, g, 1e18, 1e24); ok {
		t.Error("frontiers 1e-13 apart cross")
	}
}

// A multiplier from a fit that did not converge, or beyond [1e-3, 1e3], is shown but marked
// unsupported and never chosen as the headline or the trend.
func TestUnsupportedMultipliers(t *testing.T) {
	ps := []Point{
		{FLOPs: 1e19, Value: 2},
		{FLOPs: 1e20, Value: 2.1},
		{FLOPs: 1e21, Value: 5e4, Unsupported: "outside"},
		{FLOPs: 1e22, Value: 2e-5, Unsupported: "outside", Extrapolated: true},
	}
	if h, ok := Headline(ps); !ok || h.FLOPs != 1e20 {
		t.Errorf("headline %+v %v: want the largest supported budget inside the range, 1e20", h, ok)
	}
	if tr := trend(ps, nil); tr != "widening" {
		t.Errorf("trend %q: want widening, from 2x to 2.1x over the two supported budgets (not to 5e4x)", tr)
	}
	if _, ok := Headline(ps[2:]); ok {
		t.Error("headline found among unsupported points only")
	}
	if tr := trend(ps[2:], nil); tr != "unsupported" {
		t.Errorf("trend of unsupported points %q", tr)
	}
}
