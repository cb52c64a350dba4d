package curve

import (
	"fmt"
	"math"
)

// Law families.
const (
	LawMPL    = "mpl"    // multi-power law, Luo et al. 2025 (7 parameters)
	LawTissue = "tissue" // annealing (momentum) law, Tissue et al. 2024 (4 parameters)
)

// DefaultLambda is the momentum decay λ of the Tissue et al. law.
const DefaultLambda = 0.999

// Params are a curve law's constants. The multi-power law
//
//	L(t) = L0 + A·S1(t)^-α − B·Σ_{k=1..t} (η_{k-1} − η_k)·(1 − (1 + C·η_k^-γ·S_k(t))^-β),
//
// with S_k(t) = Σ_{τ=k..t} η_τ, uses L0, A, Alpha, B, C, Beta, Gamma. The Tissue et al.
// law L(t) = L0 + A·S1(t)^-α − C·S2(t), with S2(t) = Σ_{i=1..t} m_i and momentum
// m_i = λ·m_{i-1} + (η_{i-1} − η_i) from step 1 (warm-up included), uses L0, A, Alpha, C
// and Lambda. Losses are nats per token; S1 and S2 are in learning-rate·steps.
type Params struct {
	Law    string
	L0     float64
	A      float64
	Alpha  float64
	B      float64
	C      float64
	Beta   float64
	Gamma  float64
	Lambda float64
}

// Names returns the parameter names of the law in the order of Values.
func (p Params) Names() []string {
	if p.Law == LawTissue {
		return []string{"L0", "A", "alpha", "C"}
	}
	return []string{"L0", "A", "alpha", "B", "C", "beta", "gamma"}
}

// Values returns the parameters in the order of Names.
func (p Params) Values() []float64 {
	if p.Law == LawTissue {
		return []float64{p.L0, p.A, p.Alpha, p.C}
	}
	return []float64{p.L0, p.A, p.Alpha, p.B, p.C, p.Beta, p.Gamma}
}

// Map returns the parameters by name (for JSON).
func (p Params) Map() map[string]float64 {
	m := map[string]float64{}
	for i, n := range p.Names() {
		m[n] = p.Values()[i]
	}
	if p.Law == LawTissue {
		m["lambda"] = p.lambda()
	}
	return m
}

// FromMap builds parameters of law from a name->value map (the JSON of curve.json).
func FromMap(law string, m map[string]float64) (Params, error) {
	p := Params{Law: law}
	if law != LawMPL && law != LawTissue {
		return p, fmt.Errorf("law %q: want mpl or tissue", law)
	}
	vals := make([]float64, len(p.Names()))
	for i, n := range p.Names() {
		v, ok := m[n]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return p, fmt.Errorf("%s law: parameter %s missing or not a number", law, n)
		}
		vals[i] = v
	}
	p.set(vals)
	if law == LawTissue {
		p.Lambda = m["lambda"]
	}
	return p, nil
}

func (p *Params) set(v []float64) {
	if p.Law == LawTissue {
		p.L0, p.A, p.Alpha, p.C = v[0], v[1], v[2], v[3]
		return
	}
	p.L0, p.A, p.Alpha, p.B, p.C, p.Beta, p.Gamma = v[0], v[1], v[2], v[3], v[4], v[5], v[6]
}

func (p Params) lambda() float64 {
	if p.Lambda > 0 && p.Lambda < 1 {
		return p.Lambda
	}
	return DefaultLambda
}

// quadRatio is the relative width of the quadrature groups of the loss-drop sum: steps at a
// distance d from the evaluated step are merged in groups of about quadRatio·d steps (exact
// within 1/quadRatio steps). Measured against the exact O(t) sum on the published 400M
// parameters, the largest relative difference of a predicted loss is below 1e-6.
const quadRatio = 1.0 / 16

// prepared holds what a curve law needs at each point of a curve, independent of the
// parameters: S1, its log, and the quadrature nodes of the multi-power loss-drop sum.
type prepared struct {
	steps  []int
	s1     []float64 // S1(t) per point
	lnS1   []float64
	s2     []float64 // Tissue S2(t) per point (λ of the prepared law)
	lambda float64
	// nodes of point i are [start[i], start[i+1]): weight w = Σ(η_k − η_{k-1}) over a group
	// of steps k, d = its weighted mean of S_k(t), lnEta its weighted mean η (log).
	start []int
	w     []float64
	d     []float64
	lnEta []float64
}

