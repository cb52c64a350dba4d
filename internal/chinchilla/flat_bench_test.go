package chinchilla_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/synth"
)

// flatSweep returns n one-point runs of synth.Example (synth.FlatSweep, 1% noise, seed 1).
func flatSweep(n int) (pts []chinchilla.Point, params, tokens, loss []float64) {
	for _, r := range synth.FlatSweep(synth.Example, n, 0.01, 1) {
		pts = append(pts, chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Budget: r.Budget, Loss: r.Loss})
		params, tokens, loss = append(params, r.Params), append(tokens, r.Tokens), append(loss, r.Loss)
	}
	return
}

// BenchmarkFlat: Approach 3 (the default search: starts on a 1,024-run subsample, refined on
// every run) and Approach 2 on flat sweeps of 24,000 and 240,000 one-point runs; ns/run is
// the cost per run (issue 31: fits linear in the runs with a small constant).
//
//	go test ./internal/chinchilla -run '^$' -bench Flat -benchmem
func BenchmarkFlat(b *testing.B) {
	for _, n := range []int{24_000, 240_000} {
		pts, params, tokens, loss := flatSweep(n)
		b.Run(fmt.Sprintf("Approach3/runs=%d", n), func(b *testing.B) {
			perRun(b, n, func() {
				if _, err := chinchilla.Fit(params, tokens, loss, chinchilla.FitOptions{}); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(fmt.Sprintf("Approach2/runs=%d", n), func(b *testing.B) {
			perRun(b, n, func() {
				if _, err := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// perRun runs body in the benchmark loop and reports wall and CPU time per run (CPU time:
// user + system of the whole process, steadier on a shared machine).
func perRun(b *testing.B, n int, body func()) {
	b.ReportAllocs()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c0 := cpu()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/run")
	b.ReportMetric(float64((cpu()-c0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/run")
}
