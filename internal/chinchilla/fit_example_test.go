package chinchilla_test

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Fit recovers a law from simulated runs with 1% deterministic "noise", and a bootstrap
// gives intervals for any derived quantity.
func ExampleFit() {
	truth := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	var n, d, loss []float64
	for _, params := range []float64{7e7, 2e8, 6e8, 2e9, 6e9} {
		for _, tokensPerParam := range []float64{5, 10, 20, 40, 80} {
			n = append(n, params)
			d = append(d, params*tokensPerParam)
			noise := 1 + 0.01*math.Sin(float64(len(loss)))
			loss = append(loss, truth.Loss(params, params*tokensPerParam)*noise)
		}
	}
	r, err := chinchilla.Fit(n, d, loss, chinchilla.FitOptions{Bootstrap: 200, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("E %.2f  alpha %.2f  beta %.2f  converged %v\n", r.Law.E, r.Law.Alpha, r.Law.Beta, r.Converged)
	nOpt, _ := r.IntervalOf(0.95, func(l chinchilla.Law) float64 { return l.NOpt(1e23) })
	fmt.Printf("N_opt(1e23 FLOPs) %.2g params, 95%% interval (%.1g, %.1g)\n", r.Law.NOpt(1e23), nOpt.Lo, nOpt.Hi)
	// Output:
	// E 1.70  alpha 0.41  beta 0.26  converged true
	// N_opt(1e23 FLOPs) 1e+10 params, 95% interval (4e+09, 4e+10)
}
