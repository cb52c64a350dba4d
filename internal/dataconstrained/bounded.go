package dataconstrained

import (
	"math"

	"github.com/scalefit/scalefit/internal/fit"
)

// saturated is the |z| beyond which a repetition constant sits at its bound: σ(z) within
// 1e-3 of 0 or 1, R* within 1.4% of MinStar or MaxStar on the log scale.
const saturated = 6.9

// zInside is the z at which R* is a factor 2 inside MaxStar (−zInside: a factor 2 above
// MinStar), where local probes whether a constant held at its bound wants to come back.
const zInside = 2.9434

// fixing returns the objective with θ[j] held at zs[k] for each j = js[k], the other free
// coordinates of o staying free (renumbered).
func (o *objective) fixing(js []int, zs []float64) *objective {
	m := fit.Mapping{Src: append([]int(nil), o.m.Src...), Fixed: append([]float64(nil), o.m.Fixed...)}
	if len(m.Fixed) < thDim {
		m.Fixed = make([]float64, thDim)
	}
	for k, j := range js {
		m.Src[j], m.Fixed[j] = -1, zs[k]
	}
	q := 0
	seen := map[int]int{}
	for k, s := range m.Src {
		if s < 0 {
			continue
		}
		if v, ok := seen[s]; ok {
			m.Src[k] = v
			continue
		}
		seen[s] = q
		m.Src[k] = q
		q++
	}
	return newObjective(o.r, o.loss, m)
}

// convert maps a free vector of from to the free vector of to, through θ.
func convert(from, to *objective, x []float64) []float64 {
	th := from.theta(x)
	y := make([]float64, to.q)
	to.m.Reduce(y, th[:])
	return y
}

// local minimises o from x0 with R_D* and R_N* bound-constrained. A constant whose z is
// saturated sits on its bound, where the objective is flat in z: its Hessian row vanishes,
// Newton falls back to damped Gauss-Newton steps and crawls (and a step toward the bound is
// cut to MaxStep, dragging the other coordinates). So local holds such a constant at its
// bound (the active constraint) and refits the others with a positive definite Hessian, and
// releases it when moving it a factor 2 inside the bound lowers the objective. The result is
// in o's free coordinates; its Status is that of the last reduced run.
func local(o *objective, x0 []float64, lo fit.LocalOptions) fit.LocalResult {
	x := append([]float64(nil), x0...)
	evals := 0
	for round := 0; round < 4; round++ {
		th := o.theta(x)
		var js []int
		var zs []float64
		for _, j := range [2]int{thRD, thRN} {
			if o.m.Src[j] >= 0 && math.Abs(th[j]) > saturated {
				js = append(js, j)
				zs = append(zs, math.Copysign(zFixedAt, th[j]))
			}
		}
		if len(js) == 0 {
			r := fit.Local(o, x, lo)
			evals += r.Evaluations
			r.Evaluations = evals
			if r.Err != nil || !anySaturated(o, r.X) || round == 3 {
				return r
			}
			x = r.X
			continue
		}
		if len(js) == o.q {
			// nothing else is free: the point is the bound
			for k, j := range js {
				th[j] = zs[k]
			}
			y := make([]float64, o.q)
			o.m.Reduce(y, th[:])
			return fit.LocalResult{X: y, F: o.Value(y), Status: fit.GradientThreshold, Evaluations: evals + 1}
		}
		of := o.fixing(js, zs)
		r := fit.Local(of, convert(o, of, x), lo)
		evals += r.Evaluations
		xf := convert(of, o, r.X)
		out := fit.LocalResult{X: xf, F: r.F, Status: r.Status, Evaluations: evals, Err: r.Err}
		if r.Err != nil {
			return out
		}
		released := false
		for k, j := range js {
			thp := o.theta(xf)
			thp[j] = math.Copysign(zInside, zs[k])
			xp := make([]float64, o.q)
			o.m.Reduce(xp, thp[:])
			evals++
			if o.Value(xp) < r.F-1e-6*math.Abs(r.F) { // a clear gain, not rounding on a flat profile
				x, released = xp, true
				break
			}
		}
		if !released {
			return out
		}
	}
	r := fit.Local(o, x, lo)
	r.Evaluations += evals
	return r
}

func anySaturated(o *objective, x []float64) bool {
	th := o.theta(x)
	for _, j := range [2]int{thRD, thRN} {
		if o.m.Src[j] >= 0 && math.Abs(th[j]) > saturated {
			return true
		}
	}
	return false
}
