package fit

import "math"

// Batched exp and log for the hot loop of the LSE objective: every element is computed by
// the same sequence of IEEE operations (adds, multiplies, fused multiply-adds, one
// division for the log) with no table and no branch, so that the AVX2 kernels on amd64
// (fastbatch_amd64.s, four elements per instruction) and the Go loops below give the same
// bits, and results do not depend on the machine's vector width. math.FMA is exact (one
// rounding) on every platform.
//
// Accuracy (TestBatchMath): relative error below 1e-15 against math.Exp on [-708, 0] and
// against math.Log on [1, 4] (the range of the objective's log-sum-exp of three terms);
// elsewhere the log's absolute error stays below 4e-16·max(1, |ln s|).

// Constants of the exp: x = k ln2 + r, |r| ≤ ln2/2, k = round(x/ln2) by adding and
// subtracting 1.5·2^52 (the sum's low mantissa bits hold k), e^x = 2^k · P12(r) with the
// degree-12 Taylor polynomial (truncation below 2e-16 relative on |r| ≤ ln2/2).
const (
	expLo    = -708.0                 // e^-708 is still a normal number
	expShift = 0x1.8p52               // 1.5·2^52
	invLn2   = 1.44269504088896338700 // 1/ln 2
	// ln 2 = ln2Hi + ln2Lo; ln2Hi has 32 significant bits, so k·ln2Hi is exact for |k| < 2^21
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// expCoef[i] = 1/(12−i)!, highest degree first.
var expCoef = [13]float64{
	1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
	1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, 1,
}

// logCoef[i] = 2/(2(10−i)+1): ln((1+t)/(1−t)) = 2t + t·t²·Σ_n 2/(2n+1) t^(2n−2), n = 1..10
// (truncation below 3e-17 relative for |t| ≤ 3 − 2√2), highest degree first.
var logCoef = [10]float64{2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13, 2.0 / 11, 2.0 / 9, 2.0 / 7, 2.0 / 5, 2.0 / 3}

// maxpd is x86's MAXPD: a if a > b, else b (b when either is NaN).
func maxpd(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// expBatchGo writes e^x[i] into dst[i] for x ≤ 0; x below −708 (and NaN) is taken as −708.
func expBatchGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = expElem(v)
	}
}

// logBatchGo writes ln s[i] into dst[i] for normal positive s: s = 2^e·m with m in
// [√2/2, √2), t = (m−1)/(m+1), ln m = 2 atanh t.
func logBatchGo(dst, s []float64) {
	s = s[:len(dst)]
	for i, v := range s {
		dst[i] = logElem(v)
	}
}

// Log writes ln s[i] into dst[i] (len(dst) ≤ len(s); dst may be s), a batch at a time
// (four per instruction with AVX2): for normal positive s, relative error below 4e-16 on
// [1, 4] and absolute error below 4e-16·max(1, |ln s|) elsewhere against math.Log
// (TestBatchMath), several times faster on long slices; other values (0, subnormal,
// negative, Inf, NaN) get math.Log's answer. For the logs of millions of runs' columns.
func Log(dst, s []float64) {
	s = s[:len(dst)]
	var odd []int // inputs the batch log does not take, by index
	for i, v := range s {
		if !(v >= 0x1p-1022 && v <= math.MaxFloat64) {
			odd = append(odd, i)
		}
	}
	if len(odd) == 0 {
		logBatch(dst, s)
		return
	}
	vals := make([]float64, len(odd))
	for k, i := range odd {
		vals[k] = s[i]
	}
	for i, v := range s {
		if !(v >= 0x1p-1022 && v <= math.MaxFloat64) {
			dst[i] = 1
		} else {
			dst[i] = v
		}
	}
	logBatch(dst, dst)
	for k, i := range odd {
		dst[i] = math.Log(vals[k])
	}
}
