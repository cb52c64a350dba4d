package fit

import (
	"errors"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/stats"
)

// MaxParams and MaxTerms bound the size of an LSE model; they let the hot loop keep its
// scratch on the stack.
const (
	MaxParams = 8
	MaxTerms  = 4
)

// Term is one linear term of a log-sum-exp model: for run i,
//
//	t_i = θ[Intercept] − θ[Slope]·X[i]
//
// With Slope < 0 the term is the constant θ[Intercept] (X is ignored). For the Chinchilla
// law the terms are (a, α, ln N), (b, β, ln D) and (e, none).
type Term struct {
	Intercept int
	Slope     int
	X         []float64
}

// Mapping maps a reduced vector x of free parameters to the full parameter vector θ:
// θ[j] = x[Src[j]] when Src[j] ≥ 0, else θ[j] = Fixed[j]. Two entries with the same Src
// are tied (e.g. α = β); Src < 0 fixes a parameter (e.g. E known). The zero Mapping with
// Src nil is the identity.
type Mapping struct {
	Src   []int
	Fixed []float64
}

// Identity returns the mapping under which all p parameters are free.
func Identity(p int) Mapping {
	m := Mapping{Src: make([]int, p), Fixed: make([]float64, p)}
	for i := range m.Src {
		m.Src[i] = i
	}
	return m
}

// Free is the number of free parameters (the length of x).
func (m Mapping) Free() int {
	q := 0
	for _, s := range m.Src {
		if s+1 > q {
			q = s + 1
		}
	}
	return q
}

// Full writes θ for the free vector x into theta (len(theta) == len(m.Src)).
func (m Mapping) Full(theta, x []float64) {
	for j, s := range m.Src {
		if s >= 0 {
			theta[j] = x[s]
		} else {
			theta[j] = m.Fixed[j]
		}
	}
}

// Reduce writes into x the free coordinates of θ (for a tie, the first tied entry).
func (m Mapping) Reduce(x, theta []float64) {
	seen := [MaxParams]bool{}
	for j, s := range m.Src {
		if s >= 0 && !seen[s] {
			x[s] = theta[j]
			seen[s] = true
		}
	}
}

func (m Mapping) validate(p int) error {
	if len(m.Src) != p {
		return fmt.Errorf("fit: mapping has %d entries, want %d", len(m.Src), p)
	}
	q := m.Free()
	if q == 0 {
		return errors.New("fit: mapping leaves no free parameter")
	}
	used := make([]bool, q)
	for j, s := range m.Src {
		if s >= 0 {
			used[s] = true
		} else if len(m.Fixed) != p || math.IsNaN(m.Fixed[j]) || math.IsInf(m.Fixed[j], 0) {
			return fmt.Errorf("fit: parameter %d is fixed but has no finite value", j)
		}
	}
	for s, u := range used {
		if !u {
			return fmt.Errorf("fit: free coordinate %d maps to no parameter", s)
		}
	}
	return nil
}

// LSE is the summed robust objective of a log-sum-exp model on log-losses:
//
//	f(x) = Σ_i w_i ρ(y_i − LSE_k t_ik(θ(x)))
//
// where y_i is the log of run i's loss (nats/token), t_ik the model's linear terms, ρ the
// robust Loss and w_i a run weight (1, or a bootstrap count). The objective is a SUM, not
// a mean, so its scale grows with the number of runs (Epoch 2024: a mean makes default
// tolerances stop at once).
//
// An LSE is read-only after construction, so one value may be shared by goroutines.
// Value, ValueGrad and ValueGradHess do not allocate.
type LSE struct {
	loss    Loss
	delta   float64
	squared bool
	p, q, k int
	icpt    [MaxTerms]int
	slope   [MaxTerms]int
	xs      []float64 // n*k covariates, row-major by run (0 where a term has no slope)
	y       []float64 // observed log-loss
	w       []float64 // weights, nil for all ones
	m       Mapping
	// fast path for two slope terms and one constant term (the Chinchilla shape): quad
	// holds (x0, x1, y, w) per run in groups of four rows (lse3kernel.go), n3 the number
	// of runs in it, t3 the term order (slope, slope, constant).
	quad []float64
	n3   int
	t3   [3]int
}

