package plan

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
)

// DataLaw is a Chinchilla law extended to repeated data and excess parameters (Muennighoff
// et al. 2023, "Scaling Data-Constrained Language Models"): L = E + A/N'^α + B/D'^β with
// effective tokens D' and effective parameters N' (see Effective).
type DataLaw struct {
	chinchilla.Law
	// RDStar is R_D*, the number of repeated epochs after which repeated tokens have lost
	// 1/e of their value (15.387756 on C4); 0 makes repeated tokens worthless.
	RDStar float64
	// RNStar is R_N*, the same constant for parameters in excess of those compute-optimal
	// for the unique data (5.309743 on C4); 0 makes excess parameters worthless.
	RNStar float64
}

// ParamsForTokens is the compute-optimal N for u tokens: N_opt at the budget C where
// D_opt(C) = u on the law's frontier (datablations' D_to_N).
func (l DataLaw) ParamsForTokens(u float64) float64 {
	// D_opt = (C/6)^b / G, so C/6 = (u G)^(1/b) and N_opt = G (C/6)^a = G (u G)^(a/b).
	g := l.G()
	return g * math.Pow(u*g, l.ExponentA()/l.ExponentB())
}

// decayed is U + U R*(1 − e^(−R/R*)): the effective amount of U unique units used R times over.
func decayed(u, r, star float64) float64 {
	if star <= 0 || r <= 0 {
		return u
	}
	return u + u*star*(1-math.Exp(-r/star))
}

// Effective returns the effective parameters N' and tokens D' of n parameters trained on d
// tokens drawn from u unique tokens:
//
//	U_D = min(D, U), R_D = max(D/U_D − 1, 0), D' = U_D + U_D R_D*(1 − e^(−R_D/R_D*));
//	U_N = min(N, compute-optimal N for U_D tokens), R_N = max(N/U_N − 1, 0),
//	N' = U_N + U_N R_N*(1 − e^(−R_N/R_N*)).
func (l DataLaw) Effective(n, d, u float64) (nEff, dEff float64) {
	ud := math.Min(d, u)
	rd := math.Max(d/ud-1, 0)
	un := math.Min(n, l.ParamsForTokens(ud))
	rn := math.Max(n/un-1, 0)
	return decayed(un, rn, l.RNStar), decayed(ud, rd, l.RDStar)
}

// Loss is the data-constrained loss (nats/token) of n parameters trained on d tokens with
// u unique tokens.
func (l DataLaw) Loss(n, d, u float64) float64 {
	ne, de := l.Effective(n, d, u)
	return l.Law.Loss(ne, de)
}

// Constrained is the best allocation of a budget when only UniqueTokens tokens exist.
type Constrained struct {
	Allocation           // N, D = C/(6N) and the data-constrained loss
	UniqueTokens float64 // U_D, the unique tokens available
	Epochs       float64 // D/U_D, passes over the unique data
	// EffectiveParams and EffectiveTokens are N' and D' of the chosen allocation.
	EffectiveParams, EffectiveTokens float64
	// Unconstrained is the Chinchilla-optimal allocation at the same C with unlimited data.
	Unconstrained Allocation
	// Penalty is Loss − Unconstrained.Loss (nats/token), ≥ 0.
	Penalty float64
	// Binding is false when the compute-optimal model needs no more than UniqueTokens
	// tokens: the cap does not bind and the answer is the unconstrained one.
	Binding bool
}

// Optimal minimises the data-constrained loss over N at c FLOPs (C = 6ND) with u unique
// tokens: a one-dimensional search in ln N over four decades either side of the
// unconstrained optimum.
func (l DataLaw) Optimal(c, u float64) (Constrained, error) {
	if err := checkPositive("compute", c); err != nil {
		return Constrained{}, err
	}
	if err := checkPositive("unique tokens", u); err != nil {
		return Constrained{}, err
	}
	if l.RDStar < 0 || l.RNStar < 0 {
		return Constrained{}, fmt.Errorf("R_D* %s, R_N* %s: want non-negative numbers", g4(l.RDStar), g4(l.RNStar))
	}
	free, _ := Optimal(l.Law, c)
	out := Constrained{UniqueTokens: u, Unconstrained: free}
	if free.Tokens <= u {
		out.Allocation = free
		out.Epochs = free.Tokens / u
		out.EffectiveParams, out.EffectiveTokens = free.Params, free.Tokens
		return out, nil
	}
	f := func(lnN float64) float64 {
		n := math.Exp(lnN)
		return l.Loss(n, c/(6*n), u)
	}
	x0 := math.Log(free.Params)
	lnN, loss := stats.MinimizeGrid(f, x0-4*math.Ln10, x0+4*math.Ln10, 800)
	n := math.Exp(lnN)
	d := c / (6 * n)
	out.Allocation = Allocation{FLOPs: c, Params: n, Tokens: d, Loss: loss}
	out.Epochs = d / u
	out.EffectiveParams, out.EffectiveTokens = l.Effective(n, d, u)
	out.Penalty = loss - free.Loss
	out.Binding = true
	return out, nil
}
