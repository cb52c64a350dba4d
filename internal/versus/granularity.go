package versus

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
)

// GranularityLaw is the fine-grained mixture-of-experts law of Krajewski et al. 2024
// ("Scaling Laws for Fine-Grained Mixture of Experts", arXiv:2402.07871):
//
//	L(N, D, G) = C + (Gc/G^Gamma + A)/N^Alpha + B/D^Beta
//
// N counts active parameters, D training tokens, G the granularity (the dense FFN's width
// over an expert's), L nats/token. scalefit fits it; it ships no published constants,
// because they could not be checked against the paper here.
type GranularityLaw struct {
	C, A, B, Gc, Alpha, Beta, Gamma float64
}

// Loss returns L(n, d, g) in nats/token.
func (l GranularityLaw) Loss(n, d, g float64) float64 {
	return l.C + (l.Gc/math.Pow(g, l.Gamma)+l.A)/math.Pow(n, l.Alpha) + l.B/math.Pow(d, l.Beta)
}

// At returns the Chinchilla law the granularity law reduces to at a fixed granularity g:
// E = C, A' = A + Gc/g^Gamma, B, α, β.
func (l GranularityLaw) At(g float64) chinchilla.Law {
	return chinchilla.Law{E: l.C, A: l.A + l.Gc/math.Pow(g, l.Gamma), B: l.B, Alpha: l.Alpha, Beta: l.Beta}
}

// Parameter indices of the granularity objective: θ = (ln A, ln B, ln C, ln Gc, α, β, γ).
const (
	gA = iota
	gB
	gC
	gG
	gAlpha
	gBeta
	gGamma
	gDim
)

// granObj is the summed robust loss of ln L − ln L̂ over runs for the granularity law, in
// θ: ln L̂ = LSE(ln A − α ln N, ln Gc − γ ln G − α ln N, ln B − β ln D, ln C). Every term is
// linear in θ, so the gradient and Hessian of ln L̂ are the softmax-weighted moments of the
// terms' coefficient vectors.
type granObj struct {
	lnN, lnD, lnG, y, w []float64
	loss                fit.Loss
}

func (o *granObj) Dim() int { return gDim }

// terms writes each term's coefficient vector for run i into ws and returns the terms.
func (o *granObj) terms(th []float64, i int, ws *[4][gDim]float64) [4]float64 {
	*ws = [4][gDim]float64{}
	ws[0][gA], ws[0][gAlpha] = 1, -o.lnN[i]
	ws[1][gG], ws[1][gAlpha], ws[1][gGamma] = 1, -o.lnN[i], -o.lnG[i]
	ws[2][gB], ws[2][gBeta] = 1, -o.lnD[i]
	ws[3][gC] = 1
	var t [4]float64
	for k := range 4 {
		for j := range gDim {
			t[k] += ws[k][j] * th[j]
		}
	}
	return t
}

func (o *granObj) eval(th, grad, hess []float64) float64 {
	for j := range grad {
		grad[j] = 0
	}
	for j := range hess {
		hess[j] = 0
	}
	f := 0.0
	var ws [4][gDim]float64
	for i := range o.y {
		t := o.terms(th, i, &ws)
		mx := slices.Max(t[:])
		var p [4]float64
		s := 0.0
		for k := range 4 {
			p[k] = math.Exp(t[k] - mx)
			s += p[k]
		}
		m := mx + math.Log(s)
		r := o.y[i] - m
		wi := 1.0
		if o.w != nil {
			wi = o.w[i]
		}
		f += wi * o.loss.Value(r)
		if grad == nil {
			continue
		}
		var gm [gDim]float64
		for k := range 4 {
			p[k] /= s
			for j := range gDim {
				gm[j] += p[k] * ws[k][j]
			}
		}
		psi := o.loss.Psi(r)
		for j := range gDim {
			grad[j] -= wi * psi * gm[j]
		}
		if hess == nil {
			continue
		}
		curv := o.loss.Curv(r)
		for a := range gDim {
			for b := range gDim {
				h2 := -gm[a] * gm[b]
				for k := range 4 {
					h2 += p[k] * ws[k][a] * ws[k][b]
				}
				hess[a*gDim+b] += wi * (curv*gm[a]*gm[b] - psi*h2)
			}
		}
	}
	return f
}

