package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / (math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b))
}

// absUlps is the error in ulps of max(|b|, 1).
func absUlps(a, b float64) float64 {
	return math.Abs(a-b) / (math.Nextafter(math.Max(math.Abs(b), 1), math.Inf(1)) - math.Max(math.Abs(b), 1))
}

func TestFastMath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	worstE, worstL := 0.0, 0.0
	for i := 0; i < 200000; i++ {
		x := -r.Float64() * 40
		if i%10 == 0 {
			x = -r.Float64() * 708
		}
		worstE = math.Max(worstE, ulps(expNonPos(x), math.Exp(x)))
		s := 1 + 6.9*r.Float64()
		if i%4 == 0 {
			s = math.Exp(-600 + 1200*r.Float64())
		}
		worstL = math.Max(worstL, absUlps(logPos(s), math.Log(s)))
	}
	for _, s := range []float64{1, math.Nextafter(1, 2), math.Sqrt2, 2, math.Nextafter(2, 1), 2 * math.Sqrt2, 3, 4, 7.99} {
		worstL = math.Max(worstL, absUlps(logPos(s), math.Log(s)))
	}
	if expNonPos(0) != 1 || ulps(expNonPos(-708), math.Exp(-708)) > 4 || logPos(1) != 0 {
		t.Errorf("edge values: exp(0)=%v exp(-708)=%v log(1)=%v", expNonPos(0), expNonPos(-708), logPos(1))
	}
	if worstE > 4 || worstL > 2 {
		t.Errorf("worst error: exp %.2g ulp, log %.2g ulp; want ≤ 4 and ≤ 2 (of max(|ln s|, 1))", worstE, worstL)
	}
	t.Logf("worst: exp %.2g ulp, log %.2g ulp", worstE, worstL)
}

var fmSink float64

func BenchmarkExpNonPos(b *testing.B) {
	for b.Loop() {
		for i := range 240 {
			fmSink += expNonPos(-float64(i) / 10)
		}
	}
}

func BenchmarkMathExp(b *testing.B) {
	for b.Loop() {
		for i := range 240 {
			fmSink += math.Exp(-float64(i) / 10)
		}
	}
}

func BenchmarkLogPos(b *testing.B) {
	for b.Loop() {
		for i := range 240 {
			fmSink += logPos(1 + float64(i)/100)
		}
	}
}

func BenchmarkMathLog(b *testing.B) {
	for b.Loop() {
		for i := range 240 {
			fmSink += math.Log(1 + float64(i)/100)
		}
	}
}
