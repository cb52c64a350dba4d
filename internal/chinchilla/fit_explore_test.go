//go:build fitexplore

// Measurements behind the method and search choices (go test -tags fitexplore;
// gonum/optimize's Newton, BFGS and LBFGS are compared with this package's Newton).

package chinchilla

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/scalefit/scalefit/internal/fit"
)

func TestExploreFull(t *testing.T) {
	n, d, l := fitEpochData(t)
	for _, m := range []fit.Method{fit.Newton, fit.GonumNewton, fit.GonumBFGS, fit.GonumLBFGS} {
		p, err := newA3Problem(n, d, l, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		ms, err := fit.MultiStart(p.obj, reduceStarts(p.m, HoffmannGrid()), fit.MultiStartOptions{LocalOptions: fit.LocalOptions{Method: m}})
		if err != nil {
			t.Log(m, err)
			continue
		}
		th := p.obj.FullParams(ms.X)
		t.Logf("%v: %v f=%.10g law=%+v conv=%v %v g=%.3g starts=%d atbest=%d evals=%d (%.1f/start)", m, time.Since(t0), ms.F, LawFromTheta(th), ms.Converged, ms.Status, ms.GradNorm, ms.Starts, ms.StartsAtBest, ms.Evaluations, float64(ms.Evaluations)/float64(ms.Starts))
	}
}

func TestExploreNewtonStarts(t *testing.T) {
	n, d, l := fitEpochData(t)
	p, _ := newA3Problem(n, d, l, FitOptions{})
	starts := reduceStarts(p.m, HoffmannGrid())
	t0 := time.Now()
	ms, _ := fit.MultiStart(p.obj, starts, fit.MultiStartOptions{})
	t.Logf("%v f=%.12g conv=%v %v g=%.3g atbest=%d evals=%d", time.Since(t0), ms.F, ms.Converged, ms.Status, ms.GradNorm, ms.StartsAtBest, ms.Evaluations)
	// screening value at start vs final
	type st struct {
		f0, f float64
		ev    int
		i     int
	}
	var s []st
	for i, x := range starts {
		s = append(s, st{p.obj.Value(x), ms.Objectives[i], ms.Evals[i], i})
	}
	sort.Slice(s, func(a, b int) bool { return s[a].f0 < s[b].f0 })
	hist := map[int]int{}
	atBestEv := 0
	for _, v := range s {
		hist[min(v.ev/25, 12)]++
		if v.f <= ms.F*(1+1e-6) {
			atBestEv += v.ev
		}
	}
	t.Logf("evals hist (/25): %v; mean evals of at-best starts %.1f", hist, float64(atBestEv)/float64(ms.StartsAtBest))
	for r, v := range s[:40] {
		t.Logf("rank %d start %v f0=%.4g final=%.10g (rel %.2g) evals=%d", r, starts[v.i], v.f0, v.f, v.f/ms.F-1, v.ev)
	}
}

func fitThreadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestExploreEvalCPU(t *testing.T) {
	n, d, l := fitEpochData(t)
	p, _ := newA3Problem(n, d, l, FitOptions{})
	g := make([]float64, 5)
	h := make([]float64, 25)
	gn := make([]float64, 25)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"value", func() { fitBenchSink += p.obj.Value(epochTheta) }},
		{"value+grad", func() { fitBenchSink += p.obj.ValueGrad(epochTheta, g) }},
		{"value+grad+hess", func() { fitBenchSink += p.obj.ValueGradHess(epochTheta, g, h) }},
		{"gauss-newton", func() { p.obj.GaussNewton(epochTheta, gn) }},
	} {
		t0 := fitThreadCPU()
		for range 20000 {
			c.f()
		}
		t.Logf("%s: %v", c.name, (fitThreadCPU()-t0)/20000)
	}
}

