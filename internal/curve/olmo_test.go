package curve

import (
	"os"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/runs"
)

// olmoCurves reads testdata/olmo_curves.csv (C4 loss) with each run's cosine schedule
// derived from its logged lr, keeping the runs whose id contains sub.
func olmoCurves(t testing.TB, sub string) []*Curve {
	t.Helper()
	f, err := os.Open("../../testdata/olmo_curves.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, _, err := ReadCurves(f, "olmo_curves.csv", ReadOptions{Input: runs.Options{LossCol: "loss_c4_en"}, NoSchedule: true, MinPoints: 5})
	if err != nil {
		t.Fatal(err)
	}
	// the lr column is kept as read; derive the cosine spec from it
	f.Seek(0, 0)
	lrCurves, _, err := ReadCurves(f, "olmo_curves.csv", ReadOptions{Input: runs.Options{LossCol: "loss_c4_en"}, MinPoints: 5})
	if err != nil {
		t.Fatal(err)
	}
	var out []*Curve
	for i, c := range cs {
		if !strings.Contains(c.Run, sub) {
			continue
		}
		lr := make([]float64, len(c.Steps))
		for j, s := range c.Steps {
			lr[j] = lrCurves[i].LR[s]
		}
		sc, mism, err := InferCosine(c.Steps, lr)
		if err != nil || mism > 5e-3 {
			t.Fatalf("%s: cosine spec from lr: %v (mismatch %.3g of peak)", c.Run, err, mism)
		}
		c.Schedule, c.LR = sc, sc.LRs()
		if err := c.clampSteps(); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}
