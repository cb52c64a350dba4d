package curve

import (
	"math"
	"math/rand/v2"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

// LawError is how well a fitted law predicts what it was not fitted on, measured on the
// fitted curves themselves.
type LawError struct {
	// LOO scores each curve under the law refitted without it (leave-one-curve-out);
	// Mean is their mean PredE (relative), the law's error on an unseen schedule. Empty
	// (Mean 0) with fewer than 2 curves.
	LOO  []Score
	Mean float64
	// Draws are the law refitted on bootstrap resamples of the curves (curves drawn with
	// replacement): the spread of the law from which curves it saw.
	Draws []Params
	// Forecast is the law's error as a forecast prior, by leave-one-curve-out: each curve
	// forecast to its last logged point from its first Fraction of the schedule, with the
	// law refitted without it as the prior (its level and amplitude refitted to the
	// curve's prefix, as curve forecast does); Error is the median |relative error| over the
	// curves (the median: one short sibling forecast from a few points does not set it), at
	// each of ForecastFractions.
	Forecast []FracError
}

// FracError is a forecast error measured from a cut at Fraction of the schedule, over N
// curves.
type FracError struct {
	Fraction float64 `json:"fraction"`
	Error    float64 `json:"error"`
	N        int     `json:"curves"`
}

// ForecastFractions are the cuts at which MeasureError measures the law's error as a prior.
var ForecastFractions = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}

// PriorErrorAt is the prior's forecast error from a cut at fraction of the schedule,
// interpolated linearly between the measured fractions (held at the nearest end outside
// them); 0 when none was measured.
func PriorErrorAt(errs []FracError, fraction float64) float64 {
	var xs []FracError
	for _, e := range errs {
		if e.N > 0 {
			xs = append(xs, e)
		}
	}
	if len(xs) == 0 {
		return 0
	}
	if fraction <= xs[0].Fraction {
		return xs[0].Error
	}
	for i := 1; i < len(xs); i++ {
		if fraction <= xs[i].Fraction {
			a, b := xs[i-1], xs[i]
			t := (fraction - a.Fraction) / (b.Fraction - a.Fraction)
			return a.Error + t*(b.Error-a.Error)
		}
	}
	return xs[len(xs)-1].Error
}

// priorForecastErrors forecasts curve c's last logged point from each fraction of its
// schedule with prior (level and amplitude refitted) and returns |relative error| per
// fraction (NaN where the cut leaves too few points or nothing to forecast).
func priorForecastErrors(c *Curve, prior Params) []float64 {
	out := make([]float64, len(ForecastFractions))
	n := len(c.Steps)
	last := c.Steps[n-1]
	act := c.Loss[n-1]
	for k, f := range ForecastFractions {
		out[k] = math.NaN()
		part := c.Truncate(int(f * float64(c.Len())))
		if len(part.Steps) < MinForecastPoints || part.Steps[len(part.Steps)-1] >= last {
			continue
		}
		obj, sol, _, err := fitPartialCurve(part, prior.Law, &prior, prior.lambda(), 1)
		if err != nil {
			continue
		}
		par := obj.params(sol)
		pAt := prepare(c.LR[:last+1], []int{last}, prior.lambda(), prior.Law == LawMPL)
		if pred := pAt.predictPoint(&par, 0, nil); finitePositive(pred) {
			out[k] = math.Abs(pred-act) / act
		}
	}
	return out
}

// ErrorOptions configure MeasureError.
type ErrorOptions struct {
	Bootstrap int    // resamples of the curves; 0 means DefaultCurveBootstrap, negative none
	Seed      uint64 // seed of the resamples
	Workers   int
}

// DefaultCurveBootstrap is the number of curve resamples MeasureError refits by default.
const DefaultCurveBootstrap = 20

