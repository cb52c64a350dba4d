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

// forecastScore forecasts each curve's last point from its first frac of the schedule.
func forecastScore(t *testing.T, curves []*Curve, frac float64, prior func(c *Curve) *Params) score {
	t.Helper()
	var s score
	var hw, bhw []float64
	for _, c := range curves {
		part := c.Truncate(int(frac * float64(c.Len())))
		fc, err := ForecastCurve(part, ForecastOptions{Seed: 1, Prior: prior(c)})
		if err != nil {
			t.Fatal(err)
		}
		act := c.Loss[len(c.Loss)-1]
		// the forecast is at the schedule's last step; the last logged point is at most one
		// logging interval before it
		s.mae += math.Abs(fc.Loss-act) / act / float64(len(curves))
		if fc.Interval[0] <= act && act <= fc.Interval[1] {
			s.covered++
		}
		if fc.BootstrapInterval[0] <= act && act <= fc.BootstrapInterval[1] {
			s.bootCover++
		}
		if !(fc.Interval[0] <= fc.BootstrapInterval[0] && fc.BootstrapInterval[1] <= fc.Interval[1]) {
			t.Errorf("%s: interval %v does not contain the bootstrap's %v", c.Run, fc.Interval, fc.BootstrapInterval)
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

// forecastCase is one measured row of the README's forecast table.
type forecastCase struct {
	name   string
	curves []*Curve
	frac   float64
	prior  func(*Curve) *Params
	want   score // measured
}

func checkForecastCases(t *testing.T, cases []forecastCase) (covered, boot, trials int) {
	t.Helper()
	for _, c := range cases {
		got := forecastScore(t, c.curves, c.frac, c.prior)
		n := len(c.curves)
		t.Logf("%s: MAE %.4f, coverage %d/%d (bootstrap alone %d/%d), median half-width %.4f (bootstrap %.4f)", c.name, got.mae, got.covered, n, got.bootCover, n, got.halfWidth, got.bootHW)
		w := c.want
		if math.Abs(got.mae-w.mae) > 0.0003 || got.covered != w.covered || got.bootCover != w.bootCover ||
			math.Abs(got.halfWidth-w.halfWidth) > 0.0003 || math.Abs(got.bootHW-w.bootHW) > 0.0003 {
			t.Errorf("%s: got MAE %.4f, coverage %d (bootstrap %d), half-widths %.4f (bootstrap %.4f); measured %.4f, %d (%d), %.4f (%.4f)",
				c.name, got.mae, got.covered, got.bootCover, got.halfWidth, got.bootHW, w.mae, w.covered, w.bootCover, w.halfWidth, w.bootHW)
		}
		covered, boot, trials = covered+got.covered, boot+got.bootCover, trials+n
	}
	return covered, boot, trials
}

// OLMo ladder: each 10xC run's final C4 loss forecast from its first half and first quarter,
// with the same size's shorter runs (0.5xC to 5xC) as the prior and without (README).
func TestForecastOLMoLadder(t *testing.T) {
	all := olmoCurves(t, "")
	targets := olmoCurves(t, "10xC")
	priors := map[string]*Params{}
	withPrior := func(c *Curve) *Params {
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
		r, err := Fit(sib, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		priors[size] = &r.Params
		return &r.Params
	}
	none := func(*Curve) *Params { return nil }
	cases := []forecastCase{
		{"prior, first half", targets, 0.5, withPrior, score{0.0007, 5, 5, 0.0177, 0.0019}},
		{"prior, first quarter", targets, 0.25, withPrior, score{0.0048, 5, 0, 0.0155, 0.0011}},
		{"no prior, first half", targets, 0.5, none, score{0.0099, 2, 0, 0.0084, 0.0012}},
		{"no prior, first quarter", targets, 0.25, none, score{0.0109, 4, 2, 0.0202, 0.0115}},
	}
	if testing.Short() {
		cases = cases[:2]
	}
	checkForecastCases(t, cases)
}

// mpl-curves: each test curve's final loss forecast from its first third, with the default
// law fitted on the same size's three train curves as the prior (README); and, pooled with
// the OLMo ladder's 20 trials, the share of 95% intervals that cover the actual loss.
func TestForecastMPLFirstThird(t *testing.T) {
	var cases []forecastCase
	for _, m := range []struct {
		size string
		want score
	}{
		{"400M", score{MPL400MThirdMAE, MPL400MThirdCoverage, 1, 0.0048, 0.0005}},
		{"100M", score{0.0020, 5, 1, 0.0047, 0.0005}},
		{"25M", score{0.0037, 6, 2, 0.0095, 0.0009}},
	} {
		res, err := Fit(mplCurves(t, m.size, "train"), FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Params
		cases = append(cases, forecastCase{m.size + " first third", mplCurves(t, m.size, "test"), 1.0 / 3, func(*Curve) *Params { return &p }, m.want})
	}
	cov, boot, n := checkForecastCases(t, cases)
	t.Logf("mpl-curves: %d of %d covered (bootstrap alone %d)", cov, n, boot)
}

// Measured: the mean absolute relative error of the six 400M forecasts and how many of their
// 95% intervals cover the actual final loss.
const (
	MPL400MThirdMAE      = 0.0036
	MPL400MThirdCoverage = 4
)

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
