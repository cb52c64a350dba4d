package chinchilla

import (
	"math"
	"testing"
)

// fuzzRuns decodes fuzz bytes into 0-12 runs with values in plausible but wild ranges:
// N in 1e5-1e13, D in 1e6-1e14, loss either from a law (with up to ±50% noise) or anywhere
// in 0.01-100 nats/token. The mode byte makes constant N, constant D, duplicated runs and
// a single tokens-per-param ratio common instead of rare.
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