// MeasureError measures the error of res, a law fitted to curves with opts: each
// leave-one-curve-out refit and each bootstrap refit is a local fit started at res's
// parameters (the multi-start already found the basin; a refit moves within it).
func MeasureError(curves []*Curve, res *Result, opts FitOptions, eo ErrorOptions) (*LawError, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	le := &LawError{}
	x0 := logParams(res.Params)
	// past MaxScorePoints, the refits run on the fit's deterministic subsample of each curve
	// (every k-th point): the errors of a law are measured as well on a thinned curve, in
	// time independent of the log's length
	if sub := subsample(curves, MaxScorePoints); sub != nil {
		curves = sub
	}
	refit := func(cs []*Curve) (Params, bool) {
		o, err := newObjective(res.Params.Law, cs, opts.Delta, res.Params.lambda())
		if err != nil {
			return Params{}, false
		}
		r := fit.Local(o, x0, fit.LocalOptions{FuncEvaluations: 200, GradientThreshold: 1e-9, MaxStep: 2})
		if r.Err != nil || math.IsInf(r.F, 1) {
			return Params{}, false
		}
		return o.params(r.X), true
	}
	if len(curves) >= 2 {
		scores := make([]Score, len(curves))
		oks := make([]bool, len(curves))
		fe := make([][]float64, len(curves))
		stats.ParallelFor(len(curves), eo.Workers, func(i int) {
			rest := make([]*Curve, 0, len(curves)-1)
			rest = append(append(rest, curves[:i]...), curves[i+1:]...)
			p, ok := refit(rest)
			if !ok {
				return
			}
			fe[i] = priorForecastErrors(curves[i], p)
			sc, err := Evaluate(p, curves[i:i+1])
			if err != nil {
				// a held-out curve the refit cannot predict: its error is total
				scores[i], oks[i] = Score{Run: curves[i].Run, Points: len(curves[i].Steps), PredE: 1, WorstE: 1}, true
				return
			}
			scores[i], oks[i] = sc[0], true
		})
		for i, ok := range oks {
			if ok {
				le.LOO = append(le.LOO, scores[i])
			}
		}
		if len(le.LOO) > 0 {
			le.Mean = PredE(le.LOO)
		}
		for k, f := range ForecastFractions {
			var v []float64
			for i := range curves {
				if fe[i] != nil && !math.IsNaN(fe[i][k]) {
					v = append(v, fe[i][k])
				}
			}
			if len(v) > 0 {
				le.Forecast = append(le.Forecast, FracError{Fraction: f, Error: stats.Quantile(v, 0.5), N: len(v)})
			}
		}
	}
	B := eo.Bootstrap
	if B == 0 {
		B = DefaultCurveBootstrap
	}
	if B > 0 && len(curves) >= 2 {
		draws := stats.Replicates(B, stats.BootstrapOptions{Seed: eo.Seed, Workers: eo.Workers}, func(_ int, rng *rand.Rand) *Params {
			cnt := stats.Counts(rng, len(curves))
			var cs []*Curve
			for i, k := range cnt {
				for range k {
					cs = append(cs, curves[i])
				}
			}
			p, ok := refit(cs)
			if !ok {
				return nil
			}
			return &p
		})
		for _, d := range draws {
			if d != nil {
				le.Draws = append(le.Draws, *d)
			}
		}
	}
	return le, nil
}

// PredictionInterval is the 95% interval of a law's loss at one step: the 2.5% and 97.5%
// quantiles of ln L over the bootstrap draws (when there are any), widened on each side by
// ln(1 + LOOScale·looErr), and exponentiated (never below zero).
func PredictionInterval(point float64, draws []float64, looErr float64) [2]float64 {
	lo, hi := math.Log(point), math.Log(point)
	var lv []float64
	for _, d := range draws {
		if d > 0 && !math.IsInf(d, 0) {
			lv = append(lv, math.Log(d))
		}
	}
	if iv, ok := stats.Central(lv, 0.95); ok {
		lo, hi = math.Min(lo, iv.Lo), math.Max(hi, iv.Hi)
	}
	w := math.Log1p(LOOScale * looErr)
	return [2]float64{math.Exp(lo - w), math.Exp(hi + w)}
}

// LOOScale turns a law's leave-one-curve-out error (a mean absolute relative error) into the
// half-width of a 95% interval: for normal errors the 97.5% point is 1.96σ and the mean
// absolute error 0.80σ, a ratio of 2.45; chosen as 2.5 and checked on the development set
// (mpl-curves 25M and 100M, docs/forecast-accuracy.md), reported on 400M.
const LOOScale = 2.5
