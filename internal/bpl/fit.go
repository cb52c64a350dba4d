package bpl

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

// DefaultSmoothness is the smoothness s of the break when none is given: the exponent
// changes over about ±0.3 decades of compute (about one half-decade budget step). Chosen
// with the minima's vertex on the development sweeps of internal/backtest's
// TestBreakRuleDevelopment (clean sweeps and breaks of smoothness 0.15 to 0.6 at 3e18 to
// 3e19 FLOPs, seeds 11-60), where it decided and located breaks and covered the local
// exponent best of 0.15, 0.3, 0.5 and 1; docs/backtest.md reports it on other seeds.
const DefaultSmoothness = 0.3

// Vertex is the observed compute-optimal loss of one IsoFLOP budget: the minimum of its loss
// profile over model size (nats/token) at its compute (FLOPs).
type Vertex struct{ FLOPs, Loss float64 }

// Options configure Fit. The zero value fits the broken law with DefaultSmoothness.
type Options struct {
	// Single fits the single power law E + K·C^−γ (three constants) instead of the broken
	// law (five: E, K, γ, Δγ, C_b; s is fixed).
	Single bool
	// Smoothness is the fixed smoothness s of the break (0: DefaultSmoothness).
	Smoothness float64
	// Warm, when not nil, is a previous fit (e.g. at the previous cut of a backtest) whose
	// constants join the starts.
	Warm *Law
	// Workers bounds parallelism (0: GOMAXPROCS); results do not depend on it.
	Workers int
}

// Result is a fitted frontier law with its diagnostics.
type Result struct {
	Law Law
	// Objective is Σ_k (ln L*_k − ln L̂*_k)² over the vertices (dimensionless).
	Objective float64
	// RMSE is the root mean square of the log residuals (0.01 is a 1% miss).
	RMSE     float64
	Vertices int
	Free     int // free constants: 3 (single) or 5 (broken)
	fit.Diagnostics

	p  *problem
	ms fit.MultiStartResult
}

// ErrTooFewVertices is returned (wrapped) when there are fewer vertices than free constants
// plus one.
var ErrTooFewVertices = errors.New("too few IsoFLOP minima")

// Fit fits the law to the vertices by least squares on ln L*, from a grid of starts (and
// the warm start) polished by Newton's method.
func Fit(vs []Vertex, o Options) (*Result, error) {
	p, err := newProblem(vs, o)
	if err != nil {
		return nil, err
	}
	starts := p.screened(p.starts(), screenKeep)
	if th, ok := p.warm(o.Warm); ok {
		starts = append([][]float64{th}, starts...)
	}
	if !p.single {
		// the single law's optimum, with the break at each of a few places, seeds the broken law
		so := o
		so.Single, so.Warm = true, nil
		if sr, err := Fit(vs, so); err == nil {
			for _, t := range breakPlaces {
				starts = append(starts, []float64{sr.ms.X[0], sr.ms.X[1], sr.ms.X[2], 0, t})
			}
		}
	}
	return p.solve(starts, o.Workers)
}

// screenKeep is how many grid starts, the lowest by objective value, Fit polishes (beside
// the warm start and the single law's optimum). TestScreenedMatchesGrid checks that they
// reach the whole grid's optimum.
const screenKeep = 16

// screened returns the k starts with the lowest objective value, in that order.
func (p *problem) screened(starts [][]float64, k int) [][]float64 {
	if len(starts) <= k {
		return starts
	}
	vals := make([]float64, len(starts))
	for i, s := range starts {
		vals[i] = p.Value(s)
	}
	var out [][]float64
	for _, i := range stats.Order(vals)[:k] {
		out = append(out, starts[i])
	}
	return out
}

// breakPlaces are the starts of the break's internal coordinate t: the logistic of t places
// the break at 20%, 40%, 60% and 80% of the fitted range of ln C.
var breakPlaces = []float64{math.Log(0.2 / 0.8), math.Log(0.4 / 0.6), math.Log(0.6 / 0.4), math.Log(0.8 / 0.2)}

func (p *problem) solve(starts [][]float64, workers int) (*Result, error) {
	ms, err := fit.MultiStart(p, starts, fit.MultiStartOptions{Workers: workers, Admissible: p.admissible})
	if err != nil {
		return nil, fmt.Errorf("broken-power-law: %w", err)
	}
	return p.result(ms), nil
}

func (p *problem) result(ms fit.MultiStartResult) *Result {
	r := &Result{Law: p.law(ms.X), Objective: ms.F, Vertices: len(p.y), Free: p.Dim(), Diagnostics: ms.Diagnostics(), p: p, ms: ms}
	r.RMSE = math.Sqrt(ms.F / float64(len(p.y)))
	return r
}

