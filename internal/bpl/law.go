// Package bpl is the broken power law of the compute-optimal frontier (Caballero et al. 2022,
// "Broken Neural Scaling Laws", with one smooth break), fitted to the loss minima of IsoFLOP
// budgets, and its special case without a break, the single power law E + K·C^−γ.
//
// Conventions: C is training compute in FLOPs (the IsoFLOP budget); L* is the compute-optimal
// loss at C in nats per token, observed as the minimum of a budget's loss profile over model
// size (Chinchilla's Approach-2 vertex); E is the irreducible loss (nats/token); K is in
// nats/token·FLOP^γ. The smoothness s is dimensionless: the exponent changes over about ±s
// decades of compute around the break C_b (from 10% to 90% of its change over ±0.95·s
// decades).
package bpl

import (
	"fmt"
	"math"
)

// Law is L*(C) = E + K·C^−γ·(1 + (C/C_b)^(1/s))^(−Δγ·s): the reducible loss L* − E falls as
// C^−γ well below the break C_b and as C^−(γ+Δγ) well above it. Δγ < 0 is a slowdown.
// DeltaGamma = 0 is the single power law E + K·C^−γ (Cb and S are then ignored).
type Law struct {
	E          float64 // irreducible loss, nats/token
	K          float64 // scale of the reducible loss, nats/token·FLOP^γ
	Gamma      float64 // exponent of the reducible loss below the break
	DeltaGamma float64 // change of the exponent across the break (negative: slower)
	Cb         float64 // break, FLOPs
	S          float64 // smoothness (decades, see the package doc)
}

// lnReducible is ln(L* − E) at ln C = x.
func (l Law) lnReducible(x float64) float64 {
	r := math.Log(l.K) - l.Gamma*x
	if l.DeltaGamma != 0 {
		r -= l.DeltaGamma * l.S * softplus((x-math.Log(l.Cb))/l.S)
	}
	return r
}

// Reducible is L*(C) − E in nats/token.
func (l Law) Reducible(c float64) float64 { return math.Exp(l.lnReducible(math.Log(c))) }

// Loss is the compute-optimal loss L*(C) in nats/token at c FLOPs.
func (l Law) Loss(c float64) float64 { return l.E + l.Reducible(c) }

// LocalExponent is −d ln(L* − E)/d ln C at c FLOPs: γ + Δγ·σ(ln(C/C_b)/s), positive while
// the reducible loss falls.
func (l Law) LocalExponent(c float64) float64 {
	if l.DeltaGamma == 0 {
		return l.Gamma
	}
	return l.Gamma + l.DeltaGamma*logistic((math.Log(c)-math.Log(l.Cb))/l.S)
}

// LocalExponentTotal is −d ln L*/d ln C at c FLOPs: the local exponent times (L* − E)/L*.
func (l Law) LocalExponentTotal(c float64) float64 {
	r := l.Reducible(c)
	return l.LocalExponent(c) * r / (l.E + r)
}

// Broken reports whether the law has a break (Δγ ≠ 0).
func (l Law) Broken() bool { return l.DeltaGamma != 0 }

// Params returns the constants by their fit.json names.
func (l Law) Params() map[string]float64 {
	return map[string]float64{"E": l.E, "K": l.K, "gamma": l.Gamma, "delta_gamma": l.DeltaGamma, "C_b": l.Cb, "s": l.S}
}

// Predict returns L*(C) at x["flops"] (the family's one input).
func (l Law) Predict(x map[string]float64) (float64, error) {
	c, ok := x["flops"]
	if !ok {
		return 0, fmt.Errorf("broken-power-law: predicts the compute-optimal loss from flops alone: want x[\"flops\"]")
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return 0, fmt.Errorf("broken-power-law: flops %g: want a positive number of FLOPs", c)
	}
	return l.Loss(c), nil
}

// softplus is ln(1 + e^z), without overflow.
func softplus(z float64) float64 {
	if z > 30 {
		return z + math.Exp(-z)
	}
	return math.Log1p(math.Exp(z))
}

// logistic is 1/(1 + e^−z).
func logistic(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
