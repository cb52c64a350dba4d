package dataconstrained

import (
	"math"

	"github.com/scalefit/scalefit/internal/fit"
)

// Indices of θ, the vector the fit minimises over: A = e^a, B = e^b, E = e^e (positive by
// construction), the exponents α and β, and z_D, z_N, which map to the repetition constants
// through a logistic on the log scale, ln R* = ln MinStar + (ln MaxStar − ln MinStar) σ(z), so
// that R_D* and R_N* stay within [MinStar, MaxStar] and a constant the runs do not pin down
// runs to a bound with a vanishing gradient instead of drifting to infinity.
const (
	thA = iota
	thB
	thE
	thAlpha
	thBeta
	thRD
	thRN
	thDim
)

// Bounds of R_D* and R_N* (epochs and excess-parameter ratios). R* = MaxStar makes repeated
// data (or excess parameters) practically as good as new over any run the tool will meet: the
// scipy fit on datablations has no finite optimum in R_N*, and R_D* depends on how far R_N* is
// let run (40.8 at R_N* 50, 24.1 at 1e5), so the bound is far (1e4), not low. R* = MinStar
// makes them worthless.
const (
	MinStar = 1e-2
	MaxStar = 1e4
)

// lnMinStar and lnWidth are ln MinStar and ln MaxStar − ln MinStar (TestStarBounds).
const (
	lnMinStar = -4.605170185988091
	lnWidth   = 13.815510557964274
)

// starOf maps z to R* within the bounds and returns dlnR*/dz.
func starOf(z float64) (star, dlnStar float64) {
	star, dlnStar, _ = starDerivs(z)
	return star, dlnStar
}

// zOf inverts starOf (R* clamped inside the bounds).
func zOf(star float64) float64 {
	s := (math.Log(star) - lnMinStar) / lnWidth
	s = math.Min(math.Max(s, 1e-9), 1-1e-9)
	return math.Log(s / (1 - s))
}

// zFixedAt is the z that pins R* to a bound in a profile refit: σ(±40) is 1 to rounding.
const zFixedAt = 40.0

// rows holds the runs as the objective reads them. U is the unique tokens the run could draw
// from: min(U, D), since a run that sees fewer tokens than the pool never repeats.
type rows struct {
	lnN, n []float64 // parameters
	lnU, u []float64 // unique tokens used, U_eff = min(U, D)
	rd     []float64 // R_D = D/U_eff − 1 ≥ 0, repetitions of the unique data
	y      []float64 // ln loss
	w      []float64 // weight (1, or a bootstrap count)
}

func (r *rows) len() int { return len(r.y) }

// reweight returns the rows with run i counted counts[i] times (rows with count 0 dropped).
func (r *rows) reweight(counts []int) *rows {
	out := &rows{}
	for i, c := range counts {
		if c == 0 {
			continue
		}
		out.lnN, out.n = append(out.lnN, r.lnN[i]), append(out.n, r.n[i])
		out.lnU, out.u = append(out.lnU, r.lnU[i]), append(out.u, r.u[i])
		out.rd, out.y = append(out.rd, r.rd[i]), append(out.y, r.y[i])
		out.w = append(out.w, float64(c)*r.w[i])
	}
	return out
}

// objective is Σ_i w_i ρ(ln L_i − ln L̂_i(θ)) for the data-constrained law (see Law), over
// the free coordinates of m. It implements fit.GNObjective: an analytic gradient and
// Gauss-Newton matrix, and a Hessian by forward differences of the analytic gradient (the
// min in U_N makes an analytic one piecewise anyway). Read-only, safe for concurrent use.
type objective struct {
	r    *rows
	loss fit.Loss
	m    fit.Mapping
	q    int
}

func newObjective(r *rows, loss fit.Loss, m fit.Mapping) *objective {
	return &objective{r: r, loss: loss, m: m, q: m.Free()}
}

func (o *objective) with(r *rows) *objective {
	c := *o
	c.r = r
	return &c
}

func (o *objective) Dim() int { return o.q }

func (o *objective) Value(x []float64) float64 { return o.evalH(x, nil, nil, nil) }

func (o *objective) ValueGrad(x, grad []float64) float64 { return o.evalH(x, grad, nil, nil) }

