package report

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
)

func TestCompareVerdict(t *testing.T) {
	tests := []struct {
		a    float64
		iv   *[2]float64
		want []string
	}{
		{0.514, nil, []string{"a = 0.514:", "closer to Chinchilla's"}},
		{0.70, nil, []string{"closer to Kaplan's"}},
		{0.615, nil, []string{"halfway"}},
		{0.514, &[2]float64{0.49, 0.53}, []string{"[0.490, 0.530]", "includes 0.5"}},
		{0.6, &[2]float64{0.45, 0.8}, []string{"includes both"}},
		{0.56, &[2]float64{0.52, 0.6}, []string{"excludes both"}},
	}
	for _, tt := range tests {
		got := CompareVerdict("fit", tt.a, tt.iv)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("CompareVerdict(%v, %v) = %q, want it to contain %q", tt.a, tt.iv, got, w)
			}
		}
	}
}

// The Kaplan fit's table and JSON carry the fitted constants, the frontier exponents and
// the allocation of the fitted law.
func TestKaplanFitTableAndJSON(t *testing.T) {
	var n, d, loss []float64
	for i := range 6 {
		for j := range 6 {
			nn, dd := math.Pow(10, 7+0.5*float64(i)), math.Pow(10, 8+0.5*float64(j))
			n, d, loss = append(n, nn), append(d, dd), append(loss, kaplan.Published.Loss(nn, dd))
		}
	}
	r, err := kaplan.Fit(n, d, loss, kaplan.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tab := KaplanFitTable(r)
	var b strings.Builder
	if err := tab.Render(&b, format.Text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Kaplan L(N,D) fit", "alpha_N", "0.076", "alpha_D", "0.103", "Nc", "6.4e13", "0.575", "3.76x N", "converged"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	f := KaplanFit(r, []float64{1e21})
	if f.Law != "kaplan" || f.Form != "L(N,D)" || f.A == nil || math.Abs(*f.A-0.5754) > 1e-4 || len(f.Allocations) != 1 ||
		math.Abs(f.Allocations[0].NOpt/6.231e9-1) > 1e-3 || f.Loss != "huber" || f.Delta != 1e-3 {
		t.Errorf("KaplanFit = %+v", f)
	}
	if math.Abs(f.Params["alpha_N"]-0.076) > 1e-6 {
		t.Errorf("params %v", f.Params)
	}
}
