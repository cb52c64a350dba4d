package stats_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/scalefit/scalefit/internal/stats"
)

// A percentile bootstrap of a mean: 1,000 seeded replicates resample the data, and the
// central 95% interval of their means is the interval of the mean.
func ExampleReplicates() {
	data := []float64{2.1, 2.4, 1.9, 2.2, 2.8, 2.0, 2.3, 2.5}
	means := stats.Replicates(1000, stats.BootstrapOptions{Seed: 1}, func(_ int, rng *rand.Rand) float64 {
		s := 0.0
		for i, c := range stats.Counts(rng, len(data)) {
			s += float64(c) * data[i]
		}
		return s / float64(len(data))
	})
	iv, _ := stats.Central(means, stats.Level95)
	fmt.Printf("mean 2.275, 95%% interval [%.2f, %.2f]\n", iv.Lo, iv.Hi)
	// Output: mean 2.275, 95% interval [2.09, 2.47]
}

// The compute-optimal model size of a Chinchilla-form law L(N, D) = E + A/N^α + B/D^β at a
// budget of C = 6ND = 1e21 FLOPs: minimise the loss over ln N (D = C/(6N)) by a grid scan
// and Brent's method, and compare with the closed form N_opt = G (C/6)^(β/(α+β)).
func ExampleMinimizeGrid() {
	const c = 1e21
	loss := func(lnN float64) float64 {
		n := math.Exp(lnN)
		return 1.69 + 406.4/math.Pow(n, 0.34) + 410.7/math.Pow(c/(6*n), 0.28)
	}
	lnN, l := stats.MinimizeGrid(loss, math.Log(1e6), math.Log(1e13), 800)
	g := math.Pow(0.34*406.4/(0.28*410.7), 1/0.62)
	fmt.Printf("N_opt %.6g (closed form %.6g), loss %.4f\n", math.Exp(lnN), g*math.Pow(c/6, 0.28/0.62), l)
	// Output: N_opt 1.82422e+09 (closed form 1.82422e+09), loss 2.3289
}
