// Package chinchilla holds the Chinchilla (Hoffmann et al. 2022) scaling-law family:
// the parametric law L(N, D) = E + A/N^Alpha + B/D^Beta (Approach 3), its compute-optimal
// frontier under C = 6ND, and the IsoFLOP (Approach 2) and envelope (Approach 1) estimators.
//
// Conventions: N counts parameters as the data counts them (Chinchilla counts all
// parameters, embeddings included); D counts training tokens; C is training compute in FLOPs,
// taken as 6ND unless the runs give it; losses are cross-entropy in nats per token.
package chinchilla

import (
	"math"

	"github.com/scalefit/scalefit/internal/fit"
)

// Law is the Chinchilla parametric law L(N, D) = E + A/N^Alpha + B/D^Beta.
// E is the irreducible loss (nats/token); A, B > 0; Alpha, Beta > 0 are the exponents on
// parameters N and training tokens D.
type Law struct {
	E, A, B, Alpha, Beta float64
}

// Loss returns the predicted loss in nats per token for n parameters trained on d tokens.
func (l Law) Loss(n, d float64) float64 {
	return l.E + l.A/math.Pow(n, l.Alpha) + l.B/math.Pow(d, l.Beta)
}

// ExponentA is a = Beta/(Alpha+Beta), the exponent of N_opt ∝ C^a.
func (l Law) ExponentA() float64 { return l.Beta / (l.Alpha + l.Beta) }

// ExponentB is b = Alpha/(Alpha+Beta), the exponent of D_opt ∝ C^b.
func (l Law) ExponentB() float64 { return l.Alpha / (l.Alpha + l.Beta) }

// Exponents returns a and b of the law's compute-optimal frontier N_opt ∝ C^a, D_opt ∝ C^b.
func (l Law) Exponents() (a, b float64) { return l.ExponentA(), l.ExponentB() }

// G is the frontier constant G = (Alpha A / (Beta B))^(1/(Alpha+Beta)) of Hoffmann et al. Eq. 4.
func (l Law) G() float64 {
	return math.Pow(l.Alpha*l.A/(l.Beta*l.B), 1/(l.Alpha+l.Beta))
}

// NOpt is the compute-optimal parameter count at c FLOPs: G (c/6)^a.
func (l Law) NOpt(c float64) float64 { return l.Frontier().NOpt(c) }

// DOpt is the compute-optimal token count at c FLOPs: (c/6)^b / G.
func (l Law) DOpt(c float64) float64 { return l.Frontier().DOpt(c) }

// Optimal returns the compute-optimal parameters, tokens and loss at c FLOPs (C = 6ND).
func (l Law) Optimal(c float64) (n, d, loss float64) {
	n, d = l.NOpt(c), l.DOpt(c)
	return n, d, l.Loss(n, d)
}

// ComputeForParams returns the budget C (FLOPs) at which n parameters are compute-optimal,
// and the tokens D = C/(6n) at that budget (the shape of Chinchilla's Tables 3 and A3).
func (l Law) ComputeForParams(n float64) (c, d float64) { return l.Frontier().ComputeForParams(n) }

// MultiplierPer10x returns how much N_opt and D_opt grow when compute grows tenfold.
func (l Law) MultiplierPer10x() (n, d float64) { return l.Frontier().MultiplierPer10x() }

// Frontier is the law's compute-optimal frontier N_opt = G (C/6)^a, D_opt = (C/6)^b / G.
func (l Law) Frontier() fit.Frontier {
	return fit.Frontier{G: l.G(), A: l.ExponentA(), B: l.ExponentB()}
}