// pack builds the fast-path rows when the model has the Chinchilla shape.
func (o *LSE) pack() {
	o.quad, o.n3 = nil, 0
	if o.k != 3 {
		return
	}
	var sl []int
	cst := -1
	for j := 0; j < 3; j++ {
		if o.slope[j] >= 0 {
			sl = append(sl, j)
		} else {
			cst = j
		}
	}
	if len(sl) != 2 || cst < 0 {
		return
	}
	o.t3 = [3]int{sl[0], sl[1], cst}
	o.n3 = len(o.y)
	o.quad = make([]float64, (o.n3+3)/4*quadGroup)
	for i := range o.y {
		w := 1.0
		if o.w != nil {
			w = o.w[i]
		}
		q := o.quad[i/4*quadGroup:]
		k := i % 4
		q[k], q[4+k], q[8+k], q[12+k] = o.xs[i*3+sl[0]], o.xs[i*3+sl[1]], o.y[i], w
	}
}

// NewLSE builds the objective for observed log-losses y, the model's terms over a full
// parameter vector of length nParams, the robust loss and the mapping from free to full
// parameters (a zero Mapping means all free).
func NewLSE(y []float64, terms []Term, nParams int, loss Loss, m Mapping) (*LSE, error) {
	if nParams < 1 || nParams > MaxParams {
		return nil, fmt.Errorf("fit: %d parameters, want 1..%d", nParams, MaxParams)
	}
	if len(terms) < 1 || len(terms) > MaxTerms {
		return nil, fmt.Errorf("fit: %d terms, want 1..%d", len(terms), MaxTerms)
	}
	if m.Src == nil {
		m = Identity(nParams)
	}
	if err := m.validate(nParams); err != nil {
		return nil, err
	}
	n := len(y)
	o := &LSE{loss: loss, delta: loss.delta(), squared: loss.Kind == Squared,
		p: nParams, q: m.Free(), k: len(terms), m: m,
		y: append([]float64(nil), y...), xs: make([]float64, n*len(terms))}
	for j, t := range terms {
		if t.Intercept < 0 || t.Intercept >= nParams || t.Slope >= nParams {
			return nil, fmt.Errorf("fit: term %d refers to a parameter out of range", j)
		}
		o.icpt[j], o.slope[j] = t.Intercept, t.Slope
		if t.Slope >= 0 {
			if len(t.X) != n {
				return nil, fmt.Errorf("fit: term %d has %d covariates for %d runs", j, len(t.X), n)
			}
			for i, v := range t.X {
				o.xs[i*o.k+j] = v
			}
		} else {
			o.slope[j] = -1
		}
	}
	o.pack()
	return o, nil
}

// Len is the number of runs (rows with non-zero weight after Reweight).
func (o *LSE) Len() int { return len(o.y) }

// Dim is the number of free parameters.
func (o *LSE) Dim() int { return o.q }

// Mapping returns the free-to-full mapping.
func (o *LSE) Mapping() Mapping { return o.m }

// Loss returns the robust loss.
func (o *LSE) Loss() Loss { return o.loss }

// Reweight returns the objective with run i counted counts[i] times (a bootstrap
// resample); runs with count 0 are dropped, so evaluation costs only the distinct runs.
func (o *LSE) Reweight(counts []int) *LSE {
	c := *o
	m := 0
	for _, n := range counts {
		if n > 0 {
			m++
		}
	}
	c.y, c.xs, c.w = make([]float64, 0, m), make([]float64, 0, m*o.k), make([]float64, 0, m)
	for i, n := range counts {
		if n <= 0 {
			continue
		}
		c.y = append(c.y, o.y[i])
		c.xs = append(c.xs, o.xs[i*o.k:(i+1)*o.k]...)
		w := 1.0
		if o.w != nil {
			w = o.w[i]
		}
		c.w = append(c.w, w*float64(n))
	}
	c.pack()
	return &c
}

