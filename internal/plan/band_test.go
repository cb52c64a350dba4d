package plan

import (
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
)

// Draws that differ only in E: ln L̂ takes known values, so σ and the band are closed forms.
func TestBandKnownSpread(t *testing.T) {
	base := chinchilla.Law{E: 1.7, A: 400, B: 400, Alpha: 0.34, Beta: 0.28}
	n, d := 1e9, 2e10
	red := base.Loss(n, d) - base.E
	var draws []chinchilla.Law
	var lnL []float64
	for _, e := range []float64{1.6, 1.7, 1.8} {
		l := base
		l.E = e
		draws = append(draws, l)
		lnL = append(lnL, math.Log(e+red))
	}
	mean := (lnL[0] + lnL[1] + lnL[2]) / 3
	var ss float64
	for _, x := range lnL {
		ss += (x - mean) * (x - mean)
	}
	want := math.Sqrt(ss / 2)
	if got := LogSpread(draws, n, d); math.Abs(got-want) > 1e-15 {
		t.Errorf("LogSpread = %.17g, want %.17g", got, want)
	}
	pred := base.Loss(n, d)
	b := Band{K: 2, RMSE: 0.01, Draws: draws}
	sigma, half, beyond := b.At(n, d, pred, pred*math.Exp(2*math.Hypot(want, 0.01)*0.999))
	if math.Abs(sigma-math.Hypot(want, 0.01)) > 1e-15 || math.Abs(half-(math.Exp(2*sigma)-1)) > 1e-15 || beyond {
		t.Errorf("sigma band: σ %g, half-width %g, beyond %v", sigma, half, beyond)
	}
	if _, _, beyond := b.At(n, d, pred, pred*math.Exp(2*sigma*1.001)); !beyond {
		t.Error("a run just past 2σ is not beyond the band")
	}
	tol := Band{Tolerance: 0.03}
	if _, h, beyond := tol.At(n, d, 2, 2.06*0.9999); h != 0.03 || beyond {
		t.Errorf("3%% band: half-width %g, beyond %v at +2.997%%", h, beyond)
	}
	if _, _, beyond := tol.At(n, d, 2, 1.93); !beyond {
		t.Error("-3.5% is inside a 3% band")
	}
	if LogSpread(draws[:1], n, d) != 0 {
		t.Error("one draw: want 0")
	}
}

// A spread far below ln L̂ itself: the one-pass sum-of-squares formula check used before
// lost it to cancellation; two passes keep it.
func TestLogSpreadSmall(t *testing.T) {
	base := chinchilla.Law{E: 1.7, A: 400, B: 400, Alpha: 0.34, Beta: 0.28}
	n, d := 1e9, 2e10
	var draws []chinchilla.Law
	var lnL []float64
	for i := range 1000 {
		l := base
		l.E = 1.7 + 1e-9*float64(i%2)
		draws = append(draws, l)
		lnL = append(lnL, math.Log(l.Loss(n, d)))
	}
	mean := 0.0
	for _, x := range lnL {
		mean += x
	}
	mean /= 1000
	ss := 0.0
	for _, x := range lnL {
		ss += (x - mean) * (x - mean)
	}
	want := math.Sqrt(ss / 999)
	if got := LogSpread(draws, n, d); math.Abs(got/want-1) > 1e-6 {
		t.Errorf("LogSpread = %.6g, want %.6g", got, want)
	}
}
