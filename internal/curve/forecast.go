package curve

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// MinForecastPoints is the fewest points of a partial curve forecast accepts.
const MinForecastPoints = 5

// ShortFraction is the fraction of its schedule below which a partial curve is warned about
// ("short-curve"): less than this share of the schedule shows little of the law's shape.
const ShortFraction = 0.45

// ForecastOptions configure ForecastCurve. The zero value fits the default law to the
// partial curve alone and forecasts the loss at the schedule's last step with a 95% interval
// (see ForecastCurve).
type ForecastOptions struct {
	// Prior, when non-nil, is a law fitted to sibling runs of the same model (curve.json):
	// its shape is kept and only its level L0 and amplitude A are refitted to the run.
	Prior *Params
	// PriorErrors is the prior's error as a forecast prior, measured by leave-one-curve-out on
	// its sibling curves per cut fraction (curve.json's prior_forecast_error, from
	// MeasureError); PriorError a whole-curve error used when PriorErrors is empty (the
	// law's loo_error, or a built-in law's published held-out PredE). The prior is used only
	// when its error at the run's observed fraction is below the run-only fit's backtest
	// error at the forecast step. Both empty: the prior's error is unknown, and it is used
	// (it was given), with a warning that says so.
	PriorErrors []FracError
	PriorError  float64
	Law         string // law fitted without a prior; "" means DefaultLaw
	// At is the step to forecast; 0 or less means the last step of the schedule. It must be
	// beyond the last logged step.
	At        int
	Bootstrap int // resamples; 0 means 200
	// NoBacktest leaves out the backtest's extrapolation error: the interval is the
	// bootstrap's (and the prior's error) alone.
	NoBacktest bool
	Seed       uint64 // random seed of the bootstrap
	Workers    int
}

// Forecast is the predicted loss of a run still training.
type Forecast struct {
	Run  string
	Step int     // forecast step
	Loss float64 // point forecast, nats/token
	// Interval is the 95% interval, built in log-loss space (so never below zero): the
	// bootstrap's interval of ln L widened on each side by the run's own backtest error at
	// Step (ErrorRate × the log-steps to Step) and, with a prior, by the prior's
	// leave-one-curve-out error times the share of the schedule's decay unseen at the cut
	// (DecayUnseen).
	Interval [2]float64
	// BootstrapInterval is the 95% bootstrap percentile interval alone (the noise of the
	// observed points, refitted).
	BootstrapInterval [2]float64
	// Backtest holds the forecasts of the last observed points from prefixes of the partial
	// curve; ErrorRate is the largest |relative error| per unit of extrapolation distance
	// among them (distance as in BacktestPoint).
	Backtest  []BacktestPoint
	ErrorRate float64
	// Used says which candidate the forecast is: "prior" (the prior's shape refitted to the
	// run), "run" (the default law fitted to the run alone) or "run-mpl" (the multi-power
	// law fitted to the run alone, a fallback).
	Used string
	// RunError is the run-only fit's backtest error at Step (its ErrorRate × the log-steps
	// to Step; +Inf without a backtest); PriorError the prior's leave-one-curve-out error
	// (0: none or unknown). The prior is used when PriorError < RunError.
	RunError   float64
	PriorError float64
	// DecayUnseen is the share of the schedule's decay (peak to the learning rate at Step)
	// still ahead at the last logged step, in [0, 1].
	DecayUnseen float64
	// LowestLogged is the lowest raw loss logged; NonIncreasing says the learning rate does
	// not increase after the last logged step, so that a forecast above LowestLogged is
	// physically wrong (the law that made it is rejected).
	LowestLogged  float64
	NonIncreasing bool
	Rejected      []string // candidates rejected (law-rejected), in order
	Points        int      // points of the partial curve used
	Observed      int      // last observed step
	Fraction      float64  // (Observed+1)/T of the schedule observed
	Params        Params   // the law fitted to the partial curve
	// Path is the forecast curve from the last observed step to the end of the schedule
	// (about 50 steps), with its pointwise 95% band (built as Interval), for figures.
	Path     []int
	PathLoss []float64
	Band     [][2]float64
	Warnings []warn.Warning
}

