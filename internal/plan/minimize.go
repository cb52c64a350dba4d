package plan

import "math"

// minimize1D minimises f on [lo, hi]: a scan of n+1 evenly spaced points finds the lowest,
// then golden-section search refines it within the neighbouring grid cells. The scan makes
// it robust to kinks and to flat stretches that would mislead a bare bracketing search;
// f may return +Inf where it is undefined.
func minimize1D(f func(float64) float64, lo, hi float64, n int) (x, fx float64) {
	step := (hi - lo) / float64(n)
	best, fbest := lo, f(lo)
	for i := 1; i <= n; i++ {
		xi := lo + float64(i)*step
		if fi := f(xi); fi < fbest {
			best, fbest = xi, fi
		}
	}
	a, b := math.Max(lo, best-step), math.Min(hi, best+step)
	const invPhi = 0.6180339887498949
	c, d := b-invPhi*(b-a), a+invPhi*(b-a)
	fc, fd := f(c), f(d)
	for i := 0; i < 200 && b-a > 1e-12*(1+math.Abs(a)); i++ {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - invPhi*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + invPhi*(b-a)
			fd = f(d)
		}
	}
	x = (a + b) / 2
	if fx = f(x); fbest < fx {
		return best, fbest
	}
	return x, fx
}
