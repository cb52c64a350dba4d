// Package plan answers allocation questions beyond the fitted frontier of a Chinchilla law
// L(N, D) = E + A/N^α + B/D^β: the compute-optimal model at a budget, the budget for a model
// size, the least compute that reaches a target loss, data-constrained allocation (Muennighoff
// et al. 2023), inference-aware allocation (Sardana et al. 2023), GPU time, and bootstrap
// intervals of all of these.
//
// Units: N counts parameters, D counts training tokens, C is training compute in FLOPs taken
// as C = 6ND; losses are nats per token. The package never prints; problems are errors.
package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Allocation is a training plan: N parameters trained on D tokens with C = 6ND FLOPs, and
// the loss the law predicts for it (nats/token; NaN when the source has no loss law).
type Allocation struct {
	FLOPs  float64 // C, training compute in FLOPs
	Params float64 // N, parameters
	Tokens float64 // D, training tokens
	Loss   float64 // predicted loss, nats/token
}

// TokensPerParam is D/N.
func (a Allocation) TokensPerParam() float64 { return a.Tokens / a.Params }

// checkPositive rejects zero, negative and non-finite quantities with a message naming them.
func checkPositive(what string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %s: want a positive finite number", what, g4(v))
	}
	return nil
}

// g4 writes a number in an error message (4 significant figures).
func g4(x float64) string {
	return strings.Replace(strconv.FormatFloat(x, 'g', 4, 64), "e+", "e", 1)
}

// Optimal returns the compute-optimal allocation at c FLOPs (Hoffmann et al. Eq. 4).
func Optimal(l chinchilla.Law, c float64) (Allocation, error) {
	if err := checkPositive("compute", c); err != nil {
		return Allocation{}, err
	}
	n, d, loss := l.Optimal(c)
	return Allocation{FLOPs: c, Params: n, Tokens: d, Loss: loss}, nil
}

// ForParams returns the allocation in which n parameters are compute-optimal: the budget C,
// the tokens D = C/(6n), and the loss (the shape of Chinchilla's Tables 3 and A3).
func ForParams(l chinchilla.Law, n float64) (Allocation, error) {
	if err := checkPositive("params", n); err != nil {
		return Allocation{}, err
	}
	c, d := l.ComputeForParams(n)
	return Allocation{FLOPs: c, Params: n, Tokens: d, Loss: l.Loss(n, d)}, nil
}

// frontierExp is the exponent γ = αβ/(α+β) of the reducible loss along the frontier:
// L_opt(C) − E = K (C/6)^(−γ).
func frontierExp(l chinchilla.Law) float64 { return l.Alpha * l.Beta / (l.Alpha + l.Beta) }

// frontierK is K = A G^(−α) + B G^β, so that L_opt(C) = E + K (C/6)^(−γ).
func frontierK(l chinchilla.Law) float64 {
	g := l.G()
	return l.A*math.Pow(g, -l.Alpha) + l.B*math.Pow(g, l.Beta)
}

// BelowIrreducibleError reports a target loss no budget reaches: at or below the law's
// irreducible loss E.
type BelowIrreducibleError struct {
	Target float64 // the requested loss, nats/token
	E      float64 // the law's irreducible loss, nats/token
	AtC    float64 // a large budget (FLOPs) ...
	LossAt float64 // ... and the loss the law predicts there
}

func (e *BelowIrreducibleError) Error() string {
	return fmt.Sprintf("target loss %s is at or below the irreducible loss E = %s: no budget reaches it; at %s FLOPs the law predicts %s",
		g4(e.Target), g4(e.E), g4(e.AtC), g4(e.LossAt))
}

// ComputeForLoss returns the least compute whose compute-optimal model reaches the target
// loss (nats/token), with that model's N and D. Along the frontier the loss falls
// monotonically with C as L_opt(C) = E + K (C/6)^(−αβ/(α+β)), so the inverse is closed-form.
// A target at or below E is a *BelowIrreducibleError.
func ComputeForLoss(l chinchilla.Law, target float64) (Allocation, error) {
	if math.IsNaN(target) || math.IsInf(target, 0) {
		return Allocation{}, fmt.Errorf("target loss %s: want a finite number", g4(target))
	}
	if target <= l.E {
		const big = 1e27
		_, _, at := l.Optimal(big)
		return Allocation{}, &BelowIrreducibleError{Target: target, E: l.E, AtC: big, LossAt: at}
	}
	c := 6 * math.Pow((target-l.E)/frontierK(l), -1/frontierExp(l))
	if math.IsInf(c, 0) || c == 0 {
		return Allocation{}, fmt.Errorf("target loss %s: the budget that reaches it is outside the range of a float64", g4(target))
	}
	return Optimal(l, c)
}

// Stable warning codes of planning (README's warning catalogue).
const (
	// CodeExtrapolated flags a prediction far outside the compute range of the fitted runs.
	CodeExtrapolated = "extrapolated"
	// CodeDefaultRepetition flags a data-constrained plan that uses Muennighoff et al.'s C4
	// R_D*, R_N* because the law has none of its own.
	CodeDefaultRepetition = "default-repetition-constants"
	// CodePenaltyDoubleCount flags a repetition penalty applied to a law fitted to runs whose
	// unique tokens were not given: if they repeated data, the penalty counts it twice.
	CodePenaltyDoubleCount = "penalty-may-double-count"
)
