package hparams

import (
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/stats"
)

// DefaultBandwidth is the width, in octaves (factors of 2) of learning rate and batch size,
// of the Gaussian kernel that weights a group's runs toward its optimum before the bowl is
// fitted. It was chosen on the development set "dev-asymmetric" (basins that rise
// exponentially on the high-lr side, with diverged runs) among 1, 1.5, 2, 3, 4 octaves and
// no weighting, and checked on "check-quartic" and "check-quadratic"
// (TestBandwidthChoice): a quadratic fitted unweighted over a wide grid is biased toward
// the flat side of an asymmetric basin; one fitted only near the minimum is noisy.
const DefaultBandwidth = 2.0

// group is one (N, D) of a sweep: its runs in octaves from its centre.
type group struct {
	params, tokens float64
	pts            []point
	lr0, batch0    float64    // centre: geometric means of the values tried
	uRange, vRange [2]float64 // octaves spanned by the values tried
	nLR, nBatch    int        // distinct values tried
	terms          []int      // the bowl's terms (indices of features) this group fits
	// prods holds, per run, the products of its features that the normal equations sum:
	// the lower triangle of f fᵀ over terms, then f·loss (stride numbers per run).
	prods  []float64
	stride int
}

// newGroup builds a group from its runs' learning rates, batch sizes (tokens) and losses.
func newGroup(params, tokens float64, lr, batch, loss []float64) *group {
	g := &group{params: params, tokens: tokens, pts: make([]point, len(lr))}
	var sl, sb float64
	for i := range lr {
		sl += math.Log2(lr[i])
		sb += math.Log2(batch[i])
	}
	n := float64(len(lr))
	g.lr0, g.batch0 = math.Exp2(sl/n), math.Exp2(sb/n)
	us, vs := make([]float64, len(lr)), make([]float64, len(lr))
	for i := range lr {
		u, v := math.Log2(lr[i]/g.lr0), math.Log2(batch[i]/g.batch0)
		g.pts[i] = point{u, v, loss[i]}
		us[i], vs[i] = u, v
	}
	g.nLR, g.uRange = distinct(us)
	g.nBatch, g.vRange = distinct(vs)
	g.terms = []int{0}
	if g.nLR >= 2 {
		g.terms = append(g.terms, 1)
	}
	if g.nBatch >= 2 {
		g.terms = append(g.terms, 2)
	}
	if g.nLR >= 3 {
		g.terms = append(g.terms, 3)
	}
	if g.nBatch >= 3 {
		g.terms = append(g.terms, 4)
	}
	if g.nLR >= 3 && g.nBatch >= 3 {
		g.terms = append(g.terms, 5)
	}
	k := len(g.terms)
	g.stride = k*(k+1)/2 + k
	g.prods = make([]float64, 0, len(g.pts)*g.stride)
	var f [6]float64
	for _, p := range g.pts {
		features(p.u, p.v, &f)
		for r := 0; r < k; r++ {
			for c := 0; c <= r; c++ {
				g.prods = append(g.prods, f[g.terms[r]]*f[g.terms[c]])
			}
		}
		for r := 0; r < k; r++ {
			g.prods = append(g.prods, f[g.terms[r]]*p.loss)
		}
	}
	return g
}

// distinct counts the distinct values of xs (within 1e-9 octaves) and returns their range.
func distinct(xs []float64) (int, [2]float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := 0
	for i, x := range s {
		if i == 0 || x-s[i-1] > 1e-9 {
			n++
		}
	}
	if len(s) == 0 {
		return 0, [2]float64{}
	}
	return n, [2]float64{s[0], s[len(s)-1]}
}

// located is the optimum of one group's bowl, in octaves from its centre.
type located struct {
	bowl      Bowl
	u, v      float64
	lrOK, bOK bool      // the optimum was located in that dimension (the bowl curves upward there)
	cu, cv    float64   // the kernel's last centre
	rob       []float64 // the robustness weights (full-data fits only)
}

// maxLocateIter bounds the re-centring of the kernel on the bowl's vertex (and the
// re-weighting of runs far off the bowl); it converges in 3-6 iterations on every
// development sweep.
const maxLocateIter = 15

// robustC is the tuning constant of Tukey's biweight (95% efficiency under normal noise), in
// units of the residuals' robust scale (1.4826 × their median absolute value).
const robustC = 4.685