// ValueGradHess writes the exact Hessian Σ w_i [ρ”(r_i) ∇m_i∇m_iᵀ − ψ(r_i) ∇²m_i] (m_i = ln L̂_i).
func (o *objective) ValueGradHess(x, grad, hess []float64) float64 {
	return o.evalH(x, grad, hess, nil)
}

// GaussNewton writes Σ w_i (ψ(r_i)/r_i) ∇m_i∇m_iᵀ (m_i = ln L̂_i) into gn.
func (o *objective) GaussNewton(x, gn []float64) {
	var g [fit.MaxParams]float64
	o.evalH(x, g[:o.q], nil, gn)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// theta returns the full θ of free vector x.
func (o *objective) theta(x []float64) [thDim]float64 {
	var th [thDim]float64
	o.m.Full(th[:], x)
	return th
}

// evalH returns f(x); with grad non-nil it writes ∇f (free coordinates), with hess non-nil
// the Hessian and with gn non-nil the Gauss-Newton matrix (both q×q, row-major).
func (o *objective) evalH(x, grad, hess, gn []float64) float64 {
	th := o.theta(x)
	p := newPoint(th)
	if !p.ok {
		return math.Inf(1)
	}
	var gt [thDim]float64
	var ht [thDim][thDim]float64
	var jm [thDim]float64
	var hm [thDim][thDim]float64
	hp := &hm
	if hess == nil {
		hp = nil
	}
	if gn != nil {
		clear(gn[:o.q*o.q])
	}
	want := grad != nil || gn != nil || hess != nil
	f := 0.0
	r := o.r
	for i := range r.y {
		var m float64
		if want {
			m = p.logLossDerivs(r.lnN[i], r.n[i], r.lnU[i], r.u[i], r.rd[i], &jm, hp)
		} else {
			m = p.logLoss(r.lnN[i], r.n[i], r.lnU[i], r.u[i], r.rd[i])
		}
		res := r.y[i] - m
		w := r.w[i]
		f += w * o.loss.Value(res)
		if !want {
			continue
		}
		psi := w * o.loss.Psi(res)
		for j := range thDim {
			gt[j] -= psi * jm[j]
		}
		if hp != nil {
			c := w * o.loss.Curv(res)
			for a := range thDim {
				for b := 0; b <= a; b++ {
					ht[a][b] += c*jm[a]*jm[b] - psi*hm[a][b]
				}
			}
		}
		if gn != nil {
			c := w * o.loss.Curv(res)
			if res != 0 {
				c = psi / res
			}
			var jx [fit.MaxParams]float64
			for j, s := range o.m.Src {
				if s >= 0 {
					jx[s] += jm[j]
				}
			}
			for a := 0; a < o.q; a++ {
				for b := 0; b < o.q; b++ {
					gn[a*o.q+b] += c * jx[a] * jx[b]
				}
			}
		}
	}
	if !finite(f) {
		return math.Inf(1)
	}
	if grad != nil {
		clear(grad[:o.q])
		for j, s := range o.m.Src {
			if s >= 0 {
				grad[s] += gt[j]
			}
		}
	}
	if hess != nil {
		clear(hess[:o.q*o.q])
		for a, sa := range o.m.Src {
			if sa < 0 {
				continue
			}
			for b, sb := range o.m.Src {
				if sb < 0 {
					continue
				}
				v := ht[max(a, b)][min(a, b)]
				hess[sa*o.q+sb] += v
			}
		}
	}
	return f
}

// point holds the quantities of one θ shared by every run.
type point struct {
	ok                bool
	a, b, alpha, beta float64
	bigA, bigB, bigE  float64
	sD, sN            float64 // R_D*, R_N*
	// s' and s'' of s = ln R* with respect to z, for R_D* and R_N*
	szD, szzD, szN, szzN float64
	lnG, kappa           float64 // ln G and κ = β/α
	// λ = ln N_opt(U) = (1+κ) ln G + κ ln U: its gradient over (a, b, α, β) (in that order)
	// is gl0 + ln U·gl1
	// and its Hessian hl0 + ln U·hl1.
	gl0, gl1 [4]float64
	hl0, hl1 [4][4]float64
}

func newPoint(th [thDim]float64) point {
	p := point{a: th[thA], b: th[thB], alpha: th[thAlpha], beta: th[thBeta]}
	for _, v := range th {
		if !finite(v) {
			return p
		}
	}
	if !(p.alpha > 1e-6 && p.beta > 1e-6) || math.Abs(p.a) > 690 || math.Abs(p.b) > 690 || math.Abs(th[thE]) > 690 {
		return p
	}
	p.bigA, p.bigB, p.bigE = math.Exp(p.a), math.Exp(p.b), math.Exp(th[thE])
	p.sD, p.szD, p.szzD = starDerivs(th[thRD])
	p.sN, p.szN, p.szzN = starDerivs(th[thRN])
	al, be := p.alpha, p.beta
	s := al + be
	num := math.Log(al) - math.Log(be) + p.a - p.b
	g := num / s
	p.lnG, p.kappa = g, be/al
	// over (a, b, α, β): num, S = α+β, g = num/S, κ = β/α
	dnum := [4]float64{1, -1, 1 / al, -1 / be}
	dS := [4]float64{0, 0, 1, 1}
	var dg, dk [4]float64
	for i := range 4 {
		dg[i] = (dnum[i] - g*dS[i]) / s
	}
	dk[2], dk[3] = -be/(al*al), 1/al
	var hnum, hk, hg [4][4]float64
	hnum[2][2], hnum[3][3] = -1/(al*al), 1/(be*be)
	hk[2][2], hk[2][3], hk[3][2] = 2*be/(al*al*al), -1/(al*al), -1/(al*al)
	for i := range 4 {
		for j := range 4 {
			hg[i][j] = (hnum[i][j] - dg[i]*dS[j] - dg[j]*dS[i]) / s
		}
	}
	k1 := 1 + p.kappa
	for i := range 4 {
		p.gl0[i] = k1*dg[i] + g*dk[i]
		p.gl1[i] = dk[i]
		for j := range 4 {
			p.hl0[i][j] = g*hk[i][j] + dk[i]*dg[j] + dg[i]*dk[j] + k1*hg[i][j]
			p.hl1[i][j] = hk[i][j]
		}
	}
	p.ok = true
	return p
}

// starDerivs returns R* = e^s for z, with s' = ds/dz and s” (s = ln MinStar + W σ(z)).
func starDerivs(z float64) (star, s1, s2 float64) {
	sg := 1 / (1 + math.Exp(-z))
	star = math.Exp(lnMinStar + lnWidth*sg)
	s1 = lnWidth * sg * (1 - sg)
	s2 = s1 * (1 - 2*sg)
	return star, s1, s2
}

// saturate returns ln P for P = V (1 + R*(1 − e^(−q))), q = R/R*, the effective amount of V
// units used R times over, and the derivatives of P with respect to s = ln R*: P_s and P_ss
// (P itself returned as p).
func saturate(v, r, star float64) (lnP, p, ps, pss, eps, q float64) {
	q = r / star
	eps = math.Exp(-q)
	p = v * (1 + star*(1-eps))
	vs := v * star
	ps = vs * (1 - eps - eps*q)
	pss = vs * (1 - eps - eps*q - eps*q*q)
	return math.Log(p), p, ps, pss, eps, q
}

// logLoss returns ln L̂ of one run.
func (p *point) logLoss(lnN, n, lnU, u, rd float64) float64 {
	lnNp := lnN
	if lam := (1+p.kappa)*p.lnG + p.kappa*lnU; lnN > lam {
		m := math.Exp(lam)
		lnNp, _, _, _, _, _ = saturate(m, n/m-1, p.sN)
	}
	lnDp := lnU
	if rd > 0 {
		lnDp, _, _, _, _, _ = saturate(u, rd, p.sD)
	}
	return math.Log(p.bigE + math.Exp(p.a-p.alpha*lnNp) + math.Exp(p.b-p.beta*lnDp))
}

// excess reports whether a run has more parameters than N_opt(U) on the law of p.
func (p *point) excess(lnN, lnU float64) bool {
	return lnN > (1+p.kappa)*p.lnG+p.kappa*lnU
}

// logLossDerivs returns m = ln L̂ of one run and writes ∇m into jm and, when hm is not nil,
// ∇²m into hm (θ coordinates).
func (p *point) logLossDerivs(lnN, n, lnU, u, rd float64, jm *[thDim]float64, hm *[thDim][thDim]float64) float64 {
	// ν = ln N' and its derivatives: with respect to λ = ln N_opt(U) (fl, fll), s = ln R_N*
	// (fs, fss) and both (fls), when the run has excess parameters.
	nu := lnN
	lam := (1+p.kappa)*p.lnG + p.kappa*lnU
	excess := lnN > lam
	var fl, fs, fll, fls, fss float64
	var glam [4]float64
	if excess {
		m := math.Exp(lam)
		var pp, ps, pss, eps, q float64
		nu, pp, ps, pss, eps, q = saturate(m, n/m-1, p.sN)
		pl := pp - eps*n
		pll := pl - eps*n*n/(m*p.sN)
		pls := ps - n*eps*q
		fl, fs = pl/pp, ps/pp
		fll = pll/pp - fl*fl
		fls = pls/pp - fl*fs
		fss = pss/pp - fs*fs
		for i := range 4 {
			glam[i] = p.gl0[i] + lnU*p.gl1[i]
		}
	}
	// δ = ln D' and its derivatives with respect to t = ln R_D*
	delta := lnU
	var dt, dtt float64
	if rd > 0 {
		var dp, ps, pss float64
		delta, dp, ps, pss, _, _ = saturate(u, rd, p.sD)
		dt = ps / dp
		dtt = pss/dp - dt*dt
	}
	tN := math.Exp(p.a - p.alpha*nu)
	tD := math.Exp(p.b - p.beta*delta)
	l := p.bigE + tN + tD
	inv := 1 / l
	// ∇ν over θ
	var gnu [thDim]float64
	if excess {
		for i, j := range [4]int{thA, thB, thAlpha, thBeta} {
			gnu[j] = fl * glam[i]
		}
		gnu[thRN] = fs * p.szN
	}
	// ∇φ for φN = a − αν and φD = b − βδ
	var gN, gD [thDim]float64
	for j := range thDim {
		gN[j] = -p.alpha * gnu[j]
	}
	gN[thA] += 1
	gN[thAlpha] -= nu
	gD[thB] = 1
	gD[thBeta] = -delta
	dz := dt * p.szD // dδ/dz_D
	gD[thRD] = -p.beta * dz
	for j := range thDim {
		jm[j] = (tN*gN[j] + tD*gD[j]) * inv
	}
	jm[thE] = p.bigE * inv
	if hm == nil {
		return math.Log(l)
	}
	// ∇²l = tN(∇φN∇φNᵀ + ∇²φN) + tD(∇φD∇φDᵀ + ∇²φD) + E e_e e_eᵀ, then
	// ∇²m = ∇²l/l − ∇m∇mᵀ.
	var hnu [thDim][thDim]float64 // ∇²ν
	if excess {
		for i, a := range [4]int{thA, thB, thAlpha, thBeta} {
			for k, b := range [4]int{thA, thB, thAlpha, thBeta} {
				hnu[a][b] = fll*glam[i]*glam[k] + fl*(p.hl0[i][k]+lnU*p.hl1[i][k])
			}
			c := fls * glam[i] * p.szN
			hnu[a][thRN], hnu[thRN][a] = c, c
		}
		hnu[thRN][thRN] = fss*p.szN*p.szN + fs*p.szzN
	}
	for i := range thDim {
		for j := 0; j <= i; j++ {
			// ∇²φN = −(e_α∇νᵀ + ∇ν e_αᵀ) − α∇²ν
			hN := -p.alpha * hnu[i][j]
			if i == thAlpha {
				hN -= gnu[j]
			}
			if j == thAlpha {
				hN -= gnu[i]
			}
			v := tN * (gN[i]*gN[j] + hN)
			v += tD * gD[i] * gD[j]
			hm[i][j] = v
		}
	}
	// ∇²φD: −δ_z (e_β e_zᵀ + e_z e_βᵀ) − β δ_zz e_z e_zᵀ, δ_zz = δ_tt s'² + δ_t s''
	hm[thRD][thBeta] += tD * (-dz)
	hm[thRD][thRD] += tD * (-p.beta * (dtt*p.szD*p.szD + dt*p.szzD))
	hm[thE][thE] += p.bigE
	for i := range thDim {
		for j := 0; j <= i; j++ {
			v := hm[i][j]*inv - jm[i]*jm[j]
			hm[i][j], hm[j][i] = v, v
		}
	}
	return math.Log(l)
}
