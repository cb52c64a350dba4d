package curve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Recipes of a fit.
const (
	// RecipeTight is a global multi-start Huber fit run to convergence.
	RecipeTight = "tight"
	// RecipeMPL2025 is Luo et al.'s early-stopped recipe for the multi-power law: an L-BFGS
	// grid on the simplified form L0 + A·S1^-α − B·(peak − η), then 200 AdamW steps.
	RecipeMPL2025 = "mpl2025"
)

// Defaults chosen by leave-one-curve-out on the train curves of data/mpl-curves (README,
// "Loss curves as laws"): averaged over the three model sizes, the Tissue law fitted tightly
// predicts a held-out train curve best (mean PredE 0.00134, against 0.00191 for a tight
// multi-power fit and 0.00200 for the mpl2025 recipe; the tight multi-power fit wins at 400M
// alone), and it fits in 0.2 s rather than a minute.
const (
	DefaultLaw    = LawTissue
	DefaultRecipe = RecipeTight
)

// FitOptions configure Fit. The zero value fits the default law and recipe.
type FitOptions struct {
	Law    string  // mpl or tissue; "" means DefaultLaw
	Recipe string  // tight or mpl2025 (multi-power law only); "" means the law's default
	Delta  float64 // Huber threshold on log-loss residuals; 0 means 1e-3
	// Lambda is the Tissue law's momentum decay; 0 means DefaultLambda.
	Lambda  float64
	Workers int // goroutines for multi-start; 0 means GOMAXPROCS (results do not depend on it)
	// OneSchedule accepts curves under one schedule (CheckData): a forecast refitting a run
	// alone.
	OneSchedule bool
}

func (o FitOptions) withDefaults() (FitOptions, error) {
	if o.Law == "" {
		o.Law = DefaultLaw
	}
	if o.Law != LawMPL && o.Law != LawTissue {
		return o, fmt.Errorf("law %q: want mpl or tissue", o.Law)
	}
	if o.Recipe == "" {
		o.Recipe = RecipeTight
	}
	if o.Recipe != RecipeTight && o.Recipe != RecipeMPL2025 {
		return o, fmt.Errorf("recipe %q: want tight or mpl2025", o.Recipe)
	}
	if o.Recipe == RecipeMPL2025 && o.Law != LawMPL {
		return o, fmt.Errorf("recipe mpl2025 fits the multi-power law: use --law mpl")
	}
	if o.Delta <= 0 {
		o.Delta = fit.DefaultDelta
	}
	if o.Lambda <= 0 || o.Lambda >= 1 {
		o.Lambda = DefaultLambda
	}
	return o, nil
}

// Score is how well a law predicts one curve.
type Score struct {
	Run    string  `json:"run"`
	Points int     `json:"points"`
	PredE  float64 `json:"pred_e"`  // mean |pred − actual|/actual over the curve's points
	WorstE float64 `json:"worst_e"` // largest |pred − actual|/actual
}

// Result is a fitted curve law.
type Result struct {
	Params    Params
	Recipe    string
	Objective float64 // Huber sum over all points of the fitted curves at Params
	fit.Diagnostics
	Curves []Score // in-sample scores of the fitted curves
	// Degenerate says why the law is degenerate (see Degenerate); nil when it is not.
	Degenerate []string
	Warnings   []warn.Warning
}

// PredE returns the mean of the curves' PredE.
func PredE(scores []Score) float64 {
	s := 0.0
	for _, c := range scores {
		s += c.PredE
	}
	return s / float64(len(scores))
}

// Predict returns the law's loss at each of steps under the per-step learning rates lr
// (steps sorted, each < len(lr)).
func Predict(par Params, lr []float64, steps []int) []float64 {
	p := prepare(lr, steps, par.lambda(), par.Law == LawMPL)
	out := make([]float64, len(steps))
	for i := range steps {
		out[i] = p.predictPoint(&par, i, nil)
	}
	return out
}

