package plot

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/runs"
)

// D2: figures of runs whose ranges underflow to 0 or overflow to +Inf (params 5e-324;
// params 1e155 with tokens 1e150 and an explicit flops column) come back, drawn or refused
// (before the fix the contour's iso-FLOP loop and the tickers spun forever).
func TestExtremeRangesTerminate(t *testing.T) {
	l := &chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	mk := func(n, d, c float64) []runs.Run {
		var rs []runs.Run
		for i := 0; i < 12; i++ {
			f := 1 + float64(i)/10
			rs = append(rs, runs.Run{Params: n * f, Tokens: d * f, FLOPs: c * f * f, Loss: 2 + float64(i)/20})
		}
		return rs
	}
	for name, rs := range map[string][]runs.Run{
		"denormal params": mk(5e-324, 1e9, 1e-300),
		"1e155 params":    mk(1e155, 1e150, 6e305),
		"huge flops":      mk(1e9, 1e10, 1e308),
		"mixed":           append(mk(5e-324, 1e-300, 1e-320), mk(1e300, 1e300, 1e308)...),
	} {
		for _, grouped := range []bool{false, true} {
			in := &Input{Runs: rs, Law: l, Grouped: grouped}
			for _, k := range []Kind{KindContour, KindResiduals, KindLoss, KindFrontier} {
				t.Run(fmt.Sprintf("%s/%s/grouped=%v", name, k, grouped), func(t *testing.T) {
					if _, err := Build(k, in); !IsUnsupported(err) {
						t.Errorf("Build: %v, want the figure refused", err)
					}
				})
			}
			// The figure functions themselves, past Build's check: bounded loops, and a
			// drawing error rather than a panic.
			for k, fig := range map[Kind]func(*Input) (*Figure, error){KindContour: contourFigure, KindResiduals: residualsFigure, KindLoss: lossFigure} {
				if f, err := fig(in); err == nil {
					f.WriteTo(io.Discard, "svg")
				} else {
					t.Logf("%s %s: %v", name, k, err)
				}
			}
		}
	}
}

// D2: tickers over infinite or precision-starved ranges return a bounded set of ticks.
func TestTickersBounded(t *testing.T) {
	for _, r := range [][2]float64{{1, math.Inf(1)}, {5e-324, 1e308}, {0, math.Inf(1)}, {1e17, 1e17 + 100}, {1e300, math.MaxFloat64}, {math.Inf(-1), math.Inf(1)}, {-1e308, 1e308}} {
		lt := logTicker{q: Counts}.Ticks(r[0], r[1])
		st := lossTicker{q: Loss}.Ticks(r[0], r[1])
		if len(lt) > maxTicks || len(st) > maxTicks {
			t.Errorf("ticks over %v: %d log, %d linear", r, len(lt), len(st))
		}
	}
}

// D3: the residuals figure of grouped runs costs memory linear in the runs (it rescanned
// every run for each run's colour: 12k rows took 30 s). Bytes allocated for 2n runs stay
// near twice those for n, not four times.
func TestResidualsLinearInRows(t *testing.T) {
	l := &chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	alloc := func(n int) uint64 {
		rs := make([]runs.Run, n)
		for i := range rs {
			p, d := 1e8*math.Pow(100, float64(i%97)/97), 1e9*math.Pow(100, float64(i%89)/89)
			rs[i] = runs.Run{Params: p, Tokens: d, FLOPs: 6 * p * d, Loss: l.Loss(p, d) * (1 + 0.01*math.Sin(float64(i))), Group: fmt.Sprintf("g%d", i%200)}
		}
		in := &Input{Runs: rs, Law: l, Grouped: true}
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		if _, err := residualsFigure(in); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	small, big := alloc(3000), alloc(6000)
	if r := float64(big) / float64(small); r > 3 {
		t.Errorf("residuals figure: %d bytes for 3000 runs, %d for 6000 (x%.1f): quadratic in rows", small, big, r)
	}
}

func BenchmarkResidualsGrouped12k(b *testing.B) {
	l := &chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	rs := make([]runs.Run, 12000)
	for i := range rs {
		p, d := 1e8*math.Pow(100, float64(i%97)/97), 1e9*math.Pow(100, float64(i%89)/89)
		rs[i] = runs.Run{Params: p, Tokens: d, FLOPs: 6 * p * d, Loss: l.Loss(p, d), Group: fmt.Sprintf("g%d", i%200)}
	}
	in := &Input{Runs: rs, Law: l, Grouped: true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := residualsFigure(in); err != nil {
			b.Fatal(err)
		}
	}
}
