package chinchilla

import (
	"strings"
	"testing"
)

// D4: losses that do not vary, or a best fit whose exponents vanish, have no
// compute-optimal allocation (G over- or underflows to Inf/NaN): Fit says so instead of
// returning a law that reports +Inf.
func TestFitRefusesDegenerateLaws(t *testing.T) {
	var n, d, constant, flat []float64
	for _, nn := range []float64{1e8, 3e8, 1e9, 3e9} {
		for _, dd := range []float64{1e9, 1e10, 1e11} {
			n, d = append(n, nn), append(d, dd)
			constant = append(constant, 2.5)
			// Loss rising with N and D: the best exponents go to 0 or below.
			flat = append(flat, 2.5+1e-3*float64(len(flat)%3))
		}
	}
	if _, err := Fit(n, d, constant, FitOptions{}); err == nil || !strings.Contains(err.Error(), "same loss") {
		t.Errorf("constant losses: %v", err)
	}
	r, err := Fit(n, d, flat, FitOptions{})
	if err == nil {
		nOpt := r.Law.NOpt(1e21)
		t.Errorf("losses that do not fall with N or D: law %+v, N_opt(1e21) = %g; want an error", r.Law, nOpt)
	} else if !strings.Contains(err.Error(), "compute-optimal") {
		t.Errorf("flat losses: %v", err)
	}
}
