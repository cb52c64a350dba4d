package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantileMatchesNumpy(t *testing.T) {
	v := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	// numpy.percentile(v, [0, 2.5, 25, 50, 97.5, 100]) (method 'linear')
	want := map[float64]float64{0: 1, 0.025: 1, 0.25: 1.75, 0.5: 3.5, 0.975: 8.475, 1: 9}
	for q, w := range want {
		if got := Quantile(v, q); math.Abs(got-w) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", q, got, w)
		}
	}
	iv, ok := Central(v, 0.95)
	if !ok || iv.Lo != 1 || math.Abs(iv.Hi-8.475) > 1e-12 {
		t.Errorf("interval %+v, %v", iv, ok)
	}
	if !slices.Equal(v, []float64{3, 1, 4, 1, 5, 9, 2, 6}) {
		t.Error("input modified")
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("empty: want NaN")
	}
	// Non-finite values are dropped; nothing finite is no interval.
	if iv, ok := Central([]float64{math.NaN(), 2, math.Inf(1), 4}, 0.5); !ok || iv.Lo != 2.5 || iv.Hi != 3.5 {
		t.Errorf("with non-finite values: %+v %v, want [2.5, 3.5]", iv, ok)
	}
	if _, ok := Central([]float64{math.NaN()}, 0.95); ok {
		t.Error("no finite value: want !ok")
	}
	if !(Interval{1, 2}).Contains(2) || (Interval{1, 2}).Contains(2.1) {
		t.Error("Contains")
	}
}

func TestReplicatesDeterministic(t *testing.T) {
	c1 := Counts(rand.New(rand.NewPCG(42, 3)), 50)
	if !slices.Equal(c1, Counts(rand.New(rand.NewPCG(42, 3)), 50)) || slices.Equal(c1, Counts(rand.New(rand.NewPCG(42, 4)), 50)) {
		t.Error("counts not a function of (seed, k)")
	}
	sum := 0
	for _, c := range c1 {
		sum += c
	}
	if sum != 50 {
		t.Errorf("counts sum to %d, want 50", sum)
	}
	var ref []int
	for _, w := range []int{1, 3} {
		got := Replicates(40, BootstrapOptions{Seed: 9, Workers: w, Progress: func(done, total int) {
			if total != 40 || done < 1 || done > 40 {
				t.Errorf("progress %d/%d", done, total)
			}
		}}, func(k int, rng *rand.Rand) int {
			s := k * 1000
			for i, c := range Counts(rng, 30) {
				s += i * c
			}
			return s
		})
		if ref == nil {
			ref = got
		} else if !slices.Equal(ref, got) {
			t.Errorf("workers %d: draws differ", w)
		}
	}
	// Replicate k draws from PCG(seed, k): the same counts as drawing them directly.
	direct := Counts(rand.New(rand.NewPCG(9, 7)), 30)
	s := 7000
	for i, c := range direct {
		s += i * c
	}
	if ref[7] != s {
		t.Errorf("replicate 7 = %d, want %d from PCG(9, 7)", ref[7], s)
	}
}

func TestParabolaRecoversQuadratic(t *testing.T) {
	// y = 2 − 3x + 0.5x² sampled exactly: the fit must return it (in centred form).
	xs := []float64{-1, 0, 1.5, 2, 4, 7}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 2 - 3*x + 0.5*x*x
	}
	c0, c1, c2, m := Parabola(xs, ys)
	for _, x := range []float64{-3, 0.25, 5} {
		u := x - m
		if got, want := c0+c1*u+c2*u*u, 2-3*x+0.5*x*x; math.Abs(got-want) > 1e-9 {
			t.Errorf("at %g: %g, want %g", x, got, want)
		}
	}
	if vertex := m - c1/(2*c2); math.Abs(vertex-3) > 1e-9 {
		t.Errorf("vertex %g, want 3", vertex)
	}
	if c0, _, _, _ := Parabola([]float64{1, 2}, []float64{1, 2}); !math.IsNaN(c0) {
		t.Error("two points: want NaN")
	}
}

// Order sorts ascending, ties in index order, NaN (a failed evaluation) last.
func TestOrder(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		v    []float64
		want []int
	}{
		{nil, []int{}},
		{[]float64{3, 1, 2}, []int{1, 2, 0}},
		{[]float64{nan, 2, 1, nan, 1, math.Inf(1), math.Inf(-1)}, []int{6, 2, 4, 1, 5, 0, 3}},
	} {
		if got := Order(tt.v); !slices.Equal(got, tt.want) {
			t.Errorf("Order(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