// LawRejectedError is a forecast refused because every candidate law forecast more than the
// lowest loss already logged under a learning rate that does not increase.
type LawRejectedError struct {
	Run      string
	Lowest   float64
	Rejected []string
}

func (e *LawRejectedError) Error() string {
	return fmt.Sprintf("run %q: law-rejected: every law forecast more than the lowest loss already logged (%.4f) although the learning rate does not increase after the last logged step (%s); no forecast (log more of the run, or give --fit with sibling runs)", e.Run, e.Lowest, strings.Join(e.Rejected, "; "))
}

// subObjective minimises an objective over some of its coordinates, the others fixed.
type subObjective struct {
	o    *objective
	base []float64
	free []int
}

func (s *subObjective) Dim() int { return len(s.free) }
func (s *subObjective) full(x []float64) []float64 {
	y := append([]float64(nil), s.base...)
	for i, j := range s.free {
		y[j] = x[i]
	}
	return y
}
func (s *subObjective) Value(x []float64) float64 { return s.o.Value(s.full(x)) }
func (s *subObjective) ValueGrad(x, g []float64) float64 {
	return s.ValueGradHess(x, g, nil)
}
func (s *subObjective) ValueGradHess(x, g, h []float64) float64 {
	q := s.o.q
	gf := make([]float64, q)
	var hf []float64
	if h != nil {
		hf = make([]float64, q*q)
	}
	f := s.o.eval(s.full(x), gf, hf)
	for i, a := range s.free {
		g[i] = gf[a]
		if h != nil {
			for j, b := range s.free {
				h[i*len(s.free)+j] = hf[a*q+b]
			}
		}
	}
	return f
}

func logParams(p Params) []float64 {
	v := p.Values()
	for i := range v {
		v[i] = math.Log(v[i])
	}
	return v
}