// Scale returns the objective with every run's weight multiplied by s > 0: a subsample
// of m of n runs scaled by n/m estimates the whole objective on its own scale, so
// absolute tolerances (gradient thresholds) mean the same on both.
func (o *LSE) Scale(s float64) *LSE {
	c := *o
	c.w = make([]float64, len(o.y))
	for i := range c.w {
		c.w[i] = s
		if o.w != nil {
			c.w[i] *= o.w[i]
		}
	}
	c.pack()
	return &c
}

// FullParams returns θ for the free vector x.
func (o *LSE) FullParams(x []float64) []float64 {
	th := make([]float64, o.p)
	o.m.Full(th, x)
	return th
}

// LogPredict writes the model's log-loss prediction LSE_k t_ik(θ) for every run into dst
// (θ full, not reduced).
func (o *LSE) LogPredict(dst, theta []float64) {
	for i := range o.y {
		dst[i] = o.lseRow(theta, i)
	}
}

func (o *LSE) lseRow(th []float64, i int) float64 {
	xs := o.xs[i*o.k : (i+1)*o.k]
	var t [MaxTerms]float64
	mx := math.Inf(-1)
	for j := 0; j < o.k; j++ {
		v := th[o.icpt[j]]
		if s := o.slope[j]; s >= 0 {
			v -= th[s] * xs[j]
		}
		t[j] = v
		if v > mx {
			mx = v
		}
	}
	s := 0.0
	for j := 0; j < o.k; j++ {
		s += math.Exp(t[j] - mx)
	}
	return mx + math.Log(s)
}

// Residuals writes each run's residual y_i − LSE_k t_ik(θ(x)) (observed minus predicted
// log-loss, for the free vector x) into dst, in the objective's row order.
func (o *LSE) Residuals(dst, x []float64) {
	th := o.FullParams(x)
	if o.quad == nil || !allFinite(th) {
		o.LogPredict(dst, th)
		for i, y := range o.y {
			dst[i] = y - dst[i]
		}
		return
	}
	j0, j1, j2 := o.t3[0], o.t3[1], o.t3[2]
	c := newLSE3Args(th[o.icpt[j0]], th[o.slope[j0]], th[o.icpt[j1]], th[o.slope[j1]], th[o.icpt[j2]], math.Inf(1))
	var lanes [4]float64
	var out [lseBlock * quadOut]float64
	for first := 0; first < o.n3; first += 4 * lseBlock {
		m := min(o.n3-first, 4*lseBlock)
		lse3(o.quad[first/4*quadGroup:], m, c, &lanes, out[:], nil)
		for i := range m {
			dst[first+i] = out[i/4*quadOut+i%4]
		}
	}
}

// Value returns f(x).
func (o *LSE) Value(x []float64) float64 {
	if o.quad != nil {
		return o.eval3(x, nil, nil, nil)
	}
	var th [MaxParams]float64
	o.m.Full(th[:o.p], x)
	f := 0.0
	for i, y := range o.y {
		r := y - o.lseRow(th[:o.p], i)
		var h float64
		if o.squared {
			h = 0.5 * r * r
		} else if a := math.Abs(r); a > o.delta {
			h = o.delta * (a - 0.5*o.delta)
		} else {
			h = 0.5 * r * r
		}
		if o.w != nil {
			h *= o.w[i]
		}
		f += h
	}
	return f
}

// ValueGrad returns f(x) and writes ∇f(x) (len Dim) into grad.
func (o *LSE) ValueGrad(x, grad []float64) float64 {
	return o.eval(x, grad, nil, nil)
}

