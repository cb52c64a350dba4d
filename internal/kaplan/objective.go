package kaplan

import (
	"math"

	"github.com/scalefit/scalefit/internal/fit"
)

// Form is the functional form fitted by Fit.
type Form int

const (
	// Joint is L(N, D) = [(Nc/N)^(αN/αD) + Dc/D]^αD, free x = (ln Nc, ln Dc, ln αN, ln αD).
	Joint Form = iota
	// ParamsOnly is L(N) = E + (Nc/N)^αN, free x = (ln Nc, ln αN[, ln E]).
	ParamsOnly
	// DataOnly is L(D) = E + (Dc/D)^αD, free x = (ln Dc, ln αD[, ln E]).
	DataOnly
)

// String names the form as the JSON contract does: "L(N,D)", "L(N)" or "L(D)".
func (f Form) String() string {
	switch f {
	case ParamsOnly:
		return "L(N)"
	case DataOnly:
		return "L(D)"
	}
	return "L(N,D)"
}

// maxDim is the largest number of free parameters of any form.
const maxDim = 4

// objective is the summed robust loss Σ_i w_i ρ(ln L_i − ln L̂_i) of one Kaplan form, with
// every parameter in logs (positivity without bounds). It has the method set of
// internal/fit's Objective (Dim, Value, ValueGrad, ValueGradHess with a row-major
// Hessian); it is read-only after construction and does not allocate.
type objective struct {
	form   Form
	offset bool      // single-variable forms: fit E (x[2] = ln E)
	x1, x2 []float64 // ln N and ln D (Joint); ln N or ln D in x1 (single-variable forms)
	y      []float64 // ln L
	w      []float64 // weights (bootstrap counts), nil for all ones
	perm   []int     // perm[i]: the input index of row i (rows are in canonical order)
	delta  float64   // Huber threshold on log-loss residuals; 0 means squared error
}

func (o *objective) Dim() int {
	switch {
	case o.form == Joint:
		return 4
	case o.offset:
		return 3
	}
	return 2
}

// loss is the robust loss of the residuals: Huber(delta), or squared error when delta is 0.
func (o *objective) loss() fit.Loss {
	if o.delta > 0 {
		return fit.Loss{Kind: fit.Huber, Delta: o.delta}
	}
	return fit.Loss{Kind: fit.Squared}
}

func (o *objective) rho(r float64) float64  { return o.loss().Value(r) }
func (o *objective) psi(r float64) float64  { return o.loss().Psi(r) }
func (o *objective) curv(r float64) float64 { return o.loss().Curv(r) }

// Value returns the objective at x.
func (o *objective) Value(x []float64) float64 { return o.eval(x, nil, nil) }

// ValueGrad returns the objective and writes its gradient into grad.
func (o *objective) ValueGrad(x, grad []float64) float64 { return o.eval(x, grad, nil) }

// ValueGradHess returns the objective and writes its gradient and row-major Hessian.
func (o *objective) ValueGradHess(x, grad, hess []float64) float64 { return o.eval(x, grad, hess) }

func (o *objective) eval(x, grad, hess []float64) float64 {
	q := o.Dim()
	for j := range grad[:min(len(grad), q)] {
		grad[j] = 0
	}
	for j := range hess[:min(len(hess), q*q)] {
		hess[j] = 0
	}
	var g [maxDim]float64
	var h [maxDim * maxDim]float64
	wantH := hess != nil
	sum := 0.0
	for i := range o.y {
		w := 1.0
		if o.w != nil {
			if w = o.w[i]; w == 0 {
				continue
			}
		}
		f := o.logPredict(x, i, g[:q], h[:q*q], grad != nil || wantH, wantH)
		r := o.y[i] - f
		sum += w * o.rho(r)
		if grad == nil && !wantH {
			continue
		}
		ps := w * o.psi(r)
		for j := range q {
			grad[j] -= ps * g[j]
		}
		if wantH {
			c := w * o.curv(r)
			for j := range q {
				for k := range q {
					hess[j*q+k] += c*g[j]*g[k] - ps*h[j*q+k]
				}
			}
		}
	}
	return sum
}

