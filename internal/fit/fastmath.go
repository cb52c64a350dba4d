package fit

import "math"

// expNonPos returns e^x for −708 ≤ x ≤ 0 (callers clamp: below −708 the result would
// not be a normal number): x = (64m + j) ln2/64 + r with |r| ≤ ln2/128,
// e^x = 2^m · 2^(j/64) · P5(r), a table of 64 powers of two and a degree-5 Taylor
// polynomial (error < 4e-17 on |r| ≤ 0.0055). Within 4 ulp of math.Exp (TestFastMath),
// and small enough for the compiler to inline, which with logPos halves the cost of the
// objective.
func expNonPos(x float64) float64 {
	k := int(x*(64/math.Ln2) - 0.5) // round to nearest (x ≤ 0)
	kf := float64(k)
	r := x - kf*(6.93147180369123816490e-01/64) - kf*(1.90821492927058770002e-10/64)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * math.Float64frombits(math.Float64bits(exp2Table[k&63])+uint64(k>>6)<<52)
}

// exp2Table[j] = 2^(j/64), read-only after package initialisation.
var exp2Table = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// logPos returns ln s for a normal positive s (in the objective, a sum of at most
// MaxTerms softmax numerators, or of exponentiated terms): s = 2^k·m with m in [1, 2),
// m = c_j(1 + r) with c_j = 1 + j/512 from the top 9 mantissa bits and 0 ≤ r < 1/512,
// ln s = k ln2 + ln c_j + ln(1 + r) with a degree-5 series (truncation < 1e-17). No
// division, and inlinable. The absolute error is below 3e-16 (the rounding of 1/c_j):
// ≤ 2 ulp of max(ln s, 1), which is what matters where ln s is added to the O(1)
// largest term of a log-sum-exp, or is itself O(1) (TestFastMath).
func logPos(s float64) float64 {
	b := math.Float64bits(s)
	j := (b >> 43) & 511
	r := math.Float64frombits(b&(1<<52-1)|1023<<52)*logInvTable[j] - 1
	p := r * (1 - r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5)))))
	return float64(int(b>>52)-1023)*math.Ln2 + logTable[j] + p
}

// logTable[j] = ln(1 + j/512) and logInvTable[j] = 1/(1 + j/512), read-only after
// package initialisation.
var logTable, logInvTable = func() (l, inv [512]float64) {
	for j := range l {
		c := 1 + float64(j)/512
		l[j], inv[j] = math.Log(c), 1/c
	}
	return l, inv
}()

// ExpNonPos is e^x for x ≤ 0, within 4 ulp of math.Exp and about twice as fast (the
// table-and-polynomial exp of the LSE objective, for other hot loops such as the logistic
// links of internal/tasks). x below −708 returns 0.
func ExpNonPos(x float64) float64 {
	if x < -708 {
		return 0
	}
	return expNonPos(x)
}
