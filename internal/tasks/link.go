package tasks

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

// LinkKind names the step-2 link from task loss to metric.
type LinkKind string

const (
	// Sigmoid is Bhagia et al.'s link Acc(x) = a/(1+exp(-k(x-x0))) + b with a in [-1, 0],
	// b in [0, 1], k >= 0, x0 >= 0; parameters (a, x0, k, b).
	Sigmoid LinkKind = "sigmoid"
	// Exp is Gadre et al.'s (2024) link err(x) = eps - k exp(-gamma x), err = max - Acc,
	// with eps in [0, 1], k >= 0, gamma >= 0; parameters (eps, k, gamma).
	Exp LinkKind = "exp"
)

// ParseLink reads a link name.
func ParseLink(s string) (LinkKind, error) {
	switch s {
	case "", "sigmoid":
		return Sigmoid, nil
	case "exp", "exponential":
		return Exp, nil
	}
	return "", fmt.Errorf("--link %q: want sigmoid or exp", s)
}

// Link is a fitted step-2 link. Params are (a, x0, k, b) for Sigmoid and (eps, k, gamma)
// for Exp; Max is the metric's maximum (the Exp link predicts max - err).
type Link struct {
	Kind   LinkKind
	Params []float64
	Max    float64
	// SSE is the weighted sum of squared residuals at the optimum.
	SSE float64
}

// Metric returns the link's metric at task loss x.
func (l Link) Metric(x float64) float64 {
	p := l.Params
	if l.Kind == Exp {
		return l.Max - (p[0] - p[1]*math.Exp(-p[2]*x))
	}
	return p[0]/(1+math.Exp(-p[2]*(x-p[1]))) + p[3]
}

// linkProblem is a bounded nonlinear least-squares problem: points (x, y) with weights w.
type linkProblem struct {
	kind   LinkKind
	max    float64
	x, y   []float64
	w      []float64 // nil: all ones
	lo, hi []float64
	tol    float64 // relative SSE decrease that ends a fit; 0: relTol's default
}

// relTol is the relative decrease of the SSE below which a step ends the fit: 1e-12 on
// the full data, 1e-9 for bootstrap refits (which start at the full-data optimum; on the
// OLMo ladder, polishing them to 1e-14 moves the metric at the targets by about 1e-5,
// against interval widths of 0.04 and more: TestLinkRefitTolerance).
func (lp *linkProblem) relTol() float64 {
	if lp.tol > 0 {
		return lp.tol
	}
	if lp.w != nil {
		return 1e-9
	}
	return 1e-12
}

func (lp *linkProblem) dim() int {
	if lp.kind == Exp {
		return 3
	}
	return 4
}

func newLinkProblem(kind LinkKind, max float64, x, y, w []float64) *linkProblem {
	lp := &linkProblem{kind: kind, max: max, x: x, y: y, w: w}
	inf := math.Inf(1)
	if kind == Exp {
		lp.lo, lp.hi = []float64{0, 0, 0}, []float64{1, inf, inf}
	} else {
		lp.lo, lp.hi = []float64{-1, 0, 0, 0}, []float64{0, inf, inf, 1}
	}
	return lp
}

// eval returns the weighted SSE Σ w_i r_i², r_i = model(x_i) - y_i, and, when jtj is
// non-nil, accumulates JᵀWJ (row-major, both triangles) and JᵀWr.
func (lp *linkProblem) eval(p []float64, jtj, jtr []float64) float64 {
	if lp.kind == Sigmoid {
		return lp.evalSigmoid(p, jtj, jtr)
	}
	const q = 3
	if jtj != nil {
		clear(jtj)
		clear(jtr)
	}
	var sse float64
	var g [q]float64
	for i, x := range lp.x {
		w := 1.0
		if lp.w != nil {
			w = lp.w[i]
		}
		e := math.Exp(-p[2] * x)
		r := lp.max - p[0] + p[1]*e - lp.y[i]
		sse += w * r * r
		if jtj != nil {
			g[0], g[1], g[2] = -1, e, -p[1]*x*e
			for a := 0; a < q; a++ {
				jtr[a] += w * g[a] * r
				for b := 0; b <= a; b++ {
					jtj[a*q+b] += w * g[a] * g[b]
				}
			}
		}
	}
	if jtj != nil {
		symmetrize(jtj, q)
	}
	return sse
}