// problem is the least-squares objective over θ = (e, k, γ[, Δγ, t]): E = e^e, ln(L* − E) =
// k − γ·x − Δγ·s·softplus((x − b)/s) with x = ln(C/C0) (C0 the geometric mean of the
// vertices' compute, for conditioning) and the break b = lo + (hi − lo)·logistic(t) kept
// between the second and the second-to-last vertex (a break beyond the data cannot be
// located, and one at its first or last vertex bends the law through a single point).
type problem struct {
	x, y   []float64
	lnC0   float64
	lo, hi float64
	s      float64
	single bool
}

func newProblem(vs []Vertex, o Options) (*problem, error) {
	p := &problem{s: o.Smoothness, single: o.Single}
	if p.s == 0 {
		p.s = DefaultSmoothness
	}
	if !(p.s > 0) || math.IsInf(p.s, 0) {
		return nil, fmt.Errorf("broken-power-law: smoothness %g: want a positive number (decades)", o.Smoothness)
	}
	for _, v := range vs {
		if !(v.FLOPs > 0) || !(v.Loss > 0) || math.IsInf(v.FLOPs, 0) || math.IsInf(v.Loss, 0) {
			return nil, fmt.Errorf("broken-power-law: minimum %g nats/token at %g FLOPs: want positive finite numbers", v.Loss, v.FLOPs)
		}
		p.x = append(p.x, math.Log(v.FLOPs))
		p.y = append(p.y, math.Log(v.Loss))
	}
	need := p.Dim() + 1
	if len(vs) < need {
		return nil, fmt.Errorf("broken-power-law: %d IsoFLOP minima: %w (want at least %d for %d constants)", len(vs), ErrTooFewVertices, need, p.Dim())
	}
	for _, x := range p.x {
		p.lnC0 += x / float64(len(p.x))
	}
	for i := range p.x {
		p.x[i] -= p.lnC0
	}
	p.lo, p.hi = slices.Min(p.x), slices.Max(p.x)
	if p.hi-p.lo < 1e-9 {
		return nil, errors.New("broken-power-law: every IsoFLOP minimum is at the same compute: nothing scales")
	}
	if !p.single {
		// the break lies between the second and the second-to-last minimum: a break at the
		// first or last would bend the law through one point
		xs := slices.Sorted(slices.Values(p.x))
		p.lo, p.hi = xs[1], xs[len(xs)-2]
	}
	return p, nil
}

// Dim is the number of free constants.
func (p *problem) Dim() int {
	if p.single {
		return 3
	}
	return 5
}

func (p *problem) brk(t float64) float64 { return p.lo + (p.hi-p.lo)*logistic(t) }

// law converts θ to a Law.
func (p *problem) law(th []float64) Law {
	l := Law{E: math.Exp(th[0]), K: math.Exp(th[1] + th[2]*p.lnC0), Gamma: th[2], S: p.s, Cb: math.Exp(p.lnC0)}
	if !p.single {
		l.DeltaGamma = th[3]
		l.Cb = math.Exp(p.brk(th[4]) + p.lnC0)
	}
	return l
}

// theta converts a Law to θ (its break clamped into the fitted range).
func (p *problem) theta(l Law) []float64 {
	th := []float64{math.Log(l.E), math.Log(l.K) - l.Gamma*p.lnC0, l.Gamma}
	if !p.single {
		f := (math.Log(l.Cb) - p.lnC0 - p.lo) / (p.hi - p.lo)
		f = math.Min(math.Max(f, 0.02), 0.98)
		th = append(th, l.DeltaGamma, math.Log(f/(1-f)))
	}
	return th
}