// Evaluate scores the law on each curve.
//
// Curves that share a schedule are prepared once (see prepareCurves); a computation past the
// caps of internal/limits is a *WorkError.
func Evaluate(par Params, curves []*Curve) ([]Score, error) {
	preps, err := prepareCurves(curves, par.lambda(), par.Law == LawMPL)
	if err != nil {
		return nil, err
	}
	out := make([]Score, len(curves))
	bad := make([]*LossError, len(curves))
	stats.ParallelFor(len(curves), 0, func(i int) {
		c := curves[i]
		pred := make([]float64, len(c.Steps))
		for j := range pred {
			pred[j] = preps[i].predictPoint(&par, j, nil)
			if !finitePositive(pred[j]) && bad[i] == nil {
				bad[i] = &LossError{Step: c.Steps[j], Loss: pred[j], Schedule: c.Spec()}
			}
		}
		s := Score{Run: c.Run, Points: len(pred)}
		for j, p := range pred {
			e := math.Abs(p-c.Loss[j]) / c.Loss[j]
			if math.IsNaN(e) {
				e = math.Inf(1)
			}
			s.PredE += e
			s.WorstE = math.Max(s.WorstE, e)
		}
		s.PredE /= float64(len(pred))
		out[i] = s
	})
	for i, b := range bad {
		if b != nil {
			return nil, fmt.Errorf("run %q: %w", curves[i].Run, b)
		}
	}
	return out, nil
}

// objective is the Huber sum over the points of several curves of ln L − ln L̂, as a
// function of the logs of the law's parameters (all positive).
type objective struct {
	law   string
	preps []*prepared
	lnL   [][]float64
	loss  fit.Loss
	q     int
}

func newObjective(law string, curves []*Curve, delta, lambda float64) (*objective, error) {
	o := &objective{law: law, loss: fit.Loss{Delta: delta}, q: 7}
	if law == LawTissue {
		o.q = 4
	}
	preps, err := prepareCurves(curves, lambda, law == LawMPL)
	if err != nil {
		return nil, err
	}
	o.preps = preps
	for _, c := range curves {
		l := make([]float64, len(c.Loss))
		for i, v := range c.Loss {
			l[i] = math.Log(v)
		}
		o.lnL = append(o.lnL, l)
	}
	return o, nil
}

func (o *objective) Dim() int { return o.q }

func (o *objective) params(x []float64) Params {
	p := Params{Law: o.law, Lambda: o.preps[0].lambda}
	v := make([]float64, o.q)
	for i := range v {
		v[i] = math.Exp(x[i])
	}
	p.set(v)
	return p
}

func (o *objective) Value(x []float64) float64 { return o.eval(x, nil, nil) }
func (o *objective) ValueGrad(x, grad []float64) float64 {
	return o.eval(x, grad, nil)
}

// ValueGradHess writes the Gauss-Newton matrix of the Huber objective (points inside the
// Huber threshold only) in place of the Hessian.
func (o *objective) ValueGradHess(x, grad, hess []float64) float64 {
	return o.eval(x, grad, hess)
}

func (o *objective) eval(x, grad, hess []float64) float64 {
	par := o.params(x)
	vals := par.Values()
	q := o.q
	for i := range grad {
		grad[i] = 0
	}
	for i := range hess {
		hess[i] = 0
	}
	var g [8]float64
	f := 0.0
	delta := o.loss.Delta
	for ci, p := range o.preps {
		for i := range p.steps {
			var gp []float64
			if grad != nil {
				gp = g[:q]
			}
			pred := p.predictPoint(&par, i, gp)
			if !(pred > 1e-10) {
				f += o.loss.Value(o.lnL[ci][i] - math.Log(1e-10))
				continue
			}
			r := o.lnL[ci][i] - math.Log(pred)
			f += o.loss.Value(r)
			if grad == nil {
				continue
			}
			psi := o.loss.Psi(r)
			for j := range q {
				g[j] *= vals[j] / pred // d ln pred / d ln θ_j
				grad[j] -= psi * g[j]
			}
			if hess != nil && math.Abs(r) <= delta {
				for a := range q {
					for b := range q {
						hess[a*q+b] += g[a] * g[b]
					}
				}
			}
		}
	}
	if math.IsNaN(f) {
		return math.Inf(1)
	}
	return f
}

