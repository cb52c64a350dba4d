package curve

import (
	"fmt"
	"math"
)

// PredictEachOptions say which steps PredictEach visits: every Every-th step from Every
// (Every >= 1), and always the schedule's last step. Draws are further laws of the same
// family (a fit's bootstrap draws) evaluated at the same steps.
type PredictEachOptions struct {
	Every int
	Draws []Params
}

// EveryDefault is the default spacing of a predicted curve: about 24 rows.
func EveryDefault(sc *Schedule) int { return max(1, sc.Steps/24) }

// PredictSteps returns how many steps PredictEach visits.
func PredictSteps(sc *Schedule, every int) int {
	n := (sc.Steps - 1) / every // multiples of every in 1..T-1
	if (sc.Steps-1)%every != 0 {
		n++
	}
	return n
}

// PredictEach calls fn with the law's loss at every Every-th step of the schedule and at its
// last step, in order, in memory independent of the number of steps visited: the Tissue
// law's sums are carried along the schedule, the multi-power law's nodes are built for
// blocks of steps from prefix arrays of the schedule (capped by
// limits.MaxMPLScheduleSteps). Before calling fn at all, it checks that every loss it will
// report is finite and positive (a law taken far from the schedules it was fitted on can
// predict a negative loss): a *LossError otherwise, and fn is not called. An error from fn
// stops the walk and is returned.
//
// fn's draws slice holds the Draws' losses at the step; it is reused between calls.
func PredictEach(par Params, sc *Schedule, opts PredictEachOptions, fn func(step int, lr, loss float64, draws []float64) error) error {
	every := opts.Every
	if every < 1 {
		return fmt.Errorf("every %d: want 1 or more", every)
	}
	mpl := par.Law == LawMPL
	if err := checkWork(int64(sc.Steps), mpl); err != nil {
		return err
	}
	var pre *mplPrefix
	var lr []float64
	if mpl {
		lr = sc.LRs()
		pre = newMPLPrefix(lr)
	}
	dv := make([]float64, len(opts.Draws))
	walk := func(emit func(step int, lr, loss float64, draws []float64) error) error {
		if mpl {
			const block = 4096
			p := &prepared{lambda: par.lambda()}
			var steps []int
			flush := func() error {
				if len(steps) == 0 {
					return nil
				}
				p.steps = steps
				p.s1, p.lnS1 = p.s1[:0], p.lnS1[:0]
				for _, t := range steps {
					p.s1 = append(p.s1, pre.S[t])
					p.lnS1 = append(p.lnS1, math.Log(pre.S[t]))
				}
				pre.nodes(p, lr)
				for i, t := range steps {
					for k := range opts.Draws {
						dv[k] = p.predictPoint(&opts.Draws[k], i, nil)
					}
					if err := emit(t, lr[t], p.predictPoint(&par, i, nil), dv); err != nil {
						return err
					}
				}
				steps = steps[:0]
				return nil
			}
			for t := every; ; t += every {
				if t > sc.Steps-1 {
					t = sc.Steps - 1
				}
				steps = append(steps, t)
				if len(steps) == block || t == sc.Steps-1 {
					if err := flush(); err != nil {
						return err
					}
				}
				if t == sc.Steps-1 {
					return nil
				}
			}
		}
		lam := par.lambda()
		S, m, s2, prev := 0.0, 0.0, 0.0, 0.0
		next := every
		if next > sc.Steps-1 {
			next = sc.Steps - 1
		}
		for t := 0; t < sc.Steps; t++ {
			eta := sc.LR(t)
			S += eta
			if t > 0 {
				m = lam*m + (prev - eta)
				s2 += m
			}
			prev = eta
			if t == next {
				lnS := math.Log(S)
				loss := par.L0 + par.A*math.Exp(-par.Alpha*lnS) - par.C*s2
				for k, d := range opts.Draws {
					dv[k] = d.L0 + d.A*math.Exp(-d.Alpha*lnS) - d.C*s2
				}
				if err := emit(t, eta, loss, dv); err != nil {
					return err
				}
				next += every
				if next > sc.Steps-1 && t < sc.Steps-1 {
					next = sc.Steps - 1
				}
			}
		}
		return nil
	}
	if err := walk(func(step int, lr, loss float64, _ []float64) error {
		if !finitePositive(loss) {
			return &LossError{Step: step, Loss: loss, Schedule: sc.String()}
		}
		return nil
	}); err != nil {
		return err
	}
	return walk(fn)
}

// LossError is a loss a law predicts that is not finite and positive: the law is used far
// from the schedules it was fitted on (or its parameters are degenerate).
type LossError struct {
	Step     int
	Loss     float64
	Schedule string
}

func (e *LossError) Error() string {
	return fmt.Sprintf("the law predicts a loss of %g nats/token at step %d of %s: not a loss (want finite and positive); the law does not extend to this schedule (its learning rates are far from those it was fitted on, or the law is degenerate)", e.Loss, e.Step, e.Schedule)
}
