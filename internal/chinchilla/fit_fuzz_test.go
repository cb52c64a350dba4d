package chinchilla

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// fuzzRuns decodes fuzz bytes into 0-12 runs with values in plausible but wild ranges:
// N in 1e5-1e13, D in 1e6-1e14, loss either from a law (with up to ±50% noise) or anywhere
// in 0.01-100 nats/token. The mode byte makes constant N, constant D, duplicated runs and
// a single tokens-per-param ratio or a narrow N range common instead of rare.
func fuzzRuns(data []byte) (n, d, loss []float64) {
	if len(data) < 2 {
		return nil, nil, nil
	}
	mode, count := data[0], int(data[1])%13
	data = data[2:]
	law := Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	u := func(b byte) float64 { return float64(b) / 255 }
	for i := 0; i < count && len(data) >= 3; i++ {
		b0, b1, b2 := data[0], data[1], data[2]
		data = data[3:]
		ni := math.Pow(10, 5+8*u(b0))
		di := math.Pow(10, 6+8*u(b1))
		switch mode % 6 {
		case 1: // constant N
			ni = 1e9
		case 2: // constant D
			di = 2e10
		case 3: // one tokens-per-param ratio
			di = 20 * ni
		case 4: // duplicates: every other run repeats the previous one
			if i%2 == 1 && len(n) > 0 {
				ni, di = n[len(n)-1], d[len(d)-1]
			}
		case 5: // a narrow N range, 100M-120M
			ni = 1e8 * (1 + 0.2*u(b0))
		}
		var li float64
		if mode&0x80 != 0 {
			li = math.Pow(10, -2+4*u(b2))
		} else {
			li = law.Loss(ni, di) * (1 + (u(b2)-0.5)*float64(mode&0x70)/0x70)
		}
		n, d, loss = append(n, ni), append(d, di), append(loss, li)
	}
	return n, d, loss
}

// FuzzFit: Fit may refuse a run set, but must not panic, and a result it returns must
// have finite parameters, objective and RMSE.
func FuzzFit(f *testing.F) {
	grid := func(mode byte, count, step int) []byte {
		b := []byte{mode, byte(count)}
		for i := 0; i < count; i++ {
			b = append(b, byte(i*step), byte(255-i*step), byte(i*37))
		}
		return b
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0})
	f.Add(grid(0, 12, 21))        // clean law, wide grid
	f.Add(grid(0x30, 12, 21))     // noisy law
	f.Add(grid(0x80, 12, 21))     // wild losses
	f.Add(grid(1, 8, 30))         // constant N
	f.Add(grid(2, 8, 30))         // constant D
	f.Add(grid(3, 10, 25))        // one tokens-per-param ratio
	f.Add(grid(4, 12, 20))        // duplicates
	f.Add(grid(0, 4, 60))         // too few runs
	f.Add(grid(0x70, 5, 1))       // tiny spread, heavy noise
	f.Add(grid(0xf5, 12, 255/11)) // wild and duplicated
	f.Add([]byte{0, 6, 0, 0, 0, 255, 255, 255, 0, 255, 0, 255, 0, 255, 128, 128, 128, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, d, loss := fuzzRuns(data)
		r, err := Fit(n, d, loss, FitOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if r == nil {
			t.Fatal("nil result and nil error")
		}
		bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
		l := r.Law
		if bad(l.E) || bad(l.A) || bad(l.B) || bad(l.Alpha) || bad(l.Beta) || bad(r.Objective) || bad(r.RMSE) {
			t.Fatalf("non-finite result for N=%g D=%g L=%g:\nlaw %+v objective %g RMSE %g converged %v (%s)",
				n, d, loss, l, r.Objective, r.RMSE, r.Converged, r.Status)
		}
	})
}

// TestFitRandomRunSets is FuzzFit's check on random run sets without the fuzzer's
// instrumentation (a Fit that falls back to the 4,500-start grid takes seconds under
// -fuzz): SCALEFIT_FIT_SWEEP=60s go test -run TestFitRandomRunSets ./internal/chinchilla
func TestFitRandomRunSets(t *testing.T) {
	dur, err := time.ParseDuration(os.Getenv("SCALEFIT_FIT_SWEEP"))
	if err != nil {
		t.Skip("set SCALEFIT_FIT_SWEEP to a duration such as 60s to run")
	}
	// Known case: Chinchilla's law on N 100M-120M x D 1B-30B with 1% noise.
	n := []float64{1e8, 1e8, 1e8, 1e8, 1.1e8, 1.1e8, 1.1e8, 1.1e8, 1.2e8, 1.2e8, 1.2e8, 1.2e8}
	d := []float64{1e9, 3e9, 1e10, 3e10, 1e9, 3e9, 1e10, 3e10, 1e9, 3e9, 1e10, 3e10}
	loss := []float64{3.746656, 3.375203, 3.133667, 2.914416, 3.666508, 3.336901, 3.049700, 2.874549, 3.599095, 3.321762, 3.063462, 2.887124}
	if r, err := Fit(n, d, loss, FitOptions{}); err == nil {
		if l := r.Law; math.IsInf(l.A, 0) || math.IsInf(l.B, 0) || math.IsNaN(l.E) || math.IsNaN(r.Objective) {
			t.Errorf("narrow N range: non-finite law %+v objective %g (%s)", l, r.Objective, r.Status)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	deadline := time.Now().Add(dur)
	i := 0
	defer func() { t.Logf("%d run sets", i) }()
	for ; time.Now().Before(deadline); i++ {
		data := make([]byte, 2+3*12)
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		data[1] = byte(5 + rng.UintN(8))
		n, d, loss := fuzzRuns(data)
		r, err := Fit(n, d, loss, FitOptions{})
		if err != nil {
			continue
		}
		bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
		l := r.Law
		if bad(l.E) || bad(l.A) || bad(l.B) || bad(l.Alpha) || bad(l.Beta) || bad(r.Objective) || bad(r.RMSE) {
			t.Errorf("set %d: non-finite result for input %q\nN=%g\nD=%g\nL=%g\nlaw %+v objective %g RMSE %g (%s)",
				i, data, n, d, loss, l, r.Objective, r.RMSE, r.Status)
		}
	}
}