// Fit fits a curve law to one or more curves of the same model. The data must meet
// CheckData's minimum (unless opts.OneSchedule); a law that fits them degenerately (see
// Degenerate) is returned with Converged false, Status "degenerate-law: ..." and a
// degenerate-law warning.
func Fit(curves []*Curve, opts FitOptions) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(curves) == 0 {
		return nil, errors.New("no curves to fit")
	}
	for _, c := range curves {
		if c.LR == nil {
			return nil, fmt.Errorf("run %q has no schedule", c.Run)
		}
	}
	dataWarnings, err := CheckData(curves, opts.Law, opts.OneSchedule)
	if err != nil {
		return nil, err
	}
	obj, err := newObjective(opts.Law, curves, opts.Delta, opts.Lambda)
	if err != nil {
		return nil, err
	}
	var res *Result
	if opts.Recipe == RecipeMPL2025 {
		res = fitMPL2025(obj, curves, opts)
	} else {
		res, err = fitTight(obj, curves, opts)
		if err != nil {
			return nil, err
		}
	}
	res.Warnings = append(res.Warnings, dataWarnings...)
	if res.Curves, err = Evaluate(res.Params, curves); err != nil {
		return nil, err
	}
	if !res.Converged && opts.Recipe == RecipeTight {
		res.Warnings = append(res.Warnings, warn.New(CodeNotConverged, "the %s fit stopped with status %s (max |gradient| %.2g)", opts.Law, res.Status, res.GradNorm))
	}
	if why := Degenerate(res.Params, obj); len(why) > 0 {
		res.Degenerate = why
		res.Converged = false
		res.Status = CodeDegenerateLaw + ": " + strings.Join(why, "; ")
		res.Warnings = append(res.Warnings, warn.New(CodeDegenerateLaw, "the fitted %s law is degenerate (%s): it is not a converged law, and its predictions away from these curves mean nothing (more schedules, or the default law, fix most)", opts.Law, strings.Join(why, "; ")))
	}
	return res, nil
}

// Thresholds of Degenerate.
const (
	// DegenerateTerm: a term of the law whose largest size over the fitted points is below
	// this fraction of the loss there does not take part in the fit.
	DegenerateTerm = 1e-6
	// DegenerateExponent: an exponent (alpha, beta, gamma) above it makes its term a step.
	DegenerateExponent = 50.0
	// ParamLo and ParamHi bound a meaningful parameter value (the fit searches the logs of
	// the parameters, unbounded): a parameter outside ran off to 0 or to infinity.
	ParamLo = 1e-10
	ParamHi = 1e10
)

// Degenerate returns why the law is degenerate on the points of obj: a term below
// DegenerateTerm of the loss at every point, an exponent above DegenerateExponent, or a
// parameter outside [ParamLo, ParamHi]; nil when it is not.
func Degenerate(par Params, obj *objective) []string {
	var why []string
	vals := par.Values()
	for i, n := range par.Names() {
		v := vals[i]
		if !(v >= ParamLo && v <= ParamHi) {
			why = append(why, fmt.Sprintf("%s = %.3g at a bound (outside [%g, %g])", n, v, ParamLo, ParamHi))
		}
	}
	for _, e := range []struct {
		n string
		v float64
	}{{"alpha", par.Alpha}, {"beta", par.Beta}, {"gamma", par.Gamma}} {
		if par.Law == LawTissue && e.n != "alpha" {
			continue
		}
		if e.v > DegenerateExponent {
			why = append(why, fmt.Sprintf("exponent %s = %.3g above %g", e.n, e.v, DegenerateExponent))
		}
	}
	// each term's largest share of the loss over the points
	var l0, a, drop float64
	for ci, p := range obj.preps {
		for i := range p.steps {
			loss := math.Exp(obj.lnL[ci][i])
			l0 = math.Max(l0, par.L0/loss)
			a = math.Max(a, par.A*math.Exp(-par.Alpha*p.lnS1[i])/loss)
			if par.Law == LawTissue {
				drop = math.Max(drop, math.Abs(par.C*p.s2[i])/loss)
			} else {
				ld, _, _, _ := p.mplDrop(i, par.C, par.Beta, par.Gamma, false)
				drop = math.Max(drop, math.Abs(par.B*ld)/loss)
			}
		}
	}
	dropName := "the annealing term C·S2"
	if par.Law == LawMPL {
		dropName = "the loss-drop term B·LD"
	}
	for _, t := range []struct {
		n string
		v float64
	}{{"L0", l0}, {"A·S1^-alpha", a}, {dropName, drop}} {
		if !(t.v >= DegenerateTerm) {
			why = append(why, fmt.Sprintf("%s at most %.2g of the loss (below %g)", t.n, t.v, DegenerateTerm))
		}
	}
	return why
}