// ForecastCurve forecasts the loss of a run at the end of its schedule (or at opts.At) from
// its partial curve c, with a 95% interval.
//
// Candidates: the default law fitted to the run alone ("run"), and with a prior, the prior's
// shape with its level and amplitude refitted to the run ("prior"). The prior goes first
// only when its leave-one-curve-out error on the siblings (opts.PriorError) beats the
// run-only fit's own backtest error at the forecast step; the multi-power law fitted to the
// run alone is the last fallback. Under a learning rate that does not increase after the
// last logged step, a candidate forecasting more than the lowest raw loss logged is
// rejected (warning law-rejected) and the next one is tried; when all are rejected the
// forecast is refused (*LawRejectedError).
//
// The interval: a moving-block bootstrap of the fit's log-residuals (blocks of about √n
// points, each resample refitted) gives the 95% interval of ln L; it is widened on each side
// by the run's own backtest error at the step (refits on the first 50-80% of the logged
// steps forecast the last logged points: the largest relative error per log-step, times the
// log-steps to the forecast) and, for the prior, by its leave-one-curve-out error times the
// share of the schedule's decay unseen at the cut; then exponentiated (never below zero).
func ForecastCurve(c *Curve, opts ForecastOptions) (*Forecast, error) {
	if c.LR == nil {
		return nil, fmt.Errorf("run %q has no schedule", c.Run)
	}
	n := len(c.Steps)
	if n < MinForecastPoints {
		return nil, fmt.Errorf("run %q has %d points: want at least %d to forecast", c.Run, n, MinForecastPoints)
	}
	T := c.Len()
	at := opts.At
	if at <= 0 {
		at = T - 1
	}
	if at >= T {
		return nil, fmt.Errorf("--at %d is beyond the schedule %s (steps 0..%d)", at, c.Spec(), T-1)
	}
	if last := c.Steps[n-1]; at <= last {
		return nil, &ForecastStepError{At: at, Last: last, Spec: c.Spec(), Explicit: opts.At > 0}
	}
	if err := checkWork(int64(T), false); err != nil {
		return nil, err
	}
	law := opts.Law
	if law == "" {
		law = DefaultLaw
	}
	obs := c.Steps[n-1]
	lowest := math.Inf(1)
	for _, l := range c.Loss {
		lowest = math.Min(lowest, l)
	}
	nonInc := true
	for s := obs + 1; s <= at; s++ {
		if c.LR[s] > c.LR[s-1] {
			nonInc = false
			break
		}
	}
	unseen := decayUnseen(c.LR, obs, at)
	dist := extrapDistance(obs, at)
	priorErr := PriorErrorAt(opts.PriorErrors, float64(obs+1)/float64(T))
	if priorErr == 0 {
		priorErr = opts.PriorError
	}

	run, runErr := forecastCandidate(c, law, nil, DefaultLambda, at, opts)
	if runErr != nil && opts.Prior == nil {
		return nil, runErr
	}
	eRun := math.Inf(1)
	if run != nil && len(run.Backtest) > 0 {
		eRun = run.ErrorRate * dist
	}
	var cands []*Forecast
	var prior *Forecast
	if opts.Prior != nil {
		var err error
		prior, err = forecastCandidate(c, opts.Prior.Law, opts.Prior, opts.Prior.lambda(), at, opts)
		if err != nil {
			return nil, err
		}
		prior.Used = "prior"
		// the prior's own error: its leave-one-curve-out error, for the share of the decay
		// the run has not shown yet
		widenLog(prior, priorErr*unseen)
	}
	usePrior := prior != nil && (priorErr < eRun || run == nil)
	if run != nil {
		run.Used = "run"
	}
	switch {
	case usePrior:
		cands = append(cands, prior)
		if run != nil {
			cands = append(cands, run)
		}
	default:
		cands = append(cands, run)
		if prior != nil {
			cands = append(cands, prior)
		}
	}
	var rejected []string
	var ws []warn.Warning
	var fc *Forecast
	try := func(f *Forecast) bool {
		if nonInc && f.Loss > lowest {
			why := fmt.Sprintf("%s forecast %.4f > lowest logged %.4f", f.Used, f.Loss, lowest)
			rejected = append(rejected, why)
			ws = append(ws, warn.New(CodeLawRejected, "run %q: the %s law (%s) forecast %.4f at step %d, above the lowest loss already logged (%.4f) although the learning rate does not increase after step %d: not used", c.Run, f.Params.Law, describeUsed(f.Used), f.Loss, at, lowest, obs))
			return false
		}
		fc = f
		return true
	}
	for _, f := range cands {
		if try(f) {
			break
		}
	}
	if fc == nil && law != LawMPL && n >= 2*len(Params{Law: LawMPL}.Names()) {
		if f, err := forecastCandidate(c, LawMPL, nil, DefaultLambda, at, opts); err == nil {
			f.Used = "run-mpl"
			try(f)
		}
	}
	if fc == nil {
		return nil, &LawRejectedError{Run: c.Run, Lowest: lowest, Rejected: rejected}
	}
	fc.Warnings = append(ws, fc.Warnings...)
	fc.Rejected = rejected
	fc.RunError, fc.PriorError, fc.DecayUnseen = eRun, priorErr, unseen
	fc.LowestLogged, fc.NonIncreasing = lowest, nonInc
	if !finitePositive(fc.Loss, fc.Interval[0], fc.Interval[1]) {
		return nil, &LossError{Step: at, Loss: fc.Loss, Schedule: c.Spec()}
	}
	// what was measured on this run, said with the forecast
	bt := "no backtest (too few points)"
	if !math.IsInf(eRun, 1) {
		bt = fmt.Sprintf("the run-only fit's backtest on this run's own prefixes: %.2g%% at step %d", 100*eRun, at)
	}
	if prior != nil {
		pe := "unknown"
		switch {
		case len(opts.PriorErrors) > 0:
			pe = fmt.Sprintf("%.2g%% (forecasts of its sibling curves from %.0f%% of their schedules, each with the law refitted without it)", 100*priorErr, 100*fc.Fraction)
		case priorErr > 0:
			pe = fmt.Sprintf("%.2g%% (its whole-curve error on curves it was not fitted on)", 100*priorErr)
		default:
			fc.Warnings = append(fc.Warnings, warn.New(CodePriorRejected, "run %q: the prior's own error is unknown (its curve.json holds no leave-one-curve-out error: refit it with this version's curve fit); it was used as given, and its error is not in the interval", c.Run))
		}
		switch {
		case fc.Used != "prior" && usePrior:
			fc.Warnings = append(fc.Warnings, warn.New(CodePriorRejected, "run %q: the prior (error %s, below %s) forecast above the lowest logged loss and was not used", c.Run, pe, bt))
		case fc.Used != "prior":
			fc.Warnings = append(fc.Warnings, warn.New(CodePriorRejected, "run %q: the prior was not used: its error %s does not beat %s", c.Run, pe, bt))
		}
	} else {
		fc.Warnings = append(fc.Warnings, warn.New(CodeNoPrior, "run %q: forecast from the run alone; %s (a prior of sibling runs, --fit curve.json, is used when its own error is lower)", c.Run, bt))
	}
	if fc.Fraction < ShortFraction {
		fc.Warnings = append(fc.Warnings, warn.New(CodeShortCurve, "run %q: %.0f%% of the schedule observed (%d of %d steps), %.0f%% of its decay still ahead; the interval holds the errors measured on this run (%s) and the prior's, not what the law does in a part of the schedule no curve here has shown", c.Run, 100*fc.Fraction, obs+1, T, 100*unseen, bt))
	}
	if fc.Interval[1]/fc.Loss-1 > WideBand || 1-fc.Interval[0]/fc.Loss > WideBand {
		fc.Warnings = append(fc.Warnings, warn.New(CodeWideBand, "run %q: the 95%% interval [%.4f, %.4f] is wider than ±%.0f%% of the forecast %.4f: too wide to gate on", c.Run, fc.Interval[0], fc.Interval[1], 100*WideBand, fc.Loss))
	}
	return fc, nil
}

