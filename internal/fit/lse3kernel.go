package fit

import "math"

// The three-term kernel of the LSE objective (the Chinchilla shape: two slope terms and a
// constant) evaluates groups of four rows stored together: quad[16g:16g+16] holds the
// rows 4g..4g+3 as x0[4], x1[4], y[4], w[4]. For each row it computes
//
//	t0 = a0 − α x0, t1 = b0 − β x1, u = max(t0, t1, e0), q_j = e^(t_j − u),
//	m = u + ln(q0 + q1 + q2), r = y − m, ψ = r clamped to [−δ, δ], ρ = ψ(r − ψ/2)
//
// and adds w·ρ to the lane sum f[row mod 4]; with out it also writes, per group,
// r[4], ψ[4], p0[4], p1[4], p2[4] (p_j = q_j/Σq, the softmax weights of the terms). The
// operations are fixed (FMA where written, one rounding each elsewhere), so the AVX2 kernel
// and lse3Go give the same bits; the lane sums fix the order of the additions.

// lse3Args holds the kernel's parameters, each repeated in four lanes: −α, a0, −β, b0,
// e0, δ and −δ (δ = +Inf for squared error).
type lse3Args struct {
	nal, a0, nbe, b0, e0, d, nd [4]float64
}

func newLSE3Args(a0, al, b0, be, e0, d float64) *lse3Args {
	c := &lse3Args{}
	for k := range 4 {
		c.nal[k], c.a0[k], c.nbe[k], c.b0[k], c.e0[k], c.d[k], c.nd[k] = -al, a0, -be, b0, e0, d, -d
	}
	return c
}

// quadGroup and quadOut are the floats per group of four rows in the input and output.
const (
	quadGroup = 16
	quadOut   = 20
)

// lse3Acc holds the lane sums (rows by index mod 4) of the gradient and Hessian terms in
// local coordinates (intercept0, intercept1, constant, slope0, slope1): entries 0-4 the
// gradient, 5-19 the Hessian's upper triangle by rows (00, 01, 02, 03, 04, 11, ..., 44).
type lse3Acc [20][4]float64

// lse3Go runs the kernel on the first n rows of quad (n ≤ 4·len(quad)/16), in Go. With
// out nil and acc not nil it accumulates each row's gradient and Hessian terms into acc:
//
//	cw = −(w ψ), ∇m = (p0, p1, p2, −(p0 x0), −(p1 x1)), g += ∇m·cw,
//	a = (ρ'' + ψ)·w with ρ'' = 1 where ψ = r, else 0 (Huber's curvature),
//	H += a ∇m∇mᵀ − ψ w Σ_j p_j u_j u_jᵀ (u_0 = e_0 − x0 e_3, u_1 = e_1 − x1 e_4, u_2 = e_2)
//
// in a fixed order of fused multiply-adds (below), which the AVX2 kernel follows.
func lse3Go(quad []float64, n int, c *lse3Args, f *[4]float64, out []float64, acc *lse3Acc) {
	nal, a0, nbe, b0, e0, d := c.nal[0], c.a0[0], c.nbe[0], c.b0[0], c.e0[0], c.d[0]
	for i := range n {
		g, k := i/4, i%4
		q := quad[g*quadGroup:]
		x0, x1, y, w := q[k], q[4+k], q[8+k], q[12+k]
		t0 := math.FMA(nal, x0, a0)
		t1 := math.FMA(nbe, x1, b0)
		u := maxpd(maxpd(t0, t1), e0)
		q0, q1, q2 := expElem(t0-u), expElem(t1-u), expElem(e0-u)
		s := (q0 + q1) + q2
		r := y - (u + logElem(s))
		psi := minpd(maxpd(r, -d), d)
		half := float64(0.5 * psi)
		val := psi * float64(r-half)
		f[k] = math.FMA(val, w, f[k])
		if out != nil {
			o := out[g*quadOut:]
			inv := 1 / s
			o[k], o[4+k], o[8+k], o[12+k], o[16+k] = r, psi, q0*inv, q1*inv, q2*inv
		} else if acc != nil {
			inv := 1 / s
			p0, p1, p2 := q0*inv, q1*inv, q2*inv
			cw := -(w * psi)
			gl3, gl4 := -(p0 * x0), -(p1 * x1)
			for u, gu := range [5]float64{p0, p1, p2, gl3, gl4} {
				acc[u][k] = math.FMA(gu, cw, acc[u][k])
			}
			curv := 0.0
			if psi == r {
				curv = 1
			}
			a := (curv + psi) * w
			h := func(e int, v float64) { acc[e][k] += v }
			fma := func(e int, x, y float64) { acc[e][k] = math.FMA(x, y, acc[e][k]) }
			q := a * p0
			c0 := cw * p0
			h(5, math.FMA(q, p0, c0))
			fma(6, q, p1)
			fma(7, q, p2)
			c0x := c0 * x0
			h(8, math.FMA(q, gl3, -c0x))
			fma(9, q, gl4)
			q = a * p1
			c1 := cw * p1
			h(10, math.FMA(q, p1, c1))
			fma(11, q, p2)
			fma(12, q, gl3)
			c1x := c1 * x1
			h(13, math.FMA(q, gl4, -c1x))
			q = a * p2
			h(14, math.FMA(q, p2, cw*p2))
			fma(15, q, gl3)
			fma(16, q, gl4)
			q = a * gl3
			h(17, math.FMA(q, gl3, c0x*x0))
			fma(18, q, gl4)
			q = a * gl4
			h(19, math.FMA(q, gl4, c1x*x1))
		}
	}
}

