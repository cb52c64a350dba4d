package fit

import (
	"fmt"
	"math"
	"slices"
)

// Objective is a smooth function of a free parameter vector with analytic derivatives.
// Implementations must be safe for concurrent use (LSE is).
type Objective interface {
	Dim() int
	Value(x []float64) float64
	ValueGrad(x, grad []float64) float64
	// ValueGradHess writes the Dim×Dim Hessian row-major (both triangles) into hess.
	ValueGradHess(x, grad, hess []float64) float64
}

// GNObjective is an Objective that can also return a positive semi-definite
// Gauss-Newton matrix (Dim×Dim, row-major); Newton uses it where the exact Hessian is
// not positive definite.
type GNObjective interface {
	Objective
	GaussNewton(x, gn []float64)
}

// Method is the local minimiser run from each start.
type Method int

const (
	// Newton is a modified Newton method (Nocedal & Wright 2006, Alg. 3.3: Cholesky of
	// H + τI with τ raised until positive definite) with the analytic Hessian and an
	// Armijo backtracking line search; allocation-free, at most MaxParams parameters.
	Newton Method = iota
	// GonumNewton, GonumBFGS and GonumLBFGS run gonum/optimize's methods, for cross-checks
	// (`scalefit fit --method`). Measured on Epoch's runs they need 2.5-26x more
	// evaluations per start than Newton (BENCHMARKS.md), so Newton is the default.
	GonumNewton
	GonumBFGS
	GonumLBFGS
)

// ParseMethod reads a method name as String writes it ("newton", "gonum-bfgs", ...; also
// "bfgs" and "lbfgs").
func ParseMethod(s string) (Method, error) {
	switch s {
	case "newton", "":
		return Newton, nil
	case "gonum-newton":
		return GonumNewton, nil
	case "gonum-bfgs", "bfgs":
		return GonumBFGS, nil
	case "gonum-lbfgs", "lbfgs":
		return GonumLBFGS, nil
	}
	return Newton, fmt.Errorf("method %q: want newton, gonum-newton, gonum-bfgs or gonum-lbfgs", s)
}

// String names the method.
func (m Method) String() string {
	switch m {
	case Newton:
		return "newton"
	case GonumNewton:
		return "gonum-newton"
	case GonumBFGS:
		return "gonum-bfgs"
	case GonumLBFGS:
		return "gonum-lbfgs"
	}
	return fmt.Sprintf("method(%d)", int(m))
}

// Status says why a local minimisation stopped; the names follow gonum/optimize.
type Status int

const (
	// NotTerminated: the run has not stopped (never returned by Local).
	NotTerminated Status = iota
	// GradientThreshold: the max-abs gradient fell below the threshold (converged).
	GradientThreshold
	// FunctionConvergence: no further decrease possible in floating point while the
	// gradient is still above the threshold (not counted as converged).
	FunctionConvergence
	// FunctionEvaluationLimit: the evaluation cap was reached (not an error).
	FunctionEvaluationLimit
	// Failure: the objective was NaN/Inf at the start, or the line search failed far
	// from a stationary point.
	Failure
)