// WideBand is the relative half-width of a forecast's interval past which it is warned about
// (wide-band): a gate on such a band says little.
const WideBand = 0.05

func describeUsed(u string) string {
	switch u {
	case "prior":
		return "the prior's shape refitted to the run"
	case "run-mpl":
		return "fitted to the run alone, the multi-power fallback"
	}
	return "fitted to the run alone"
}

// decayUnseen is the share of the schedule's decay, from its peak to the learning rate at
// step at, that is still ahead at step obs: (η_obs − η_at)/(peak − η_at), in [0, 1].
func decayUnseen(lr []float64, obs, at int) float64 {
	peak := 0.0
	for _, v := range lr[:at+1] {
		peak = math.Max(peak, v)
	}
	den := peak - lr[at]
	if !(den > 0) {
		return 0
	}
	return math.Min(1, math.Max(0, (lr[obs]-lr[at])/den))
}

// widenLog widens a forecast's interval and band by e (relative) on each side in log space.
func widenLog(f *Forecast, e float64) {
	if !(e > 0) {
		return
	}
	w := math.Log1p(e)
	f.Interval = [2]float64{f.Interval[0] * math.Exp(-w), f.Interval[1] * math.Exp(w)}
	for i := range f.Band {
		f.Band[i] = [2]float64{f.Band[i][0] * math.Exp(-w), f.Band[i][1] * math.Exp(w)}
	}
}

