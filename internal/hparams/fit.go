package hparams

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Warning codes of hyper-parameter fits (catalogued in internal/warn/catalogue.go).
const (
	// CodeEdgeOptimum: a group's optimal lr or batch lies at or beyond the edge of the values
	// it tried (the bowl's vertex is an extrapolation); that group is left out of that law.
	CodeEdgeOptimum = "edge-optimum"
	// CodeOpenBasin: a group's loss does not curve upward in lr or batch: no optimum there.
	CodeOpenBasin = "open-basin"
	// CodeThinSweep: a group tried fewer than 3 learning rates or batch sizes.
	CodeThinSweep = "thin-sweep"
	// CodeNarrowSpan: every group has the same N (or D): that exponent is fixed at 0.
	CodeNarrowSpan = "narrow-span"
)

// Run is one run of a hyper-parameter sweep.
type Run struct {
	Params float64 // N, non-embedding parameters
	Tokens float64 // D, training tokens
	LR     float64 // peak learning rate
	Batch  float64 // batch size in tokens per optimiser step
	Loss   float64 // final loss, nats/token
}

// Options configure Fit. The zero value fits with DefaultBandwidth and no bootstrap.
type Options struct {
	// Bootstrap is the number of resamples for intervals (0: none); each resamples the runs
	// of every group with replacement (groups are kept), refits every bowl and both laws.
	Bootstrap int
	Seed      uint64
	Workers   int // 0: GOMAXPROCS; results do not depend on it
	// Bandwidth is the kernel's width in octaves (0: DefaultBandwidth; +Inf: unweighted).
	Bandwidth float64
	// NotRobust turns off the biweight down-weighting of runs far off the bowl.
	NotRobust bool
	Progress  func(done, total int)
}

// Optimum is the located optimum of one (N, D) group.
type Optimum struct {
	Params, Tokens float64
	Runs           int
	// LR and Batch are the bowl's optimum (Batch in tokens); NaN in a dimension where none
	// was located (LRLocated, BatchLocated false).
	LR, Batch                float64
	LRLocated, BatchLocated  bool
	LRAtEdge, BatchAtEdge    bool
	Loss                     float64 // the bowl's loss at the optimum (nats/token)
	PenaltyLR, PenaltyBatch  float64 // loss at 2x off the optimum, nats (NaN when not located)
	LRRange, BatchRange      [2]float64
	BestLR, BestBatch        float64 // the run with the lowest loss
	BestLoss                 float64
	Bowl                     Bowl
	UsedInLR, UsedInBatchLaw bool
}

// AtEdge reports whether the optimum is at the grid's edge in lr or batch.
func (o *Optimum) AtEdge() bool { return o.LRAtEdge || o.BatchAtEdge }

// LawFit is a fitted power law y = Coef N^ExpParams D^ExpTokens with its bootstrap.
type LawFit struct {
	PowerLaw
	Groups int // groups the law was fitted to
	// FixedParams and FixedTokens say that the exponent was fixed at 0 (every group had the
	// same N, or the same D).
	FixedParams, FixedTokens bool
	// ResidualSD is the standard deviation of ln y about the law over the groups.
	ResidualSD float64
	// Intervals are 95% percentile intervals of coef, exp_params, exp_tokens (nil without
	// a bootstrap); Draws the bootstrap's [coef, exp_params, exp_tokens] per resample.
	Intervals map[string][2]float64
	Draws     [][3]float64
}

// Interval returns the 95% interval of the law's value at (n, d) from its draws.
func (l *LawFit) Interval(n, d float64) ([2]float64, bool) {
	if len(l.Draws) == 0 {
		return [2]float64{}, false
	}
	iv, ok := stats.CentralOf(l.Draws, stats.Level95, func(x [3]float64) float64 {
		return PowerLaw{Coef: x[0], ExpParams: x[1], ExpTokens: x[2]}.At(n, d, math.NaN())
	})
	return iv.Pair(), ok
}

// Result is a hyper-parameter fit.
type Result struct {
	Runs, Groups int
	LR, Batch    LawFit
	Optima       []Optimum // sorted by N, then D
	// PenaltyLR and PenaltyBatch are the median over groups of the loss at 2x off the
	// optimal lr (batch) at the optimal batch (lr), in nats; PenaltyLRRel and
	// PenaltyBatchRel the same relative to the group's optimal loss.
	PenaltyLR, PenaltyBatch       float64
	PenaltyLRRel, PenaltyBatchRel float64
	Bandwidth                     float64
	ParamsRange, TokensRange      [2]float64
	Warnings                      []warn.Warning
}