// prepare builds the per-point quantities of steps (sorted, each < len(lr)) under the
// per-step learning rates lr: S1 and S2 by one pass over the schedule up to the last step,
// kept only at the steps (memory O(len(steps))), and with nodes the multi-power law's
// quadrature nodes (prefix arrays of the schedule up to the last step while they are built).
func prepare(lr []float64, steps []int, lambda float64, nodes bool) *prepared {
	p := &prepared{steps: steps, lambda: lambda}
	n := len(steps)
	p.s1 = make([]float64, n)
	p.lnS1 = make([]float64, n)
	p.s2 = make([]float64, n)
	if n == 0 {
		p.start = []int{0}
		return p
	}
	// S1 by its running sum; Tissue's S2 by its literal recurrence from step 1, warm-up
	// included (the warm-up's increases enter m with a negative sign, as the formula says).
	S, m, s2 := 0.0, 0.0, 0.0
	j := 0
	for t := 0; t <= steps[n-1]; t++ {
		S += lr[t]
		if t > 0 {
			m = lambda*m + (lr[t-1] - lr[t])
			s2 += m
		}
		for j < n && steps[j] == t {
			p.s1[j], p.lnS1[j], p.s2[j] = S, math.Log(S), s2
			j++
		}
	}
	if nodes {
		p.buildNodes(lr[:steps[n-1]+1])
	} else {
		p.start = make([]int, n+1)
	}
	return p
}

// nodeCount is the number of quadrature nodes a prepared multi-power law holds.
func (p *prepared) nodeCount() int { return len(p.w) }

// buildNodes builds the multi-power law's quadrature nodes of each step from prefix sums of
// lr (the schedule up to the last step).
func (p *prepared) buildNodes(lr []float64) {
	newMPLPrefix(lr).nodes(p, lr)
}

// mplPrefix holds the prefix sums of a schedule the multi-power law's quadrature reads: S[k]
// = Σ_{s<=k} η_s; of Δ_k = η_k − η_{k-1} (k >= 1); of Δ_k·S[k-1]; of Δ_k·η_k; and for each k
// the last k' <= k with Δ > 0, Δ < 0 and Δ != 0 (0 when none).
type mplPrefix struct {
	S, pw, pd, pe            []float64
	lastPos, lastNeg, prevNZ []int32
}

func newMPLPrefix(lr []float64) *mplPrefix {
	T := len(lr)
	x := &mplPrefix{S: make([]float64, T), pw: make([]float64, T), pd: make([]float64, T), pe: make([]float64, T),
		lastPos: make([]int32, T), lastNeg: make([]int32, T), prevNZ: make([]int32, T)}
	S, pw, pd, pe := x.S, x.pw, x.pd, x.pe
	lastPos, lastNeg, prevNZ := x.lastPos, x.lastNeg, x.prevNZ
	S[0] = lr[0]
	for k := 1; k < T; k++ {
		S[k] = S[k-1] + lr[k]
		dk := lr[k] - lr[k-1]
		pw[k] = pw[k-1] + dk
		pd[k] = pd[k-1] + dk*S[k-1]
		pe[k] = pe[k-1] + dk*lr[k]
		lastPos[k], lastNeg[k], prevNZ[k] = lastPos[k-1], lastNeg[k-1], prevNZ[k-1]
		switch {
		case dk > 0:
			lastPos[k], prevNZ[k] = int32(k), int32(k)
		case dk < 0:
			lastNeg[k], prevNZ[k] = int32(k), int32(k)
		}
	}
	return x
}

