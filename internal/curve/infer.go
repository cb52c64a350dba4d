package curve

import (
	"errors"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/warn"
)

// InferMaxMismatch is the largest difference between a logged learning rate and an inferred
// schedule's, relative to the peak, that InferPlanned accepts.
const InferMaxMismatch = 0.02

// NoLengthError is a partial curve with an lr column but neither the schedule's length nor a
// forecast step: its planned end is not in the log.
type NoLengthError struct{ Run string }

func (e *NoLengthError) Error() string {
	return fmt.Sprintf("run %q has an lr column but no planned schedule: the log shows the schedule so far, not where it ends; give --schedule SPEC, or --steps T (the planned length) or --at STEP to forecast under the schedule inferred from the lr column", e.Run)
}

// InferPlanned infers the planned schedule of a partial curve c from its logged learning
// rates (c.LR at c.Steps, from an lr column): a linear warm-up to the peak, then constant
// (the lr flat so far: a constant schedule, or the stable phase of a wsd one, forecast as
// constant), or a cosine or linear decay whose final value is fitted to the decay seen so
// far, of length steps (or, when steps is 0, at+1). It returns the schedule and a
// schedule-inferred warning that says what was inferred and from what; an error when the
// length is unknown (*NoLengthError) or the lr column matches none of these within
// InferMaxMismatch of the peak.
func InferPlanned(c *Curve, steps, at int) (*Schedule, warn.Warning, error) {
	n := len(c.Steps)
	T := steps
	if T <= 0 && at > 0 {
		T = at + 1
	}
	if T <= 0 {
		return nil, warn.Warning{}, &NoLengthError{Run: c.Run}
	}
	last := c.Steps[n-1]
	if T <= last+1 {
		return nil, warn.Warning{}, fmt.Errorf("run %q: the planned length %d is not beyond the last logged step %d: want --steps (or --at) beyond it", c.Run, T, last)
	}
	if len(c.LR) <= last || n < 3 {
		return nil, warn.Warning{}, errors.New("want at least 3 logged learning rates")
	}
	lr := make([]float64, n)
	peak := 0.0
	for i, s := range c.Steps {
		lr[i] = c.LR[s]
		peak = math.Max(peak, lr[i])
	}
	if !(peak > 0) {
		return nil, warn.Warning{}, fmt.Errorf("run %q: no positive learning rate in its lr column", c.Run)
	}
	// warm-up: the first logged step at the peak (to 0.1%), read as the last warm-up step + 1
	W := 0
	for i, s := range c.Steps {
		if lr[i] >= peak*(1-1e-3) {
			if s > 0 && i > 0 && lr[0] < 0.999*peak {
				W = s + 1
			}
			break
		}
	}
	mismatch := func(sc *Schedule) float64 {
		e := 0.0
		for i, s := range c.Steps {
			e = math.Max(e, math.Abs(sc.LR(s)-lr[i]))
		}
		return e / peak
	}
	cands := []*Schedule{{Kind: "constant", Warmup: W, Steps: T, Peak: peak}}
	for _, kind := range []string{"cosine", "linear"} {
		sc := &Schedule{Kind: kind, Warmup: W, Steps: T, Peak: peak}
		// final by least squares: lr = F + (P − F)·g  =>  lr − P·g = F·(1 − g)
		var num, den float64
		for i, s := range c.Steps {
			if s < W {
				continue
			}
			sc.Final = 0
			g := sc.LR(s) / peak // with final 0, the decay's shape g
			num += (1 - g) * (lr[i] - peak*g)
			den += (1 - g) * (1 - g)
		}
		if den > 0 {
			sc.Final = math.Min(peak, math.Max(0, num/den))
		}
		cands = append(cands, sc)
	}
	best, bestE := cands[0], mismatch(cands[0])
	for _, sc := range cands[1:] {
		if e := mismatch(sc); e < bestE-1e-9 {
			best, bestE = sc, e
		}
	}
	if W >= T {
		return nil, warn.Warning{}, fmt.Errorf("run %q: warm-up of %d steps is not shorter than the planned length %d", c.Run, W, T)
	}
	best.spec = best.Canonical()
	if bestE > InferMaxMismatch {
		return nil, warn.Warning{}, fmt.Errorf("run %q: its lr column is not a linear warm-up followed by a constant, cosine or linear schedule (best, %s, is off by %.2g of the peak): give --schedule SPEC", c.Run, best, bestE)
	}
	what := map[string]string{"constant": "flat after warm-up so far (a constant schedule, or the stable phase of a wsd one: forecast as constant)",
		"cosine": "a cosine decay (its final lr fitted to the decay seen so far)", "linear": "a linear decay (its final lr fitted to the decay seen so far)"}[best.Kind]
	src := "--steps"
	if steps <= 0 {
		src = "--at + 1"
	}
	w := warn.New(CodeScheduleInferred, "run %q: no --schedule: its lr column (%d values up to step %d) is %s; with the planned length %d (%s) the forecast uses %s (largest mismatch %.2g of the peak); give --schedule SPEC if the plan differs", c.Run, n, last, what, T, src, best.Canonical(), bestE)
	return best, w, nil
}