// Fit locates the optimum of every (N, D) group of runs (the vertex of a quadratic bowl in
// log lr and log batch, fitted with kernel weights toward the minimum) and fits lr_opt and
// B_opt as power laws in N and D by least squares in log space over the groups whose
// optimum is located inside the grid. Runs must have positive values (the caller checks
// them and names the file and line of a bad one).
func Fit(ctx context.Context, rs []Run, opt Options) (*Result, error) {
	h := opt.Bandwidth
	if h == 0 {
		h = DefaultBandwidth
	}
	if !(h > 0) {
		return nil, fmt.Errorf("bandwidth %g: want a positive number of octaves", h)
	}
	robust := !opt.NotRobust
	groups := groupRuns(rs)
	res := &Result{Runs: len(rs), Groups: len(groups), Bandwidth: h,
		ParamsRange: [2]float64{math.Inf(1), math.Inf(-1)}, TokensRange: [2]float64{math.Inf(1), math.Inf(-1)}}
	var ft fitter
	locs := make([]located, len(groups))
	oks := make([]bool, len(groups))
	for i, g := range groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res.ParamsRange = [2]float64{math.Min(res.ParamsRange[0], g.params), math.Max(res.ParamsRange[1], g.params)}
		res.TokensRange = [2]float64{math.Min(res.TokensRange[0], g.tokens), math.Max(res.TokensRange[1], g.tokens)}
		locs[i], oks[i] = ft.locate(g, nil, h, robust, nil)
		o, ws := optimum(g, locs[i], oks[i])
		res.Optima = append(res.Optima, o)
		res.Warnings = append(res.Warnings, ws...)
	}
	var useLR, useBatch []int
	for i := range res.Optima {
		o := &res.Optima[i]
		if o.LRLocated && !o.LRAtEdge {
			o.UsedInLR = true
			useLR = append(useLR, i)
		}
		if o.BatchLocated && !o.BatchAtEdge {
			o.UsedInBatchLaw = true
			useBatch = append(useBatch, i)
		}
	}
	var err error
	if res.LR, err = fitLaw(res.Optima, useLR, func(o *Optimum) float64 { return o.LR }, "lr"); err != nil {
		return nil, err
	}
	if res.Batch, err = fitLaw(res.Optima, useBatch, func(o *Optimum) float64 { return o.Batch }, "batch"); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		name string
		f    *LawFit
	}{{"lr", &res.LR}, {"batch", &res.Batch}} {
		if l.f.FixedParams {
			res.Warnings = append(res.Warnings, warn.New(CodeNarrowSpan, "every group used for the %s law has the same N: its exponent of N is fixed at 0", l.name))
		}
		if l.f.FixedTokens {
			res.Warnings = append(res.Warnings, warn.New(CodeNarrowSpan, "every group used for the %s law has the same D: its exponent of D is fixed at 0", l.name))
		}
	}
	res.PenaltyLR, res.PenaltyLRRel = medianPenalty(res.Optima, func(o *Optimum) float64 { return o.PenaltyLR })
	res.PenaltyBatch, res.PenaltyBatchRel = medianPenalty(res.Optima, func(o *Optimum) float64 { return o.PenaltyBatch })
	if opt.Bootstrap > 0 {
		if err := bootstrap(ctx, res, groups, locs, useLR, useBatch, h, robust, opt); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// groupRuns groups runs by (N, D), sorted by N then D; within a group runs keep their order.
func groupRuns(rs []Run) []*group {
	type key struct{ n, d float64 }
	idx := map[key][]int{}
	var keys []key
	for i, r := range rs {
		k := key{r.Params, r.Tokens}
		if _, ok := idx[k]; !ok {
			keys = append(keys, k)
		}
		idx[k] = append(idx[k], i)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].n != keys[j].n {
			return keys[i].n < keys[j].n
		}
		return keys[i].d < keys[j].d
	})
	out := make([]*group, len(keys))
	for gi, k := range keys {
		ix := idx[k]
		lr, b, l := make([]float64, len(ix)), make([]float64, len(ix)), make([]float64, len(ix))
		for j, i := range ix {
			lr[j], b[j], l[j] = rs[i].LR, rs[i].Batch, rs[i].Loss
		}
		out[gi] = newGroup(k.n, k.d, lr, b, l)
	}
	return out
}

