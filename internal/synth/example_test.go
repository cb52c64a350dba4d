package synth_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/synth"
)

// An IsoFLOP sweep from a known law: 5 sizes per budget centred on the optimum, no noise.
func ExampleIsoFLOPGrid() {
	l := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	rs := synth.IsoFLOPGrid(l, []float64{1e19, 1e20}, 5, 4, 1, 0, 1)
	mid := rs[2]
	fmt.Printf("%d runs; at 1e19 the middle size is N_opt %.3g with loss %.4f\n", len(rs), mid.Params, mid.Loss)
	// Output:
	// 10 runs; at 1e19 the middle size is N_opt 2.28e+08 with loss 2.9857
}
