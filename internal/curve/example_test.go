package curve_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/curve"
)

// Predict the final loss of Luo et al.'s 400M model under a schedule it was not fitted on,
// and fit the default law to curves drawn from a known law.
func ExampleFit() {
	law, _ := curve.LookupPublished("mpl2025-400m")
	wsd, _ := curve.Parse("wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=exp")
	final := curve.Predict(law.Params, wsd.LRs(), []int{wsd.Steps - 1})
	fmt.Printf("mpl2025-400m under %s: final loss %.3f\n", wsd.Kind, final[0])

	truth := curve.Params{Law: curve.LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5}
	var curves []*curve.Curve
	for _, spec := range []string{"cosine:warmup=500,steps=8000,peak=3e-4,final=3e-5", "constant:warmup=500,steps=8000,peak=3e-4"} {
		sc, _ := curve.Parse(spec)
		c := &curve.Curve{Run: sc.Kind, Schedule: sc, LR: sc.LRs()}
		for s := 600; s < sc.Steps; s += 100 {
			c.Steps = append(c.Steps, s)
		}
		c.Loss = curve.Predict(truth, c.LR, c.Steps)
		curves = append(curves, c)
	}
	res, _ := curve.Fit(curves, curve.FitOptions{})
	fmt.Printf("%s law: L0 %.3f, alpha %.3f, C %.3f; converged %v\n", res.Params.Law, res.Params.L0, res.Params.Alpha, res.Params.C, res.Converged)
	// Output:
	// mpl2025-400m under wsd: final loss 2.700
	// tissue law: L0 2.500, alpha 0.450, C 0.500; converged true
}
