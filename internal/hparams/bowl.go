package hparams

import (
	"math"
)

// Bowl is the loss of one (N, D) group as a quadratic in u = log2(lr/LR0) and v =
// log2(batch/Batch0), octaves from the group's centre (the geometric means of the learning
// rates and batch sizes it tried):
//
//	loss(u, v) = C[0] + C[1] u + C[2] v + C[3] u² + C[4] v² + C[5] u v   (nats/token)
//
// C[3] is the loss of being 2x off the optimal learning rate at the optimal batch size, C[4]
// the same for batch size. A dimension the group does not sweep (fewer than 3 values) has no
// quadratic or cross term (and no linear term when it holds a single value).
type Bowl struct {
	C          [6]float64
	LR0        float64 // learning rate at u = 0
	Batch0     float64 // batch size in tokens at v = 0
	SweptLR    bool    // the group tried at least 3 learning rates
	SweptBatch bool    // ... and at least 3 batch sizes
}

// Loss is the bowl's loss at learning rate lr and batch size batch (tokens).
func (b *Bowl) Loss(lr, batch float64) float64 {
	return b.at(math.Log2(lr/b.LR0), math.Log2(batch/b.Batch0))
}

func (b *Bowl) at(u, v float64) float64 {
	c := &b.C
	return c[0] + c[1]*u + c[2]*v + c[3]*u*u + c[4]*v*v + c[5]*u*v
}

// minimum returns the bowl's minimum over lr and/or batch (a dimension not asked for keeps
// its value u or v); ok is false when the bowl does not curve upward over them.
func (b *Bowl) minimum(u, v float64, lr, batch bool) (float64, float64, bool) {
	c := &b.C
	switch {
	case lr && batch:
		det := 4*c[3]*c[4] - c[5]*c[5]
		if !(c[3] > 0 && det > 0) {
			return u, v, false
		}
		return (c[5]*c[2] - 2*c[4]*c[1]) / det, (c[5]*c[1] - 2*c[3]*c[2]) / det, true
	case lr:
		if !(c[3] > 0) {
			return u, v, false
		}
		return -(c[1] + c[5]*v) / (2 * c[3]), v, true
	case batch:
		if !(c[4] > 0) {
			return u, v, false
		}
		return u, -(c[2] + c[5]*u) / (2 * c[4]), true
	}
	return u, v, false
}

// point is one run of a group in octaves from the group's centre.
type point struct {
	u, v, loss float64
}

// features of the bowl's terms at (u, v).
func features(u, v float64, f *[6]float64) {
	f[0], f[1], f[2], f[3], f[4], f[5] = 1, u, v, u*u, v*v, u*v
}

// fitter holds the scratch space of weighted least-squares fits of one group's bowl.
type fitter struct {
	a     [36]float64
	rhs   [6]float64
	w     []float64 // the weights of the current fit
	rob   []float64 // robustness weights
	res   []float64 // scratch for residuals
	scale float64   // the robust scale of the residuals (0: not yet measured)
}

// solve fits the bowl's terms to the group's runs with weights w by weighted least squares
// (normal equations, Cholesky). It returns false when the system is singular (too few
// distinct points for the terms).
func (ft *fitter) solve(g *group, w []float64, out *[6]float64) bool {
	k, stride := len(g.terms), g.stride
	var acc [27]float64 // the lower triangle of XᵀWX, then XᵀWy
	acc2 := acc[:stride]
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		row := g.prods[i*stride : (i+1)*stride]
		for j := range acc2 {
			acc2[j] += wi * row[j]
		}
	}
	a, rhs := ft.a[:k*k], ft.rhs[:k]
	n := 0
	for r := 0; r < k; r++ {
		for c := 0; c <= r; c++ {
			a[r*k+c] = acc[n]
			n++
		}
	}
	copy(rhs, acc[n:n+k])
	// Cholesky in place (lower triangle).
	for j := 0; j < k; j++ {
		s := a[j*k+j]
		for m := 0; m < j; m++ {
			s -= a[j*k+m] * a[j*k+m]
		}
		if !(s > 1e-12*math.Max(1, math.Abs(a[j*k+j]))) {
			return false
		}
		d := math.Sqrt(s)
		a[j*k+j] = d
		for i := j + 1; i < k; i++ {
			t := a[i*k+j]
			for m := 0; m < j; m++ {
				t -= a[i*k+m] * a[j*k+m]
			}
			a[i*k+j] = t / d
		}
	}
	var y [6]float64
	for i := 0; i < k; i++ {
		t := rhs[i]
		for m := 0; m < i; m++ {
			t -= a[i*k+m] * y[m]
		}
		y[i] = t / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		t := y[i]
		for m := i + 1; m < k; m++ {
			t -= a[m*k+i] * y[m]
		}
		y[i] = t / a[i*k+i]
	}
	*out = [6]float64{}
	for r, t := range g.terms {
		out[t] = y[r]
	}
	return true
}
