package stats_test

import (
	"fmt"
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
