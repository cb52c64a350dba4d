// Package fit holds the generic numerics behind scalefit's law fits: robust losses
// (Huber, squared error), the summed robust objective of log-sum-exp models with its
// analytic gradient and Hessian, multi-start local minimisation on a worker pool
// (gonum/optimize), the nonparametric bootstrap with percentile intervals, and holdout
// scoring.
//
// Residuals are differences of natural logs of losses (losses in nats per token), so a
// residual of 0.01 is a 1% error in the loss. The package never prints; warnings and
// diagnostics are returned as data.
package fit

import (
	"math"
	"strconv"
)

// LossKind selects the robust loss applied to residuals.
type LossKind int

const (
	// Huber is ½r² for |r| ≤ Delta and Delta(|r| − ½Delta) beyond (Hoffmann et al. 2022).
	Huber LossKind = iota
	// Squared is ½r², ordinary least squares on the residuals.
	Squared
)

// DefaultDelta is the Huber threshold of Hoffmann et al. (2022) and Epoch (2024): 1e-3 on
// residuals of log-loss (0.1% of the loss).
const DefaultDelta = 1e-3

// Loss is a robust loss ρ(r) of a residual r. The zero value is Huber with Delta 1e-3.
type Loss struct {
	Kind LossKind
	// Delta is the Huber threshold in units of the residual (log-loss); 0 means
	// DefaultDelta. Ignored for Squared.
	Delta float64
}

// String names the loss, e.g. "huber(0.001)" or "mse".
func (l Loss) String() string {
	if l.Kind == Squared {
		return "mse"
	}
	return "huber(" + formatG(l.delta()) + ")"
}

func (l Loss) delta() float64 {
	if l.Delta > 0 {
		return l.Delta
	}
	return DefaultDelta
}

// Value returns ρ(r).
func (l Loss) Value(r float64) float64 {
	if l.Kind == Squared {
		return 0.5 * r * r
	}
	d := l.delta()
	if a := math.Abs(r); a > d {
		return d * (a - 0.5*d)
	}
	return 0.5 * r * r
}

// Psi returns ψ(r) = ρ'(r): r for squared error, r clipped to [−Delta, Delta] for Huber.
func (l Loss) Psi(r float64) float64 {
	if l.Kind == Squared {
		return r
	}
	d := l.delta()
	if r > d {
		return d
	}
	if r < -d {
		return -d
	}
	return r
}

// Curv returns d²ρ/dr²: 1 for squared error; for Huber 1 when |r| ≤ Delta and 0 beyond
// (the one-sided derivative at the kink is taken from inside).
func (l Loss) Curv(r float64) float64 {
	if l.Kind == Squared {
		return 1
	}
	if math.Abs(r) <= l.delta() {
		return 1
	}
	return 0
}

func formatG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