// locate fits the group's bowl with weights mult (bootstrap multiplicities; nil: 1 each)
// times a Gaussian kernel of width h octaves (Inf: none) centred on the optimum, times
// Tukey's biweight of each run's residual (robust: a diverged run or a loss spike loses its
// weight), moving the centre to the fitted vertex until neither moves. It starts from the
// lowest-loss run with every robustness weight 1, or from warm (the full data's solution,
// for a bootstrap resample: the same fixed point, reached in fewer iterations).
func (ft *fitter) locate(g *group, mult []float64, h float64, robust bool, warm *located) (located, bool) {
	out := located{bowl: Bowl{LR0: g.lr0, Batch0: g.batch0, SweptLR: g.nLR >= 3, SweptBatch: g.nBatch >= 3}}
	n := len(g.pts)
	if cap(ft.w) < n {
		ft.w, ft.rob, ft.res = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	w, rob := ft.w[:n], ft.rob[:n]
	best := -1
	for i, p := range g.pts {
		rob[i] = 1
		if (mult == nil || mult[i] > 0) && (best < 0 || p.loss < g.pts[best].loss) {
			best = i
		}
	}
	if best < 0 {
		return out, false
	}
	cu, cv := g.pts[best].u, g.pts[best].v
	if warm != nil {
		cu, cv = warm.cu, warm.cv
		copy(rob, warm.rob)
	}
	inv := 0.0
	if !math.IsInf(h, 1) {
		inv = 1 / (2 * h * h)
	}
	floor := 1e-4 * math.Abs(g.pts[best].loss)
	// The full data's fit iterates until no robustness weight moves by 0.02; a resample,
	// started at that solution, until none moves by 0.05: a fifth fewer iterations, and
	// interval ends that move by less than the resampling's own noise.
	tol := 0.02
	if warm != nil {
		tol = 0.05
	}
	ft.scale = 0
	for it := 0; it < maxLocateIter; it++ {
		for i, p := range g.pts {
			m := 1.0
			if mult != nil {
				m = mult[i]
			}
			if m == 0 || rob[i] == 0 {
				w[i] = 0 // a run the resample left out, or one the biweight rejects
				continue
			}
			du, dv := p.u-cu, p.v-cv
			w[i] = m * math.Exp(-(du*du+dv*dv)*inv) * rob[i]
		}
		if !ft.solve(g, w, &out.bowl.C) {
			return out, false
		}
		reweighted := robust && ft.reweight(g, &out.bowl, mult, floor, tol)
		nu, nv := cu, cv
		out.lrOK, out.bOK = false, false
		b := &out.bowl
		if u, v, ok := b.minimum(cu, cv, b.SweptLR, b.SweptBatch); ok {
			nu, nv, out.lrOK, out.bOK = u, v, b.SweptLR, b.SweptBatch
		} else if u, v, ok := b.minimum(cu, cv, b.SweptLR, false); b.SweptBatch && ok {
			nu, nv, out.lrOK = u, v, true
		} else if u, v, ok := b.minimum(cu, cv, false, b.SweptBatch); b.SweptLR && ok {
			nu, nv, out.bOK = u, v, true
		}
		out.u, out.v = nu, nv
		// The kernel's centre stays within a grid step of the values tried: a vertex far
		// outside is an extrapolation that a narrower kernel would only make worse.
		nu = clamp(nu, g.uRange[0]-1, g.uRange[1]+1)
		nv = clamp(nv, g.vRange[0]-1, g.vRange[1]+1)
		if !reweighted && (inv == 0 || (math.Abs(nu-cu) < 0.01 && math.Abs(nv-cv) < 0.01)) {
			break
		}
		cu, cv = nu, nv
	}
	out.cu, out.cv = cu, cv
	if warm == nil {
		out.rob = slices.Clone(rob)
	}
	return out, out.lrOK || out.bOK
}

// reweight sets the biweight robustness weights from the residuals of b, scaled by the
// robust spread of the first fit's residuals (at least floor). It reports whether any weight
// moved by more than tol.
func (ft *fitter) reweight(g *group, b *Bowl, mult []float64, floor, tol float64) bool {
	if ft.scale == 0 {
		res := ft.res[:0]
		for i, p := range g.pts {
			if mult == nil || mult[i] > 0 {
				res = append(res, math.Abs(p.loss-b.at(p.u, p.v)))
			}
		}
		slices.Sort(res)
		ft.scale = math.Max(1.4826*stats.QuantileSorted(res, 0.5), floor)
	}
	s := ft.scale
	changed := false
	for i, p := range g.pts {
		if mult != nil && mult[i] == 0 {
			continue
		}
		r := math.Abs(p.loss-b.at(p.u, p.v)) / (robustC * s)
		w := 0.0
		if r < 1 {
			w = (1 - r*r) * (1 - r*r)
		}
		if math.Abs(w-ft.rob[i]) > tol {
			changed = true
		}
		ft.rob[i] = w
	}
	return changed
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