func (o *granObj) Value(x []float64) float64 { return o.eval(x, nil, nil) }
func (o *granObj) ValueGrad(x, grad []float64) float64 {
	return o.eval(x, grad, nil)
}
func (o *granObj) ValueGradHess(x, grad, hess []float64) float64 {
	return o.eval(x, grad, hess)
}

// FitGranularity fits the granularity law to runs with n active parameters, d tokens,
// granularity g and loss (nats/token), minimising the summed robust loss (opts.Loss) of the
// log-loss residuals from starts around an Approach-3 fit that ignores g. counts (nil: all
// ones) weight the runs as a bootstrap resample does; warm, when not nil, is an extra start.
func FitGranularity(n, d, g, loss []float64, opts chinchilla.FitOptions, counts []int, warm *GranularityLaw) (GranularityLaw, bool, error) {
	if len(n) != len(loss) || len(d) != len(loss) || len(g) != len(loss) {
		return GranularityLaw{}, false, errors.New("versus: granularity fit: columns of different lengths")
	}
	o := &granObj{loss: opts.Loss}
	for i := range loss {
		if counts != nil && counts[i] == 0 {
			continue
		}
		if !(n[i] > 0 && d[i] > 0 && g[i] > 0 && loss[i] > 0) {
			return GranularityLaw{}, false, fmt.Errorf("versus: run %d: params %g, tokens %g, granularity %g, loss %g: want positive numbers", i, n[i], d[i], g[i], loss[i])
		}
		o.lnN = append(o.lnN, math.Log(n[i]))
		o.lnD = append(o.lnD, math.Log(d[i]))
		o.lnG = append(o.lnG, math.Log(g[i]))
		o.y = append(o.y, math.Log(loss[i]))
		if counts != nil {
			o.w = append(o.w, float64(counts[i]))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(o.lnG)))) < 2 {
		return GranularityLaw{}, false, errors.New("versus: every run has the same granularity: Gc and gamma cannot be told from A (fit Approach 3)")
	}
	if len(o.y) < gDim+1 {
		return GranularityLaw{}, false, fmt.Errorf("versus: %d runs: too few for the 7-parameter granularity law", len(o.y))
	}
	var starts [][]float64
	if warm != nil {
		starts = append(starts, granTheta(*warm))
	}
	fo := opts
	fo.Bootstrap = 0
	if base, err := chinchilla.Fit(n, d, loss, fo); err == nil {
		l := base.Law
		for _, share := range []float64{0.2, 0.5, 0.8} {
			for _, gam := range []float64{0.3, 0.6, 1.0} {
				// split the fitted A between the dense part and the granularity part at G = 1
				starts = append(starts, granTheta(GranularityLaw{C: l.E, A: l.A * (1 - share), B: l.B, Gc: l.A * share, Alpha: l.Alpha, Beta: l.Beta, Gamma: gam}))
			}
		}
	}
	if len(starts) == 0 {
		return GranularityLaw{}, false, errors.New("versus: granularity fit: no starting point (the Approach-3 fit failed)")
	}
	ms, err := fit.MultiStart(o, starts, fit.MultiStartOptions{LocalOptions: opts.Local, Workers: 1})
	if err != nil {
		return GranularityLaw{}, false, err
	}
	th := ms.X
	return GranularityLaw{A: math.Exp(th[gA]), B: math.Exp(th[gB]), C: math.Exp(th[gC]), Gc: math.Exp(th[gG]),
		Alpha: th[gAlpha], Beta: th[gBeta], Gamma: th[gGamma]}, ms.Converged, nil
}

func granTheta(l GranularityLaw) []float64 {
	th := make([]float64, gDim)
	th[gA], th[gB], th[gC], th[gG] = math.Log(l.A), math.Log(l.B), math.Log(l.C), math.Log(l.Gc)
	th[gAlpha], th[gBeta], th[gGamma] = l.Alpha, l.Beta, l.Gamma
	return th
}