// FewPoints is the number of points per curve below which CheckData warns (few-points).
const FewPoints = 10

// CheckData checks that curves can determine the law: at least MinCurvePoints points per
// curve, at least twice as many points in total as the law has parameters, and at least 2
// distinct schedules (a law's annealing term is not identified by one), unless oneSchedule
// (the law's shape is fixed by a prior, or a forecast refits one run). A curve of fewer
// than FewPoints points is warned about (few-points) with the totals.
func CheckData(curves []*Curve, law string, oneSchedule bool) ([]warn.Warning, error) {
	q := len(Params{Law: law}.Names())
	total := 0
	var few []string
	scheds := map[string]bool{}
	for _, c := range curves {
		n := len(c.Steps)
		total += n
		if n < MinCurvePoints {
			line := 0
			if len(c.Lines) > 0 {
				line = c.Lines[0]
			}
			return nil, &InputError{File: c.File, Line: line, Msg: fmt.Sprintf("run %q has %d points: want at least %d per curve", c.Run, n, MinCurvePoints)}
		}
		if n < FewPoints {
			few = append(few, fmt.Sprintf("%s (%d)", c.Run, n))
		}
		scheds[scheduleKey(c)] = true
	}
	if total < 2*q {
		return nil, fmt.Errorf("%d points in %d curve(s): the %s law has %d parameters, want at least %d points (twice as many)", total, len(curves), law, q, 2*q)
	}
	if !oneSchedule && len(scheds) < 2 {
		return nil, fmt.Errorf("%d curve(s) under one schedule: the %s law's annealing term is not determined by one schedule; want curves under at least 2 distinct schedules (or forecast the run with a prior fitted on its siblings, curve forecast --fit)", len(curves), law)
	}
	var ws []warn.Warning
	if len(few) > 0 {
		ws = append(ws, warn.New(CodeFewPoints, "%d curve(s) with fewer than %d points: %s; the law is fitted jointly over %d curves and %d points for %d parameters, so it fits, but each curve's own shape is thinly sampled", len(few), FewPoints, strings.Join(few, ", "), len(curves), total, q))
	}
	return ws, nil
}