// nodes appends the quadrature nodes of p's steps (each < len(lr)) to p.
func (x *mplPrefix) nodes(p *prepared, lr []float64) {
	S, pw, pd, pe := x.S, x.pw, x.pd, x.pe
	lastPos, lastNeg, prevNZ := x.lastPos, x.lastNeg, x.prevNZ
	steps := p.steps
	p.w, p.d, p.lnEta = p.w[:0], p.d[:0], p.lnEta[:0]
	p.start = make([]int, 0, len(steps)+1)
	for _, t := range steps {
		p.start = append(p.start, len(p.w))
		k := int(prevNZ[t])
		for k >= 1 {
			hi := k
			n := int(quadRatio * float64(t-hi))
			// and about quadRatio of the steps η needs to change by itself (a warm-up ramp
			// from 0 changes η^-γ fast near its start)
			if dk := math.Abs(lr[hi] - lr[hi-1]); dk > 0 {
				if m := quadRatio * lr[hi] / dk; m < float64(n) {
					n = int(m)
				}
			}
			if n < 1 {
				n = 1
			}
			lo := hi - n + 1
			run := int(lastNeg[hi]) + 1
			if lr[hi]-lr[hi-1] < 0 {
				run = int(lastPos[hi]) + 1
			}
			if lo < run {
				lo = run
			}
			if lo < 1 {
				lo = 1
			}
			w := pw[hi] - pw[lo-1]
			if w != 0 {
				dbar := S[t] - (pd[hi]-pd[lo-1])/w
				ebar := (pe[hi] - pe[lo-1]) / w
				if dbar > 0 && ebar > 0 {
					p.w = append(p.w, w)
					p.d = append(p.d, dbar)
					p.lnEta = append(p.lnEta, math.Log(ebar))
				}
			}
			k = int(prevNZ[lo-1])
		}
	}
	p.start = append(p.start, len(p.w))
}

// mplDrop returns LD = Σ nodes w·(1 − (1 + C·η^-γ·d)^-β) of point i and, when dC is non-nil,
// its derivatives by C, β and γ.
func (p *prepared) mplDrop(i int, C, beta, gamma float64, grad bool) (ld, dC, dBeta, dGamma float64) {
	for j := p.start[i]; j < p.start[i+1]; j++ {
		x := C * math.Exp(-gamma*p.lnEta[j]) * p.d[j]
		lu := math.Log1p(x)
		pw := math.Exp(-beta * lu)
		w := p.w[j]
		ld += w * (1 - pw)
		if grad {
			q := w * beta * pw / (1 + x) * x
			dC += q / C
			dBeta += w * pw * lu
			dGamma -= q * p.lnEta[j]
		}
	}
	return
}

// predictPoint returns the law's loss at point i and, when g is non-nil, its gradient by the
// raw parameters in the order of Params.Values.
func (p *prepared) predictPoint(par *Params, i int, g []float64) float64 {
	pw := math.Exp(-par.Alpha * p.lnS1[i])
	if par.Law == LawTissue {
		if g != nil {
			g[0], g[1], g[2], g[3] = 1, pw, -par.A*pw*p.lnS1[i], -p.s2[i]
		}
		return par.L0 + par.A*pw - par.C*p.s2[i]
	}
	ld, dC, dB, dG := p.mplDrop(i, par.C, par.Beta, par.Gamma, g != nil)
	if g != nil {
		g[0], g[1], g[2], g[3] = 1, pw, -par.A*pw*p.lnS1[i], ld
		g[4], g[5], g[6] = par.B*dC, par.B*dB, par.B*dG
	}
	return par.L0 + par.A*pw + par.B*ld
}

// exactMPL evaluates the multi-power law at step t by the direct O(t) sum (for tests and
// as the reference of the quadrature).
func exactMPL(par Params, lr []float64, t int) float64 {
	S := 0.0
	pre := make([]float64, t+1)
	for s := 0; s <= t; s++ {
		S += lr[s]
		pre[s] = S
	}
	ld := 0.0
	for k := 1; k <= t; k++ {
		dk := lr[k] - lr[k-1]
		if dk == 0 {
			continue
		}
		sk := S - pre[k-1]
		ld += dk * (1 - math.Pow(1+par.C*math.Pow(lr[k], -par.Gamma)*sk, -par.Beta))
	}
	return par.L0 + par.A*math.Pow(S, -par.Alpha) + par.B*ld
}