// edgeMargin is how close (in octaves) to the outermost value tried a vertex may lie and still
// count as inside the grid: a quarter of a factor-2 step. Nearer, half of the bowl around the
// optimum is unobserved.
const edgeMargin = 0.25

// atEdge reports whether an optimum x (octaves) lies within edgeMargin of the range of the
// values tried, or beyond it.
func atEdge(x float64, r [2]float64) bool { return x < r[0]+edgeMargin || x > r[1]-edgeMargin }

// optimum turns a group's located bowl into its Optimum and warnings.
func optimum(g *group, l located, ok bool) (Optimum, []warn.Warning) {
	o := Optimum{Params: g.params, Tokens: g.tokens, Runs: len(g.pts), LR: math.NaN(), Batch: math.NaN(),
		Loss: math.NaN(), PenaltyLR: math.NaN(), PenaltyBatch: math.NaN(), Bowl: l.bowl,
		LRRange:    [2]float64{g.lr0 * math.Exp2(g.uRange[0]), g.lr0 * math.Exp2(g.uRange[1])},
		BatchRange: [2]float64{g.batch0 * math.Exp2(g.vRange[0]), g.batch0 * math.Exp2(g.vRange[1])}}
	best := 0
	for i, p := range g.pts {
		if p.loss < g.pts[best].loss {
			best = i
		}
	}
	bp := g.pts[best]
	o.BestLR, o.BestBatch, o.BestLoss = g.lr0*math.Exp2(bp.u), g.batch0*math.Exp2(bp.v), bp.loss
	where := "N " + format.Count(g.params) + ", D " + format.Count(g.tokens)
	var ws []warn.Warning
	if g.nLR < 3 {
		ws = append(ws, warn.New(CodeThinSweep, "%s: %d learning rates tried: want at least 3 to locate the optimum", where, g.nLR))
	}
	if g.nBatch < 3 && g.nBatch > 1 {
		ws = append(ws, warn.New(CodeThinSweep, "%s: %d batch sizes tried: want at least 3 to locate the optimum", where, g.nBatch))
	}
	if !ok && !l.lrOK && !l.bOK {
		if g.nLR >= 3 || g.nBatch >= 3 {
			ws = append(ws, warn.New(CodeOpenBasin, "%s: the loss does not curve upward in lr or batch: no optimum located (the lowest run: lr %s, batch %s)",
				where, format.Float(o.BestLR, 3), format.Count(o.BestBatch)))
		}
		return o, ws
	}
	if g.nLR >= 3 && !l.lrOK {
		ws = append(ws, warn.New(CodeOpenBasin, "%s: the loss does not curve upward in lr: no lr optimum located", where))
	}
	if g.nBatch >= 3 && !l.bOK {
		ws = append(ws, warn.New(CodeOpenBasin, "%s: the loss does not curve upward in batch size: no batch optimum located", where))
	}
	u, v := l.u, l.v
	if !l.lrOK {
		u = bp.u
	}
	if !l.bOK {
		v = bp.v
	}
	o.Loss = l.bowl.at(u, v)
	if l.lrOK {
		o.LRLocated = true
		o.LR = g.lr0 * math.Exp2(u)
		o.PenaltyLR = l.bowl.C[3]
		if atEdge(u, g.uRange) {
			o.LRAtEdge = true
			ws = append(ws, warn.New(CodeEdgeOptimum, "%s: the optimal lr %s is at or beyond the edge of the values tried (%s to %s); left out of the lr law: extend the sweep past it",
				where, format.Float(o.LR, 3), format.Float(o.LRRange[0], 3), format.Float(o.LRRange[1], 3)))
		}
	}
	if l.bOK {
		o.BatchLocated = true
		o.Batch = g.batch0 * math.Exp2(v)
		o.PenaltyBatch = l.bowl.C[4]
		if atEdge(v, g.vRange) {
			o.BatchAtEdge = true
			ws = append(ws, warn.New(CodeEdgeOptimum, "%s: the optimal batch %s tokens is at or beyond the edge of the values tried (%s to %s); left out of the batch law: extend the sweep past it",
				where, format.Count(o.Batch), format.Count(o.BatchRange[0]), format.Count(o.BatchRange[1])))
		}
	}
	return o, ws
}