// String names the status as gonum does.
func (s Status) String() string {
	switch s {
	case NotTerminated:
		return "NotTerminated"
	case GradientThreshold:
		return "GradientThreshold"
	case FunctionConvergence:
		return "FunctionConvergence"
	case FunctionEvaluationLimit:
		return "FunctionEvaluationLimit"
	case Failure:
		return "Failure"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// DefaultGradientThreshold is the default stopping threshold on the max-abs gradient of a
// summed objective. On the 240-run Chinchilla fit the objective is ~1e-3, its gradient
// entries at a generic start are ~1e-2 to 10, and floating-point noise at the optimum
// is ~1e-13, so 1e-10 is tight but reachable.
const DefaultGradientThreshold = 1e-10

// GonumGradientThreshold is the default threshold for gonum/optimize's methods, whose line
// searches report failure in rounding noise below about 1e-9 on the summed objective.
const GonumGradientThreshold = 1e-8

// LocalOptions configure one local minimisation. The zero value is usable.
type LocalOptions struct {
	// Method is the local method; the zero value is Newton.
	Method Method
	// GradientThreshold stops a run when the max-abs gradient falls below it; 0 means
	// DefaultGradientThreshold (GonumGradientThreshold for the gonum methods). Absolute, in units of the (summed) objective per unit
	// of x.
	GradientThreshold float64
	// FuncEvaluations caps passes over the data per start; 0 means 300 (Newton, BFGS)
	// or 3000 (LBFGS). Hitting it is Status FunctionEvaluationLimit, not an error.
	FuncEvaluations int
	// StallRelTol stops a run (Status FunctionConvergence, not converged) when the
	// objective fell by less than StallRelTol·|f| over the last 10 iterations: a start
	// stuck on a plateau. 0 means 1e-6; negative disables the test.
	StallRelTol float64
	// MaxStep caps the max-abs change of x in one Newton step (a crude trust region
	// for flat regions of log-parametrised models); 0 means 4.
	MaxStep float64
}

func (o LocalOptions) withDefaults() LocalOptions {
	if o.GradientThreshold <= 0 {
		o.GradientThreshold = DefaultGradientThreshold
		if o.Method != Newton {
			// gonum's line searches stall in rounding noise before 1e-10 (DESIGN.md §4).
			o.GradientThreshold = GonumGradientThreshold
		}
	}
	if o.FuncEvaluations <= 0 {
		o.FuncEvaluations = 300
		if o.Method == GonumLBFGS {
			o.FuncEvaluations = 3000
		}
	}
	if o.StallRelTol == 0 {
		o.StallRelTol = 1e-6
	}
	if o.MaxStep <= 0 {
		o.MaxStep = 4
	}
	return o
}

// LocalResult is the outcome of one local minimisation.
type LocalResult struct {
	X      []float64 // final free parameters
	F      float64   // objective at X (+Inf when the run failed)
	Status Status
	// Evaluations counts passes over the data (value, gradient and Hessian computed
	// together at one point count once).
	Evaluations int
	Err         error // a failure (NaN objective, unsupported method, ...)
}

// Converged reports whether the run stopped on the gradient threshold.
func (r LocalResult) Converged() bool {
	return r.Err == nil && r.Status == GradientThreshold
}

// Local minimises obj from x0. Bad starts never panic: a NaN or infinite objective comes
// back as Status Failure with F = +Inf.
func Local(obj Objective, x0 []float64, opt LocalOptions) LocalResult {
	opt = opt.withDefaults()
	if len(x0) != obj.Dim() || len(x0) > MaxParams {
		return LocalResult{X: slices.Clone(x0), F: math.Inf(1), Status: Failure,
			Err: fmt.Errorf("fit: start has %d values, want %d (at most %d)", len(x0), obj.Dim(), MaxParams)}
	}
	if opt.Method != Newton {
		return gonumLocal(obj, x0, opt)
	}
	return newton(obj, x0, opt)
}

const stallIters = 10

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func newton(obj Objective, x0 []float64, opt LocalOptions) LocalResult {
	q := len(x0)
	res := LocalResult{}
	var xa, xb, ga, gb, d [MaxParams]float64
	var ha, hb, na, l [MaxParams * MaxParams]float64
	x, xt := xa[:q], xb[:q]
	g, gt := ga[:q], gb[:q]
	h, ht := ha[:q*q], hb[:q*q]
	gobj, hasGN := obj.(GNObjective)
	var gnFn func() []float64 // Gauss-Newton matrix at x, one extra pass, on demand
	if hasGN {
		gnFn = func() []float64 {
			res.Evaluations++
			gobj.GaussNewton(x, na[:q*q])
			return na[:q*q]
		}
	}
	copy(x, x0)
	f := obj.ValueGradHess(x, g, h)
	res.Evaluations = 1
	finish := func(s Status) LocalResult {
		res.X, res.F, res.Status = slices.Clone(x), f, s
		if !finite(f) {
			res.F = math.Inf(1)
		}
		return res
	}
	if !finite(f) || !allFinite(g) {
		f = math.Inf(1)
		res.Err = fmt.Errorf("fit: objective not finite at the start")
		return finish(Failure)
	}
	var hist [stallIters]float64
	useGN := false
	for it := 0; ; it++ {
		gnorm := maxAbs(g)
		if gnorm < opt.GradientThreshold {
			return finish(GradientThreshold)
		}
		if it >= stallIters && hist[it%stallIters]-f <= opt.StallRelTol*math.Abs(f) {
			return finish(FunctionConvergence)
		}
		hist[it%stallIters] = f
		if res.Evaluations >= opt.FuncEvaluations {
			return finish(FunctionEvaluationLimit)
		}
		if useGN && gnFn != nil {
			// the last Newton step had to be cut back hard (a residual crossing the
			// Huber kink, where the exact Hessian jumps): take an IRLS step instead
			gnDirection(d[:q], gnFn(), g, l[:q*q])
		} else {
			newtonDirection(d[:q], h, gnFn, g, l[:q*q])
		}
		slope := dot(g, d[:q])
		if !(slope < 0) {
			for i := range q {
				d[i] = -g[i]
			}
			slope = -dot(g, g)
		}
		if m := maxAbs(d[:q]); m > opt.MaxStep {
			s := opt.MaxStep / m
			for i := range q {
				d[i] *= s
			}
			slope *= s
		}
		step := 1.0
		accepted := false
		useGN = false
		for range 60 {
			for i := range q {
				xt[i] = x[i] + step*d[i]
			}
			ft := obj.ValueGradHess(xt, gt, ht)
			res.Evaluations++
			// Armijo; or, once the decrease is below the resolution of f, a step that
			// still shrinks the gradient (Newton's endgame on a summed objective ~1e-3).
			if finite(ft) && (ft <= f+1e-4*step*slope ||
				(ft <= f+1e-13*math.Abs(f) && maxAbs(gt) < 0.5*gnorm)) {
				x, xt = xt, x
				g, gt = gt, g
				h, ht = ht, h
				f = ft
				accepted = true
				useGN = step < 0.25
				break
			}
			if res.Evaluations >= opt.FuncEvaluations {
				return finish(FunctionEvaluationLimit)
			}
			// quadratic interpolation of the step, safeguarded to [0.1, 0.5] of the old step
			next := 0.5 * step
			if finite(ft) {
				den := 2 * (ft - f - step*slope)
				if den > 0 {
					next = -slope * step * step / den
				}
			}
			step = math.Min(math.Max(next, 0.1*step), 0.5*step)
			if step*maxAbs(d[:q]) < 1e-15*(1+maxAbs(x)) {
				break
			}
		}
		if !accepted {
			// no decrease is representable along a descent direction
			return finish(FunctionConvergence)
		}
	}
}

// newtonDirection solves H d = −g when the exact Hessian H is positive definite.
// Otherwise it uses the Gauss-Newton matrix gn (when given) or H, plus the smallest
// multiple τ of the identity from τ0, 10τ0, ... that makes it positive definite
// (Nocedal & Wright 2006, Alg. 3.3), and falls back to d = −g.
func newtonDirection(d, h []float64, gnFn func() []float64, g, l []float64) {
	q := len(d)
	if Cholesky(l, h, 0, q) {
		CholeskyStep(d, l, g, q)
		return
	}
	m := h
	var gn []float64
	if gnFn != nil {
		gn = gnFn()
		m = gn
	}
	minDiag, maxDiag := math.Inf(1), 0.0
	for i := range q {
		v := m[i*q+i]
		minDiag = math.Min(minDiag, v)
		maxDiag = math.Max(maxDiag, math.Abs(v))
	}
	beta := 1e-10 * math.Max(maxDiag, 1e-300)
	tau := math.Max(beta, beta-minDiag)
	if gn != nil && Cholesky(l, m, 0, q) {
		CholeskyStep(d, l, g, q)
		return
	}
	for range 40 {
		if Cholesky(l, m, tau, q) {
			CholeskyStep(d, l, g, q)
			return
		}
		tau *= 10
	}
	for i := range q {
		d[i] = -g[i]
	}
}

// gnDirection solves (G + τI) d = −g for the positive semi-definite Gauss-Newton
// matrix G with the smallest τ ≥ 0 (0, 1e-10·max diag, ×10 ...) that factorises.
// (Levenberg-Marquardt damping on top was measured and cost 34% more evaluations on
// the full grid.)
func gnDirection(d, gm, g, l []float64) {
	q := len(d)
	maxDiag := 0.0
	for i := range q {
		maxDiag = math.Max(maxDiag, math.Abs(gm[i*q+i]))
	}
	tau := 0.0
	for range 40 {
		if Cholesky(l, gm, tau, q) {
			CholeskyStep(d, l, g, q)
			return
		}
		tau = math.Max(10*tau, 1e-10*math.Max(maxDiag, 1e-300))
	}
	for i := range q {
		d[i] = -g[i]
	}
}

// Cholesky factors H + τI = L Lᵀ for a symmetric q×q matrix h (row-major; only its lower
// triangle is read) into l (q×q, lower triangle written, row-major); it reports false when
// H + τI is not positive definite. τ = 0 factors H itself; Local's Newton and
// Levenberg-Marquardt steps raise τ until the factorisation succeeds.
func Cholesky(l, h []float64, tau float64, q int) bool {
	for i := range q {
		for j := 0; j <= i; j++ {
			s := h[i*q+j]
			if i == j {
				s += tau
			}
			for k := range j {
				s -= l[i*q+k] * l[j*q+k]
			}
			if i == j {
				if !(s > 0) {
					return false
				}
				l[i*q+i] = math.Sqrt(s)
			} else {
				l[i*q+j] = s / l[j*q+j]
			}
		}
	}
	return true
}

// CholeskyStep writes the Newton step d = −(L Lᵀ)⁻¹ g for l from Cholesky (forward then
// back substitution); d and g have length q and may not alias.
func CholeskyStep(d, l, g []float64, q int) {
	for i := range q {
		s := -g[i]
		for k := range i {
			s -= l[i*q+k] * d[k]
		}
		d[i] = s / l[i*q+i]
	}
	for i := q - 1; i >= 0; i-- {
		s := d[i]
		for k := i + 1; k < q; k++ {
			s -= l[k*q+i] * d[k]
		}
		d[i] = s / l[i*q+i]
	}
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if a := math.Abs(x); a > m || math.IsNaN(a) {
			m = a
		}
	}
	return m
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}