// forecastCandidate forecasts c at step at with one law (and prior, when non-nil): the
// point forecast, the bootstrap interval and the backtest-widened interval in log space.
func forecastCandidate(c *Curve, law string, prior *Params, lambda float64, at int, opts ForecastOptions) (*Forecast, error) {
	n := len(c.Steps)
	T := c.Len()
	B := opts.Bootstrap
	if B <= 0 {
		B = 200
	}
	fc := &Forecast{Run: c.Run, Step: at, Points: n, Observed: c.Steps[n-1], Fraction: float64(c.Steps[n-1]+1) / float64(T)}
	fitPartial := func(cc *Curve) (*objective, []float64, func(*objective, []float64) []float64, error) {
		return fitPartialCurve(cc, law, prior, lambda, opts.Workers)
	}
	obj, sol, fitOne, err := fitPartial(c)
	if err != nil {
		return nil, err
	}
	par := obj.params(sol)
	fc.Params = par
	nodes := law == LawMPL
	pAt := prepare(c.LR[:at+1], []int{at}, lambda, nodes)
	fc.Loss = pAt.predictPoint(&par, 0, nil)
	// residuals and the bootstrap
	fitted := make([]float64, n)
	res := make([]float64, n)
	for i := range res {
		fitted[i] = obj.preps[0].predictPoint(&par, i, nil)
		res[i] = math.Log(c.Loss[i]) - math.Log(fitted[i])
	}
	obs := c.Steps[n-1]
	for k := 0; k <= 50; k++ {
		s := obs + (at-obs)*k/50
		if len(fc.Path) == 0 || s > fc.Path[len(fc.Path)-1] {
			fc.Path = append(fc.Path, s)
		}
	}
	pPath := prepare(c.LR[:at+1], fc.Path, lambda, nodes)
	fc.PathLoss = make([]float64, len(fc.Path))
	for i := range fc.Path {
		fc.PathLoss[i] = pPath.predictPoint(&par, i, nil)
	}
	pathDraws := make([][]float64, B)
	blk := int(math.Ceil(math.Sqrt(float64(n))))
	draws := make([]float64, B)
	stats.ParallelFor(B, opts.Workers, func(b int) {
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(b)+1))
		o := &objective{law: obj.law, preps: obj.preps, loss: obj.loss, q: obj.q}
		l := make([]float64, n)
		for i := 0; i < n; i += blk {
			s := rng.IntN(n)
			for j := 0; j < blk && i+j < n; j++ {
				l[i+j] = math.Log(fitted[i+j]) + res[(s+j)%n]
			}
		}
		o.lnL = [][]float64{l}
		x := fitOne(o, sol)
		pb := o.params(x)
		draws[b] = logOrNaN(pAt.predictPoint(&pb, 0, nil))
		pathDraws[b] = make([]float64, len(fc.Path))
		for i := range fc.Path {
			pathDraws[b][i] = logOrNaN(pPath.predictPoint(&pb, i, nil))
		}
	})
	central := func(v []float64, point float64) [2]float64 {
		iv, ok := stats.Central(v, 0.95)
		if !ok {
			return [2]float64{point, point}
		}
		// the bootstrap's interval of ln L always holds the point forecast
		return [2]float64{math.Exp(math.Min(iv.Lo, math.Log(point))), math.Exp(math.Max(iv.Hi, math.Log(point)))}
	}
	col := make([]float64, B)
	for i := range fc.Path {
		for b := range B {
			col[b] = pathDraws[b][i]
		}
		fc.Band = append(fc.Band, central(col, fc.PathLoss[i]))
	}
	fc.Interval = central(draws, fc.Loss)
	fc.BootstrapInterval = fc.Interval
	if !opts.NoBacktest {
		fc.Backtest = backtest(c, fitPartial, law, lambda)
		for _, b := range fc.Backtest {
			fc.ErrorRate = math.Max(fc.ErrorRate, math.Abs(b.RelErr)/b.Distance)
		}
		widen := func(iv [2]float64, s int) [2]float64 {
			w := math.Log1p(fc.ErrorRate * extrapDistance(obs, s))
			return [2]float64{iv[0] * math.Exp(-w), iv[1] * math.Exp(w)}
		}
		fc.Interval = widen(fc.Interval, at)
		for i, s := range fc.Path {
			fc.Band[i] = widen(fc.Band[i], s)
		}
	}
	if !finitePositive(fc.Loss) {
		return nil, &LossError{Step: at, Loss: fc.Loss, Schedule: c.Spec()}
	}
	return fc, nil
}

