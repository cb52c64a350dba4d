package chinchilla

import (
	"strings"
	"testing"
)

// D4: losses that do not vary have no law to fit (the best fit had exponents of -1e-13 and
// an allocation of +Inf): Fit says so.
func TestFitRefusesConstantLosses(t *testing.T) {
	var n, d, constant []float64
	for _, nn := range []float64{1e8, 3e8, 1e9, 3e9} {
		for _, dd := range []float64{1e9, 1e10, 1e11} {
			n, d = append(n, nn), append(d, dd)
			constant = append(constant, 2.5)
		}
	}
	if _, err := Fit(n, d, constant, FitOptions{}); err == nil || !strings.Contains(err.Error(), "same loss") {
		t.Errorf("constant losses: %v", err)
	}
}
