package fit

import "math"

// Frontier is the compute-optimal frontier of a two-term law under C = 6ND (C in FLOPs):
// N_opt = G (C/6)^A parameters and D_opt = (C/6)^B / G tokens, with A + B = 1. Chinchilla's
// and Kaplan's laws both have one; they differ only in G and in how A, B follow from their
// constants.
type Frontier struct{ G, A, B float64 }

// NOpt is the compute-optimal parameter count at c FLOPs: G (c/6)^A.
func (f Frontier) NOpt(c float64) float64 { return f.G * math.Pow(c/6, f.A) }

// DOpt is the compute-optimal token count at c FLOPs: (c/6)^B / G.
func (f Frontier) DOpt(c float64) float64 { return math.Pow(c/6, f.B) / f.G }

// ComputeForParams returns the budget C (FLOPs) at which n parameters are compute-optimal,
// and the tokens D = C/(6n) there.
func (f Frontier) ComputeForParams(n float64) (c, d float64) {
	c = 6 * math.Pow(n/f.G, 1/f.A)
	return c, c / (6 * n)
}

// MultiplierPer10x returns how much N_opt and D_opt grow when compute grows tenfold: 10^A
// and 10^B.
func (f Frontier) MultiplierPer10x() (n, d float64) {
	return math.Pow(10, f.A), math.Pow(10, f.B)
}
