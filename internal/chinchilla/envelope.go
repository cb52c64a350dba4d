package chinchilla

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// EnvelopeFit selects which envelope points enter the power-law regression of Envelope.
type EnvelopeFit string

// Envelope regression modes.
const (
	// EnvelopeFitGrid regresses over every compute grid value (as Hoffmann et al. 2022 did):
	// a run that holds the envelope over a long compute span gets proportionally more weight.
	EnvelopeFitGrid EnvelopeFit = "grid"
	// EnvelopeFitSegments regresses one point per contiguous envelope segment (a run holding
	// the minimum over consecutive grid values), placed at the segment's log-midpoint compute.
	EnvelopeFitSegments EnvelopeFit = "segments"
)

// EnvelopeOptions configures Envelope. The zero value is usable; defaults are given per field.
type EnvelopeOptions struct {
	// GridPoints is the number of log-spaced compute values (default 1500).
	GridPoints int
	// MinFLOPs, MaxFLOPs restrict the compute grid (FLOPs); 0 = the data's range.
	MinFLOPs, MaxFLOPs float64
	// Fit is "grid" (default) or "segments".
	Fit EnvelopeFit
	// PlotPoints is the number of envelope points kept in EnvelopeResult.Points (default 200;
	// segment boundaries are always kept).
	PlotPoints int
	// Bootstrap is the number of replicates resampling run ids with replacement (default 0).
	Bootstrap int
	// Seed seeds the bootstrap (PCG stream (Seed, i) for replicate i); results do not depend
	// on Workers.
	Seed uint64
	// Workers bounds bootstrap parallelism (default GOMAXPROCS).
	Workers int
	// Level is the two-sided interval level (default 0.95).
	Level float64
	// MinSizes is the number of distinct model sizes the envelope must hold for the
	// exponent to be fitted (default 3): through two sizes any line fits.
	MinSizes int
	// MinShare is the share of the envelope's grid values a size must hold to enter the
	// regression (default 0.02): a size that wins only a sliver of compute is a stray
	// segment (noise, a crossing), not the optimum moving.
	MinShare float64
}

func (o EnvelopeOptions) withDefaults() (EnvelopeOptions, error) {
	if o.GridPoints <= 0 {
		o.GridPoints = 1500
	}
	if o.GridPoints < 2 {
		o.GridPoints = 2
	}
	if o.Fit == "" {
		o.Fit = EnvelopeFitGrid
	}
	if o.Fit != EnvelopeFitGrid && o.Fit != EnvelopeFitSegments {
		return o, fmt.Errorf("envelope: fit %q: want grid or segments", o.Fit)
	}
	if o.PlotPoints <= 0 {
		o.PlotPoints = 200
	}
	if o.MinSizes <= 0 {
		o.MinSizes = 3
	}
	if o.MinShare <= 0 {
		o.MinShare = 0.02
	}
	return o, bootstrapDefaults("envelope", &o.Workers, &o.Level, o.Bootstrap)
}

// EnvelopePoint is one point of the loss envelope: at compute C (FLOPs) the lowest loss
// (nats/token) over all runs is reached by run Run with N params, trained for D = C/(6N) tokens.
type EnvelopePoint struct {
	C, N, D, Loss float64
	Run           string
}

// EnvelopeResult is the outcome of Envelope. The fitted laws are N_opt(C) = K·C^A (params) and
// D_opt(C) = KD·C^B (tokens), C in FLOPs.
type EnvelopeResult struct {
	// PowerLaws: N_opt = K C^A and D_opt = KD C^B fitted through the envelope, with R² and
	// bootstrap intervals over runs (BootstrapOK counts replicates with >= 2 distinct sizes
	// on the envelope).
	PowerLaws
	Points   []EnvelopePoint // envelope thinned for plotting, increasing C
	Segments int             // contiguous envelope segments (run changes + 1)
	Sizes    int             // distinct N on the envelope
	Runs     int             // runs in the input
	// Trimmed is true when the envelope starts where the first run ends (not at the data's
	// smallest compute): below it every run is still training.
	Trimmed  bool
	Warnings []warn.Warning
	Options  EnvelopeOptions // options after defaults
}

// envRun is one training curve: ln C ascending with losses.
type envRun struct {
	id     string
	n      float64
	lc, ls []float64
}