// scheduleKey names a curve's schedule: its canonical spec, or its learning rates.
func scheduleKey(c *Curve) string {
	if c.Schedule != nil {
		return c.Schedule.Canonical()
	}
	h := fnv.New64a()
	var b [8]byte
	for _, v := range c.LR {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	return fmt.Sprintf("lr:%d:%x", len(c.LR), h.Sum64())
}

// simpleInit returns Luo et al.'s initial L0, A, α from a log-log regression of
// loss − min + 0.01 on S1 over all curves, and the smallest loss.
func simpleInit(obj *objective, curves []*Curve) (minLoss, a, alpha float64) {
	minLoss = math.Inf(1)
	for _, c := range curves {
		for _, l := range c.Loss {
			minLoss = math.Min(minLoss, l)
		}
	}
	var sx, sy, sxx, sxy, n float64
	for ci, c := range curves {
		for i, l := range c.Loss {
			x := obj.preps[ci].lnS1[i]
			y := math.Log(l - minLoss + 0.01)
			sx, sy, sxx, sxy, n = sx+x, sy+y, sxx+x*x, sxy+x*y, n+1
		}
	}
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	icpt := (sy - slope*sx) / n
	return minLoss, math.Exp(icpt), -slope
}

func fitTight(obj *objective, curves []*Curve, opts FitOptions) (*Result, error) {
	minLoss, a0, al0 := simpleInit(obj, curves)
	var starts [][]float64
	lg := func(v ...float64) []float64 {
		for i := range v {
			v[i] = math.Log(math.Max(v[i], 1e-8))
		}
		return v
	}
	if opts.Law == LawTissue {
		for _, l0 := range []float64{minLoss - 0.6, minLoss - 0.3, minLoss - 0.1} {
			for _, al := range []float64{0.5 * al0, al0, 1.5 * al0} {
				for _, c := range []float64{0.3, 1, 3} {
					starts = append(starts, lg(l0, a0, al, c))
				}
			}
		}
	} else {
		simple := simpleGrid(obj, curves, minLoss, a0, al0, opts)
		for _, s := range simple {
			for _, c := range []float64{0.5, 2, 8} {
				for _, be := range []float64{0.4, 0.6} {
					for _, ga := range []float64{0.5} {
						starts = append(starts, lg(s[0], s[1], s[2], s[3], c, be, ga))
					}
				}
			}
		}
	}
	local := fit.LocalOptions{FuncEvaluations: 400, GradientThreshold: 1e-9, MaxStep: 2}
	scoreObj := obj
	sub := subsample(curves, MaxScorePoints)
	if sub != nil {
		var err error
		if scoreObj, err = newObjective(opts.Law, sub, obj.loss.Delta, obj.preps[0].lambda); err != nil {
			return nil, err
		}
	}
	ms, err := fit.MultiStart(scoreObj, starts, fit.MultiStartOptions{LocalOptions: local, Workers: opts.Workers})
	if err != nil {
		return nil, fmt.Errorf("curve fit: %w", err)
	}
	d := ms.Diagnostics()
	x, f := ms.X, ms.F
	if sub != nil {
		// the best start's solution refined on every point
		r := fit.Local(obj, ms.X, local)
		if r.Err != nil || math.IsInf(r.F, 1) {
			return nil, fmt.Errorf("curve fit: refining on all %d points: %v", countPoints(curves), r.Err)
		}
		x, f = r.X, r.F
		g := make([]float64, obj.Dim())
		obj.ValueGrad(x, g)
		gn := 0.0
		for _, v := range g {
			gn = math.Max(gn, math.Abs(v))
		}
		d.Converged, d.Status, d.GradNorm = r.Converged(), r.Status.String()+fmt.Sprintf(" (starts scored on %d of %d points)", countPoints(sub), countPoints(curves)), gn
		d.Evaluations += r.Evaluations
	}
	return &Result{Params: obj.params(x), Recipe: RecipeTight, Objective: f, Diagnostics: d}, nil
}

// MaxScorePoints is the most points the multi-start scores its starts on: past it, the starts
// run on an even subsample of each curve (every k-th point, the last kept; deterministic) and
// the best is refined on every point. Below it, every point is used (the fits of
// data/mpl-curves and the OLMo ladder are unchanged).
const MaxScorePoints = 20000

func countPoints(curves []*Curve) int {
	n := 0
	for _, c := range curves {
		n += len(c.Steps)
	}
	return n
}

// subsample returns the curves thinned to about max points in total (each curve keeps every
// k-th point and its last, at least MinCurvePoints), or nil when they have no more than max.
func subsample(curves []*Curve, maxPts int) []*Curve {
	total := countPoints(curves)
	if total <= maxPts {
		return nil
	}
	k := (total + maxPts - 1) / maxPts
	out := make([]*Curve, len(curves))
	for i, c := range curves {
		t := *c
		n := len(c.Steps)
		step := k
		if n/step < MinCurvePoints {
			step = max(1, n/MinCurvePoints)
		}
		t.Steps, t.Loss, t.Lines = nil, nil, nil
		for j := (n - 1) % step; j < n; j += step {
			t.Steps = append(t.Steps, c.Steps[j])
			t.Loss = append(t.Loss, c.Loss[j])
		}
		out[i] = &t
	}
	return out
}

// simpleObjective is the Huber objective of Luo et al.'s simplified form
// L0 + A·S1^-α − B·(peak − η_t), in logs of L0, A, α, B.
type simpleObjective struct {
	o    *objective
	peak []float64
	eta  [][]float64
}

func newSimple(o *objective, curves []*Curve) *simpleObjective {
	s := &simpleObjective{o: o}
	for _, c := range curves {
		pk := 0.0
		for _, v := range c.LR {
			pk = math.Max(pk, v)
		}
		s.peak = append(s.peak, pk)
		e := make([]float64, len(c.Steps))
		for i, t := range c.Steps {
			e[i] = c.LR[t]
		}
		s.eta = append(s.eta, e)
	}
	return s
}

func (s *simpleObjective) Dim() int                  { return 4 }
func (s *simpleObjective) Value(x []float64) float64 { return s.eval(x, nil, nil) }
func (s *simpleObjective) ValueGrad(x, g []float64) float64 {
	return s.eval(x, g, nil)
}
func (s *simpleObjective) ValueGradHess(x, g, h []float64) float64 { return s.eval(x, g, h) }

func (s *simpleObjective) eval(x, grad, hess []float64) float64 {
	var v [4]float64
	for i := range v {
		v[i] = math.Exp(x[i])
	}
	for i := range grad {
		grad[i] = 0
	}
	for i := range hess {
		hess[i] = 0
	}
	f := 0.0
	for ci, p := range s.o.preps {
		for i := range p.steps {
			pw := math.Exp(-v[2] * p.lnS1[i])
			gap := s.peak[ci] - s.eta[ci][i]
			pred := v[0] + v[1]*pw - v[3]*gap
			if !(pred > 1e-10) {
				f += s.o.loss.Value(s.o.lnL[ci][i] - math.Log(1e-10))
				continue
			}
			r := s.o.lnL[ci][i] - math.Log(pred)
			f += s.o.loss.Value(r)
			if grad == nil {
				continue
			}
			g := [4]float64{v[0], v[1] * pw, -v[1] * pw * p.lnS1[i] * v[2], -v[3] * gap}
			psi := s.o.loss.Psi(r)
			for j := range g {
				g[j] /= pred
				grad[j] -= psi * g[j]
			}
			if hess != nil && math.Abs(r) <= s.o.loss.Delta {
				for a := range 4 {
					for b := range 4 {
						hess[a*4+b] += g[a] * g[b]
					}
				}
			}
		}
	}
	if math.IsNaN(f) {
		return math.Inf(1)
	}
	return f
}

// simpleGrid runs Luo et al.'s initial grid (L0 over min ± 0.2, A and α around the
// regression, B in 100..1000) on the simplified form and returns the distinct solutions,
// best first (at most 3), as raw L0, A, α, B.
func simpleGrid(obj *objective, curves []*Curve, minLoss, a0, al0 float64, opts FitOptions) [][4]float64 {
	so := newSimple(obj, curves)
	var starts [][]float64
	for i := range 5 {
		l0 := minLoss - 0.2 + 0.1*float64(i)
		for _, a := range []float64{a0 - 0.1, a0, a0 + 0.1} {
			for _, al := range []float64{al0 - 0.1, al0, al0 + 0.1} {
				for _, b := range []float64{100, 550, 1000} {
					starts = append(starts, []float64{math.Log(math.Max(l0, 1e-6)), math.Log(math.Max(a, 1e-6)), math.Log(math.Max(al, 1e-6)), math.Log(b)})
				}
			}
		}
	}
	ms, err := fit.MultiStart(so, starts, fit.MultiStartOptions{
		LocalOptions: fit.LocalOptions{FuncEvaluations: 200, GradientThreshold: 1e-9, MaxStep: 2},
		Workers:      opts.Workers,
	})
	if err != nil {
		return [][4]float64{{minLoss - 0.2, a0, al0, 300}}
	}
	idx := make([]int, len(ms.Objectives))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ms.Objectives[idx[a]] < ms.Objectives[idx[b]] })
	var out [][4]float64
	for _, i := range idx {
		if len(out) == 3 || math.IsInf(ms.Objectives[i], 1) {
			break
		}
		x := ms.Finals[i]
		r := [4]float64{math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2]), math.Exp(x[3])}
		dup := false
		for _, o := range out {
			dup = dup || math.Abs(o[2]-r[2]) < 1e-3*r[2] && math.Abs(o[0]-r[0]) < 1e-3*r[0]
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// fitMPL2025 is Luo et al.'s recipe: the best of the simplified-form grid, extended with
// C = 1, β = γ = 0.5, then AdamW (PyTorch defaults: betas 0.9, 0.999, eps 1e-8, weight
// decay 0.01) on the raw parameters for at most 200 steps with learning rate 5e-2 for L0,
// A, B, C and 5e-3 for α, β, γ, stopping after 20 steps without improvement or at a
// gradient norm below 1e-5. As in the authors' code, the parameters kept are those right
// after the step whose starting objective was the lowest.
func fitMPL2025(obj *objective, curves []*Curve, opts FitOptions) *Result {
	minLoss, a0, al0 := simpleInit(obj, curves)
	s := simpleGrid(obj, curves, minLoss, a0, al0, opts)[0]
	p := []float64{s[0], s[1], s[2], s[3], 1, 0.5, 0.5}
	lrs := []float64{5e-2, 5e-2, 5e-3, 5e-2, 5e-2, 5e-3, 5e-3}
	const (
		b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.01
		maxSteps        = 200
		patience        = 20
		gradThr         = 1e-5
	)
	m := make([]float64, 7)
	v := make([]float64, 7)
	x := make([]float64, 7)
	g := make([]float64, 7)
	best, bestF := append([]float64(nil), p...), math.Inf(1)
	minF, noImprove := math.Inf(1), 0
	steps := 0
	for step := 0; step < maxSteps; step++ {
		steps++
		for i := range p {
			x[i] = math.Log(p[i])
		}
		var f float64
		if allPositive(p) {
			f = obj.ValueGrad(x, g)
			for i := range g {
				g[i] /= p[i] // gradient by the raw parameters
			}
		} else {
			f = math.Inf(1)
		}
		if math.IsInf(f, 1) {
			break
		}
		// AdamW step
		t := float64(step + 1)
		gn := 0.0
		for i := range p {
			gn += g[i] * g[i]
			p[i] *= 1 - lrs[i]*wd
			m[i] = b1*m[i] + (1-b1)*g[i]
			v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
			mh := m[i] / (1 - math.Pow(b1, t))
			vh := v[i] / (1 - math.Pow(b2, t))
			p[i] -= lrs[i] * mh / (math.Sqrt(vh) + eps)
		}
		if f < minF {
			minF, noImprove = f, 0
		} else {
			noImprove++
		}
		if step > patience && noImprove >= patience {
			break
		}
		if math.Sqrt(gn) < gradThr {
			break
		}
		if f < bestF {
			bestF = f
			copy(best, p)
		}
	}
	par := Params{Law: LawMPL}
	par.set(best)
	for i := range x {
		x[i] = math.Log(math.Max(best[i], 1e-300))
	}
	f := obj.Value(x)
	return &Result{Params: par, Recipe: RecipeMPL2025, Objective: f,
		Diagnostics: fit.Diagnostics{Converged: false, Status: fmt.Sprintf("early-stopped after %d AdamW steps", steps), Starts: 1, StartsAtBest: 1, Evaluations: steps}}
}

func allPositive(p []float64) bool {
	for _, v := range p {
		if !(v > 0) {
			return false
		}
	}
	return true
}

// LeaveOneOut fits the law to all curves but one, for each curve in turn, and scores the
// held-out curve: the measure by which the default law and recipe were chosen (on train
// curves only).
func LeaveOneOut(curves []*Curve, opts FitOptions) ([]Score, error) {
	if len(curves) < 2 {
		return nil, errors.New("leave-one-curve-out needs at least 2 curves")
	}
	out := make([]Score, len(curves))
	opts.OneSchedule = true // the held-in curves may share one schedule
	for i := range curves {
		rest := make([]*Curve, 0, len(curves)-1)
		rest = append(rest, curves[:i]...)
		rest = append(rest, curves[i+1:]...)
		res, err := Fit(rest, opts)
		if err != nil {
			return nil, err
		}
		sc, err := Evaluate(res.Params, curves[i:i+1])
		if err != nil {
			return nil, err
		}
		out[i] = sc[0]
	}
	return out, nil
}
