package stats

import (
	"math"
	"testing"
)

// Brent's method finds closed-form minima to its tolerance, smooth ones in far fewer
// evaluations than golden-section search needs (about 30 for a bracket of 3 to 1e-6), a
// kink by its golden-section steps.
func TestBrent(t *testing.T) {
	for _, tt := range []struct {
		name    string
		f       func(float64) float64
		a, b    float64
		want    float64
		maxEval int
	}{
		{"parabola", func(x float64) float64 { return (x-0.3)*(x-0.3) + 1 }, -1, 2, 0.3, 12},
		{"cosh", func(x float64) float64 { return math.Cosh(x - 1.7) }, -1, 2, 1.7, 20},
		{"x ln x", func(x float64) float64 { return x * math.Log(x) }, 0.01, 2, 1 / math.E, 20},
		{"kink", func(x float64) float64 { return math.Abs(x + 0.4) }, -1, 2, -0.4, 45},
	} {
		n := 0
		f := func(x float64) float64 { n++; return tt.f(x) }
		got, fgot := Brent(f, tt.a, tt.b, 0.5, f(0.5), 1e-6)
		if math.Abs(got-tt.want) > 4e-6 {
			t.Errorf("%s: minimum at %g, want %g", tt.name, got, tt.want)
		}
		if fgot != tt.f(got) {
			t.Errorf("%s: f(%g) = %g, returned %g", tt.name, got, tt.f(got), fgot)
		}
		if n > tt.maxEval {
			t.Errorf("%s: %d evaluations, want at most %d", tt.name, n, tt.maxEval)
		}
	}
}

// A start outside the open bracket is replaced by the golden point, and the minimum is
// still found.
func TestBrentStartAtEnd(t *testing.T) {
	f := func(x float64) float64 { return (x - 2.5) * (x - 2.5) }
	if x, _ := Brent(f, 2, 4, 2, f(2), 1e-9); math.Abs(x-2.5) > 4e-9 {
		t.Errorf("x %g, want 2.5", x)
	}
}

// MinimizeGrid: smooth minima to the tolerance (within the √ε·|x| rounding limit of a flat
// minimum), kinks and flat stretches that would mislead a bare bracketing search, a second
// local minimum that is not the global one, minima at the ends, and +Inf where f is undefined.
func TestMinimizeGrid(t *testing.T) {
	for _, tt := range []struct {
		name     string
		f        func(float64) float64
		lo, hi   float64
		n        int
		want, at float64 // want: the minimiser; at: its tolerance
	}{
		// a kink beside a flat stretch: golden-section alone from [−5, 5] can be misled
		{"kink+flat", func(x float64) float64 {
			if x > 2 {
				return 10
			}
			return math.Abs(x - 0.3)
		}, -5, 5, 100, 0.3, 1e-11},
		// the compute-optimal N of a Chinchilla law at 1e21 FLOPs, in ln N: closed form
		// N_opt = G (C/6)^a with G = (αA/(βB))^(1/(α+β)), a = β/(α+β)
		{"chinchilla N_opt", func(x float64) float64 {
			n := math.Exp(x)
			return 1.69 + 406.4/math.Pow(n, 0.34) + 410.7/math.Pow(1e21/(6*n), 0.28)
		}, math.Log(1e6), math.Log(1e13), 800,
			math.Log(math.Pow(0.34*406.4/(0.28*410.7), 1/0.62)) + 0.28/0.62*math.Log(1e21/6), 1e-7},
		{"two minima", func(x float64) float64 { return (x*x-1)*(x*x-1) + 0.3*x }, -3, 3, 60,
			-1.035578714088854, 1e-7}, // root of 4x³ − 4x + 0.3 near −1 (bisection)
		{"minimum at lo", func(x float64) float64 { return math.Exp(x) }, -1, 1, 10, -1, 0},
		{"minimum at hi", func(x float64) float64 { return -x }, -1, 1, 10, 1, 0},
		{"+Inf below 0.5", func(x float64) float64 {
			if x < 0.5 {
				return math.Inf(1)
			}
			return (x - 0.7) * (x - 0.7)
		}, 0, 1, 10, 0.7, 1e-7},
	} {
		x, fx := MinimizeGrid(tt.f, tt.lo, tt.hi, tt.n)
		if math.Abs(x-tt.want) > tt.at {
			t.Errorf("%s: x %.15g, want %.15g ± %g", tt.name, x, tt.want, tt.at)
		}
		if fx != tt.f(x) {
			t.Errorf("%s: f(%g) = %g, returned %g", tt.name, x, tt.f(x), fx)
		}
	}
}

func BenchmarkMinimizeGrid(b *testing.B) {
	f := func(x float64) float64 {
		n := math.Exp(x)
		return 1.69 + 406.4/math.Pow(n, 0.34) + 410.7/math.Pow(1e21/(6*n), 0.28)
	}
	for b.Loop() {
		MinimizeGrid(f, math.Log(1e6), math.Log(1e13), 800)
	}
}

func TestCentralInf(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		v      []float64
		lo, hi float64
	}{
		{[]float64{1, 2, 3, 4, 5}, 1.1, 4.9},
		{[]float64{1, 2, 3, 4, inf}, 1.1, inf},
		{[]float64{0, 1, 1, 1, 1}, 0.1, 1},
	} {
		iv := CentralInf(tt.v, 0.95)
		if math.Abs(iv.Lo-tt.lo) > 1e-12 || (iv.Hi != tt.hi && math.Abs(iv.Hi-tt.hi) > 1e-12) {
			t.Errorf("CentralInf(%v) = %+v, want [%g, %g]", tt.v, iv, tt.lo, tt.hi)
		}
	}
}
