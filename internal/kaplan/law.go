// Package kaplan holds the scaling laws of Kaplan et al. 2020 ("Scaling Laws for Neural
// Language Models", OpenAI): the single-variable power laws L(N) and L(D) of their Table 5,
// the joint law L(N, D) of their Table 2 (Eq. 1.5), the compute-efficient frontier of the
// joint law under C = 6ND, and fits of these forms to training runs.
//
// Conventions: Kaplan et al. count N WITHOUT embedding parameters (Chinchilla counts all
// parameters; the two are not comparable at small scale); D counts training tokens; C is
// training compute in FLOPs, C = 6ND; losses are cross-entropy in nats per token (WebText2 in
// the paper). Their compute-efficient allocation rule N = 1.3e9 C_min^0.73 (C_min in
// PF-days, C_min = C/2) is a separate empirical fit, not the frontier of the joint law: that
// rule lives in the laws catalogue as kaplan2020-allocation.
package kaplan

import (
	"math"

	"github.com/scalefit/scalefit/internal/fit"
)

// NLaw is the parameter-limited law L(N) = E + (Nc/N)^AlphaN: the loss of models of N
// non-embedding parameters trained to convergence on enough data. Nc is in parameters,
// AlphaN > 0, E ≥ 0 an optional irreducible loss in nats/token (0 in Kaplan et al.).
type NLaw struct {
	Nc, AlphaN, E float64
}

// Loss returns the predicted loss in nats per token for n non-embedding parameters.
func (l NLaw) Loss(n float64) float64 { return l.E + math.Pow(l.Nc/n, l.AlphaN) }

// DLaw is the data-limited law L(D) = E + (Dc/D)^AlphaD: the loss of a large model trained
// with early stopping on D tokens. Dc is in tokens, AlphaD > 0, E ≥ 0 an optional
// irreducible loss in nats/token (0 in Kaplan et al.).
type DLaw struct {
	Dc, AlphaD, E float64
}

// Loss returns the predicted loss in nats per token after d training tokens.
func (l DLaw) Loss(d float64) float64 { return l.E + math.Pow(l.Dc/d, l.AlphaD) }

// Law is Kaplan et al.'s joint law
//
//	L(N, D) = [(Nc/N)^(AlphaN/AlphaD) + Dc/D]^AlphaD
//
// with N non-embedding parameters, D training tokens, Nc in parameters, Dc in tokens,
// AlphaN, AlphaD > 0 and L in nats/token. In log space,
// ln L = AlphaD · LSE((AlphaN/AlphaD)(ln Nc − ln N), ln Dc − ln D).
type Law struct {
	Nc, Dc, AlphaN, AlphaD float64
}

// Published constants of Kaplan et al. 2020 (N non-embedding, D tokens, loss nats/token on
// WebText2).
var (
	// PublishedN is Table 5's L(N): αN = 0.076, Nc = 8.8e13 parameters.
	PublishedN = NLaw{Nc: 8.8e13, AlphaN: 0.076}
	// PublishedD is Table 5's L(D): αD = 0.095, Dc = 5.4e13 tokens.
	PublishedD = DLaw{Dc: 5.4e13, AlphaD: 0.095}
	// Published is Table 2's joint L(N, D): αN = 0.076, αD = 0.103, Nc = 6.4e13 parameters,
	// Dc = 1.8e13 tokens. Its compute frontier has a = 0.575 and N_opt = 6.23B at 1e21 FLOPs.
	Published = Law{Nc: 6.4e13, Dc: 1.8e13, AlphaN: 0.076, AlphaD: 0.103}
)

// Loss returns the predicted loss in nats per token for n non-embedding parameters trained
// on d tokens.
func (l Law) Loss(n, d float64) float64 {
	return math.Pow(math.Pow(l.Nc/n, l.AlphaN/l.AlphaD)+l.Dc/d, l.AlphaD)
}

// The compute-efficient frontier. At fixed C = 6ND the loss is monotone in the bracket
// B(N) = (Nc/N)^p + 6 Dc N / C with p = AlphaN/AlphaD; B'(N) = 0 gives
//
//	N_opt^(1+p) = p Nc^p C / (6 Dc),   so   N_opt = G (C/6)^a,  D_opt = (C/6)^b / G
//
// with a = 1/(1+p) = AlphaD/(AlphaN+AlphaD), b = 1 − a = AlphaN/(AlphaN+AlphaD) and
// G = (p Nc^p / Dc)^a. B is convex in ln N, so this stationary point is the minimum.

// ExponentA is a = AlphaD/(AlphaN+AlphaD), the exponent of N_opt ∝ C^a on the frontier
// (0.575 for the published constants).
func (l Law) ExponentA() float64 { return l.AlphaD / (l.AlphaN + l.AlphaD) }

// ExponentB is b = AlphaN/(AlphaN+AlphaD), the exponent of D_opt ∝ C^b.
func (l Law) ExponentB() float64 { return l.AlphaN / (l.AlphaN + l.AlphaD) }

// Exponents returns a and b of the law's compute-optimal frontier N_opt ∝ C^a, D_opt ∝ C^b.
func (l Law) Exponents() (a, b float64) { return l.ExponentA(), l.ExponentB() }

// G is the frontier constant G = (p Nc^p / Dc)^a with p = AlphaN/AlphaD, computed in logs.
func (l Law) G() float64 {
	p := l.AlphaN / l.AlphaD
	return math.Exp(l.ExponentA() * (math.Log(p) + p*math.Log(l.Nc) - math.Log(l.Dc)))
}

// NOpt is the loss-minimising parameter count at c FLOPs (C = 6ND): G (c/6)^a.
func (l Law) NOpt(c float64) float64 { return l.Frontier().NOpt(c) }

// DOpt is the loss-minimising token count at c FLOPs: (c/6)^b / G = c/(6 N_opt).
func (l Law) DOpt(c float64) float64 { return l.Frontier().DOpt(c) }

// Optimal returns the frontier's parameters, tokens and loss (nats/token) at c FLOPs.
func (l Law) Optimal(c float64) (n, d, loss float64) {
	n, d = l.NOpt(c), l.DOpt(c)
	return n, d, l.Loss(n, d)
}

// ComputeForParams returns the budget C (FLOPs) at which n non-embedding parameters are on
// the frontier, and the tokens D = C/(6n) there.
func (l Law) ComputeForParams(n float64) (c, d float64) { return l.Frontier().ComputeForParams(n) }

// MultiplierPer10x returns how much N_opt and D_opt grow on the frontier when compute grows
// tenfold: 10^a and 10^b (3.76x and 2.66x for the published constants).
func (l Law) MultiplierPer10x() (n, d float64) { return l.Frontier().MultiplierPer10x() }

// Frontier is the law's compute-optimal frontier N_opt = G (C/6)^a, D_opt = (C/6)^b / G.
func (l Law) Frontier() fit.Frontier {
	return fit.Frontier{G: l.G(), A: l.ExponentA(), B: l.ExponentB()}
}
