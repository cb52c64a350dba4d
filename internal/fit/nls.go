package fit

import (
	"math"
	"math/rand/v2"

	"github.com/scalefit/scalefit/internal/stats"
)

// Residuals is a nonlinear regression model for NLS: Len residuals of Dim free parameters
// (Dim at most MaxParams). Implementations must be safe for concurrent use (read-only data).
type Residuals interface {
	Len() int
	Dim() int
	// Residual returns residual i at x (the observation minus the model, in the units of the
	// robust loss's Delta: log-loss for a law fitted in log space, nats for one fitted in loss
	// space) and, when jac is not nil, writes its partial derivatives ∂r_i/∂x into jac.
	Residual(i int, x, jac []float64) float64
}

// NLS is the robust nonlinear least-squares objective Σ w_i ρ(r_i(x)) of a Residuals model:
// a GNObjective for Local and MultiStart, so that a law family whose model is not a
// log-sum-exp (LSE) fits with the same Newton method, multi-start and diagnostics.
type NLS struct {
	Model Residuals
	Loss  Loss
	// Weights are per-residual weights, e.g. a bootstrap resample's counts; nil means 1.
	Weights []float64
}

// Dim is the number of free parameters.
func (o *NLS) Dim() int { return o.Model.Dim() }

// Value returns Σ w_i ρ(r_i(x)).
func (o *NLS) Value(x []float64) float64 {
	f := 0.0
	for i, n := 0, o.Model.Len(); i < n; i++ {
		w := o.weight(i)
		if w == 0 {
			continue
		}
		f += w * o.Loss.Value(o.Model.Residual(i, x, nil))
	}
	return f
}

// ValueGrad returns the objective and writes its gradient into grad.
func (o *NLS) ValueGrad(x, grad []float64) float64 {
	return o.eval(x, grad, nil, false)
}

// ValueGradHess returns the objective and writes its gradient and the Gauss-Newton
// approximation of its Hessian, Σ w_i ρ”(r_i) ∇r_i ∇r_iᵀ (row-major, both triangles), into
// grad and hess: the exact Hessian but for the residuals' own curvature, so Newton converges
// fast where the residuals are small.
func (o *NLS) ValueGradHess(x, grad, hess []float64) float64 {
	return o.eval(x, grad, hess, false)
}

// GaussNewton writes the reweighted (IRLS) Gauss-Newton matrix Σ w_i ω_i ∇r_i ∇r_iᵀ at x into
// gn, ω = ψ(r)/r: positive definite whenever the gradients span, even with every residual
// beyond Huber's threshold, where ρ” is 0. Newton falls back to it.
func (o *NLS) GaussNewton(x, gn []float64) {
	var g [MaxParams]float64
	o.eval(x, g[:len(x)], gn, true)
}

func (o *NLS) weight(i int) float64 {
	if o.Weights == nil {
		return 1
	}
	return o.Weights[i]
}

func (o *NLS) eval(x, grad, hess []float64, irls bool) float64 {
	p := len(x)
	var jac [MaxParams]float64
	j := jac[:p]
	clear(grad)
	clear(hess)
	f := 0.0
	for i, n := 0, o.Model.Len(); i < n; i++ {
		w := o.weight(i)
		if w == 0 {
			continue
		}
		r := o.Model.Residual(i, x, j)
		f += w * o.Loss.Value(r)
		psi := w * o.Loss.Psi(r)
		for a := range p {
			grad[a] += psi * j[a]
		}
		if hess == nil {
			continue
		}
		om := w * o.Loss.Curv(r)
		if irls && r != 0 && o.Loss.Kind != Squared {
			om = psi / r
		}
		for a := range p {
			ja := om * j[a]
			for b := 0; b <= a; b++ {
				hess[a*p+b] += ja * j[b]
			}
		}
	}
	for a := range hess {
		if r, c := a/p, a%p; c > r {
			hess[a] = hess[c*p+r]
		}
	}
	if math.IsNaN(f) {
		return math.Inf(1)
	}
	return f
}

