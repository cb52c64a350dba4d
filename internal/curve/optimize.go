package curve

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// OptimizeOptions describe the warmup-stable-decay family searched by Optimize. Steps and
// Peak are required.
type OptimizeOptions struct {
	Steps  int     // schedule length T
	Warmup int     // warm-up steps
	Peak   float64 // peak learning rate
	// Finals are the end learning rates tried; empty means Peak/10.
	Finals []float64
	// Decays are the decay shapes tried; empty means exp, linear, cosine and sqrt.
	Decays []string
	// Grid is the number of decay starts tried, evenly spaced from the end of warm-up to the
	// last step; 0 means 20.
	Grid    int
	Workers int
	// LawError is the law's own error on schedules it was not fitted on (its
	// leave-one-curve-out error, relative); a gain within it is not recommended.
	LawError float64
}

// Candidate is one schedule of the search and its predicted final loss.
type Candidate struct {
	Schedule *Schedule
	Loss     float64 // predicted loss at the last step, nats/token
}

// Optimum is the result of Optimize.
type Optimum struct {
	Best       Candidate
	Cosine     Candidate // cosine of the same length, warm-up, peak and the best's final lr
	Gain       float64   // Cosine.Loss − Best.Loss (nats/token; positive: the wsd schedule is better)
	GridStep   int       // steps between decay starts tried
	Candidates []Candidate
	// LawError is OptimizeOptions.LawError; Recommended is false when the relative gain is
	// within it (warning no-gain).
	LawError    float64
	Recommended bool
	Warnings    []warn.Warning
}

// Optimize searches wsd schedules (decay start, shape and final lr) for the lowest final
// loss the law predicts, and compares the best with a cosine schedule of the same length.
// The answer is a prediction of the law, not a measurement.
func Optimize(par Params, opts OptimizeOptions) (*Optimum, error) {
	if opts.Steps < 2 || !(opts.Peak > 0) || opts.Warmup < 0 || opts.Warmup >= opts.Steps {
		return nil, errors.New("optimize: want steps >= 2, 0 <= warmup < steps and a positive peak")
	}
	finals := opts.Finals
	if len(finals) == 0 {
		// peak/10, rounded to 12 significant figures so that 3e-4 gives 3e-5, not 2.9999999999999997e-05
		f, _ := strconv.ParseFloat(strconv.FormatFloat(opts.Peak/10, 'g', 12, 64), 64)
		finals = []float64{f}
	}
	decays := opts.Decays
	if len(decays) == 0 {
		decays = []string{DecayExp, DecayLinear, DecayCosine, DecaySqrt}
	}
	grid := opts.Grid
	if grid <= 0 {
		grid = 20
	}
	span := opts.Steps - opts.Warmup
	step := max(1, span/grid)
	var cands []Candidate
	var skipped []float64
	for _, f := range finals {
		if !(f >= 0) || f > opts.Peak {
			return nil, fmt.Errorf("optimize: final lr %g: want 0 <= final <= peak", f)
		}
		for _, d := range decays {
			if d == DecayExp && f == 0 {
				skipped = append(skipped, f)
				continue
			}
			for s0 := opts.Warmup; s0 < opts.Steps-1; s0 += step {
				cands = append(cands, Candidate{Schedule: &Schedule{Kind: "wsd", Warmup: opts.Warmup, Steps: opts.Steps,
					Peak: opts.Peak, Final: f, DecayStart: s0, Decay: d}})
			}
		}
	}
	if len(cands) == 0 {
		return nil, errors.New("optimize: no candidate schedules")
	}
	if work := int64(len(cands)+1) * int64(opts.Steps); work > limits.MaxCurveScheduleWork {
		return nil, &WorkError{fmt.Sprintf("optimize: %d candidate schedules of %d steps walk %d steps: want at most %d (limits.MaxCurveScheduleWork; fewer --grid starts, --final values or --decay shapes)", len(cands)+1, opts.Steps, work, limits.MaxCurveScheduleWork)}
	}
	errs := make([]error, len(cands))
	stats.ParallelFor(len(cands), opts.Workers, func(i int) {
		cands[i].Loss, errs[i] = finalLoss(par, cands[i].Schedule)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	best := 0
	for i, c := range cands {
		if c.Loss < cands[best].Loss || math.IsNaN(cands[best].Loss) {
			best = i
		}
	}
	b := cands[best]
	cos := &Schedule{Kind: "cosine", Warmup: opts.Warmup, Steps: opts.Steps, Peak: opts.Peak, Final: b.Schedule.Final}
	cos.spec = cos.Canonical()
	cl, err := finalLoss(par, cos)
	if err != nil {
		return nil, err
	}
	for _, c := range append(cands, Candidate{Schedule: cos}) {
		c.Schedule.spec = c.Schedule.Canonical()
	}
	o := &Optimum{Best: b, Cosine: Candidate{Schedule: cos, Loss: cl}, Gain: cl - b.Loss, GridStep: step, Candidates: cands, LawError: opts.LawError, Recommended: true}
	if rel := o.Gain / cl; opts.LawError > 0 && rel <= opts.LawError {
		o.Recommended = false
		o.Warnings = append(o.Warnings, warn.New(CodeNoGain, "the predicted gain over cosine, %.2g%%, is within this law's own error on schedules it was not fitted on (%.2g%%, leave-one-curve-out): no schedule is recommended", 100*rel, 100*opts.LawError))
	}
	if len(skipped) > 0 {
		o.Warnings = append(o.Warnings, warn.New(CodeDecaySkipped, "the exp decay was not tried with a final learning rate of 0 (a geometric decay never reaches 0): give a positive --final to compare it"))
	}
	return o, nil
}

// finalLoss is the law's loss at the last step of sc (finite and positive, else a *LossError).
func finalLoss(par Params, sc *Schedule) (float64, error) {
	loss := math.NaN()
	err := PredictEach(par, sc, PredictEachOptions{Every: sc.Steps - 1}, func(_ int, _, l float64, _ []float64) error {
		loss = l
		return nil
	})
	return loss, err
}
