package plan_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/plan"
)

// The compute-optimal model for a budget under Chinchilla's printed law, and the least
// compute that reaches a target loss.
func ExampleOptimal() {
	l := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	a, _ := plan.Optimal(l, 1e23)
	fmt.Printf("1e23 FLOPs: N %.3g, D %.3g, %.1f tokens/param, loss %.3f\n", a.Params, a.Tokens, a.Tokens/a.Params, a.Loss)
	t, _ := plan.ComputeForLoss(l, 2.0)
	fmt.Printf("loss 2.0: %.3g FLOPs\n", t.FLOPs)
	// Output:
	// 1e23 FLOPs: N 1.46e+10, D 1.14e+12, 78.2 tokens/param, loss 2.005
	// loss 2.0: 1.11e+23 FLOPs
}
