package fit_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/synth"
)

// objective builds the Approach-3 objective (Huber 1e-3 on log-loss, Chinchilla's terms) on
// a flat sweep of n runs of synth.Example, and the law's own θ as the point to evaluate.
func objective(b *testing.B, n int) (*fit.LSE, []float64) {
	rs := synth.FlatSweep(synth.Example, n, 0.01, 1)
	lnN, lnD, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, r := range rs {
		lnN[i], lnD[i], y[i] = math.Log(r.Params), math.Log(r.Tokens), math.Log(r.Loss)
	}
	tN, tD, tE := chinchilla.Terms(lnN, lnD)
	o, err := fit.NewLSE(y, []fit.Term{tN, tD, tE}, chinchilla.ThDim, fit.Loss{}, fit.Mapping{})
	if err != nil {
		b.Fatal(err)
	}
	l := synth.Example
	return o, []float64{math.Log(l.A), math.Log(l.B), math.Log(l.E), l.Alpha, l.Beta}
}

var sink float64

// BenchmarkObjective: one pass of the Approach-3 objective over n runs, alone (Value), with
// the gradient and with the 5x5 Hessian (one Newton iteration); ns/row is the cost per run
// (issue 31's goal: <= 12 ns per row for the objective); cpu-ns/row is the same in CPU
// time, steadier on a shared machine.
//
//	go test ./internal/fit -run '^$' -bench Objective -benchmem -count 10 > new.txt; benchstat old.txt new.txt
func BenchmarkObjective(b *testing.B) {
	for _, n := range []int{240, 240_000} {
		o, th := objective(b, n)
		g, h := make([]float64, 5), make([]float64, 25)
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"Value", func() { sink += o.Value(th) }},
			{"ValueGrad", func() { sink += o.ValueGrad(th, g) }},
			{"ValueGradHess", func() { sink += o.ValueGradHess(th, g, h) }},
		} {
			b.Run(fmt.Sprintf("%s/rows=%d", c.name, n), func(b *testing.B) {
				b.ReportAllocs()
				c0 := cpuTime()
				for b.Loop() {
					c.f()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/row")
			})
		}
	}
}