func TestExploreBootGuard(t *testing.T) {
	n, d, l := fitEpochData(t)
	for _, g := range []float64{math.Inf(1), 2} {
		t0 := time.Now()
		r, err := Fit(n, d, l, FitOptions{Bootstrap: 4000, Seed: 42, bootGuard: g})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("guard %v: %v switched %d failed %d E %+v alpha %+v beta %+v", g, time.Since(t0), r.bootSwitched, r.BootstrapFailed, r.Intervals["E"], r.Intervals["alpha"], r.Intervals["beta"])
	}
}

func TestExploreFullSettings(t *testing.T) {
	n, d, l := fitEpochData(t)
	p, _ := newA3Problem(n, d, l, FitOptions{})
	starts := reduceStarts(p.m, HoffmannGrid())
	for _, lo := range []fit.LocalOptions{{StallRelTol: 1e-4, FuncEvaluations: 150}, {StallRelTol: 1e-4, FuncEvaluations: 100}, {StallRelTol: 1e-3, FuncEvaluations: 150}, {StallRelTol: 1e-3, FuncEvaluations: 100}, {StallRelTol: 1e-3, FuncEvaluations: 80}} {
		c0 := processCPU()
		ms, _ := fit.MultiStart(p.obj, starts, fit.MultiStartOptions{LocalOptions: lo})
		t.Logf("%+v: cpu %v f=%.12g conv=%v atbest=%d evals=%d", lo, processCPU()-c0, ms.F, ms.Converged, ms.StartsAtBest, ms.Evaluations)
	}
}

// TestExploreMethods compares the local methods on every 10th grid start (450 starts)
// of Epoch's data: evaluations per start, CPU, and starts reaching the optimum.
func TestExploreMethods(t *testing.T) {
	n, d, l := fitEpochData(t)
	p, _ := newA3Problem(n, d, l, FitOptions{})
	all := reduceStarts(p.m, HoffmannGrid())
	var starts [][]float64
	for i := 0; i < len(all); i += 10 {
		starts = append(starts, all[i])
	}
	for _, m := range []fit.Method{fit.Newton, fit.GonumNewton, fit.GonumBFGS, fit.GonumLBFGS} {
		for _, thr := range []float64{1e-8, 1e-10} {
			c0 := processCPU()
			ms, err := fit.MultiStart(p.obj, starts, fit.MultiStartOptions{LocalOptions: fit.LocalOptions{Method: m, GradientThreshold: thr, FuncEvaluations: 3000}})
			if err != nil {
				t.Logf("%v: %v", m, err)
				continue
			}
			conv := 0
			for i, f := range ms.Objectives {
				_ = i
				if fit.WithinBest(f, 1.0182740178e-3, 1e-6) {
					conv++
				}
			}
			t.Logf("%-13v thr %.0e: cpu %8v  evals/start %6.1f  at optimum %3d/%d  winner %v grad %.2g", m, thr, (processCPU() - c0).Round(time.Millisecond), float64(ms.Evaluations)/float64(len(starts)), conv, len(starts), ms.Status, ms.GradNorm)
		}
	}
}

// TestExploreSlowInputs times Fit on random small run sets (fuzzRuns) and reports the
// slowest.
func TestExploreSlowInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 1))
	type slow struct {
		d    time.Duration
		data []byte
		r    *FitResult
	}
	var worst []slow
	for i := 0; i < 3000; i++ {
		data := make([]byte, 2+3*12)
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		data[1] = byte(5 + rng.UintN(8))
		n, d, loss := fuzzRuns(data)
		t0 := time.Now()
		r, err := Fit(n, d, loss, FitOptions{})
		el := time.Since(t0)
		if err != nil {
			continue
		}
		worst = append(worst, slow{el, data, r})
		sort.Slice(worst, func(a, b int) bool { return worst[a].d > worst[b].d })
		if len(worst) > 5 {
			worst = worst[:5]
		}
	}
	for _, w := range worst {
		t.Logf("%v starts %d evals %d status %s law %+v data %v", w.d, w.r.Starts, w.r.Evaluations, w.r.Status, w.r.Law, w.data)
	}
}
