package versus

import (
	"errors"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

// groupData is one group's runs in the log form the Approach-3 objective uses.
type groupData struct {
	lnN, lnD, y []float64
}

func newGroupData(g Group) groupData {
	d := groupData{}
	for i := range g.Params {
		d.lnN = append(d.lnN, math.Log(g.Params[i]))
		d.lnD = append(d.lnD, math.Log(g.Tokens[i]))
		d.y = append(d.y, math.Log(g.Loss[i]))
	}
	return d
}

// fixedEObjective is the summed robust Approach-3 objective of one group with ln E fixed
// at lnE, over the free vector (ln A, ln B, α, β); counts (nil: all ones) weight the runs
// as a bootstrap resample does.
func (d groupData) fixedEObjective(lnE float64, loss fit.Loss, counts []int) (*fit.LSE, error) {
	// θ = (a, b, e, α, β), as internal/chinchilla orders it.
	terms := []fit.Term{
		{Intercept: 0, Slope: 3, X: d.lnN},
		{Intercept: 1, Slope: 4, X: d.lnD},
		{Intercept: 2, Slope: -1},
	}
	m := fit.Mapping{Src: []int{0, 1, -1, 2, 3}, Fixed: []float64{0, 0, lnE, 0, 0}}
	o, err := fit.NewLSE(d.y, terms, 5, loss, m)
	if err != nil {
		return nil, err
	}
	if counts != nil {
		o = o.Reweight(counts)
	}
	return o, nil
}

// sharedProblem is a joint fit of several groups with one irreducible loss E, every group
// keeping its other parameters (Approach 3: ln A, ln B, α, β; IsoFLOP minima: ln K, γ). It
// is solved by profiling: for fixed ln E each group's fit is independent (Newton from warm
// starts), and the summed profile objective is minimised over ln E by a grid scan (or a
// downhill walk from a guess) and Brent's method.
type sharedProblem struct {
	groups int
	// build returns group g's objective with ln E fixed at lnE, over its free parameters.
	build  func(g int, lnE float64) (*fit.LSE, error)
	local  fit.LocalOptions
	starts [][][]float64 // per group, warm starts of its free parameters
	maxLnE float64       // ln E stays below the lowest loss of every group
}

// sharedFit is the optimum of a sharedProblem.
type sharedFit struct {
	lnE       float64
	x         [][]float64 // per group, its free parameters
	objective float64
	converged bool
}

// a3Laws converts a shared Approach-3 fit to laws.
func (s sharedFit) a3Laws() []chinchilla.Law {
	out := make([]chinchilla.Law, len(s.x))
	for i, x := range s.x {
		out[i] = chinchilla.Law{E: math.Exp(s.lnE), A: math.Exp(x[0]), B: math.Exp(x[1]), Alpha: x[2], Beta: x[3]}
	}
	return out
}

// profile returns the summed per-group optimum at ln E = lnE, each group started from its
// warm starts and from prev (the solution at a nearby ln E, may be nil).
func (p *sharedProblem) profile(lnE float64, prev [][]float64) (float64, [][]float64, bool, error) {
	total := 0.0
	xs := make([][]float64, p.groups)
	conv := true
	for g := range p.groups {
		obj, err := p.build(g, lnE)
		if err != nil {
			return 0, nil, false, err
		}
		best := fit.LocalResult{F: math.Inf(1)}
		if prev != nil && prev[g] != nil {
			// the solution at a nearby E: enough when it converges
			best = fit.Local(obj, prev[g], p.local)
		}
		if !best.Converged() {
			for _, x0 := range p.starts[g] {
				if r := fit.Local(obj, x0, p.local); r.F < best.F {
					best = r
				}
			}
		}
		if math.IsInf(best.F, 0) || math.IsNaN(best.F) {
			return math.Inf(1), nil, false, nil
		}
		conv = conv && best.Converged()
		total += best.F
		xs[g] = best.X
	}
	return total, xs, conv, nil
}

// solve minimises the profile objective over ln E. With scan, it scans a grid of E from
// 1% to 99.7% of the lowest loss plus guesses (e.g. the groups' independent fits) and
// refines around the best grid point; without, it walks downhill from guesses[0] (a
// bootstrap resample starting at the full-data optimum) until the minimum is bracketed.
// The bracket is refined by Brent's method (stats.Brent) to 1e-6 in ln E.
func (p *sharedProblem) solve(guesses []float64, from [][]float64, scan bool) (sharedFit, error) {
	type pt struct {
		lnE, f float64
		x      [][]float64
		conv   bool
	}
	var best pt
	best.f = math.Inf(1)
	best.x = from
	eval := func(le float64) pt {
		if le >= p.maxLnE {
			return pt{le, math.Inf(1), nil, false}
		}
		f, x, conv, err := p.profile(le, best.x)
		if err != nil || x == nil {
			return pt{le, math.Inf(1), nil, false}
		}
		q := pt{le, f, x, conv}
		if f < best.f {
			best = q
		}
		return q
	}
	var lo, hi float64
	if scan {
		grid := []float64{}
		for _, u := range []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.94, 0.97, 0.99, 0.997} {
			grid = append(grid, p.maxLnE+math.Log(u))
		}
		for _, g := range guesses {
			if g < p.maxLnE && !math.IsNaN(g) {
				grid = append(grid, g)
			}
		}
		slices.Sort(grid)
		grid = slices.Compact(grid)
		pts := make([]pt, len(grid))
		bi := 0
		for i, le := range grid {
			pts[i] = eval(le)
			if pts[i].f < pts[bi].f {
				bi = i
			}
		}
		lo, hi = pts[max(bi-1, 0)].lnE, pts[min(bi+1, len(pts)-1)].lnE
	} else {
		// walk downhill from the guess with doubling steps until the objective rises
		h := 0.02
		x0 := math.Min(guesses[0], p.maxLnE-1e-3)
		f0 := eval(x0)
		f1 := eval(x0 + h)
		if f1.f > f0.f {
			h = -h
			f1 = eval(x0 + h)
		}
		a, b := f0, f1
		if b.f > a.f { // both sides rise: bracketed
			lo, hi = x0-math.Abs(h), x0+math.Abs(h)
		} else {
			for i := 0; i < 40; i++ {
				h *= 2
				c := eval(b.lnE + h)
				if c.f > b.f || math.IsInf(c.f, 0) {
					lo, hi = math.Min(a.lnE, c.lnE), math.Max(a.lnE, c.lnE)
					break
				}
				a, b = b, c
				lo, hi = math.Min(a.lnE, b.lnE), math.Max(a.lnE, b.lnE)
			}
		}
		hi = math.Min(hi, p.maxLnE-1e-9)
	}
	if math.IsInf(best.f, 0) {
		return sharedFit{}, errors.New("versus: the shared-E fit failed at every E")
	}
	// Brent's method on [lo, hi] (parabolic steps, golden-section fallback), from the best
	// point so far, to 1e-6 in ln E; every evaluation is warm-started from the best point,
	// and eval keeps the best, so Brent's own answer is best.lnE.
	stats.Brent(func(x float64) float64 { return eval(x).f }, lo, hi, best.lnE, best.f, 1e-6)
	return sharedFit{lnE: best.lnE, x: best.x, objective: best.f, converged: best.conv}, nil
}
