package stats

import "math"

// GridTol is the relative tolerance of MinimizeGrid: it locates the minimiser x to within
// about GridTol·(1+|x|), in the units of x (scalefit's callers minimise over ln N or ln E, so
// 1e-12 is a relative precision of 1e-12 in N). Where f is smooth, f's own rounding limits
// the minimiser to about √ε·|x| ≈ 1e-8 relative anyway: the tolerance only guarantees that
// the search never stops before rounding does.
const GridTol = 1e-12

// maxBrentIterations bounds Brent's method. Each iteration shrinks the bracket at least as
// fast, every second step, as golden-section search (×0.618): 200 iterations reach GridTol
// from any bracket a float64 can hold.
const maxBrentIterations = 200

// Brent minimises f on the bracket [a, b] by Brent's method (Brent 1973, "Algorithms for
// Minimization without Derivatives", ch. 5; Press et al., Numerical Recipes §10.3):
// parabolic interpolation through the three best points so far, and a golden-section step
// whenever the parabola is not trusted (it would leave the bracket or not shrink fast
// enough), so it converges superlinearly on smooth minima and never slower than
// golden-section search on kinks.
//
// x is a starting point with f(x) = fx, a < x < b, and fx no larger than f at the ends (a
// bracketed minimum); when x is not strictly inside (a, b), Brent starts at the golden
// point a + 0.382 (b−a) instead. tol is absolute, in the units of x: the search stops when
// every point of the remaining bracket is within 2·tol of the best point (so the bracket
// is at most 4·tol wide). f may return +Inf where it is undefined. Brent returns the best
// point it evaluated and f there; it never evaluates f at a or b.
func Brent(f func(float64) float64, a, b, x, fx, tol float64) (xmin, fmin float64) {
	const cgold = 0.3819660112501051 // (3 − √5)/2
	if !(a < x && x < b) {
		x = a + cgold*(b-a)
		fx = f(x)
	}
	w, v, fw, fv := x, x, fx, fx
	var d, e float64
	for range maxBrentIterations {
		xm := 0.5 * (a + b)
		tol2 := 2 * tol
		if math.Abs(x-xm) <= tol2-0.5*(b-a) {
			break
		}
		golden := true
		if math.Abs(e) > tol {
			// the parabola through (x, fx), (w, fw), (v, fv): its vertex is x + p/q
			r := (x - w) * (fx - fv)
			q := (x - v) * (fx - fw)
			p := (x-v)*q - (x-w)*r
			q = 2 * (q - r)
			if q > 0 {
				p = -p
			}
			q = math.Abs(q)
			etemp := e
			e = d
			// trust the parabola only when its step is inside the bracket and less than half
			// the step before last
			if !(math.Abs(p) >= math.Abs(0.5*q*etemp) || p <= q*(a-x) || p >= q*(b-x)) {
				d = p / q
				if u := x + d; u-a < tol2 || b-u < tol2 {
					d = math.Copysign(tol, xm-x)
				}
				golden = false
			}
		}
		if golden {
			if x >= xm {
				e = a - x
			} else {
				e = b - x
			}
			d = cgold * e
		}
		u := x + d
		if math.Abs(d) < tol {
			u = x + math.Copysign(tol, d)
		}
		fu := f(u)
		if fu <= fx {
			if u >= x {
				a = x
			} else {
				b = x
			}
			v, w, x = w, x, u
			fv, fw, fx = fw, fx, fu
		} else {
			if u < x {
				a = u
			} else {
				b = u
			}
			if fu <= fw || w == x {
				v, w, fv, fw = w, u, fw, fu
			} else if fu <= fv || v == x || v == w {
				v, fv = u, fu
			}
		}
	}
	return x, fx
}

// MinimizeGrid minimises f on [lo, hi]: a scan of n+1 evenly spaced points (lo and hi
// included) finds the lowest, then Brent's method refines it within the two grid cells
// beside it, to GridTol·(1+max(|lo|, |hi|)). The scan makes it robust to kinks, flat
// stretches and several local minima that would mislead a bare bracketing search, provided
// the grid is fine enough to put the global minimum's basin in the best cell. f may return
// +Inf where it is undefined. It returns the best point evaluated (the refined one, or the
// grid point when that is lower, e.g. a minimum at lo or hi) and f there.
func MinimizeGrid(f func(float64) float64, lo, hi float64, n int) (x, fx float64) {
	n = max(n, 2)
	step := (hi - lo) / float64(n)
	best, fbest := lo, f(lo)
	bi := 0
	for i := 1; i <= n; i++ {
		xi := lo + float64(i)*step
		if i == n {
			xi = hi
		}
		if fi := f(xi); fi < fbest {
			best, fbest, bi = xi, fi, i
		}
	}
	a, b := lo+float64(max(bi-1, 0))*step, lo+float64(min(bi+1, n))*step
	if bi+1 >= n {
		b = hi
	}
	tol := GridTol * (1 + math.Max(math.Abs(lo), math.Abs(hi))) / 4
	x, fx = Brent(f, a, b, best, fbest, tol)
	if fbest < fx {
		return best, fbest
	}
	return x, fx
}
