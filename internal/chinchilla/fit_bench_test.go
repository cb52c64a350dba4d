package chinchilla

import (
	"syscall"
	"testing"
	"time"
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

// processCPU is the user+system CPU time of the whole process (all threads).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMetric runs the benchmark loop and also reports process CPU per op ("cpu-ns/op"):
// on a shared machine wall time includes other tenants, CPU time much less so.
func cpuMetric(b *testing.B, body func()) {
	b.ReportAllocs()
	c0 := processCPU()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkObjectiveValueGrad240: one objective + gradient on Epoch's 240 runs (goal ≤ 8 µs).
func BenchmarkObjectiveValueGrad240(b *testing.B) {
	p := benchA3Problem(b)
	g := make([]float64, 5)
	cpuMetric(b, func() { fitBenchSink += p.obj.ValueGrad(epochTheta, g) })
}

// BenchmarkObjectiveValue240: objective only (the default search screens 4,500 starts).
func BenchmarkObjectiveValue240(b *testing.B) {
	p := benchA3Problem(b)
	cpuMetric(b, func() { fitBenchSink += p.obj.Value(epochTheta) })
}

// BenchmarkObjectiveValueGradHess240: objective, gradient and 5x5 Hessian (one Newton pass).
func BenchmarkObjectiveValueGradHess240(b *testing.B) {
	p := benchA3Problem(b)
	g := make([]float64, 5)
	h := make([]float64, 25)
	cpuMetric(b, func() { fitBenchSink += p.obj.ValueGradHess(epochTheta, g, h) })
}

func benchFit(b *testing.B, opts FitOptions) {
	n, d, l := fitEpochData(b)
	cpuMetric(b, func() {
		r, err := Fit(n, d, l, opts)
		if err != nil {
			b.Fatal(err)
		}
		fitBenchSink += r.Objective
	})
}

// BenchmarkFitDefault: the default search on Epoch's 240 runs (goal ≲ 100 ms).
func BenchmarkFitDefault(b *testing.B) { benchFit(b, FitOptions{}) }

// BenchmarkFitFullGrid: all 4,500 of Hoffmann's starts (goal ≤ 1.6 s).
func BenchmarkFitFullGrid(b *testing.B) { benchFit(b, FitOptions{Starts: StartsFull}) }

// BenchmarkFitBootstrap4000: default fit plus Epoch's 4,000-resample bootstrap (goal
// ≤ 0.9 s on 2 cores).
func BenchmarkFitBootstrap4000(b *testing.B) { benchFit(b, FitOptions{Bootstrap: 4000, Seed: 42}) }
