package fit

import "math"

// expNonPos returns e^x for x ≤ 0 (0 below −708): x = (64m + j) ln2/64 + r with
// |r| ≤ ln2/128, e^x = 2^m · 2^(j/64) · P5(r), a table of 64 powers of two and a
// degree-5 Taylor polynomial (error < 4e-17 on |r| ≤ 0.0055). Within 4 ulp of math.Exp
// (TestFastMath) and about twice as fast, which is most of the objective's cost.
func expNonPos(x float64) float64 {
	const (
		n     = 64
		ln2Hi = 6.93147180369123816490e-01 / n
		ln2Lo = 1.90821492927058770002e-10 / n
		invL  = n / math.Ln2
	)
	if x < -708 {
		return 0
	}
	k := int(x*invL - 0.5) // round to nearest (x ≤ 0)
	kf := float64(k)
	r := x - kf*ln2Hi - kf*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	t := exp2Table[k&(n-1)]
	return p * t * math.Float64frombits(uint64((k>>6)+1023)<<52)
}

// exp2Table[j] = 2^(j/64), read-only after package initialisation.
var exp2Table = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// logSmall returns ln s for 1 ≤ s ≤ 4 (a sum of at most MaxTerms softmax numerators),
// with FreeBSD's e_log.c polynomial (as Go's math.Log) and a range reduction that needs
// no Frexp: ≤ 1 ulp from math.Log (TestFastMath).
func logSmall(s float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	k := 0.0
	f1 := s
	if s > 2*math.Sqrt2 {
		f1, k = s*0.25, 2
	} else if s > math.Sqrt2 {
		f1, k = s*0.5, 1
	}
	f := f1 - 1
	z := f / (2 + f)
	z2 := z * z
	z4 := z2 * z2
	t1 := z2 * (l1 + z4*(l3+z4*(l5+z4*l7)))
	t2 := z4 * (l2 + z4*(l4+z4*l6))
	r := t1 + t2
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (z*(hfsq+r) + k*ln2Lo)) - f)
}