// lossAt interpolates the curve linearly in (ln C, loss); ok is false outside its range.
func (r *envRun) lossAt(x float64) (float64, bool) {
	k := len(r.lc)
	if x < r.lc[0] || x > r.lc[k-1] {
		return 0, false
	}
	i := sort.SearchFloat64s(r.lc, x)
	if i < k && r.lc[i] == x {
		return r.ls[i], true
	}
	t := (x - r.lc[i-1]) / (r.lc[i] - r.lc[i-1])
	return r.ls[i-1] + t*(r.ls[i]-r.ls[i-1]), true
}

// Envelope runs Chinchilla Approach 1. Points lie on training curves grouped by Point.Run (a
// point with an empty Run is its own run); FLOPs defaults to 6·N·D. At GridPoints log-spaced
// compute values C between the data's smallest and largest compute it takes the lowest loss
// over all runs, each run's curve interpolated linearly in (ln C, loss) within its own range
// (never extrapolated), records that run's N and D = C/(6N), and fits ln N_opt = ln K + A ln C,
// ln D_opt = ln KD + B ln C by least squares. A single-point run is a curve of one point and
// has no curve to interpolate; when every run is a single point (finished runs) the envelope
// is the Pareto frontier of (C, loss) instead (warning "final-points-only"); with a mix, single
// points compete only at grid values equal to their compute, so Approach 1 really needs curves.
//
// Because the runs come in a discrete set of sizes, the envelope's N is a staircase in C:
// each size holds the minimum over a compute span and hands over to the next size. Regressing
// over the grid fits a line through the staircase; with sizes spaced by a factor s the error
// of A is of order ln(s) / ln(C range) and vanishes as sizes get denser. With only 1–2 sizes
// on the envelope A is not identified ("few-sizes-on-envelope").
//
// Bootstrap replicates resample run ids with replacement and rebuild the envelope.
func Envelope(pts []Point, opts EnvelopeOptions) (*EnvelopeResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	// canonical order: ties on the envelope, run order and bootstrap resamples of runs do
	// not depend on the order of the rows
	sorted, perm := canonicalPoints(pts)
	runs, err := envelopeRuns(sorted, perm)
	if err != nil {
		return nil, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range runs {
		lo = math.Min(lo, r.lc[0])
		hi = math.Max(hi, r.lc[len(r.lc)-1])
	}
	if o.MinFLOPs > 0 {
		lo = math.Max(lo, math.Log(o.MinFLOPs))
	}
	if o.MaxFLOPs > 0 {
		hi = math.Min(hi, math.Log(o.MaxFLOPs))
	}
	// Each run's contribution is trimmed to its own compute range (never extrapolated), and
	// the envelope starts where the first run ends: below that every run is still in
	// training (warm-up, an unfinished schedule), and whichever early checkpoint is lowest
	// would draw a staircase that says nothing about the optimal size.
	firstEnd := math.Inf(1)
	for _, r := range runs {
		if len(r.lc) > 1 {
			firstEnd = math.Min(firstEnd, r.lc[len(r.lc)-1])
		}
	}
	trimmed := false
	if !math.IsInf(firstEnd, 0) && firstEnd > lo && firstEnd < hi && o.MinFLOPs == 0 {
		lo, trimmed = firstEnd, true
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("envelope: compute range [%.3g, %.3g] FLOPs is empty", math.Exp(lo), math.Exp(hi))
	}
	grid := make([]float64, o.GridPoints)
	for i := range grid {
		grid[i] = lo + (hi-lo)*float64(i)/float64(len(grid)-1)
	}
	grid[len(grid)-1] = hi

	env := buildEnvelope(runs, grid)
	res := &EnvelopeResult{Runs: len(runs), Options: o, Trimmed: trimmed}
	env, stray := dropStray(env, o.MinShare)
	if len(stray) > 0 {
		res.Warnings = append(res.Warnings, warn.New(CodeStrayEnvelope, "%d size(s) held the envelope over less than %.0f%% of its compute range and were left out of the fit (stray segments): N = %s", len(stray), 100*o.MinShare, formatSizes(stray)))
	}
	if len(env) > 0 && len(runs) > 0 && allSingle(runs) {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeFinalPointsOnly, Msg: "one point per run: the envelope is the Pareto frontier of (compute, loss) over finished runs, which follows the sampled sizes and lengths more than the optimum; pass loss curves for Approach 1"})
	}
	fit, sizes, segs, ok := fitEnvelope(env, o.Fit)
	res.Sizes, res.Segments = sizes, segs
	if sizes < o.MinSizes {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeFewSizesEnvelope, Msg: fmt.Sprintf("the envelope is held by %d distinct model size(s): the exponent a is not identified", sizes)})
		return res, fmt.Errorf("envelope: %d distinct size(s) on the envelope, want at least %d: through fewer any line fits, so N_opt against C is not identified", sizes, o.MinSizes)
	}
	if !ok {
		return res, fmt.Errorf("envelope: %d distinct size(s) on the envelope: cannot fit N_opt against C", sizes)
	}
	res.A, res.B, res.K, res.KD, res.R2A, res.R2B = fit.a, fit.b, math.Exp(fit.lnK), math.Exp(fit.lnKD), fit.r2a, fit.r2b
	res.Points = thinEnvelope(env, o.PlotPoints)

	if o.Bootstrap > 0 {
		reps := bootstrapFits(o.Bootstrap, stats.BootstrapOptions{Seed: o.Seed, Workers: o.Workers}, func(rng *rand.Rand) (powerFit, bool) {
			rs := make([]*envRun, len(runs))
			for j := range rs {
				rs[j] = runs[rng.IntN(len(runs))]
			}
			e, _ := dropStray(buildEnvelope(rs, grid), o.MinShare)
			f, sizes, _, ok := fitEnvelope(e, o.Fit)
			return f, ok && sizes >= o.MinSizes
		})
		res.BootstrapOK = len(reps)
		if len(reps) < o.Bootstrap {
			res.Warnings = append(res.Warnings, warn.Warning{Code: CodeBootstrapFailures, Msg: fmt.Sprintf("%d of %d bootstrap replicates had < 2 sizes on the envelope and were skipped", o.Bootstrap-len(reps), o.Bootstrap)})
		}
		res.PowerLaws.intervals(reps, o.Level)
	}
	return res, nil
}

