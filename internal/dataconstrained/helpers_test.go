package dataconstrained

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/testutil"
)

// c4 is Muennighoff et al.'s law fitted on C4 (datablations' README and notebook).
func c4() Law {
	return Law{plan.DataLaw{Law: chinchilla.Law{E: math.Exp(0.6254804), A: math.Exp(6.255414), B: math.Exp(7.3049974),
		Alpha: 0.3526596, Beta: 0.3526596}, RDStar: 15.387756, RNStar: 5.309743}}
}

// datablations reads testdata/datablations.csv.
func datablations(t testing.TB) []Run {
	t.Helper()
	col, rows := testutil.ReadTable(t, "datablations.csv")
	var out []Run
	for _, r := range rows {
		f := func(c string) float64 {
			v, err := strconv.ParseFloat(r[col[c]], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		out = append(out, Run{Params: f("params"), Tokens: f("tokens"), Unique: f("unique_tokens"), Loss: f("loss"), Name: r[col["run"]]})
	}
	return out
}

// sweep is the acceptance check's synthetic design: 6 sizes x 7 unique amounts x 10 epochs
// (1 to 40) from law, log-normal noise.
func sweep(law Law, noise float64, seed uint64) []Run {
	rng := rand.New(rand.NewPCG(seed, 2023))
	var out []Run
	for _, n := range []float64{1e7, 4e7, 1.6e8, 6.4e8, 2.56e9, 1.024e10} {
		for _, u := range []float64{1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11} {
			for _, ep := range []float64{1, 1.5, 2, 3, 5, 8, 13, 20, 30, 40} {
				l := law.Loss(n, u*ep, u) * math.Exp(noise*rng.NormFloat64())
				out = append(out, Run{Params: n, Tokens: u * ep, Unique: u, Loss: l})
			}
		}
	}
	return out
}
