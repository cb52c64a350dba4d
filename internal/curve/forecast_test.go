package curve

import (
	"math"
	"strings"
	"testing"
)

// forecastScore forecasts each curve's last point from its first frac of the schedule and
// returns the mean absolute relative error and how many intervals cover the actual loss.
func forecastScore(t *testing.T, curves []*Curve, frac float64, prior func(c *Curve) *Params) (mae float64, covered int) {
	t.Helper()
	for _, c := range curves {
		part := c.Truncate(int(frac * float64(c.Len())))
		fc, err := ForecastCurve(part, ForecastOptions{Seed: 1, Prior: prior(c)})
		if err != nil {
			t.Fatal(err)
		}
		act := c.Loss[len(c.Loss)-1]
		// the forecast is at the schedule's last step; the last logged point is at most one
		// logging interval before it
		mae += math.Abs(fc.Loss-act) / act / float64(len(curves))
		if fc.Interval[0] <= act && act <= fc.Interval[1] {
			covered++
		}
	}
	return mae, covered
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
	cases := []struct {
		name     string
		frac     float64
		prior    func(*Curve) *Params
		mae      float64
		coverage int
	}{
		{"prior, first half", 0.5, withPrior, 0.0007, 5},
		{"prior, first quarter", 0.25, withPrior, 0.0048, 0},
		{"no prior, first half", 0.5, none, 0.0099, 0},
		{"no prior, first quarter", 0.25, none, 0.0109, 2},
	}
	for _, c := range cases {
		if testing.Short() && c.prior == nil {
			continue
		}
		mae, cov := forecastScore(t, targets, c.frac, c.prior)
		t.Logf("%s: MAE %.4f, coverage %d/5", c.name, mae, cov)
		if math.Abs(mae-c.mae) > 0.0003 || cov != c.coverage {
			t.Errorf("%s: mean abs relative error %.4f (measured %.4f), coverage %d/5 (measured %d/5)", c.name, mae, c.mae, cov, c.coverage)
		}
	}
}

// mpl-curves: each 400M test curve's final loss forecast from its first third, with the
// default law fitted on the three train curves as the prior (README).
func TestForecastMPL400MFirstThird(t *testing.T) {
	res, err := Fit(mplCurves(t, "400M", "train"), FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	test := mplCurves(t, "400M", "test")
	mae, cov := forecastScore(t, test, 1.0/3, func(*Curve) *Params { return &res.Params })
	t.Logf("400M first third: MAE %.5f, coverage %d/6", mae, cov)
	if math.Abs(mae-MPL400MThirdMAE) > 0.0002 || cov != MPL400MThirdCoverage {
		t.Errorf("mean abs relative error %.5f (measured %.5f), coverage %d/6 (measured %d)", mae, MPL400MThirdMAE, cov, MPL400MThirdCoverage)
	}
}

// Measured: the mean absolute relative error of the six forecasts and how many of their 95%
// intervals cover the actual final loss.
const (
	MPL400MThirdMAE      = 0.0036
	MPL400MThirdCoverage = 1
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
