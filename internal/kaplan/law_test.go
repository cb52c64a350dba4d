package kaplan

import (
	"math"
	"testing"
)

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// The published joint law's frontier: a = αD/(αN+αD) = 0.575 and 6.23B non-embedding
// parameters at 1e21 FLOPs (DESIGN.md §3).
func TestPublishedFrontier(t *testing.T) {
	l := Published
	if a := l.ExponentA(); math.Abs(a-0.575) > 0.0005 {
		t.Errorf("a = %.5f, want 0.575", a)
	}
	if a, b := l.ExponentA(), l.ExponentB(); math.Abs(a+b-1) > 1e-12 {
		t.Errorf("a + b = %v, want 1", a+b)
	}
	n, d, loss := l.Optimal(1e21)
	if !near(n, 6.23e9, 0.001) {
		t.Errorf("N_opt(1e21) = %.4g, want 6.23e9", n)
	}
	if !near(6*n*d, 1e21, 1e-12) {
		t.Errorf("6 N D = %.6g, want 1e21", 6*n*d)
	}
	if !near(loss, 2.136, 0.001) {
		t.Errorf("loss at the frontier = %.4f, want 2.136", loss)
	}
	mn, md := l.MultiplierPer10x()
	if !near(mn, 3.76, 0.002) || !near(md, 2.66, 0.002) {
		t.Errorf("10x compute: %.3fx N, %.3fx D; want 3.76x, 2.66x", mn, md)
	}
}

// The closed form must be the minimum of L over N at fixed C = 6ND: check it against a
// fine scan in ln N, for laws with different exponent ratios.
func TestFrontierIsMinimum(t *testing.T) {
	laws := []Law{
		Published,
		{Nc: 1e14, Dc: 5e13, AlphaN: 0.34, AlphaD: 0.28},
		{Nc: 3e12, Dc: 2e12, AlphaN: 0.05, AlphaD: 0.2},
	}
	for _, l := range laws {
		for _, c := range []float64{1e18, 1e21, 1e25} {
			nOpt := l.NOpt(c)
			best, bestN := math.Inf(1), 0.0
			for x := math.Log(nOpt) - 3; x <= math.Log(nOpt)+3; x += 1e-4 {
				n := math.Exp(x)
				if v := l.Loss(n, c/(6*n)); v < best {
					best, bestN = v, n
				}
			}
			if !near(bestN, nOpt, 2e-4) {
				t.Errorf("%+v at %g FLOPs: scan minimum at N = %.5g, closed form %.5g", l, c, bestN, nOpt)
			}
			if !near(l.DOpt(c), c/(6*nOpt), 1e-10) {
				t.Errorf("%+v: D_opt %.6g != C/(6 N_opt) %.6g", l, l.DOpt(c), c/(6*nOpt))
			}
			c2, _ := l.ComputeForParams(nOpt)
			if !near(c2, c, 1e-9) {
				t.Errorf("%+v: ComputeForParams(N_opt(%g)) = %g", l, c, c2)
			}
		}
	}
}

// The joint law reduces to the single-variable forms in their limits: L(N, ∞) = (Nc/N)^αN
// and L(∞, D) = (Dc/D)^αD.
func TestJointLimits(t *testing.T) {
	l := Published
	n := 1e9
	if got, want := l.Loss(n, math.Inf(1)), (NLaw{Nc: l.Nc, AlphaN: l.AlphaN}).Loss(n); !near(got, want, 1e-12) {
		t.Errorf("L(N, inf) = %v, want %v", got, want)
	}
	d := 1e10
	if got, want := l.Loss(math.Inf(1), d), (DLaw{Dc: l.Dc, AlphaD: l.AlphaD}).Loss(d); !near(got, want, 1e-12) {
		t.Errorf("L(inf, D) = %v, want %v", got, want)
	}
}

func TestSingleVariableLaws(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		// (8.8e13/1e9)^0.076 = exp(0.076 ln 88000)
		{"L(N=1e9)", PublishedN.Loss(1e9), math.Exp(0.076 * math.Log(8.8e4))},
		{"L(D=1e10)", PublishedD.Loss(1e10), math.Exp(0.095 * math.Log(5.4e3))},
		{"L(N) with E", NLaw{Nc: 1e10, AlphaN: 0.5, E: 1.5}.Loss(1e8), 1.5 + 10},
		{"L(D) with E", DLaw{Dc: 4e10, AlphaD: 0.5, E: 1.7}.Loss(1e10), 1.7 + 2},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want, 1e-12) {
			t.Errorf("%s = %.10g, want %.10g", tt.name, tt.got, tt.want)
		}
	}
	if got := PublishedN.Loss(1e9); !near(got, 2.376, 0.001) {
		t.Errorf("published L(N=1e9) = %.4f, want 2.376", got)
	}
}