// eval returns Σ (y − ln L̂)² and, when grad is not nil, its gradient and, when hess is not
// nil too, its exact Hessian (row-major). With u = ln(E + R), R = e^r and the shares
// P = R/(E + R), Q = E/(E + R): u_e = Q, u_r = P, u_ee = u_rr = −u_er = PQ.
func (p *problem) eval(th, grad, hess []float64) float64 {
	q := p.Dim()
	if grad != nil {
		clear(grad[:q])
	}
	if hess != nil {
		clear(hess[:q*q])
	}
	E := math.Exp(th[0])
	var b, db, ddb float64
	if !p.single {
		sg := logistic(th[4])
		b = p.lo + (p.hi-p.lo)*sg
		db = (p.hi - p.lo) * sg * (1 - sg)
		ddb = db * (1 - 2*sg)
	}
	f := 0.0
	var ju, rj [5]float64 // ∂u/∂θ and ∂r/∂θ
	for i, x := range p.x {
		r := th[1] - th[2]*x
		var z, sp, sz float64
		if !p.single {
			z = (x - b) / p.s
			sp, sz = softplus(z), logistic(z)
			r -= th[3] * p.s * sp
		}
		R := math.Exp(r)
		L := E + R
		res := p.y[i] - math.Log(L)
		f += res * res
		if grad == nil {
			continue
		}
		P := R / L
		Q := E / L
		rj[0], rj[1], rj[2] = 0, 1, -x
		if !p.single {
			rj[3] = -p.s * sp
			rj[4] = th[3] * sz * db
		}
		ju[0] = Q
		for j := 1; j < q; j++ {
			ju[j] = P * rj[j]
		}
		for j := 0; j < q; j++ {
			grad[j] += -2 * res * ju[j]
		}
		if hess == nil {
			continue
		}
		pq := P * Q
		for a := 0; a < q; a++ {
			for c := 0; c <= a; c++ {
				var uac float64 // ∂²u/∂θa∂θc
				switch {
				case a == 0 && c == 0:
					uac = pq
				case c == 0:
					uac = -pq * rj[a]
				default:
					uac = pq * rj[a] * rj[c]
				}
				hess[a*q+c] += 2 * (ju[a]*ju[c] - res*uac)
			}
		}
		if !p.single {
			// ∂²r/∂Δγ∂t = σ(z)·b', ∂²r/∂t² = Δγ(−σ'(z)b'²/s + σ(z)b'')
			rdt := sz * db
			rtt := th[3] * (-sz*(1-sz)*db*db/p.s + sz*ddb)
			hess[4*q+3] += -2 * res * P * rdt
			hess[4*q+4] += -2 * res * P * rtt
		}
	}
	if hess != nil {
		for a := 0; a < q; a++ {
			for c := 0; c < a; c++ {
				hess[c*q+a] = hess[a*q+c]
			}
		}
	}
	return f
}

// Value is the objective.
func (p *problem) Value(th []float64) float64 { return p.eval(th, nil, nil) }

// ValueGrad is the objective and its gradient.
func (p *problem) ValueGrad(th, grad []float64) float64 { return p.eval(th, grad, nil) }

// ValueGradHess is the objective, its gradient and its exact Hessian.
func (p *problem) ValueGradHess(th, grad, hess []float64) float64 { return p.eval(th, grad, hess) }

// admissible rejects optima whose constants overflow or whose exponents are absurd.
func (p *problem) admissible(th []float64) bool {
	for _, v := range th {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	if math.Abs(th[0]) > 690 || math.Abs(th[1]) > 690 || math.Abs(th[2]) > 10 {
		return false
	}
	return p.single || math.Abs(th[3]) <= 10
}

// warm returns θ of a warm start (a broken law's break moved into the fitted range; a
// single law as the broken law with no break), ok false when there is none.
func (p *problem) warm(l *Law) ([]float64, bool) {
	if l == nil || !(l.E > 0) || !(l.K > 0) {
		return nil, false
	}
	w := *l
	if p.single {
		w.DeltaGamma = 0
	} else if !(w.Cb > 0) || !w.Broken() {
		w.Cb, w.DeltaGamma = math.Exp(p.lnC0), 0
	}
	th := p.theta(w)
	return th, p.admissible(th)
}

// starts returns a grid of starts, each with k set by least squares given the rest.
func (p *problem) starts() [][]float64 {
	var out [][]float64
	minL := math.Exp(slices.Min(p.y))
	if p.single {
		for _, ef := range []float64{0.3, 0.6, 0.8, 0.9, 0.95} {
			for _, g := range []float64{0.03, 0.08, 0.15, 0.3, 0.6} {
				out = append(out, p.withK([]float64{math.Log(ef * minL), 0, g}))
			}
		}
		return out
	}
	for _, ef := range []float64{0.5, 0.8, 0.92} {
		for _, g := range []float64{0.08, 0.15, 0.3} {
			for _, dg := range []float64{-0.5 * g, 0.5 * g} {
				for _, t := range breakPlaces {
					out = append(out, p.withK([]float64{math.Log(ef * minL), 0, g, dg, t}))
				}
			}
		}
	}
	return out
}

// withK sets θ's k to the mean of ln(L − E) + γx + Δγ·s·softplus(...) over the vertices.
func (p *problem) withK(th []float64) []float64 {
	E := math.Exp(th[0])
	var b float64
	if !p.single {
		b = p.brk(th[4])
	}
	k := 0.0
	for i, x := range p.x {
		v := math.Max(math.Exp(p.y[i])-E, 1e-6)
		t := math.Log(v) + th[2]*x
		if !p.single {
			t += th[3] * p.s * softplus((x-b)/p.s)
		}
		k += t / float64(len(p.x))
	}
	th[1] = k
	return th
}

// refit fits new vertices from the given law and the best few of the grid starts (by
// objective value): the bootstrap's refit, warm-started from the full-data optimum.
func refit(vs []Vertex, o Options, from Law, grid int) (*Result, error) {
	p, err := newProblem(vs, o)
	if err != nil {
		return nil, err
	}
	starts := [][]float64{}
	if th, ok := p.warm(&from); ok {
		starts = append(starts, th)
	}
	starts = append(starts, p.screened(p.starts(), grid)...)
	return p.solve(starts, 1)
}
