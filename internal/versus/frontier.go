// Package versus compares the loss-optimal frontiers of groups of runs (architectures, data
// mixes, MoE against dense): the effective compute multiplier m(C) = C_B(L*_A(C)) / C, the
// budget at which one group overtakes the other (the crossover), and the differences of the
// scaling exponents, each with a bootstrap interval over runs within each group.
//
// Conventions: C is training compute in FLOPs with C = 6ND on the compute-optimal frontier;
// N counts parameters as the runs count them (active parameters for mixture-of-experts
// runs); losses are nats per token. A multiplier above 1 means the group needs more compute
// than the reference to reach the reference's loss; below 1, less.
package versus

import (
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Frontier is a loss-optimal frontier L*(C) = E + K (C/6)^(−Gamma): the lowest loss
// (nats/token) reachable with C training FLOPs. Approach 3 gives it in closed form (Of);
// IsoFLOP minima give it by a fit of the same form (FitMinima).
type Frontier struct {
	E, K, Gamma float64
}

// Of returns the frontier of a Chinchilla law: E, K = A G^(−α) + B G^β, Gamma = αβ/(α+β).
func Of(l chinchilla.Law) Frontier { return Frontier{E: l.E, K: frontierK(l), Gamma: Slope(l)} }

// Loss is L*(c), nats/token.
func (f Frontier) Loss(c float64) float64 { return f.E + f.K*math.Pow(c/6, -f.Gamma) }

// ComputeFor inverts the frontier: the compute (FLOPs) at which it reaches loss; +Inf when
// loss ≤ E (never reached), NaN for a frontier that does not fall (Gamma or K ≤ 0).
func (f Frontier) ComputeFor(loss float64) float64 {
	if !(f.Gamma > 0) || !(f.K > 0) {
		return math.NaN()
	}
	if loss <= f.E {
		return math.Inf(1)
	}
	return 6 * math.Pow((loss-f.E)/f.K, -1/f.Gamma)
}

// MultiplierOf is the compute multiplier of frontier g against the reference f at c FLOPs:
// g's compute for f's loss at c, over c.
func (f Frontier) MultiplierOf(g Frontier, c float64) float64 { return g.ComputeFor(f.Loss(c)) / c }

// FrontierLoss is the loss-optimal frontier L*(C) of a Chinchilla law: the loss of the
// compute-optimal model at c FLOPs (nats/token), E + K (C/6)^(−γ) with γ = Slope(l).
func FrontierLoss(l chinchilla.Law, c float64) float64 {
	_, _, loss := l.Optimal(c)
	return loss
}

// Slope is the loss-frontier exponent γ = αβ/(α+β): the reducible loss on the frontier
// falls as C^(−γ).
func Slope(l chinchilla.Law) float64 { return l.Alpha * l.Beta / (l.Alpha + l.Beta) }

// frontierK is K in L*(C) = E + K (C/6)^(−γ): the reducible frontier loss at C = 6 FLOPs.
func frontierK(l chinchilla.Law) float64 {
	g := l.G()
	return l.A*math.Pow(g, -l.Alpha) + l.B*math.Pow(g, l.Beta)
}

// ComputeForLoss inverts a Chinchilla law's frontier: the compute (FLOPs) at which its
// compute-optimal model reaches loss (nats/token); +Inf when loss ≤ E.
func ComputeForLoss(l chinchilla.Law, loss float64) float64 {
	if !(l.A > 0) || !(l.B > 0) {
		return math.NaN()
	}
	return Of(l).ComputeFor(loss)
}

// Multiplier is the effective compute multiplier of law b against the reference law a at
// c FLOPs: m = C_b(L*_a(c)) / c, the compute b needs to reach the loss a reaches with c.
// It is +Inf when b's frontier never reaches that loss (b's E above it).
func Multiplier(a, b chinchilla.Law, c float64) float64 {
	return ComputeForLoss(b, FrontierLoss(a, c)) / c
}

// crossover returns the smallest compute in [lo, hi] where the frontiers a and b cross
// (m = 1), found on a log grid and refined by bisection; ok is false when they do not cross
// there. bBetter reports whether b's frontier is below a's at lo.
func crossover(a, b Frontier, lo, hi float64) (c float64, ok bool, bBetter bool) {
	// Differences within 1e-9 of the loss are ties, not a side: two identical frontiers
	// (identical groups) never cross, whatever the last bits of their fits.
	diff := func(lc float64) float64 {
		x := math.Exp(lc)
		d := b.Loss(x) - a.Loss(x)
		if math.Abs(d) <= 1e-9*math.Abs(a.Loss(x)) {
			return 0
		}
		return d
	}
	const steps = 240
	l0, l1 := math.Log(lo), math.Log(hi)
	prev, px := diff(l0), l0
	known := prev != 0 && !math.IsNaN(prev) // prev holds a side (the last non-tied one)
	bBetter = prev < 0
	for i := 1; i <= steps; i++ {
		x := l0 + (l1-l0)*float64(i)/steps
		v := diff(x)
		if math.IsNaN(v) || v == 0 {
			continue // no side here: keep the last one
		}
		if !known {
			prev, px, known = v, x, true
			bBetter = v < 0
			continue
		}
		if (prev < 0) != (v < 0) {
			a0, a1 := px, x
			fa := prev
			for range 100 {
				m := 0.5 * (a0 + a1)
				fm := diff(m)
				if (fm < 0) == (fa < 0) {
					a0, fa = m, fm
				} else {
					a1 = m
				}
				if a1-a0 < 1e-12 {
					break
				}
			}
			return math.Exp(0.5 * (a0 + a1)), true, bBetter
		}
		prev, px = v, x
	}
	return 0, false, bBetter
}
