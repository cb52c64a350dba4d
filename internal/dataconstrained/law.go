// Package dataconstrained is the data-constrained law family of Muennighoff et al. 2023,
// "Scaling Data-Constrained Language Models" (NeurIPS 2023, their Eq. 5 with U_N): a
// Chinchilla-form law whose data and parameters are effective amounts,
//
//	L = E + A/N'^α + B/D'^β,
//	D' = U + U R_D* (1 − e^(−R_D/R_D*)),  R_D = D/U − 1 (repetitions of the unique data),
//	N' = U_N + U_N R_N* (1 − e^(−R_N/R_N*)),  R_N = N/U_N − 1,  U_N = min(N, N_opt(U)),
//
// with N_opt(U) = G (U G)^(β/α), G = (αA/(βB))^(1/(α+β)) the compute-optimal parameter count
// for U tokens on the law's own frontier (datablations' D_to_N). R_D* is the number of
// repetitions after which repeated tokens have lost 1/e of their value; R_N* the same for
// parameters beyond the unique data's optimum.
//
// Conventions: N counts parameters as the runs count them (Muennighoff et al. count all,
// embeddings included); D is training tokens, U the unique tokens the run drew them from (a
// run with D < U never repeats: U is taken as min(U, D), so R_D = 0); losses in nats/token;
// C = 6ND. The family fits all seven constants jointly (recipe "joint") or, as the paper
// did, R_D* and R_N* alone on a fixed base law (recipe "muennighoff2023").
package dataconstrained

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/plan"
)

// Name is the family's registry name and fits[].law.
const Name = "data-constrained"

// Parameter names, as fit.json's "params" and `laws --format json` spell them.
const (
	ParamRDStar = "R_D*"
	ParamRNStar = "R_N*"
)

// thetaName names θ's coordinates by the constants they set.
func thetaName(j int) string {
	return [thDim]string{"A", "B", "E", "alpha", "beta", ParamRDStar, ParamRNStar}[j]
}

// ParamNames returns the law's constants in fit.json's order: E, A, B, alpha, beta, R_D*, R_N*.
func ParamNames() []string {
	return []string{"E", "A", "B", "alpha", "beta", ParamRDStar, ParamRNStar}
}

// Law is a data-constrained law: a Chinchilla base law with R_D* and R_N*.
type Law struct{ plan.DataLaw }

// NewLaw rebuilds a law from its named constants, each finite, E, A, B positive, the
// exponents positive and R_D*, R_N* positive.
func NewLaw(p map[string]float64) (Law, error) {
	get := func(k string) (float64, error) {
		v, ok := p[k]
		if !ok {
			return 0, fmt.Errorf("%s: no constant %q (want E, A, B, alpha, beta, R_D*, R_N*)", Name, k)
		}
		if !(v > 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%s: %s = %v: want a positive finite number", Name, k, v)
		}
		return v, nil
	}
	var v [7]float64
	for i, k := range ParamNames() {
		x, err := get(k)
		if err != nil {
			return Law{}, err
		}
		v[i] = x
	}
	return Law{plan.DataLaw{Law: chinchilla.Law{E: v[0], A: v[1], B: v[2], Alpha: v[3], Beta: v[4]}, RDStar: v[5], RNStar: v[6]}}, nil
}

// Params returns the constants by name.
func (l Law) Params() map[string]float64 {
	return map[string]float64{"E": l.Law.E, "A": l.Law.A, "B": l.Law.B, "alpha": l.Law.Alpha, "beta": l.Law.Beta,
		ParamRDStar: l.RDStar, ParamRNStar: l.RNStar}
}

// Predict returns the loss (nats/token) at x["params"], x["tokens"] and x["unique_tokens"];
// without unique tokens (absent or NaN) the data is unlimited and the loss is the base law's.
func (l Law) Predict(x map[string]float64) (float64, error) {
	n, d := x["params"], x["tokens"]
	for _, q := range []struct {
		name string
		v    float64
	}{{"params", n}, {"tokens", d}} {
		if !(q.v > 0) || math.IsInf(q.v, 0) {
			return 0, fmt.Errorf("%s: %s %v: want a positive count", Name, q.name, q.v)
		}
	}
	u, ok := x[ColUnique]
	if !ok || math.IsNaN(u) {
		return l.Law.Loss(n, d), nil
	}
	if !(u > 0) || math.IsInf(u, 0) {
		return 0, fmt.Errorf("%s: unique_tokens %v: want a positive count", Name, u)
	}
	return l.Loss(n, d, u), nil
}

// theta returns θ of the law (R* clamped inside the bounds).
func (l Law) theta() [thDim]float64 {
	return [thDim]float64{math.Log(l.Law.A), math.Log(l.Law.B), math.Log(l.Law.E), l.Law.Alpha, l.Law.Beta, zOf(l.RDStar), zOf(l.RNStar)}
}

// lawOf returns the law of θ.
func lawOf(th [thDim]float64) Law {
	rd, _ := starOf(th[thRD])
	rn, _ := starOf(th[thRN])
	return Law{plan.DataLaw{Law: chinchilla.LawFromTheta([]float64{th[thA], th[thB], th[thE], th[thAlpha], th[thBeta]}), RDStar: rd, RNStar: rn}}
}

// ColUnique is the per-run column of unique tokens (and Predict's key).
const ColUnique = "unique_tokens"
