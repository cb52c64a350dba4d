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

// Above SubsampleAbove runs the starts come from a subsample and are refined on every run:
// on 20,000 runs of a known law the fit recovers it (to 1%), and the result is the same
// bits whatever the order of the runs and the number of workers.
func TestFitSubsampledRecoversLaw(t *testing.T) {
	const n = 20_000
	_, params, tokens, loss := flatSweep(n)
	ref, err := chinchilla.Fit(params, tokens, loss, chinchilla.FitOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	l, want := ref.Law, synth.Example
	for _, c := range [][2]float64{{l.E, want.E}, {l.Alpha, want.Alpha}, {l.Beta, want.Beta}, {l.ExponentA(), want.ExponentA()}} {
		if d := c[0]/c[1] - 1; d > 0.01 || d < -0.01 {
			t.Errorf("fitted %+v, true %+v", l, want)
			break
		}
	}
	if !ref.Converged {
		t.Errorf("not converged: %s", ref.Status)
	}
	// reversed order, four workers
	rev := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[len(v)-1-i] = x
		}
		return out
	}
	got, err := chinchilla.Fit(rev(params), rev(tokens), rev(loss), chinchilla.FitOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got.Theta != ref.Theta || got.Objective != ref.Objective || got.Starts != ref.Starts || got.StartsAtBest != ref.StartsAtBest {
		t.Errorf("reversed rows, 4 workers: θ %v (objective %v, %d/%d starts), want %v (%v, %d/%d)",
			got.Theta, got.Objective, got.StartsAtBest, got.Starts, ref.Theta, ref.Objective, ref.StartsAtBest, ref.Starts)
	}
}
