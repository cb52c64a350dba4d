package curve

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/stats"
)

// score is how forecasts of final losses did: the mean absolute relative error, how many
// 95% intervals cover the actual loss (the interval, and the bootstrap's alone), and the
// median relative half-width of each, (hi − lo)/2/forecast.
type score struct {
	mae                float64
	covered, bootCover int
	halfWidth, bootHW  float64
}

// priorOf is a law fitted on sibling curves with its measured errors (the prior of a forecast).
type priorOf struct {
	par  *Params
	errs []FracError
	loo  float64
}

// forecastScore forecasts each curve's last point from its first frac of the schedule.
func forecastScore(t *testing.T, curves []*Curve, frac float64, prior func(c *Curve) priorOf) score {
	t.Helper()
	var s score
	var hw, bhw []float64
	for _, c := range curves {
		part := c.Truncate(int(frac * float64(c.Len())))
		p := prior(c)
		fc, err := ForecastCurve(part, ForecastOptions{Seed: 1, Prior: p.par, PriorErrors: p.errs, PriorError: p.loo, At: c.Steps[len(c.Steps)-1]})
		if err != nil {
			t.Fatal(err)
		}
		act := c.Loss[len(c.Loss)-1]
		s.mae += math.Abs(fc.Loss-act) / act / float64(len(curves))
		if fc.Interval[0] <= act && act <= fc.Interval[1] {
			s.covered++
		}
		if fc.BootstrapInterval[0] <= act && act <= fc.BootstrapInterval[1] {
			s.bootCover++
		}
		if !(fc.Interval[0] <= fc.BootstrapInterval[0] && fc.BootstrapInterval[1] <= fc.Interval[1]) || !(fc.Interval[0] > 0) {
			t.Errorf("%s: interval %v does not contain the bootstrap's %v, or is not above 0", c.Run, fc.Interval, fc.BootstrapInterval)
		}
		hw = append(hw, (fc.Interval[1]-fc.Interval[0])/2/fc.Loss)
		bhw = append(bhw, (fc.BootstrapInterval[1]-fc.BootstrapInterval[0])/2/fc.Loss)
	}
	s.halfWidth, s.bootHW = median(hw), median(bhw)
	return s
}

func median(xs []float64) float64 {
	ys := append([]float64(nil), xs...)
	sort.Float64s(ys)
	return stats.QuantileSorted(ys, 0.5)
}

// forecastCase is one row of forecast checks with floors: at most maxMAE mean error, at
// least minCovered intervals covering the actual final loss.
type forecastCase struct {
	name       string
	curves     []*Curve
	frac       float64
	prior      func(*Curve) priorOf
	maxMAE     float64
	minCovered int
}

func checkForecastCases(t *testing.T, cases []forecastCase) (covered, boot, trials int) {
	t.Helper()
	for _, c := range cases {
		got := forecastScore(t, c.curves, c.frac, c.prior)
		n := len(c.curves)
		t.Logf("%s: MAE %.4f, coverage %d/%d (bootstrap alone %d/%d), median half-width %.4f (bootstrap %.4f)", c.name, got.mae, got.covered, n, got.bootCover, n, got.halfWidth, got.bootHW)
		if got.mae > c.maxMAE || got.covered < c.minCovered {
			t.Errorf("%s: MAE %.4f (floor: at most %.4f), coverage %d of %d (floor: at least %d)", c.name, got.mae, c.maxMAE, got.covered, n, c.minCovered)
		}
		covered, boot, trials = covered+got.covered, boot+got.bootCover, trials+n
	}
	return covered, boot, trials
}