// medianPenalty returns the median over groups of a penalty (nats) and of the penalty relative
// to the group's optimal loss; NaN when no group has one.
func medianPenalty(os []Optimum, f func(*Optimum) float64) (abs, rel float64) {
	var a, r []float64
	for i := range os {
		if p := f(&os[i]); !math.IsNaN(p) {
			a = append(a, p)
			r = append(r, p/os[i].Loss)
		}
	}
	if len(a) == 0 {
		return math.NaN(), math.NaN()
	}
	return stats.Quantile(a, 0.5), stats.Quantile(r, 0.5)
}

// fitLaw fits ln y = ln coef + a ln N + b ln D over the groups use by least squares. An
// exponent whose variable takes one value over those groups is fixed at 0.
func fitLaw(os []Optimum, use []int, y func(*Optimum) float64, name string) (LawFit, error) {
	xs := make([][3]float64, len(use))
	for k, i := range use {
		xs[k] = [3]float64{math.Log(os[i].Params), math.Log(os[i].Tokens), math.Log(y(&os[i]))}
	}
	lf := LawFit{Groups: len(use)}
	nN, _ := distinct(col(xs, 0))
	nD, _ := distinct(col(xs, 1))
	lf.FixedParams, lf.FixedTokens = nN < 2, nD < 2
	free := 1
	if !lf.FixedParams {
		free++
	}
	if !lf.FixedTokens {
		free++
	}
	if len(use) <= free {
		return lf, fmt.Errorf("the %s law needs the optimum of at least %d (N, D) groups located inside their grids, found %d of %d groups: extend the sweeps past their optima (see the warnings)",
			name, free+1, len(use), len(os))
	}
	p, ok := lsq(xs, nil, lf.FixedParams, lf.FixedTokens)
	if !ok {
		return lf, fmt.Errorf("the %s law: ln N and ln D are collinear over the groups: vary D at fixed N", name)
	}
	lf.PowerLaw = PowerLaw{Coef: math.Exp(p[0]), ExpParams: p[1], ExpTokens: p[2]}
	var ss float64
	for _, x := range xs {
		r := x[2] - (p[0] + p[1]*x[0] + p[2]*x[1])
		ss += r * r
	}
	lf.ResidualSD = math.Sqrt(ss / float64(len(xs)-free))
	return lf, nil
}

func col(xs [][3]float64, j int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x[j]
	}
	return out
}

// lsq solves the least squares of x[2] on [1, x[0], x[1]] (the fixed ones left out), with
// optional row weights; it returns [intercept, coefficient of x[0], of x[1]].
func lsq(xs [][3]float64, w []float64, fixN, fixD bool) ([3]float64, bool) {
	terms := []int{0}
	if !fixN {
		terms = append(terms, 1)
	}
	if !fixD {
		terms = append(terms, 2)
	}
	k := len(terms)
	var a [9]float64
	var rhs [3]float64
	for i, x := range xs {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		f := [3]float64{1, x[0], x[1]}
		for r := 0; r < k; r++ {
			rhs[r] += wi * f[terms[r]] * x[2]
			for c := 0; c < k; c++ {
				a[r*3+c] += wi * f[terms[r]] * f[terms[c]]
			}
		}
	}
	sol, ok := solveSmall(a, rhs, k)
	if !ok {
		return [3]float64{}, false
	}
	var out [3]float64
	for r, t := range terms {
		out[t] = sol[r]
	}
	return out, true
}

// solveSmall solves the k×k system (k ≤ 3, row-major in a with stride 3) by Gaussian
// elimination with partial pivoting.
func solveSmall(a [9]float64, b [3]float64, k int) ([3]float64, bool) {
	scale := 0.0
	for i := 0; i < k; i++ {
		scale = math.Max(scale, math.Abs(a[i*3+i]))
	}
	for c := 0; c < k; c++ {
		p := c
		for r := c + 1; r < k; r++ {
			if math.Abs(a[r*3+c]) > math.Abs(a[p*3+c]) {
				p = r
			}
		}
		if !(math.Abs(a[p*3+c]) > 1e-12*scale) {
			return b, false
		}
		for j := 0; j < k; j++ {
			a[c*3+j], a[p*3+j] = a[p*3+j], a[c*3+j]
		}
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < k; r++ {
			f := a[r*3+c] / a[c*3+c]
			for j := c; j < k; j++ {
				a[r*3+j] -= f * a[c*3+j]
			}
			b[r] -= f * b[c]
		}
	}
	var x [3]float64
	for r := k - 1; r >= 0; r-- {
		t := b[r]
		for j := r + 1; j < k; j++ {
			t -= a[r*3+j] * x[j]
		}
		x[r] = t / a[r*3+r]
	}
	return x, true
}