// logPredict returns ln L̂ for run i and, when asked, its gradient g and Hessian h
// (row-major) with respect to x.
func (o *objective) logPredict(x []float64, i int, g, h []float64, wantG, wantH bool) float64 {
	if o.form == Joint {
		return o.logJoint(x, i, g, h, wantG, wantH)
	}
	// t1 = α (x0 − v) with α = e^x1; ln L̂ = t1, or LSE(t1, x2) with the offset E = e^x2.
	q := len(g)
	alpha := math.Exp(x[1])
	m := x[0] - o.x1[i]
	t1 := alpha * m
	var d1 [3]float64 // ∂t1
	d1[0], d1[1] = alpha, t1
	if !o.offset {
		if wantG {
			g[0], g[1] = d1[0], d1[1]
		}
		if wantH {
			h[0], h[1], h[2], h[3] = 0, alpha, alpha, t1
		}
		return t1
	}
	t2 := x[2]
	s := lse2(t1, t2)
	sig := math.Exp(t1 - s)
	tau := 1 - sig
	if wantG {
		g[0], g[1], g[2] = sig*d1[0], sig*d1[1], tau
	}
	if wantH {
		dd := [3]float64{d1[0], d1[1], -1} // ∂t1 − ∂t2
		st := sig * tau
		for j := range q {
			for k := range q {
				h[j*q+k] = st * dd[j] * dd[k]
			}
		}
		// σ ∂²t1: (0,1), (1,0) = α; (1,1) = t1
		h[0*q+1] += sig * alpha
		h[1*q+0] += sig * alpha
		h[1*q+1] += sig * t1
	}
	return s
}

// logJoint is ln L̂ = αD · LSE(p (x0 − ln N), x1 − ln D) with p = αN/αD, αN = e^x2,
// αD = e^x3, and its derivatives.
func (o *objective) logJoint(x []float64, i int, g, h []float64, wantG, wantH bool) float64 {
	aD := math.Exp(x[3])
	p := math.Exp(x[2] - x[3])
	m := x[0] - o.x1[i]
	t1 := p * m
	t2 := x[1] - o.x2[i]
	s := lse2(t1, t2)
	f := aD * s
	if !wantG && !wantH {
		return f
	}
	sig := math.Exp(t1 - s)
	tau := 1 - sig
	d1 := [4]float64{p, 0, t1, -t1} // ∂t1
	d2 := [4]float64{0, 1, 0, 0}    // ∂t2
	var dS [4]float64
	for j := range 4 {
		dS[j] = sig*d1[j] + tau*d2[j]
	}
	g[0], g[1], g[2], g[3] = aD*dS[0], aD*dS[1], aD*dS[2], aD*dS[3]+f
	if !wantH {
		return f
	}
	// ∂²t1: (0,2) = p, (0,3) = −p, (2,2) = (3,3) = t1, (2,3) = −t1.
	var d2t1 [16]float64
	d2t1[0*4+2], d2t1[2*4+0] = p, p
	d2t1[0*4+3], d2t1[3*4+0] = -p, -p
	d2t1[2*4+2], d2t1[3*4+3] = t1, t1
	d2t1[2*4+3], d2t1[3*4+2] = -t1, -t1
	st := sig * tau
	for j := range 4 {
		for k := range 4 {
			d2S := sig*d2t1[j*4+k] + st*(d1[j]-d2[j])*(d1[k]-d2[k])
			v := aD * d2S
			if j == 3 {
				v += aD * dS[k]
			}
			if k == 3 {
				v += aD * dS[j]
			}
			if j == 3 && k == 3 {
				v += f
			}
			h[j*4+k] = v
		}
	}
	return f
}

// lse2 is ln(e^a + e^b) without overflow.
func lse2(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}
