package fit

import (
	"cmp"
	"math"
	"math/rand/v2"
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
		{"NaN first", [][]float64{{1, nan, 2, 0}}, []int{1, 3, 0, 2}},
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

// SortByKey orders like cmp.Compare (NaN first, −0 = +0), then by the tie-break.
func TestSortByKey(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	key := []float64{3, -inf, nan, 0, math.Copysign(0, -1), -2.5, inf, 1e-310, -1e-310, 3}
	tie := []float64{1, 0, 0, 2, 1, 0, 0, 0, 0, 0}
	perm := make([]int, len(key))
	SortByKey(perm, key, func(a, b int) int { return cmp.Compare(tie[a], tie[b]) })
	want := []int{2, 1, 5, 8, 4, 3, 7, 9, 0, 6}
	if !slices.Equal(perm, want) {
		t.Errorf("got %v, want %v", perm, want)
	}
}

// The radix sort agrees with a comparison sort on many keys with ties and every sign.
func TestSortByKeyMatchesComparisonSort(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	key, tie := make([]float64, 5000), make([]float64, 5000)
	for i := range key {
		switch i % 5 {
		case 0:
			key[i] = float64(r.IntN(20) - 10) // many ties
		case 1:
			key[i] = r.NormFloat64() * 1e10
		case 2:
			key[i] = math.Exp(700 * (r.Float64() - 0.5))
		default:
			key[i] = -r.Float64()
		}
		tie[i] = float64(r.IntN(1000))
	}
	got := make([]int, len(key))
	SortByKey(got, key, func(a, b int) int { return cmp.Or(cmp.Compare(tie[a], tie[b]), cmp.Compare(a, b)) })
	want := make([]int, len(key))
	for i := range want {
		want[i] = i
	}
	slices.SortFunc(want, func(a, b int) int {
		return cmp.Or(cmp.Compare(key[a], key[b]), cmp.Compare(tie[a], tie[b]), cmp.Compare(a, b))
	})
	if !slices.Equal(got, want) {
		t.Error("radix order differs from the comparison sort")
	}
}
