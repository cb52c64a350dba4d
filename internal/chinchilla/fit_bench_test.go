package chinchilla

import (
	"testing"
)

var fitBenchSink float64

// epochTheta is the Epoch grid optimum θ = (a, b, e, α, β) (REFERENCES.md §1.2).
var epochTheta = []float64{6.169, 7.670, 0.5972, 0.3473, 0.3672}

func benchA3Problem(b *testing.B) *a3Problem {
	n, d, l := fitEpochData(b)
	p, err := newA3Problem(n, d, l, FitOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkObjectiveValueGrad240: one objective + gradient on Epoch's 240 runs (goal ≤ 8 µs).
func BenchmarkObjectiveValueGrad240(b *testing.B) {
	p := benchA3Problem(b)
	g := make([]float64, 5)
	b.ReportAllocs()
	for b.Loop() {
		fitBenchSink += p.obj.ValueGrad(epochTheta, g)
	}
}

// BenchmarkObjectiveValue240: objective only.
func BenchmarkObjectiveValue240(b *testing.B) {
	p := benchA3Problem(b)
	b.ReportAllocs()
	for b.Loop() {
		fitBenchSink += p.obj.Value(epochTheta)
	}
}

// BenchmarkObjectiveValueGradHess240: objective, gradient and 5x5 Hessian (one Newton pass).
func BenchmarkObjectiveValueGradHess240(b *testing.B) {
	p := benchA3Problem(b)
	g := make([]float64, 5)
	h := make([]float64, 25)
	b.ReportAllocs()
	for b.Loop() {
		fitBenchSink += p.obj.ValueGradHess(epochTheta, g, h)
	}
}