// minpd is x86's MINPD: a if a < b, else b.
func minpd(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// expElem is one element of expBatchGo (e^v for v ≤ 0, below −708 as −708).
func expElem(v float64) float64 {
	v = maxpd(v, expLo)
	kd := math.FMA(v, invLn2, expShift)
	kf := kd - expShift
	r := math.FMA(kf, -ln2Hi, v)
	r = math.FMA(kf, -ln2Lo, r)
	p := expCoef[0]
	for _, c := range expCoef[1:] {
		p = math.FMA(p, r, c)
	}
	return p * math.Float64frombits((math.Float64bits(kd)+1023)<<52)
}

// logElem is one element of logBatchGo (ln s for a normal positive s).
func logElem(v float64) float64 {
	b := math.Float64bits(v)
	e := math.Float64frombits(b>>52|0x4330000000000000) - (0x1p52 + 1023)
	m := math.Float64frombits(b&(1<<52-1) | 0x3ff0000000000000)
	if m > math.Sqrt2 {
		m *= 0.5
		e += 1
	}
	f := m - 1
	t := f / (f + 2)
	t2 := t * t
	q := logCoef[0]
	for _, c := range logCoef[1:] {
		q = math.FMA(q, t2, c)
	}
	lm := math.FMA(t, t2*q, t+t)
	return math.FMA(e, ln2Hi, math.FMA(e, ln2Lo, lm))
}

// The screening kernel of ValueMany: with the terms' exponentials tabulated per run
// (c0, c1, c2), the objective of one point is Σ_i w_i ρ(y_i − ln((c0_i + c1_i) + c2_i)),
// ρ as in the three-term kernel, summed in four lanes (run index mod 4); w nil means all
// ones. d holds δ and −δ in four lanes each.
func screen3Go(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64) {
	dl := d[0][0]
	c0, c1, c2 = c0[:len(y)], c1[:len(y)], c2[:len(y)]
	for i, yi := range y {
		k := i % 4
		r := yi - logElem((c0[i]+c1[i])+c2[i])
		psi := minpd(maxpd(r, -dl), dl)
		half := float64(0.5 * psi)
		val := psi * float64(r-half)
		if w != nil {
			f[k] = math.FMA(val, w[i], f[k])
		} else {
			f[k] += val
		}
	}
}