// bootstrap resamples the runs of every group, relocates every optimum and refits both laws
// over the groups the full fit used; a group whose bowl opens, or whose optimum lands at the
// edge of its grid, in a resample sits that resample out, as the full fit would leave it out.
// It fills the laws' draws and 95% intervals.
func bootstrap(ctx context.Context, res *Result, groups []*group, locs []located, useLR, useBatch []int, h float64, robust bool, opt Options) error {
	type draw struct {
		lr, batch     [3]float64
		lrOK, batchOK bool
	}
	draws := stats.Replicates(opt.Bootstrap, stats.BootstrapOptions{Seed: opt.Seed, Workers: opt.Workers, Progress: opt.Progress},
		func(_ int, rng *rand.Rand) draw {
			var d draw
			if ctx.Err() != nil {
				return d
			}
			var ft fitter
			lr := make([][3]float64, 0, len(useLR))
			bt := make([][3]float64, 0, len(useBatch))
			inLR, inBatch := member(useLR, len(groups)), member(useBatch, len(groups))
			for gi, g := range groups {
				if !inLR[gi] && !inBatch[gi] {
					continue
				}
				cnt := stats.Counts(rng, len(g.pts))
				mult := make([]float64, len(cnt))
				for i, c := range cnt {
					mult[i] = float64(c)
				}
				l, ok := ft.locate(g, mult, h, robust, &locs[gi])
				if !ok {
					continue
				}
				ln, ld := math.Log(g.params), math.Log(g.tokens)
				if inLR[gi] && l.lrOK && !atEdge(l.u, g.uRange) {
					lr = append(lr, [3]float64{ln, ld, math.Log(g.lr0) + l.u*math.Ln2})
				}
				if inBatch[gi] && l.bOK && !atEdge(l.v, g.vRange) {
					bt = append(bt, [3]float64{ln, ld, math.Log(g.batch0) + l.v*math.Ln2})
				}
			}
			if p, ok := lsqMin(lr, res.LR.FixedParams, res.LR.FixedTokens); ok {
				d.lr, d.lrOK = [3]float64{math.Exp(p[0]), p[1], p[2]}, true
			}
			if p, ok := lsqMin(bt, res.Batch.FixedParams, res.Batch.FixedTokens); ok {
				d.batch, d.batchOK = [3]float64{math.Exp(p[0]), p[1], p[2]}, true
			}
			return d
		})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, d := range draws {
		if d.lrOK {
			res.LR.Draws = append(res.LR.Draws, d.lr)
		}
		if d.batchOK {
			res.Batch.Draws = append(res.Batch.Draws, d.batch)
		}
	}
	res.LR.Intervals = intervals(res.LR.Draws)
	res.Batch.Intervals = intervals(res.Batch.Draws)
	if failed := opt.Bootstrap - min(len(res.LR.Draws), len(res.Batch.Draws)); failed > 0 {
		res.Warnings = append(res.Warnings, warn.New(CodeBootstrapFailures, "%d of %d bootstrap resamples could not locate enough optima to refit a law", failed, opt.Bootstrap))
	}
	return nil
}

// CodeBootstrapFailures: some resamples could not be refitted.
const CodeBootstrapFailures = "bootstrap-failures"

// lsqMin is lsq when there are more rows than free constants.
func lsqMin(xs [][3]float64, fixN, fixD bool) ([3]float64, bool) {
	free := 1
	if !fixN {
		free++
	}
	if !fixD {
		free++
	}
	if len(xs) <= free {
		return [3]float64{}, false
	}
	return lsq(xs, nil, fixN, fixD)
}

func member(ix []int, n int) []bool {
	out := make([]bool, n)
	for _, i := range ix {
		out[i] = true
	}
	return out
}

// LawParamNames are the names of a fitted law's constants in JSON and intervals.
var LawParamNames = [3]string{"coef", "exp_params", "exp_tokens"}

func intervals(draws [][3]float64) map[string][2]float64 {
	if len(draws) == 0 {
		return nil
	}
	out := map[string][2]float64{}
	for j, name := range LawParamNames {
		iv, ok := stats.CentralOf(draws, stats.Level95, func(x [3]float64) float64 { return x[j] })
		if ok {
			out[name] = iv.Pair()
		}
	}
	return out
}