// evalSigmoid is eval for Acc = a s + b, s = 1/(1+exp(-k(x-x0))). With u = a s(1-s) and
// d = x - x0 the Jacobian row is (s, -k u, u d, 1), so JᵀWJ and JᵀWr follow from 14
// weighted sums.
func (lp *linkProblem) evalSigmoid(p []float64, jtj, jtr []float64) float64 {
	a, x0, k, b := p[0], p[1], p[2], p[3]
	var sse float64
	if jtj == nil {
		for i, x := range lp.x {
			r := a*logistic(k*(x-x0)) + b - lp.y[i]
			if lp.w != nil {
				sse += lp.w[i] * r * r
			} else {
				sse += r * r
			}
		}
		return sse
	}
	var sss, ssu, ssud, ss, suu, suud, su, suudd, sud, sw, ssr, sur, sudr, sr float64
	for i, x := range lp.x {
		w := 1.0
		if lp.w != nil {
			w = lp.w[i]
		}
		d := x - x0
		s := logistic(k * d)
		r := a*s + b - lp.y[i]
		u := a * s * (1 - s)
		ws, wu := w*s, w*u
		sse += w * r * r
		sss += ws * s
		ssu += ws * u
		ssud += ws * u * d
		ss += ws
		suu += wu * u
		suud += wu * u * d
		su += wu
		suudd += wu * u * d * d
		sud += wu * d
		sw += w
		ssr += ws * r
		sur += wu * r
		sudr += wu * d * r
		sr += w * r
	}
	// rows/cols: 0 a (s), 1 x0 (-k u), 2 k (u d), 3 b (1)
	jtj[0], jtj[1], jtj[2], jtj[3] = sss, -k*ssu, ssud, ss
	jtj[5], jtj[6], jtj[7] = k*k*suu, -k*suud, -k*su
	jtj[10], jtj[11] = suudd, sud
	jtj[15] = sw
	for r := 0; r < 4; r++ {
		for c := 0; c < r; c++ {
			jtj[r*4+c] = jtj[c*4+r]
		}
	}
	jtr[0], jtr[1], jtr[2], jtr[3] = ssr, -k*sur, sudr, sr
	return sse
}

// logistic is 1/(1+e^-z), with the fast exp of internal/fit on the non-positive side.
func logistic(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + fit.ExpNonPos(-z))
	}
	e := fit.ExpNonPos(z)
	return e / (1 + e)
}

func symmetrize(m []float64, q int) {
	for a := 0; a < q; a++ {
		for b := 0; b < a; b++ {
			m[b*q+a] = m[a*q+b]
		}
	}
}

