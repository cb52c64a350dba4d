package fitfile

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// ChinchillaParams reads a Chinchilla law from the contract's "params" (E, A, B, alpha,
// beta, each positive and finite): the inverse of LawParams.
func ChinchillaParams(p map[string]float64) (chinchilla.Law, error) {
	var v [5]float64
	for i, k := range []string{"E", "A", "B", "alpha", "beta"} {
		x, ok := p[k]
		if !ok || !(x > 0) || math.IsInf(x, 0) {
			return chinchilla.Law{}, fmt.Errorf("Chinchilla fit params %q missing or not positive: want E, A, B, alpha, beta", k)
		}
		v[i] = x
	}
	return chinchilla.Law{E: v[0], A: v[1], B: v[2], Alpha: v[3], Beta: v[4]}, nil
}

// DrawLaws converts bootstrap rows [E, A, B, alpha, beta] (as fit.json stores them) to laws;
// a row of another length or with a non-finite or non-positive entry is an error naming the
// row.
func DrawLaws(rows [][]float64) ([]chinchilla.Law, error) {
	out := make([]chinchilla.Law, 0, len(rows))
	for i, r := range rows {
		if len(r) != 5 {
			return nil, fmt.Errorf("bootstrap row %d has %d values: want 5 (E, A, B, alpha, beta)", i+1, len(r))
		}
		for _, v := range r {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("bootstrap row %d: %v: want positive finite E, A, B, alpha, beta", i+1, r)
			}
		}
		out = append(out, chinchilla.Law{E: r[0], A: r[1], B: r[2], Alpha: r[3], Beta: r[4]})
	}
	return out, nil
}

// LawParams names a Chinchilla law's constants as the contract's "params" does.
func LawParams(l chinchilla.Law) map[string]float64 {
	return map[string]float64{"E": l.E, "A": l.A, "B": l.B, "alpha": l.Alpha, "beta": l.Beta}
}