func logOrNaN(x float64) float64 {
	if !(x > 0) {
		return math.NaN()
	}
	return math.Log(x)
}

// fitPartialCurve fits law to the partial curve c: with a prior, only its level L0 and
// amplitude A (the prior's shape kept); without, every parameter. It returns the objective,
// the solution (logs of the parameters) and the local refit used by the bootstrap.
func fitPartialCurve(c *Curve, law string, prior *Params, lambda float64, workers int) (*objective, []float64, func(*objective, []float64) []float64, error) {
	obj, err := newObjective(law, []*Curve{c}, fit.DefaultDelta, lambda)
	if err != nil {
		return nil, nil, nil, err
	}
	if prior != nil {
		base := logParams(*prior)
		free := []int{0, 1}
		fitOne := func(o *objective, x0 []float64) []float64 {
			so := &subObjective{o: o, base: base, free: free}
			r := fit.Local(so, []float64{x0[0], x0[1]}, fit.LocalOptions{FuncEvaluations: 200, GradientThreshold: 1e-10})
			return so.full(r.X)
		}
		// a short grid on the level: the prior's, and shifted by the run's mean residual
		best, bestF := base, math.Inf(1)
		for _, x0 := range [][]float64{base, shiftLevel(base, obj, *prior)} {
			x := fitOne(obj, x0)
			if f := obj.Value(x); f < bestF {
				best, bestF = x, f
			}
		}
		return obj, best, fitOne, nil
	}
	res, err := Fit([]*Curve{c}, FitOptions{Law: law, Workers: workers, OneSchedule: true})
	if err != nil {
		return nil, nil, nil, err
	}
	fitOne := func(o *objective, x0 []float64) []float64 {
		r := fit.Local(o, x0, fit.LocalOptions{FuncEvaluations: 300, GradientThreshold: 1e-9, MaxStep: 2})
		return r.X
	}
	return obj, logParams(res.Params), fitOne, nil
}

// BacktestPoint is one forecast of the last observed points of a partial curve from a prefix.
type BacktestPoint struct {
	Cut int // last step of the prefix
	// RelErr is the mean relative error (forecast − logged)/logged over the last observed
	// points (the last 5% of them, at least 1).
	RelErr float64
	// Distance is the extrapolation distance in log-steps from Cut to the middle of the
	// last observed points (extrapDistance).
	Distance float64
}

// BacktestFractions are the prefixes of the observed steps the backtest refits.
var BacktestFractions = []float64{0.5, 0.6, 0.7, 0.8}

// extrapDistance is the extrapolation distance from step a to step b > a in log-steps:
// ln((b+1)/(a+1)). (Measured against the difference of ln S1, the law's own variable: S1
// grows little while the learning rate decays, where the law errs most, and its intervals
// covered 27 of the 38 trials of the README against 31 of 38.)
func extrapDistance(a, b int) float64 {
	return math.Log(float64(b+1) / float64(a+1))
}