// solve runs a projected Levenberg-Marquardt minimisation from p0 within the bounds: a
// coordinate at a bound whose gradient points outward is held fixed for the step, the
// others take the damped Gauss-Newton step, and the result is clipped to the box.
func (lp *linkProblem) solve(p0 []float64, maxIter int) ([]float64, float64, bool) {
	q := lp.dim()
	p := make([]float64, q)
	for i := range p {
		p[i] = math.Min(math.Max(p0[i], lp.lo[i]), lp.hi[i])
	}
	jtj := make([]float64, q*q)
	jtr := make([]float64, q)
	tjtj := make([]float64, q*q)
	tjtr := make([]float64, q)
	a := make([]float64, q*q)
	l := make([]float64, q*q) // the Cholesky factor of a
	g := make([]float64, q)   // the gradient JᵀWr on the free coordinates
	d := make([]float64, q)
	trial := make([]float64, q)
	free := make([]bool, q)
	f := lp.eval(p, jtj, jtr)
	lambda := 1e-3
	converged := false
	for it := 0; it < maxIter; it++ {
		nf := 0
		gmax := 0.0
		for i := range p {
			atLo := p[i] <= lp.lo[i] && jtr[i] > 0
			atHi := p[i] >= lp.hi[i] && jtr[i] < 0
			free[i] = !atLo && !atHi
			if free[i] {
				nf++
				gmax = math.Max(gmax, math.Abs(jtr[i]))
			}
		}
		if nf == 0 || gmax <= 1e-12*(1+f) {
			converged = true
			break
		}
		improved := false
		for try := 0; try < 30; try++ {
			// (JᵀWJ + λ diag) d = -JᵀWr on the free coordinates.
			for i := 0; i < q; i++ {
				for j := 0; j < q; j++ {
					v := 0.0
					if free[i] && free[j] {
						v = jtj[i*q+j]
						if i == j {
							v += lambda * math.Max(jtj[i*q+i], 1e-12)
						}
					} else if i == j {
						v = 1
					}
					a[i*q+j] = v
				}
				g[i] = 0
				if free[i] {
					g[i] = jtr[i]
				}
			}
			if !fit.Cholesky(l, a, 0, q) {
				lambda *= 10
				continue
			}
			fit.CholeskyStep(d, l, g, q)
			for i := range p {
				trial[i] = math.Min(math.Max(p[i]+d[i], lp.lo[i]), lp.hi[i])
			}
			ft := lp.eval(trial, tjtj, tjtr)
			if ft < f {
				rel := (f - ft) / math.Max(f, 1e-300)
				copy(p, trial)
				f = ft
				jtj, tjtj = tjtj, jtj
				jtr, tjtr = tjtr, jtr
				lambda = math.Max(lambda/3, 1e-12)
				improved = true
				if rel < lp.relTol() {
					converged = true
				}
				break
			}
			lambda *= 4
		}
		if !improved || converged {
			converged = converged || !improved
			break
		}
	}
	return p, f, converged
}

// linkStarts are the start values: the paper's (a, x0, k, b) = (chance - 1, 0.9, 3, max)
// first, then a small grid over x0 and k (the global search); for Exp, eps = 1 - chance.
func linkStarts(kind LinkKind, chance, max float64) [][]float64 {
	if math.IsNaN(chance) {
		chance = 0
	}
	if kind == Exp {
		e0 := math.Min(math.Max(max-chance, 0), 1)
		return [][]float64{{e0, e0, 1}, {e0, e0, 0.3}, {e0, e0, 3}, {1, 1, 1}}
	}
	s := [][]float64{{chance - 1, 0.9, 3, max}}
	for _, x0 := range []float64{0.3, 0.9, 1.5, 2.5} {
		for _, k := range []float64{1, 3, 8} {
			if x0 == 0.9 && k == 3 {
				continue
			}
			s = append(s, []float64{chance - 1, x0, k, max})
		}
	}
	return s
}

// linkPolish is the number of starts polished besides the first: those with the lowest
// SSE at the start.
const linkPolish = 3

// fit runs the fit from the first start and from the linkPolish others with the lowest
// SSE, and keeps the lowest SSE.
func (lp *linkProblem) fit(starts [][]float64, maxIter int) (Link, bool) {
	best := Link{Kind: lp.kind, Max: lp.max, SSE: math.Inf(1)}
	conv := false
	if len(starts) > 1+linkPolish {
		sse := make([]float64, len(starts))
		idx := make([]int, 0, len(starts)-1)
		for i := 1; i < len(starts); i++ {
			sse[i] = lp.eval(starts[i], nil, nil)
			idx = append(idx, i)
		}
		slices.SortStableFunc(idx, func(a, b int) int { return stats.CompareNaNLast(sse[a], sse[b]) })
		sel := [][]float64{starts[0]}
		for _, i := range idx[:linkPolish] {
			sel = append(sel, starts[i])
		}
		starts = sel
	}
	for _, s := range starts {
		p, f, c := lp.solve(s, maxIter)
		if f < best.SSE {
			best.Params, best.SSE, conv = p, f, c
		}
	}
	return best, conv
}