// ValueGradHess returns f(x) and writes the gradient and the exact Hessian (Dim×Dim,
// row-major, both triangles) into grad and hess. For Huber, d²ρ/dr² is 1 inside Delta and 0 beyond, so the Hessian is
// Σ w_i [ρ₂(r_i) ∇m_i∇m_iᵀ − ψ(r_i) ∇²m_i], m_i the predicted log-loss and ρ₂ = d²ρ/dr².
func (o *LSE) ValueGradHess(x, grad, hess []float64) float64 {
	return o.eval(x, grad, hess, nil)
}

// GaussNewton writes the Gauss-Newton (IRLS) matrix Σ w_i (ψ(r_i)/r_i) ∇m_i∇m_iᵀ at x
// into gn (Dim×Dim, row-major): positive semi-definite, the curvature Newton falls back
// on where the exact Hessian is indefinite.
func (o *LSE) GaussNewton(x, gn []float64) {
	var g [MaxParams]float64
	var h [MaxParams * MaxParams]float64
	o.eval(x, g[:o.q], h[:o.q*o.q], gn)
}

func (o *LSE) eval(x, grad, hess, gn []float64) float64 {
	if o.quad != nil {
		return o.eval3(x, grad, hess, gn)
	}
	var th, g [MaxParams]float64
	var h, hg [MaxParams][MaxParams]float64
	wantGN := gn != nil
	p, k := o.p, o.k
	o.m.Full(th[:p], x)
	wantH := hess != nil
	f := 0.0
	for i, y := range o.y {
		xs := o.xs[i*k : i*k+k]
		var t [MaxTerms]float64
		mx := math.Inf(-1)
		am := 0
		for j := 0; j < k; j++ {
			v := th[o.icpt[j]]
			if s := o.slope[j]; s >= 0 {
				v -= th[s] * xs[j]
			}
			t[j] = v
			if v > mx {
				mx, am = v, j
			}
		}
		s := 1.0
		for j := 0; j < k; j++ {
			if j == am {
				t[j] = 1
				continue
			}
			e := math.Exp(t[j] - mx)
			t[j] = e
			s += e
		}
		r := y - (mx + math.Log(s))
		var val, psi, curv float64
		if o.squared {
			val, psi, curv = 0.5*r*r, r, 1
		} else if r > o.delta {
			val, psi = o.delta*(r-0.5*o.delta), o.delta
		} else if r < -o.delta {
			val, psi = o.delta*(-r-0.5*o.delta), -o.delta
		} else {
			val, psi, curv = 0.5*r*r, r, 1
		}
		w := 1.0
		if o.w != nil {
			w = o.w[i]
		}
		f += w * val
		// softmax weights p_j = t[j]/s; ∇m = Σ_j p_j u_j with u_j = e_icpt − X e_slope.
		inv := 1 / s
		if !wantH {
			c := -w * psi * inv
			for j := 0; j < k; j++ {
				cj := c * t[j]
				g[o.icpt[j]] += cj
				if sl := o.slope[j]; sl >= 0 {
					g[sl] -= cj * xs[j]
				}
			}
			continue
		}
		var gl [MaxParams]float64
		for j := 0; j < k; j++ {
			pj := t[j] * inv
			t[j] = pj
			gl[o.icpt[j]] += pj
			if sl := o.slope[j]; sl >= 0 {
				gl[sl] -= pj * xs[j]
			}
		}
		c := -w * psi
		a := w * (curv + psi)
		for u := 0; u < p; u++ {
			g[u] += c * gl[u]
			au := a * gl[u]
			for v := u; v < p; v++ {
				h[u][v] += au * gl[v]
			}
		}
		if wantGN {
			b := w * curv
			if curv == 0 {
				b = w * psi / r
			}
			for u := 0; u < p; u++ {
				bu := b * gl[u]
				for v := u; v < p; v++ {
					hg[u][v] += bu * gl[v]
				}
			}
		}
		// − ψ Σ_j p_j u_j u_jᵀ
		for j := 0; j < k; j++ {
			cj := c * t[j]
			ic := o.icpt[j]
			h[ic][ic] += cj
			if sl := o.slope[j]; sl >= 0 {
				xv := xs[j]
				if ic < sl {
					h[ic][sl] -= cj * xv
				} else {
					h[sl][ic] -= cj * xv
				}
				h[sl][sl] += cj * xv * xv
			}
		}
	}
	// map to the free coordinates
	mapGrad(grad, g[:], o.m.Src, o.q)
	if wantH {
		mapHess(hess, &h, o.m.Src, o.q)
	}
	if wantGN {
		mapHess(gn, &hg, o.m.Src, o.q)
	}
	return f
}

