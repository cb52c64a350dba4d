package plot

import (
	"bytes"
	"testing"
)

func TestSlope(t *testing.T) {
	if _, err := Slope(nil); err == nil {
		t.Error("no input drew a figure")
	}
	if _, err := Slope(&SlopeInput{FLOPs: []float64{1e20}}); err == nil {
		t.Error("one point drew a figure")
	}
	in := &SlopeInput{Title: "t", FLOPs: []float64{1e18, 1e19, 1e20}, Exponent: []float64{0.15, 0.12, 0.08},
		Lo: []float64{0.1, 0.05, -0.02}, Hi: []float64{0.2, 0.2, 0.2}, Total: []float64{0.07, 0.05, 0.03},
		Budgets: []float64{1e18, 1e20}, AtBudgets: []float64{0.15, 0.08}, Break: &SlopeBreak{FLOPs: 1e19, Lo: 3e18, Hi: 1e21}, Caption: "slows"}
	f, err := Slope(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"png", "svg"} {
		var b bytes.Buffer
		if err := f.WriteTo(&b, format); err != nil || b.Len() < 1000 {
			t.Errorf("%s: %d bytes, %v", format, b.Len(), err)
		}
	}
}
