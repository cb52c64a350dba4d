package kaplan_test

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/kaplan"
)

// Fit Kaplan et al.'s joint law L(N, D) to noise-free runs drawn from the published
// constants: the fit recovers them, and with them the frontier exponent a.
func ExampleFit() {
	var n, d, loss []float64
	for _, p := range []float64{1e7, 3e7, 1e8, 3e8, 1e9} {
		for _, t := range []float64{1e9, 3e9, 1e10, 3e10, 1e11} {
			n, d, loss = append(n, p), append(d, t), append(loss, kaplan.Published.Loss(p, t))
		}
	}
	r, err := kaplan.Fit(n, d, loss, kaplan.FitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("alpha_N %.3f, alpha_D %.3f, a %.3f, converged %v\n", r.Law.AlphaN, r.Law.AlphaD, r.Law.ExponentA(), r.Converged)
	fmt.Printf("Nc within 1%%: %v\n", math.Abs(r.Law.Nc/kaplan.Published.Nc-1) < 0.01)
	// Output:
	// alpha_N 0.076, alpha_D 0.103, a 0.575, converged true
	// Nc within 1%: true
}