// mapGrad sums the gradient over the full parameters, g, into the free coordinates
// grad[:q] (Src[j] is the free coordinate of parameter j, or −1 when it is fixed).
func mapGrad(grad, g []float64, src []int, q int) {
	for i := range grad[:q] {
		grad[i] = 0
	}
	for j, s := range src {
		if s >= 0 {
			grad[s] += g[j]
		}
	}
}

// mapHess sums the upper-triangular full-θ matrix h onto the free coordinates and writes
// it row-major (both triangles) into dst.
func mapHess(dst []float64, h *[MaxParams][MaxParams]float64, src []int, q int) {
	{
		var hq [MaxParams][MaxParams]float64
		for u, su := range src {
			if su < 0 {
				continue
			}
			for v, sv := range src {
				if sv < 0 {
					continue
				}
				huv := h[u][v]
				if v < u {
					huv = h[v][u]
				}
				hq[su][sv] += huv
			}
		}
		for u := 0; u < q; u++ {
			for v := 0; v < q; v++ {
				dst[u*q+v] = hq[u][v]
			}
		}
	}
}

// lseBlock is the number of groups of four rows whose per-row results eval3 keeps at a
// time (on the stack) to accumulate derivatives.
const lseBlock = 32

// eval3 is eval for two slope terms and a constant term: the three-term kernel
// (lse3kernel.go: batched exponentials and logs, four rows per instruction with AVX2)
// gives the robust loss and, per row, the residual r, ψ(r) and the softmax weights of the
// terms, from which the derivatives are accumulated in local coordinates (intercept0,
// intercept1, constant, slope0, slope1). The loss is ρ = ψ(r − ψ/2) with ψ = r clamped
// to [−δ, δ]: Huber's (squared error: δ = +Inf). The sum is taken in four lanes (rows by
// index mod 4), fixing the order of the additions.
func (o *LSE) eval3(x, grad, hess, gn []float64) float64 {
	var th [MaxParams]float64
	o.m.Full(th[:o.p], x)
	j0, j1, j2 := o.t3[0], o.t3[1], o.t3[2]
	i0, i1, i2 := o.icpt[j0], o.icpt[j1], o.icpt[j2]
	s0, s1 := o.slope[j0], o.slope[j1]
	a0, b0, e0 := th[i0], th[i1], th[i2]
	al, be := th[s0], th[s1]
	d := o.delta
	if o.squared {
		d = math.Inf(1)
	}
	wantG := grad != nil
	wantH := hess != nil
	wantGN := gn != nil
	if !finite(a0) || !finite(b0) || !finite(e0) || !finite(al) || !finite(be) {
		// (the kernel's max and clamps would pass over a NaN)
		if wantG {
			for i := range grad[:o.q] {
				grad[i] = math.NaN()
			}
		}
		return math.NaN()
	}
	c := newLSE3Args(a0, al, b0, be, e0, d)
	var lanes [4]float64
	if !wantG {
		lse3(o.quad, o.n3, c, &lanes, nil, nil)
		return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	}
	if !wantGN {
		// gradient and Hessian accumulated in the kernel, in four lanes
		var acc lse3Acc
		lse3(o.quad, o.n3, c, &lanes, nil, &acc)
		var sum [20]float64
		for e := range acc {
			sum[e] = (acc[e][0] + acc[e][1]) + (acc[e][2] + acc[e][3])
		}
		h := [5][5]float64{
			{sum[5], sum[6], sum[7], sum[8], sum[9]},
			{0, sum[10], sum[11], sum[12], sum[13]},
			{0, 0, sum[14], sum[15], sum[16]},
			{0, 0, 0, sum[17], sum[18]},
			{0, 0, 0, 0, sum[19]},
		}
		idx := [5]int{i0, i1, i2, s0, s1}
		var gt [MaxParams]float64
		for u, iu := range idx {
			gt[iu] += sum[u]
		}
		mapGrad(grad, gt[:], o.m.Src, o.q)
		if wantH {
			mapHess(hess, scatter5(&h, idx), o.m.Src, o.q)
		}
		return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	}
	// the Gauss-Newton matrix (with the gradient), from the kernel's per-row results
	var g0, g1, g2, g3, g4 float64
	var h00, h01, h02, h03, h04, h11, h12, h13, h14, h22, h23, h24, h33, h34, h44 float64
	var h, hg [5][5]float64
	var out [lseBlock * quadOut]float64
	for first := 0; first < o.n3; first += 4 * lseBlock {
		m := min(o.n3-first, 4*lseBlock)
		quad := o.quad[first/4*quadGroup:]
		lse3(quad, m, c, &lanes, out[:], nil)
		for i := range m {
			gi, k := i/4*quadGroup, i%4
			ob := out[i/4*quadOut:]
			x0, x1, w := quad[gi+k], quad[gi+4+k], quad[gi+12+k]
			r, psi, p0, p1, p2 := ob[k], ob[4+k], ob[8+k], ob[12+k], ob[16+k]
			cw := -w * psi
			// ∇m in local coordinates
			gl := [5]float64{p0, p1, p2, -p0 * x0, -p1 * x1}
			g0 += cw * gl[0]
			g1 += cw * gl[1]
			g2 += cw * gl[2]
			g3 += cw * gl[3]
			g4 += cw * gl[4]
			if !wantH {
				continue
			}
			curv := 0.0
			if psi == r {
				curv = 1
			}
			if wantGN {
				b := w * curv
				if curv == 0 {
					b = w * psi / r
				}
				for u := 0; u < 5; u++ {
					bu := b * gl[u]
					for v := u; v < 5; v++ {
						hg[u][v] += bu * gl[v]
					}
				}
				continue
			}
			// a ∇m∇mᵀ − ψ Σ_j p_j u_j u_jᵀ with u_0 = e_0 − x0 e_3, u_1 = e_1 − x1 e_4,
			// u_2 = e_2; unrolled (the upper triangle, 15 entries)
			a := w * (curv + psi)
			q0, q1, q2, q3, q4 := a*gl[0], a*gl[1], a*gl[2], a*gl[3], a*gl[4]
			c0, c1 := cw*p0, cw*p1
			c0x, c1x := c0*x0, c1*x1
			h00 += q0*gl[0] + c0
			h01 += q0 * gl[1]
			h02 += q0 * gl[2]
			h03 += q0*gl[3] - c0x
			h04 += q0 * gl[4]
			h11 += q1*gl[1] + c1
			h12 += q1 * gl[2]
			h13 += q1 * gl[3]
			h14 += q1*gl[4] - c1x
			h22 += q2*gl[2] + cw*p2
			h23 += q2 * gl[3]
			h24 += q2 * gl[4]
			h33 += q3*gl[3] + c0x*x0
			h34 += q3 * gl[4]
			h44 += q4*gl[4] + c1x*x1
		}
	}
	f := (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	h = [5][5]float64{
		{h00, h01, h02, h03, h04},
		{0, h11, h12, h13, h14},
		{0, 0, h22, h23, h24},
		{0, 0, 0, h33, h34},
		{0, 0, 0, 0, h44},
	}
	// local → θ indices
	idx := [5]int{i0, i1, i2, s0, s1}
	var gt [MaxParams]float64
	lg := [5]float64{g0, g1, g2, g3, g4}
	for u, iu := range idx {
		gt[iu] += lg[u]
	}
	mapGrad(grad, gt[:], o.m.Src, o.q)
	if wantGN {
		mapHess(gn, scatter5(&hg, idx), o.m.Src, o.q)
	} else if wantH {
		mapHess(hess, scatter5(&h, idx), o.m.Src, o.q)
	}
	return f
}

// scatter5 moves an upper-triangular local 5×5 matrix to θ indices (upper triangle).
func scatter5(h *[5][5]float64, idx [5]int) *[MaxParams][MaxParams]float64 {
	var out [MaxParams][MaxParams]float64
	for u := 0; u < 5; u++ {
		for v := u; v < 5; v++ {
			a, b := idx[u], idx[v]
			if a > b {
				a, b = b, a
			}
			out[a][b] += h[u][v]
		}
	}
	return &out
}

// ValueMany writes Value(xs[p]) into dst[p] for many points, sharing work between points
// that agree on a term's (intercept, slope) pair, as the points of a grid of starts do:
// each distinct term is exponentiated once per run, leaving one log per run and point.
// Values agree with Value to rounding (the largest term is not factored out, so a
// point with a term beyond ±700 falls back to Value). Runs on workers goroutines (0:
// GOMAXPROCS); the result does not depend on it.
func (o *LSE) ValueMany(dst []float64, xs [][]float64, workers int) {
	n, k := len(o.y), o.k
	type key struct{ a, b float64 }
	keys := make([]map[key]int, k)
	var tabs [MaxTerms][][]float64 // per term, per distinct pair: e^t per run, or nil
	idx := make([][MaxTerms]int, len(xs))
	th := make([]float64, o.p)
	for j := range keys {
		keys[j] = map[key]int{}
	}
	distinct := 0
	for p, x := range xs {
		o.m.Full(th, x)
		for j := 0; j < k; j++ {
			kv := key{th[o.icpt[j]], 0}
			if o.slope[j] >= 0 {
				kv.b = th[o.slope[j]]
			}
			id, ok := keys[j][kv]
			if !ok {
				id = len(tabs[j])
				keys[j][kv] = id
				tabs[j] = append(tabs[j], nil)
				distinct++
				if distinct > len(xs) {
					// no sharing to speak of: evaluate point by point
					stats.ParallelFor(len(xs), workers, func(p int) { dst[p] = o.Value(xs[p]) })
					return
				}
				e := make([]float64, n)
				for i := range n {
					t := kv.a
					if o.slope[j] >= 0 {
						t -= kv.b * o.xs[i*k+j]
					}
					if math.Abs(t) > 700 {
						e = nil
						break
					}
					e[i] = math.Exp(t)
				}
				tabs[j][id] = e
			}
			idx[p][j] = id
		}
	}
	stats.ParallelFor(len(xs), workers, func(p int) {
		var cols [MaxTerms][]float64
		for j := 0; j < k; j++ {
			cols[j] = tabs[j][idx[p][j]]
			if cols[j] == nil {
				dst[p] = o.Value(xs[p])
				return
			}
		}
		d := o.delta
		if k == 3 {
			if o.squared {
				d = math.Inf(1)
			}
			var lanes [4]float64
			dd := [2][4]float64{{d, d, d, d}, {-d, -d, -d, -d}}
			screen3(cols[0], cols[1], cols[2], o.y, o.w, &dd, &lanes)
			dst[p] = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
			return
		}
		f := 0.0
		for i, y := range o.y {
			s := 0.0
			for j := 0; j < k; j++ {
				s += cols[j][i]
			}
			r := y - logPos(s)
			var h float64
			switch a := math.Abs(r); {
			case o.squared:
				h = 0.5 * r * r
			case a > d:
				h = d * (a - 0.5*d)
			default:
				h = 0.5 * r * r
			}
			if o.w != nil {
				h *= o.w[i]
			}
			f += h
		}
		dst[p] = f
	})
}