// CodeFinalPointsOnly flags an envelope built from one point per run (no curves).
const CodeFinalPointsOnly = "final-points-only"

// CodeStrayEnvelope flags sizes left out of the envelope fit for holding too little of it.
const CodeStrayEnvelope = "stray-envelope-segments"

// dropStray removes the cells of sizes that hold less than share of the envelope's cells,
// and returns those sizes (ascending).
func dropStray(env []envCell, share float64) ([]envCell, []float64) {
	if len(env) == 0 {
		return env, nil
	}
	count := map[float64]int{}
	for _, c := range env {
		count[c.run.n]++
	}
	min := share * float64(len(env))
	var stray []float64
	for n, k := range count {
		if float64(k) < min {
			stray = append(stray, n)
		}
	}
	if len(stray) == 0 {
		return env, nil
	}
	sort.Float64s(stray)
	out := make([]envCell, 0, len(env))
	for _, c := range env {
		if float64(count[c.run.n]) >= min {
			out = append(out, c)
		}
	}
	return out, stray
}

func formatSizes(ns []float64) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.3g", n)
	}
	return s
}

func allSingle(runs []*envRun) bool {
	for _, r := range runs {
		if len(r.lc) > 1 {
			return false
		}
	}
	return true
}

// envelopeRuns groups points into curves sorted by compute; perm[i] is point i's index as
// given (for messages and the ids of runless points).
func envelopeRuns(pts []Point, perm []int) ([]*envRun, error) {
	byID := map[string]*envRun{}
	var runs []*envRun
	for k, p := range pts {
		i := perm[k]
		c := p.flops()
		if !(p.Params > 0) || !(c > 0) || !(p.Loss > 0) || math.IsInf(c, 0) || math.IsInf(p.Loss, 0) {
			return nil, fmt.Errorf("envelope: point %d (run %q): params %g, flops %g, loss %g: want positive finite values", i, p.Run, p.Params, c, p.Loss)
		}
		var r *envRun
		if p.Run != "" {
			r = byID[p.Run]
		}
		if r == nil {
			id := p.Run
			if id == "" {
				id = fmt.Sprintf("#%d", i)
			}
			r = &envRun{id: id, n: p.Params}
			runs = append(runs, r)
			if p.Run != "" {
				byID[p.Run] = r
			}
		} else if r.n != p.Params {
			return nil, fmt.Errorf("envelope: point %d: run %q has params %g and %g: want one size per run", i, p.Run, r.n, p.Params)
		}
		r.lc = append(r.lc, math.Log(c))
		r.ls = append(r.ls, p.Loss)
	}
	for _, r := range runs {
		idx := make([]int, len(r.lc))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return r.lc[idx[a]] < r.lc[idx[b]] })
		lc, ls := make([]float64, 0, len(idx)), make([]float64, 0, len(idx))
		for _, i := range idx {
			if k := len(lc); k > 0 && lc[k-1] == r.lc[i] { // repeated compute: keep the lower loss
				ls[k-1] = math.Min(ls[k-1], r.ls[i])
				continue
			}
			lc, ls = append(lc, r.lc[i]), append(ls, r.ls[i])
		}
		r.lc, r.ls = lc, ls
	}
	return runs, nil
}