// fitPrior fits the default law on sib and measures its errors as a prior.
func fitPrior(t *testing.T, sib []*Curve) priorOf {
	t.Helper()
	r, err := Fit(sib, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	le, err := MeasureError(sib, r, FitOptions{}, ErrorOptions{Seed: 1, Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	return priorOf{&r.Params, le.Forecast, le.Mean}
}

// The OLMo ladder's five 10xC runs, forecast from half and a quarter of their schedules,
// with the other runs of their size as the prior (the prior never saw the run) and without.
// Floors, not measured figures: the figures are in docs/forecast-accuracy.md.
func TestForecastOLMoLadder(t *testing.T) {
	all := olmoCurves(t, "")
	targets := olmoCurves(t, "10xC")
	priors := map[string]priorOf{}
	withPrior := func(c *Curve) priorOf {
		size := strings.Split(c.Run, "-")[0]
		if p, ok := priors[size]; ok {
			return p
		}
		var sib []*Curve
		for _, s := range all {
			if strings.HasPrefix(s.Run, size+"-") && !strings.Contains(s.Run, "10xC") {
				sib = append(sib, s)
			}
		}
		priors[size] = fitPrior(t, sib)
		return priors[size]
	}
	none := func(*Curve) priorOf { return priorOf{} }
	cases := []forecastCase{
		{"prior, first half", targets, 0.5, withPrior, 0.01, 3},
		{"prior, first quarter", targets, 0.25, withPrior, 0.02, 4},
		{"no prior, first half", targets, 0.5, none, 0.02, 2},
		{"no prior, first quarter", targets, 0.25, none, 0.03, 2},
	}
	if testing.Short() {
		cases = cases[:1]
	}
	checkForecastCases(t, cases)
}

// mpl-curves: each test curve's final loss forecast from its first third, with the default
// law fitted on the same size's three train curves as the prior; floors.
func TestForecastMPLFirstThird(t *testing.T) {
	if testing.Short() {
		t.Skip("fits three sizes")
	}
	var cases []forecastCase
	for _, size := range []string{"400M", "100M", "25M"} {
		p := fitPrior(t, mplCurves(t, size, "train"))
		cases = append(cases, forecastCase{size + " first third", mplCurves(t, size, "test"), 1.0 / 3, func(*Curve) priorOf { return p }, 0.02, 4})
	}
	cov, boot, n := checkForecastCases(t, cases)
	t.Logf("mpl-curves: %d of %d covered (bootstrap alone %d)", cov, n, boot)
	if cov < 14 {
		t.Errorf("%d of %d intervals cover the final loss: want at least 14", cov, n)
	}
}

func TestForecastBadInputs(t *testing.T) {
	sc, _ := Parse("constant:warmup=10,steps=1000,peak=1e-3")
	c := &Curve{Run: "r", Schedule: sc, LR: sc.LRs(), Steps: []int{100, 200, 300, 400}, Loss: []float64{4, 3.9, 3.8, 3.7}}
	if _, err := ForecastCurve(c, ForecastOptions{}); err == nil || !strings.Contains(err.Error(), "at least 5") {
		t.Errorf("4 points: %v", err)
	}
	c.Steps, c.Loss = append(c.Steps, 500), append(c.Loss, 3.65)
	if _, err := ForecastCurve(c, ForecastOptions{At: 1000}); err == nil || !strings.Contains(err.Error(), "beyond the schedule") {
		t.Errorf("--at 1000: %v", err)
	}
}

// The optimizer's coarse grid finds the decay start that a fine search finds best under a
// known law, within one grid step.
func TestOptimizeRecoversBestDecayStart(t *testing.T) {
	law := publishedParams(t, "400M")
	opts := OptimizeOptions{Steps: 24000, Warmup: 2160, Peak: 3e-4, Finals: []float64{3e-5}, Decays: []string{DecayExp}, Grid: 20}
	got, err := Optimize(law, opts)
	if err != nil {
		t.Fatal(err)
	}
	fine := opts
	fine.Grid = 400
	truth, err := Optimize(law, fine)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Best.Schedule.DecayStart - truth.Best.Schedule.DecayStart; d > got.GridStep || -d > got.GridStep {
		t.Errorf("coarse best decay start %d, fine %d: more than one grid step (%d) apart", got.Best.Schedule.DecayStart, truth.Best.Schedule.DecayStart, got.GridStep)
	}
	if !(got.Gain > 0) || got.Best.Loss >= got.Cosine.Loss {
		t.Errorf("gain over cosine %g: want the wsd optimum below cosine under the multi-power law", got.Gain)
	}
}

// The backtest on synthetic curves with a known answer: a curve exactly on the prior's law
// has no extrapolation error to find (the interval is the bootstrap's); one that drifts
// away from the law by b per log-step (relative) shows a backtest error rate of the order of
// b (within a factor of 2: the refit of L0 and A absorbs part of the drift, more of it on
// longer prefixes), and its widened interval covers the drifted final loss that the
// bootstrap's misses.
func TestForecastBacktestSynthetic(t *testing.T) {
	law := publishedParams(t, "400M")
	sc, err := Parse("cosine:warmup=500,steps=24000,peak=3e-4,final=3e-5")
	if err != nil {
		t.Fatal(err)
	}
	const b, s0 = 0.004, 1000.0
	mk := func(drift float64) (*Curve, float64) {
		c := &Curve{Run: "synthetic", Schedule: sc, LR: sc.LRs()}
		for s := 200; s < 24000; s += 200 {
			c.Steps = append(c.Steps, s)
		}
		c.Steps = append(c.Steps, 23999)
		c.Loss = Predict(law, c.LR, c.Steps)
		for i, s := range c.Steps {
			c.Loss[i] *= 1 + drift*math.Max(0, math.Log(float64(s)/s0))
		}
		return c, c.Loss[len(c.Loss)-1]
	}
	for _, tc := range []struct {
		drift float64
	}{{0}, {b}} {
		c, final := mk(tc.drift)
		fc, err := ForecastCurve(c.Truncate(8000), ForecastOptions{Prior: &law, Seed: 1, Bootstrap: 50})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("drift %g: forecast %.5f, final %.5f, interval %v, bootstrap %v, error rate %.5f", tc.drift, fc.Loss, final, fc.Interval, fc.BootstrapInterval, fc.ErrorRate)
		if tc.drift == 0 {
			if fc.ErrorRate > 1e-6 || math.Abs(fc.Loss-final) > 1e-6*final {
				t.Errorf("on the law: error rate %g, forecast %.6f of %.6f; want 0 and exact", fc.ErrorRate, fc.Loss, final)
			}
			continue
		}
		if fc.ErrorRate < b/2 || fc.ErrorRate > 2*b {
			t.Errorf("drift %g per log-step: backtest error rate %.5f", b, fc.ErrorRate)
		}
		in := func(iv [2]float64) bool { return iv[0] <= final && final <= iv[1] }
		if !in(fc.Interval) || in(fc.BootstrapInterval) {
			t.Errorf("drifted final %.5f: interval %v should cover it, bootstrap %v should not", final, fc.Interval, fc.BootstrapInterval)
		}
	}
}
