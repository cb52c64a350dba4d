package fit

import (
	"math"
	"slices"
	"testing"
)

func TestCanonicalOrder(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		cols [][]float64
		want []int
	}{
		{"by the first column", [][]float64{{3, 1, 2}}, []int{1, 2, 0}},
		{"ties by the next", [][]float64{{2, 1, 2, 1}, {5, 9, 4, 8}}, []int{3, 1, 2, 0}},
		{"nil columns skipped", [][]float64{nil, {2, 1}}, []int{1, 0}},
		{"NaN first, equal rows keep their order", [][]float64{{1, nan, 1, 0}}, []int{1, 3, 0, 2}},
		{"no rows", [][]float64{{}}, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, c := range tt.cols {
				n = max(n, len(c))
			}
			if got := CanonicalOrder(n, tt.cols...); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	v := []float64{10, 20, 30, 40}
	perm := []int{2, 0, 3, 1}
	g := Gather(v, perm)
	if !slices.Equal(g, []float64{30, 10, 40, 20}) || !slices.Equal(Scatter(g, perm), v) {
		t.Errorf("Gather %v, Scatter back %v", g, Scatter(g, perm))
	}
	if Gather([]float64(nil), perm) != nil || Scatter([]float64(nil), perm) != nil {
		t.Error("nil in, want nil out")
	}
}