// backtest refits the law on prefixes of the partial curve c (BacktestFractions of its
// observed steps, each with at least MinForecastPoints points) and forecasts its last
// observed points (the last 5%, at least one) from each: how far the law extrapolates wrong,
// measured on the run itself.
func backtest(c *Curve, fitPartial func(*Curve) (*objective, []float64, func(*objective, []float64) []float64, error), law string, lambda float64) []BacktestPoint {
	n := len(c.Steps)
	obs := c.Steps[n-1]
	m := max(1, n/20)
	tail := c.Steps[n-m:]
	pTail := prepare(c.LR[:obs+1], tail, lambda, law == LawMPL)
	var out []BacktestPoint
	for _, f := range BacktestFractions {
		cut := int(f * float64(obs))
		pre := c.Truncate(cut)
		if len(pre.Steps) < MinForecastPoints || len(pre.Steps) > n-m {
			continue
		}
		cut = pre.Steps[len(pre.Steps)-1]
		d := extrapDistance(cut, tail[0]+(obs-tail[0])/2)
		if !(d > 0) {
			continue
		}
		o, sol, _, err := fitPartial(pre)
		if err != nil {
			continue
		}
		par := o.params(sol)
		e := 0.0
		for i := range tail {
			act := c.Loss[n-m+i]
			e += (pTail.predictPoint(&par, i, nil) - act) / act / float64(m)
		}
		out = append(out, BacktestPoint{Cut: cut, RelErr: e, Distance: d})
	}
	return out
}

// shiftLevel moves the prior's L0 by the run's mean log-residual under the prior.
func shiftLevel(base []float64, o *objective, prior Params) []float64 {
	p := o.preps[0]
	s := 0.0
	for i := range p.steps {
		pred := p.predictPoint(&prior, i, nil)
		s += math.Exp(o.lnL[0][i]) - pred
	}
	s /= float64(len(p.steps))
	out := append([]float64(nil), base...)
	if l0 := prior.L0 + s; l0 > 0 {
		out[0] = math.Log(l0)
	}
	return out
}

// Truncate returns the first points of c up to and including step last (a partial curve).
func (c *Curve) Truncate(last int) *Curve {
	k := sort.SearchInts(c.Steps, last+1)
	t := *c
	t.Steps, t.Loss, t.Lines = c.Steps[:k], c.Loss[:k], c.Lines[:min(k, len(c.Lines))]
	return &t
}

// InferCosine derives a cosine schedule (warm-up from 0, decay to final) from a logged
// learning rate at some steps: peak is the largest logged lr, final the last one, the length
// T the last logged step (or one more), and the warm-up length the one that best matches the
// logged values. It returns the schedule and the largest mismatch relative to the peak.
func InferCosine(steps []int, lr []float64) (*Schedule, float64, error) {
	if len(steps) < 3 || len(steps) != len(lr) {
		return nil, 0, errors.New("want at least 3 logged learning rates")
	}
	peak := 0.0
	for _, v := range lr {
		peak = math.Max(peak, v)
	}
	if !(peak > 0) {
		return nil, 0, errors.New("no positive learning rate")
	}
	last := steps[len(steps)-1]
	var best *Schedule
	bestE := math.Inf(1)
	for _, T := range []int{last, last + 1} {
		// final from the last point: lr(T-1) ≈ final
		final := lr[len(lr)-1]
		for W := 0; W < T/2 && W <= 5000; W++ {
			sc := &Schedule{Kind: "cosine", Warmup: W, Steps: T, Peak: peak, Final: final}
			e := 0.0
			for i, s := range steps {
				if s >= T {
					s = T - 1
				}
				e = math.Max(e, math.Abs(sc.LR(s)-lr[i]))
			}
			if e < bestE {
				best, bestE = sc, e
			}
		}
	}
	best.spec = best.Canonical()
	return best, bestE / peak, nil
}

// ForecastStepError is a forecast step at or before the last logged step: the current loss
// is not a forecast.
type ForecastStepError struct {
	At, Last int
	Spec     string
	Explicit bool // the step came from --at (else: the schedule's last step)
}

func (e *ForecastStepError) Error() string {
	if e.Explicit {
		return fmt.Sprintf("--at %d: the run has logged up to step %d already; want a step beyond it (a forecast of a logged step is not a forecast)", e.At, e.Last)
	}
	return fmt.Sprintf("the schedule %s ends at step %d, and the run has logged up to step %d: the run is finished, or --schedule is not its planned schedule; give the planned --schedule SPEC or --at STEP beyond %d", e.Spec, e.At, e.Last, e.Last)
}
