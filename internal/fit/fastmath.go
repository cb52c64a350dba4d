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

// logPos returns ln s for a normal positive s (in the objective, a sum of at most
// MaxTerms softmax numerators, or of exponentiated terms): s = 2^k·m with m in [1, 2), m = c_j(1 + r) with c_j = 1 + j/128 from the
// top 7 mantissa bits and 0 ≤ r < 1/128, ln s = k ln2 + ln c_j + ln(1 + r) with a
// degree-7 series (truncation < 3e-17). No division. The absolute error is below
// 3e-16 (the rounding of 1/c_j): ≤ 2 ulp of max(ln s, 1), which is what matters where
// ln s is added to the O(1) largest term of a log-sum-exp, or is itself O(1)
// (TestFastMath).
func logPos(s float64) float64 {
	b := math.Float64bits(s)
	k := int(b>>52) - 1023
	j := (b >> 45) & 127
	m := math.Float64frombits(b&(1<<52-1) | 1023<<52)
	r := m*logInvTable[j] - 1
	p := r * (1 - r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5-r*(1.0/6-r*(1.0/7)))))))
	return float64(k)*math.Ln2 + logTable[j] + p
}

// logTable[j] = ln(1 + j/128) and logInvTable[j] = 1/(1 + j/128), read-only after
// package initialisation.
var logTable, logInvTable = func() (l, inv [128]float64) {
	for j := range l {
		c := 1 + float64(j)/128
		l[j], inv[j] = math.Log(c), 1/c
	}
	return l, inv
}()