// RefitOptions configure Refits.
type RefitOptions struct {
	Local   LocalOptions
	Seed    uint64
	Workers int
	// Progress, if non-nil, is called as resamples finish (from any goroutine).
	Progress func(done, total int)
}

// Refit is one bootstrap resample's fit: X its best free parameters (nil when no start gave a
// finite objective) and whether that local minimisation converged.
type Refit struct {
	X         []float64
	Converged bool
}

// Refits fits k nonparametric bootstrap resamples of model's residuals (rows drawn with
// replacement, as stats.Counts weights) from stats.Replicates' seeded generators. Each
// resample is minimised from every start and keeps the lowest objective: starts[0] should be
// the full-data optimum, the others the competing basins the full-data search found, so that a
// resample whose optimum moved to another basin still finds it. Every refit is converged
// tightly (opt.Local): warm starts stopped early barely move and collapse the intervals.
func Refits(model Residuals, loss Loss, starts [][]float64, k int, opt RefitOptions) []Refit {
	n := model.Len()
	return stats.Replicates(k, stats.BootstrapOptions{Seed: opt.Seed, Workers: opt.Workers, Progress: opt.Progress},
		func(_ int, rng *rand.Rand) Refit {
			counts := stats.Counts(rng, n)
			w := make([]float64, n)
			for i, c := range counts {
				w[i] = float64(c)
			}
			obj := &NLS{Model: model, Loss: loss, Weights: w}
			best := LocalResult{F: math.Inf(1)}
			for _, s := range starts {
				if lr := Local(obj, s, opt.Local); lr.Err == nil && lr.F < best.F {
					best = lr
				}
			}
			if math.IsInf(best.F, 1) {
				return Refit{}
			}
			return Refit{X: best.X, Converged: best.Converged()}
		})
}

// LeastSquares solves the linear least-squares problem min Σ_i (y_i − row_iᵀβ)² over p ≤
// MaxParams coefficients by the normal equations (Cholesky), where row(i, r) writes the
// regressors of observation i into r. It returns β, the residual sum of squares and false when
// the regressors are collinear (or not finite). It is the inner solve of variable projection:
// a law linear in some constants given the others (a start grid over exponents, each with its
// best coefficients).
func LeastSquares(n, p int, row func(i int, r []float64), y []float64) (beta []float64, sse float64, ok bool) {
	if p < 1 || p > MaxParams {
		return nil, 0, false
	}
	var rb [MaxParams]float64
	r := rb[:p]
	xtx := make([]float64, p*p)
	xty := make([]float64, p)
	for i := range n {
		row(i, r)
		for a := range p {
			xty[a] += r[a] * y[i]
			for b := 0; b <= a; b++ {
				xtx[a*p+b] += r[a] * r[b]
			}
		}
	}
	l := make([]float64, p*p)
	if !Cholesky(l, xtx, 0, p) {
		return nil, 0, false
	}
	// CholeskyStep solves (L Lᵀ) d = −g: pass g = −Xᵀy.
	for a := range xty {
		xty[a] = -xty[a]
	}
	beta = make([]float64, p)
	CholeskyStep(beta, l, xty, p)
	for i := range n {
		row(i, r)
		e := y[i]
		for a := range p {
			e -= r[a] * beta[a]
		}
		sse += e * e
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return nil, 0, false
	}
	return beta, sse, true
}

// DistinctOptima returns the best point of a multi-start and up to k−1 other local optima,
// in order of objective, skipping points within 1e-6 (relative) of one already kept: the
// starts of bootstrap refits (Refits), so that a resample whose optimum moved to a competing
// basin still reaches it.
func DistinctOptima(ms MultiStartResult, k int) [][]float64 {
	out := [][]float64{ms.X}
	for _, i := range stats.Order(ms.Objectives) {
		if len(out) >= k {
			break
		}
		x := ms.Finals[i]
		if x == nil || math.IsInf(ms.Objectives[i], 0) || math.IsNaN(ms.Objectives[i]) {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || nearVec(o, x, 1e-6)
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

func nearVec(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*(1+math.Abs(a[i])) {
			return false
		}
	}
	return true
}