// envCell is the envelope at one grid value; run is nil where no curve covers it.
type envCell struct {
	x    float64 // ln C
	loss float64
	run  *envRun
}

// buildEnvelope evaluates the envelope on the grid. When every run is a single point (finished
// runs, no curves) it returns instead the Pareto frontier within the grid's range: runs, in
// increasing compute, whose loss is below that of every run of smaller or equal compute.
func buildEnvelope(runs []*envRun, grid []float64) []envCell {
	if allSingle(runs) {
		return paretoFrontier(runs, grid[0], grid[len(grid)-1])
	}
	env := make([]envCell, 0, len(grid))
	for _, x := range grid {
		cell := envCell{x: x}
		for _, r := range runs {
			if l, ok := r.lossAt(x); ok && (cell.run == nil || l < cell.loss) {
				cell.loss, cell.run = l, r
			}
		}
		if cell.run != nil {
			env = append(env, cell)
		}
	}
	return env
}

func paretoFrontier(runs []*envRun, lo, hi float64) []envCell {
	rs := make([]*envRun, 0, len(runs))
	for _, r := range runs {
		if r.lc[0] >= lo && r.lc[0] <= hi {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].lc[0] != rs[j].lc[0] {
			return rs[i].lc[0] < rs[j].lc[0]
		}
		return rs[i].ls[0] < rs[j].ls[0]
	})
	var env []envCell
	for _, r := range rs {
		if len(env) == 0 || r.ls[0] < env[len(env)-1].loss {
			if len(env) > 0 && env[len(env)-1].x == r.lc[0] {
				continue
			}
			env = append(env, envCell{x: r.lc[0], loss: r.ls[0], run: r})
		}
	}
	return env
}

// fitEnvelope regresses ln N and ln D = ln(C/6N) on ln C; ok is false with < 2 distinct sizes.
func fitEnvelope(env []envCell, mode EnvelopeFit) (f powerFit, sizes, segments int, ok bool) {
	distinct := map[float64]bool{}
	var x, yn, yd []float64
	add := func(lc, n float64) {
		x = append(x, lc)
		yn = append(yn, math.Log(n))
		yd = append(yd, lc-math.Log(6*n))
	}
	start := 0
	for i, c := range env {
		distinct[c.run.n] = true
		if mode == EnvelopeFitGrid {
			add(c.x, c.run.n)
		}
		if i == len(env)-1 || env[i+1].run != c.run {
			segments++
			if mode == EnvelopeFitSegments {
				add((env[start].x+c.x)/2, c.run.n)
			}
			start = i + 1
		}
	}
	sizes = len(distinct)
	if sizes < 2 {
		return f, sizes, segments, false
	}
	f, ok = logLogFit(x, yn, yd)
	return f, sizes, segments, ok
}

// thinEnvelope keeps about max evenly spaced cells plus the first and last cell of every segment.
func thinEnvelope(env []envCell, max int) []EnvelopePoint {
	step := (len(env) + max - 1) / max
	if step < 1 {
		step = 1
	}
	var out []EnvelopePoint
	for i, c := range env {
		boundary := i == 0 || i == len(env)-1 || env[i-1].run != c.run || env[i+1].run != c.run
		if i%step == 0 || boundary {
			cc := math.Exp(c.x)
			out = append(out, EnvelopePoint{C: cc, N: c.run.n, D: cc / (6 * c.run.n), Loss: c.loss, Run: c.run.id})
		}
	}
	return out
}
