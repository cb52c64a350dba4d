package versus

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Group is one set of runs to compare. Params, Tokens, FLOPs and Loss have one entry per
// run: N (active parameters for mixture-of-experts runs), D training tokens, C training
// FLOPs (6ND when not measured) and the final loss in nats/token. TotalParams, when not
// nil, holds each run's total parameter count (the memory a mixture-of-experts model
// needs); it is reported beside compute and never fitted.
type Group struct {
	Name                        string
	Params, Tokens, FLOPs, Loss []float64
	TotalParams                 []float64
	// Granularity, when not nil, holds each run's mixture-of-experts granularity G (the dense
	// FFN width over an expert's); a group whose G varies is fitted with Krajewski et al.'s
	// GranularityLaw and its frontier taken at its largest sampled G.
	Granularity []float64
	// Budgets, when not nil, holds each run's IsoFLOP budget (FLOPs; 0 = none), used by
	// FrontierIsoFLOP; nil clusters the runs' FLOPs.
	Budgets []float64
}

// Options configure Compare. The zero value compares every group against the first one
// with independent fits and no bootstrap.
type Options struct {
	// Reference names the group the others are measured against; "" is the first group.
	Reference string
	// SharedE fits one irreducible loss E across all groups (a joint fit in which each group
	// keeps its own A, B, α, β): the asymptote of one data set does not depend on the
	// architecture, and sharing it steadies the multiplier.
	SharedE bool
	// Budgets are the compute budgets (FLOPs) of the multiplier table; nil chooses decades
	// across the groups' common compute range and beyond it up to 1e25 (DefaultBudgets).
	Budgets []float64
	// CrossoverMax is the largest compute (FLOPs) searched for a crossover; 0 means the
	// largest budget.
	CrossoverMax float64
	// Bootstrap is the number of resamples (0: no intervals); each resamples runs with
	// replacement within each group. Seed seeds it.
	Bootstrap int
	Seed      uint64
	// MinRuns is the fewest runs a group needs to be fitted; 0 means 8. Smaller groups are
	// left out with a warning (an error for the reference).
	MinRuns int
	// Frontier is the estimator of each group's frontier: FrontierApproach3 (""; the
	// Approach-3 law's frontier) or FrontierIsoFLOP (a fit of E + K (C/6)^(−γ) to the
	// IsoFLOP minima, for runs that sweep sizes at fixed budgets but that the parametric law
	// describes poorly).
	Frontier string
	// Fit holds the Approach-3 options (robust loss, search, workers); its Bootstrap and
	// Seed are ignored.
	Fit chinchilla.FitOptions
	// IsoFLOP holds the IsoFLOP options (vertex, budget tolerance) of FrontierIsoFLOP; its
	// Bootstrap and Seed are ignored.
	IsoFLOP chinchilla.IsoFLOPOptions
}

// Interval is a 95% percentile interval; an end may be infinite (a multiplier whose
// resamples never reach the loss, or a crossover beyond the searched range).
type Interval = stats.Interval

// Estimators of the loss-optimal frontier (Options.Frontier). FrontierAuto takes
// Approach 3 unless its frontier misses some group's IsoFLOP minima (CodeFrontierMisfit)
// and every group has IsoFLOP minima to fit, then FrontierIsoFLOP for all groups (one
// estimator for every group, so that the multipliers compare like with like);
// Result.Frontier and Result.FrontierReason say which and why.
const (
	FrontierAuto      = "auto"
	FrontierApproach3 = "approach3"
	FrontierIsoFLOP   = "isoflop"
)

// Exponent indices of GroupFit.Exponents and Draw.Exponents.
const (
	ExpAlpha = iota // α of L(N, D) (Approach 3 only)
	ExpBeta         // β (Approach 3 only)
	ExpA            // a of N_opt ∝ C^a
	ExpB            // b of D_opt ∝ C^b
	ExpSlope        // γ of L* − E ∝ C^(−γ)
	numExp
)

// Draw is one bootstrap resample's frontier, exponents (NaN where the estimator has none)
// and compute-optimal N_opt = NK C^NA.
type Draw struct {
	Frontier  Frontier
	Exponents [numExp]float64
	NK, NA    float64
}

// GroupFit is one group's fitted law and what it covers.
type GroupFit struct {
	Group string
	Runs  int
	// Law is the group's Approach-3 law (with the shared E under Options.SharedE); zero
	// under FrontierIsoFLOP.
	Law chinchilla.Law
	// Frontier is L*(C) (FLOPs to nats/token); Exponents α, β, a, b, γ (NaN where the
	// estimator has none); N_opt = NK C^NA params.
	Frontier  Frontier
	Exponents [numExp]float64
	NK, NA    float64
	// Budgets is the number of IsoFLOP budgets the frontier rests on (FrontierIsoFLOP).
	Budgets int
	// Granularity is the group's fitted GranularityLaw (nil unless its runs' granularity
	// varies); the frontier is then Granularity.At(GranularityAt), GranularityAt the
	// largest granularity among the group's runs.
	Granularity   *GranularityLaw
	GranularityAt float64
	Converged     bool
	// FLOPsRange is the lowest and highest training compute of the group's runs.
	FLOPsRange [2]float64
	// Intervals holds 95% intervals of "E", "alpha", "beta", "a", "b" and "slope" (γ),
	// those the estimator has.
	Intervals map[string]Interval
	// Draws are the bootstrap resamples, in resample order.
	Draws []Draw
	// MemoryFactor is the median ratio of total to active parameters (mixture-of-experts
	// runs); 0 without a total-parameter column.
	MemoryFactor float64
}

// Point is one row of the multiplier table.
type Point struct {
	// FLOPs is the reference's compute C; Value is m(C) (+Inf when the group never reaches
	// the reference's loss); Interval its 95% interval (nil without bootstrap).
	FLOPs, Value float64
	Interval     *Interval
	// Loss is the reference's frontier loss L*_ref(C) (nats/token).
	Loss float64
	// Extrapolated is true when C lies outside the reference's run compute range or m·C
	// outside the group's.
	Extrapolated bool
	// MemoryRatio is the group's compute-optimal total parameters at m·C over the
	// reference's at C, when both groups have total-parameter columns (else 0).
	MemoryRatio float64
	// Unsupported says why the multiplier is not supported by the fits ("" when it is): a
	// group's fit did not converge, or the value lies outside [MinSupported, MaxSupported].
	// An unsupported multiplier is shown but never drives a verdict, trend or headline.
	Unsupported string
}

// A multiplier outside [MinSupported, MaxSupported] is unsupported: a design a thousand
// times cheaper or dearer than another at matched loss is a fit running away (an E near the
// reference's frontier, exponents far apart), not a measurement.
const (
	MinSupported = 1e-3
	MaxSupported = 1e3
)

// supported reports whether the points' verdicts may rest on p.
func (p Point) supported() bool { return p.Unsupported == "" }

// Crossover is the compute at which the group's frontier crosses the reference's.
type Crossover struct {
	FLOPs float64
	// Interval is the 95% interval over resamples (nil without bootstrap); resamples that do
	// not cross within the searched range (from the start of the groups' common compute
	// range to CrossoverMax) count as crossing beyond it (+Inf, or 0 when the order is
	// already reversed at its lower end).
	Interval *Interval
	// Share is the fraction of resamples that cross within the searched range.
	Share float64
	// Extrapolated is true when the crossover lies beyond the compute both groups' runs
	// cover.
	Extrapolated bool
	// BetterAbove names the group whose frontier is lower above the crossover.
	BetterAbove string
}

// Exponent is the difference of one exponent between the group and the reference.
type Exponent struct {
	// Name is "alpha", "beta", "a" (N_opt ∝ C^a), "b" (D_opt ∝ C^b) or "slope" (γ).
	Name                   string
	Reference, Group, Diff float64 // Diff = Group − Reference
	Interval               *Interval
}

// Comparison is one group measured against the reference.
type Comparison struct {
	Group       string
	Multipliers []Point
	Crossover   *Crossover
	Exponents   []Exponent
	// Trend is "narrowing", "widening", "steady" or "crossing": how |ln m| changes across
	// the budgets inside the common compute range (see trend).
	Trend string
}

// Result is a comparison of groups.
type Result struct {
	Reference string
	SharedE   bool
	// E and EInterval are the shared irreducible loss and its interval (SharedE only).
	E         float64
	EInterval *Interval
	// Frontier is the estimator of every frontier (FrontierApproach3 or FrontierIsoFLOP);
	// FrontierReason says why FrontierAuto chose it ("" when it was asked for).
	Frontier       string
	FrontierReason string
	Budgets        []float64
	CrossoverMax   float64
	Fits           []GroupFit
	Comparisons    []Comparison
	Resamples      int
	Warnings       []warn.Warning
}

// Warning codes of Compare.
const (
	CodeTooFewRuns   = "group-too-small"
	CodeNoOverlap    = "no-compute-overlap"
	CodeNotConverged = "not-converged"
	CodeUnsupported  = "unsupported-multiplier"
	CodeUnreachable  = "unreachable-loss"
	CodeFitFailed    = "group-fit-failed"
	// CodeFrontierMisfit: the Approach-3 frontier misses the group's IsoFLOP minima.
	CodeFrontierMisfit = "frontier-misfit"
)

// misfitTolerance is the mean |ln L*(C) − ln L_min(C)| over a group's IsoFLOP minima above
// which the Approach-3 frontier is flagged (CodeFrontierMisfit). Measured: 0.15–0.46% on
// 15 synthetic groups drawn from the law with 0.5% log-loss noise (synth.VersusLaws, 7
// budgets x 7 sizes); 1.1–3.0% on 8 of Porian et al.'s 10 RefinedWeb settings (the two
// cosine-decay settings stay under 1%).
const misfitTolerance = 0.01

// frontierMisfit returns the mean absolute log gap between a frontier and the group's
// IsoFLOP minima, and how many minima there are (0 when the runs have no usable budgets).
func frontierMisfit(fr Frontier, g Group, o chinchilla.IsoFLOPOptions) (float64, int) {
	m, err := isoMinima(g, nil, o)
	if err != nil {
		return 0, 0
	}
	s := 0.0
	for i, c := range m.c {
		s += math.Abs(math.Log(fr.Loss(c)) - math.Log(m.loss[i]))
	}
	return s / float64(len(m.c)), len(m.c)
}

// ErrNoComparison is returned (wrapped) when fewer than two groups can be fitted.
var ErrNoComparison = errors.New("nothing to compare")

// Compare fits every group's loss-optimal frontier with Chinchilla's Approach 3 and
// measures each group against the reference.
func Compare(groups []Group, opts Options) (*Result, error) {
	if opts.MinRuns <= 0 {
		opts.MinRuns = 8
	}
	if opts.Bootstrap < 0 {
		return nil, fmt.Errorf("versus: bootstrap %d: want 0 or more resamples", opts.Bootstrap)
	}
	if len(groups) < 2 {
		return nil, fmt.Errorf("versus: %d group(s): %w (want at least two groups)", len(groups), ErrNoComparison)
	}
	ref := opts.Reference
	if ref == "" {
		ref = groups[0].Name
	}
	ri := slices.IndexFunc(groups, func(g Group) bool { return g.Name == ref })
	if ri < 0 {
		var names []string
		for _, g := range groups {
			names = append(names, g.Name)
		}
		return nil, fmt.Errorf("versus: reference group %q not found: want one of %s", ref, strings.Join(names, ", "))
	}
	groups = slices.Clone(groups)
	for i, g := range groups {
		if g.Granularity != nil && len(g.Granularity) != len(g.Loss) {
			return nil, fmt.Errorf("versus: group %q: %d granularities for %d runs", g.Name, len(g.Granularity), len(g.Loss))
		}
		if opts.SharedE && len(g.Granularity) > 0 && slices.Min(g.Granularity) != slices.Max(g.Granularity) {
			return nil, fmt.Errorf("versus: a shared E is not supported with the granularity law (group %q has a varying granularity)", g.Name)
		}
		if len(g.Params) != len(g.Loss) || len(g.Tokens) != len(g.Loss) || len(g.FLOPs) != len(g.Loss) ||
			(g.Budgets != nil && len(g.Budgets) != len(g.Loss)) || (g.TotalParams != nil && len(g.TotalParams) != len(g.Loss)) {
			return nil, fmt.Errorf("versus: group %q: columns of different lengths", g.Name)
		}
		groups[i] = g.canonical()
	}
	auto := false
	switch opts.Frontier {
	case "":
		opts.Frontier = FrontierApproach3
	case FrontierAuto:
		opts.Frontier, auto = FrontierApproach3, true
	case FrontierApproach3, FrontierIsoFLOP:
	default:
		return nil, fmt.Errorf("versus: frontier %q: want %q, %q or %q", opts.Frontier, FrontierAuto, FrontierApproach3, FrontierIsoFLOP)
	}
	res := &Result{Reference: ref, SharedE: opts.SharedE, Frontier: opts.Frontier, Resamples: opts.Bootstrap}
	// The reference first, then the others by name: the fits (a joint fit with a shared
	// E, each group's bootstrap stream) do not depend on the order the groups came in.
	// Fits and comparisons are listed in that order at the end.
	order := append([]Group{groups[ri]}, slices.Delete(slices.Clone(groups), ri, ri+1)...)
	slices.SortStableFunc(order[1:], func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	var kept []Group
	for i, g := range order {
		if len(g.Loss) < opts.MinRuns {
			if i == 0 {
				return nil, fmt.Errorf("versus: reference group %q has %d runs: too few to fit (want at least %d)", g.Name, len(g.Loss), opts.MinRuns)
			}
			res.Warnings = append(res.Warnings, warn.Warning{Code: CodeTooFewRuns, Group: g.Name,
				Msg: fmt.Sprintf("%d runs, too few to fit a frontier (want at least %d): left out of the comparison", len(g.Loss), opts.MinRuns)})
			continue
		}
		kept = append(kept, g)
	}
	fits, err := fitGroups(kept, opts, res)
	if err != nil {
		return nil, err
	}
	if auto {
		fits = autoFrontier(kept, fits, opts, res)
	}
	if len(fits) < 2 {
		return nil, fmt.Errorf("versus: only group %q could be fitted: %w", ref, ErrNoComparison)
	}
	res.Fits = fits
	res.Budgets = opts.Budgets
	if len(res.Budgets) == 0 {
		res.Budgets = DefaultBudgets(fits)
	}
	res.CrossoverMax = opts.CrossoverMax
	if res.CrossoverMax <= 0 {
		res.CrossoverMax = slices.Max(res.Budgets)
	}
	for _, f := range fits[1:] {
		res.Comparisons = append(res.Comparisons, compareTo(fits[0], f, res))
	}
	// back in the order the groups came in
	pos := map[string]int{}
	for i, g := range groups {
		pos[g.Name] = i
	}
	slices.SortStableFunc(res.Fits[1:], func(a, b GroupFit) int { return cmp.Compare(pos[a.Group], pos[b.Group]) })
	slices.SortStableFunc(res.Comparisons, func(a, b Comparison) int { return cmp.Compare(pos[a.Group], pos[b.Group]) })
	return res, nil
}

// autoFrontier refits every group on its IsoFLOP minima when the Approach-3 frontier
// misses some group's minima and every group has minima to fit (FrontierAuto).
func autoFrontier(gs []Group, fits []GroupFit, opts Options, res *Result) []GroupFit {
	var misfit []string
	for _, w := range res.Warnings {
		if w.Code == CodeFrontierMisfit {
			misfit = append(misfit, w.Group)
		}
	}
	if len(misfit) == 0 {
		with := 0
		for _, g := range gs {
			if _, err := isoMinima(g, nil, opts.IsoFLOP); err == nil {
				with++
			}
		}
		if with == 0 {
			res.FrontierReason = "auto: Approach 3 (no group has IsoFLOP budgets to check its frontier against)"
		} else {
			res.FrontierReason = fmt.Sprintf("auto: Approach 3, whose frontier follows the IsoFLOP minima within 1%% for the %d of %d groups that have them", with, len(gs))
		}
		return fits
	}
	var kept []Group
	for _, g := range gs {
		if slices.ContainsFunc(fits, func(f GroupFit) bool { return f.Group == g.Name }) {
			if len(g.Granularity) > 0 && slices.Min(g.Granularity) != slices.Max(g.Granularity) {
				res.FrontierReason = "auto: Approach 3 (the granularity law has no IsoFLOP counterpart), although its frontier misses the IsoFLOP minima of " + strings.Join(misfit, ", ")
				return fits
			}
			if _, err := isoMinima(g, nil, opts.IsoFLOP); err != nil {
				res.FrontierReason = fmt.Sprintf("auto: Approach 3, although its frontier misses the IsoFLOP minima of %s: group %q has none to fit (%v)", strings.Join(misfit, ", "), g.Name, err)
				return fits
			}
			kept = append(kept, g)
		}
	}
	iso := opts
	iso.Frontier = FrontierIsoFLOP
	r2 := &Result{}
	fits2, err := fitGroups(kept, iso, r2)
	if err != nil || len(fits2) != len(fits) {
		res.FrontierReason = "auto: Approach 3, although its frontier misses the IsoFLOP minima of " + strings.Join(misfit, ", ") + "; the IsoFLOP frontiers could not be fitted"
		return fits
	}
	// keep the warnings that are not about the Approach-3 fits, then the IsoFLOP fits' own
	var ws []warn.Warning
	for _, w := range res.Warnings {
		if w.Code == CodeTooFewRuns || w.Code == CodeFitFailed || w.Code == CodeFrontierMisfit {
			ws = append(ws, w)
		}
	}
	res.Warnings = append(ws, r2.Warnings...)
	res.E, res.EInterval = r2.E, r2.EInterval
	res.Frontier = FrontierIsoFLOP
	res.FrontierReason = "auto: IsoFLOP minima, because the Approach-3 frontier misses those of " + strings.Join(misfit, ", ") + " by more than 1%"
	return fits2
}

// DefaultBudgets are the decades 10^k within the groups' common compute range (the nearest
// decade when none falls inside it) and the decades above it up to 1e25 (two decades
// beyond the data when they reach 1e23 or more).
func DefaultBudgets(fits []GroupFit) []float64 {
	lo, hi := 0.0, math.Inf(1)
	for _, f := range fits {
		lo = math.Max(lo, f.FLOPsRange[0])
		hi = math.Min(hi, f.FLOPsRange[1])
	}
	if lo > hi { // no overlap: the range between them
		lo, hi = hi, lo
	}
	k0 := int(math.Ceil(math.Log10(lo) - 1e-9))
	k1 := int(math.Floor(math.Log10(hi) + 1e-9))
	if k1 < k0 {
		k0 = int(math.Round(math.Log10(math.Sqrt(lo * hi))))
		k1 = k0
	}
	top := max(25, k1+2)
	var out []float64
	for k := k0; k <= top; k++ {
		out = append(out, math.Pow(10, float64(k)))
	}
	return out
}

// fitGroups fits each group (independently, or jointly with a shared E) and bootstraps.
func fitGroups(gs []Group, opts Options, res *Result) ([]GroupFit, error) {
	var fits []GroupFit
	var kept []Group
	for i, g := range gs {
		f, ws, err := fitOne(g, i, opts)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("versus: reference group %q: %w", g.Name, err)
			}
			res.Warnings = append(res.Warnings, warn.Warning{Code: CodeFitFailed, Group: g.Name,
				Msg: fmt.Sprintf("could not be fitted (%v): left out of the comparison", err)})
			continue
		}
		for _, w := range ws {
			res.Warnings = append(res.Warnings, warn.Warning{Code: w.Code, Group: g.Name, Msg: w.Msg})
		}
		if g.TotalParams != nil {
			f.MemoryFactor = medianRatio(g.TotalParams, g.Params)
		}
		fits = append(fits, f)
		kept = append(kept, g)
	}
	if len(fits) < 2 {
		return fits, nil
	}
	if opts.SharedE {
		if err := fitShared(kept, fits, opts, res); err != nil {
			return nil, err
		}
	}
	for i := range fits {
		if !fits[i].Converged {
			res.Warnings = append(res.Warnings, warn.Warning{Code: CodeNotConverged, Group: fits[i].Group,
				Msg: "the frontier fit did not converge; its multipliers are unreliable"})
		}
		fits[i].Intervals = drawIntervals(fits[i].Draws)
	}
	return fits, nil
}

// a3Draw is the frontier, exponents and N_opt of a Chinchilla law.
func a3Draw(l chinchilla.Law) Draw {
	g := l.G()
	return Draw{Frontier: Of(l), Exponents: [numExp]float64{l.Alpha, l.Beta, l.ExponentA(), l.ExponentB(), Slope(l)},
		NK: g * math.Pow(6, -l.ExponentA()), NA: l.ExponentA()}
}

func (f *GroupFit) set(d Draw) {
	f.Frontier, f.Exponents, f.NK, f.NA = d.Frontier, d.Exponents, d.NK, d.NA
}

// fitOne fits one group's frontier (with its own bootstrap unless E is shared).
func fitOne(g Group, i int, opts Options) (GroupFit, []warn.Warning, error) {
	f := GroupFit{Group: g.Name, Runs: len(g.Loss), FLOPsRange: [2]float64{slices.Min(g.FLOPs), slices.Max(g.FLOPs)}}
	var ws []warn.Warning
	boot := opts.Bootstrap
	if opts.SharedE {
		boot = 0
	}
	if opts.Frontier == FrontierIsoFLOP {
		m, err := isoMinima(g, nil, opts.IsoFLOP)
		if err != nil {
			return f, nil, err
		}
		ws = append(ws, m.diags...)
		d, conv, err := m.fit(opts.Fit, nil)
		if err != nil {
			return f, nil, err
		}
		f.set(d)
		f.Converged, f.Budgets = conv, len(m.c)
		if boot > 0 {
			f.Draws = isoBootstrap(g, m, d, boot, groupSeed(opts.Seed, i), opts)
			if n := boot - len(f.Draws); n > 0 {
				ws = append(ws, warn.New("bootstrap-failures", "%d of %d bootstrap resamples had too few IsoFLOP budgets and were left out", n, boot))
			}
		}
		return f, ws, nil
	}
	if len(g.Granularity) > 0 && slices.Min(g.Granularity) != slices.Max(g.Granularity) {
		return fitGranGroup(f, g, i, boot, opts)
	}
	fo := opts.Fit
	fo.Bootstrap, fo.Seed = boot, groupSeed(opts.Seed, i)
	r, err := chinchilla.Fit(g.Params, g.Tokens, g.Loss, fo)
	if err != nil {
		return f, nil, err
	}
	f.Law, f.Converged = r.Law, r.Converged
	f.set(a3Draw(r.Law))
	if gap, n := frontierMisfit(f.Frontier, g, opts.IsoFLOP); gap > misfitTolerance {
		ws = append(ws, warn.New(CodeFrontierMisfit, "the Approach-3 frontier misses the %d IsoFLOP minima by %.2g%% on average (log-loss): the parametric law describes these runs poorly; --frontier isoflop fits the minima instead", n, 100*gap))
	}
	for _, l := range r.DrawLaws() {
		f.Draws = append(f.Draws, a3Draw(l))
	}
	ws = append(ws, r.Warnings...)
	return f, ws, nil
}

// fitGranGroup fits the granularity law to a group and bootstraps it.
func fitGranGroup(f GroupFit, g Group, i, boot int, opts Options) (GroupFit, []warn.Warning, error) {
	gl, conv, err := FitGranularity(g.Params, g.Tokens, g.Granularity, g.Loss, opts.Fit, nil, nil)
	if err != nil {
		return f, nil, err
	}
	at := slices.Max(g.Granularity)
	f.Granularity, f.GranularityAt, f.Converged = &gl, at, conv
	f.Law = gl.At(at)
	f.set(a3Draw(f.Law))
	if boot == 0 {
		return f, nil, nil
	}
	out := make([]*Draw, boot)
	stats.ParallelFor(boot, opts.Fit.Workers, func(k int) {
		l, _, err := FitGranularity(g.Params, g.Tokens, g.Granularity, g.Loss, opts.Fit, resample(opts.Seed, i, k, len(g.Loss)), &gl)
		if err != nil {
			return
		}
		d := a3Draw(l.At(at))
		out[k] = &d
	})
	var ws []warn.Warning
	for _, d := range out {
		if d != nil {
			f.Draws = append(f.Draws, *d)
		}
	}
	if n := boot - len(f.Draws); n > 0 {
		ws = append(ws, warn.New("bootstrap-failures", "%d of %d granularity-law bootstrap refits failed and were left out", n, boot))
	}
	return f, ws, nil
}

// groupSeed gives each group its own bootstrap stream, so resamples of different groups
// are independent; i is the group's position in Compare's canonical order (the reference,
// then the others by name), so the order the groups came in does not change it.
func groupSeed(seed uint64, i int) uint64 { return seed + uint64(i)*0x9E3779B97F4A7C15 }

// resample returns the bootstrap counts of resample k of group i's n runs (in the group's
// canonical order).
func resample(seed uint64, i, k, n int) []int {
	return stats.Counts(rand.New(rand.NewPCG(groupSeed(seed, i), uint64(k))), n)
}

// canonical returns g with its runs in canonical order (by params, tokens, loss, FLOPs,
// budget, granularity, total params; fit.CanonicalOrder), so that a group's fits and
// bootstrap resamples do not depend on the order of its rows.
func (g Group) canonical() Group {
	perm := fit.CanonicalOrder(len(g.Loss), g.Params, g.Tokens, g.Loss, g.FLOPs, g.Budgets, g.Granularity, g.TotalParams)
	g.Params, g.Tokens, g.Loss, g.FLOPs = fit.Gather(g.Params, perm), fit.Gather(g.Tokens, perm), fit.Gather(g.Loss, perm), fit.Gather(g.FLOPs, perm)
	g.Budgets, g.Granularity, g.TotalParams = fit.Gather(g.Budgets, perm), fit.Gather(g.Granularity, perm), fit.Gather(g.TotalParams, perm)
	return g
}

// fitShared refits the groups jointly with one E and bootstraps the joint fit.
func fitShared(gs []Group, fits []GroupFit, opts Options, res *Result) error {
	if opts.Frontier == FrontierIsoFLOP {
		return fitSharedIso(gs, fits, opts, res)
	}
	data := make([]groupData, len(gs))
	p := &sharedProblem{groups: len(gs), local: opts.Fit.Local, maxLnE: math.Inf(1)}
	var guesses []float64
	for i, g := range gs {
		data[i] = newGroupData(g)
		p.maxLnE = math.Min(p.maxLnE, slices.Min(data[i].y))
		l := fits[i].Law
		p.starts = append(p.starts, [][]float64{{math.Log(l.A), math.Log(l.B), l.Alpha, l.Beta}})
		guesses = append(guesses, math.Log(l.E))
	}
	build := func(counts [][]int) func(g int, lnE float64) (*fit.LSE, error) {
		return func(g int, lnE float64) (*fit.LSE, error) {
			var c []int
			if counts != nil {
				c = counts[g]
			}
			return data[g].fixedEObjective(lnE, opts.Fit.Loss, c)
		}
	}
	p.build = build(nil)
	sf, err := p.solve(guesses, nil, true)
	if err != nil {
		return err
	}
	res.E = math.Exp(sf.lnE)
	for i, l := range sf.a3Laws() {
		fits[i].Law, fits[i].Converged, fits[i].Draws = l, sf.converged, nil
		fits[i].set(a3Draw(l))
	}
	if opts.Bootstrap == 0 {
		return nil
	}
	full := sf.x
	draws := make([][]Draw, opts.Bootstrap)
	stats.ParallelFor(opts.Bootstrap, opts.Fit.Workers, func(k int) {
		q := *p
		counts := make([][]int, len(gs))
		q.starts = make([][][]float64, len(gs))
		for g := range gs {
			counts[g] = resample(opts.Seed, g, k, len(gs[g].Loss))
			q.starts[g] = append([][]float64{full[g]}, p.starts[g]...)
		}
		q.build = build(counts)
		s, err := q.solve([]float64{sf.lnE}, full, false)
		if err != nil {
			return
		}
		for _, l := range s.a3Laws() {
			draws[k] = append(draws[k], a3Draw(l))
		}
	})
	return collectShared(draws, fits, opts, res)
}

// collectShared stores the shared-E resamples (nil: failed) in the fits and the interval of E.
func collectShared(draws [][]Draw, fits []GroupFit, opts Options, res *Result) error {
	var es []float64
	for _, d := range draws {
		if d == nil {
			continue
		}
		for i := range fits {
			fits[i].Draws = append(fits[i].Draws, d[i])
		}
		es = append(es, d[0].Frontier.E)
	}
	if len(es) > 0 {
		iv := stats.CentralInf(es, 0.95)
		res.EInterval = &iv
	}
	if n := opts.Bootstrap - len(es); n > 0 {
		res.Warnings = append(res.Warnings, warn.New("bootstrap-failures", "%d of %d shared-E bootstrap refits failed and were left out", n, opts.Bootstrap))
	}
	return nil
}

func medianRatio(num, den []float64) float64 {
	var r []float64
	for i := range num {
		if num[i] > 0 && den[i] > 0 {
			r = append(r, num[i]/den[i])
		}
	}
	if len(r) == 0 {
		return 0
	}
	return stats.Quantile(r, 0.5)
}

// ExponentNames name the exponents of GroupFit.Exponents, in index order.
var ExponentNames = [numExp]string{"alpha", "beta", "a", "b", "slope"}

// drawIntervals are the 95% intervals of E and the exponents over draws.
func drawIntervals(draws []Draw) map[string]Interval {
	if len(draws) == 0 {
		return nil
	}
	out := map[string]Interval{}
	for k, name := range ExponentNames {
		v := make([]float64, 0, len(draws))
		for _, d := range draws {
			if x := d.Exponents[k]; !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) > 0 {
			out[name] = stats.CentralInf(v, 0.95)
		}
	}
	v := make([]float64, len(draws))
	for i, d := range draws {
		v[i] = d.Frontier.E
	}
	out["E"] = stats.CentralInf(v, 0.95)
	return out
}

// pairs returns the paired draws of two groups (resample k of each; the groups are
// resampled independently).
func pairs(a, b GroupFit) (as, bs []Draw) {
	n := min(len(a.Draws), len(b.Draws))
	return a.Draws[:n], b.Draws[:n]
}

// point is the multiplier of f against r at cb FLOPs, with its interval over the paired
// draws ra, fa, and the multiplier of each draw pair.
func point(r, f GroupFit, ra, fa []Draw, cb float64) (Point, []float64) {
	const tol = 1e-9
	m := r.Frontier.MultiplierOf(f.Frontier, cb)
	p := Point{FLOPs: cb, Value: m, Loss: r.Frontier.Loss(cb)}
	p.Extrapolated = cb < r.FLOPsRange[0]*(1-tol) || cb > r.FLOPsRange[1]*(1+tol) ||
		math.IsInf(m, 0) || m*cb < f.FLOPsRange[0]*(1-tol) || m*cb > f.FLOPsRange[1]*(1+tol)
	var v []float64
	if len(ra) > 0 {
		v = make([]float64, len(ra))
		for k := range ra {
			v[k] = ra[k].Frontier.MultiplierOf(fa[k].Frontier, cb)
		}
		iv := stats.CentralInf(dropNaN(slices.Clone(v)), 0.95)
		p.Interval = &iv
	}
	if r.MemoryFactor > 0 && f.MemoryFactor > 0 && !math.IsInf(m, 0) {
		p.MemoryRatio = f.NK * math.Pow(m*cb, f.NA) * f.MemoryFactor / (r.NK * math.Pow(cb, r.NA) * r.MemoryFactor)
	}
	return p, v
}

// Curve returns the multiplier of group against the reference at each of cs (FLOPs), with
// intervals when the result has resamples: the band a figure draws.
func (res *Result) Curve(group string, cs []float64) []Point {
	var f *GroupFit
	for i := range res.Fits {
		if res.Fits[i].Group == group {
			f = &res.Fits[i]
		}
	}
	if f == nil || len(res.Fits) == 0 {
		return nil
	}
	r := res.Fits[0]
	ra, fa := pairs(r, *f)
	out := make([]Point, len(cs))
	for i, c := range cs {
		out[i], _ = point(r, *f, ra, fa, c)
	}
	return out
}

// compareTo measures group f against the reference r.
func compareTo(r, f GroupFit, res *Result) Comparison {
	c := Comparison{Group: f.Group}
	ra, fa := pairs(r, f)
	lo := math.Max(r.FLOPsRange[0], f.FLOPsRange[0])
	hi := math.Min(r.FLOPsRange[1], f.FLOPsRange[1])
	if lo > hi {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeNoOverlap, Group: f.Group,
			Msg: fmt.Sprintf("its runs (%.3g to %.3g FLOPs) and the reference %q's (%.3g to %.3g FLOPs) share no compute range: every multiplier is an extrapolation",
				f.FLOPsRange[0], f.FLOPsRange[1], r.Group, r.FLOPsRange[0], r.FLOPsRange[1])})
	}
	unreachable := 0
	perDraw := make([][]float64, len(res.Budgets)) // multiplier per budget per resample
	for i, cb := range res.Budgets {
		p, draws := point(r, f, ra, fa, cb)
		perDraw[i] = draws
		switch {
		case math.IsInf(p.Value, 1):
			unreachable++
		case !r.Converged || !f.Converged:
			who := f.Group
			if !r.Converged {
				who = r.Group
			}
			p.Unsupported = fmt.Sprintf("the fit of %q did not converge", who)
		case !(p.Value >= MinSupported && p.Value <= MaxSupported):
			p.Unsupported = fmt.Sprintf("%.3g is outside [%g, %g]: the fits do not support a multiplier this far from 1", p.Value, MinSupported, MaxSupported)
		}
		c.Multipliers = append(c.Multipliers, p)
	}
	if n := countUnsupported(c.Multipliers); n > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeUnsupported, Group: f.Group,
			Msg: fmt.Sprintf("%d of %d multipliers are unsupported (%s): they are shown but no verdict rests on them", n, len(c.Multipliers), firstUnsupported(c.Multipliers))})
	}
	if unreachable > 0 {
		res.Warnings = append(res.Warnings, warn.Warning{Code: CodeUnreachable, Group: f.Group,
			Msg: fmt.Sprintf("never reaches the reference's frontier loss at %d of %d budgets (its E %.4g is above it): the multiplier is infinite there", unreachable, len(res.Budgets), f.Frontier.E)})
	}
	for k, name := range ExponentNames {
		if math.IsNaN(r.Exponents[k]) || math.IsNaN(f.Exponents[k]) {
			continue
		}
		e := Exponent{Name: name, Reference: r.Exponents[k], Group: f.Exponents[k]}
		e.Diff = e.Group - e.Reference
		if len(ra) > 0 {
			v := make([]float64, len(ra))
			for j := range ra {
				v[j] = fa[j].Exponents[k] - ra[j].Exponents[k]
			}
			iv := stats.CentralInf(dropNaN(v), 0.95)
			e.Interval = &iv
		}
		c.Exponents = append(c.Exponents, e)
	}
	// crossover: from the start of the common compute range (a crossing below the runs would
	// be a backward extrapolation) to CrossoverMax
	xlo := math.Min(lo, hi)
	xhi := res.CrossoverMax
	if xc, ok, _ := crossover(r.Frontier, f.Frontier, xlo, xhi); ok {
		cr := &Crossover{FLOPs: xc, BetterAbove: f.Group, Extrapolated: xc > hi*(1+1e-9) || xc < lo*(1-1e-9)}
		if f.Frontier.Loss(xc*1.01) > r.Frontier.Loss(xc*1.01) {
			cr.BetterAbove = r.Group
		}
		if len(ra) > 0 {
			v := make([]float64, len(ra))
			crossed := 0
			for k := range ra {
				x, ok, bBetter := crossover(ra[k].Frontier, fa[k].Frontier, xlo, xhi)
				switch {
				case ok:
					v[k] = x
					crossed++
				case bBetter == (cr.BetterAbove == f.Group):
					v[k] = 0 // already past the crossover at the lower end
				default:
					v[k] = math.Inf(1)
				}
			}
			iv := stats.CentralInf(v, 0.95)
			cr.Interval = &iv
			cr.Share = float64(crossed) / float64(len(ra))
		}
		c.Crossover = cr
	}
	var tdraws [][2]float64
	if i0, i1, ok := trendSpan(c.Multipliers); ok && len(ra) > 0 {
		for k := range ra {
			tdraws = append(tdraws, [2]float64{perDraw[i0][k], perDraw[i1][k]})
		}
	}
	c.Trend = trend(c.Multipliers, tdraws)
	return c
}

func dropNaN(v []float64) []float64 {
	out := v[:0]
	for _, x := range v {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// trend classifies how the gap |ln m| changes between the budgets trendSpan picks:
// "crossing" when m crosses 1, "steady" when m changes by less than 2% or, with
// resamples, when the 95% interval of the change in ln m includes 0; else "narrowing" or
// "widening"; "unknown" with one supported budget, "unsupported" with none.
func trend(ps []Point, draws [][2]float64) string {
	i0, i1, ok := trendSpan(ps)
	switch {
	case !ok:
		return "unsupported"
	case i0 == i1:
		return "unknown"
	}
	m0, m1 := ps[i0].Value, ps[i1].Value
	if math.IsInf(m0, 0) || math.IsInf(m1, 0) || math.IsNaN(m0) || math.IsNaN(m1) {
		return "widening"
	}
	l0, l1 := math.Log(m0), math.Log(m1)
	if (l0 < 0) != (l1 < 0) && math.Abs(l1-l0) >= math.Log(1.02) {
		return "crossing"
	}
	if math.Abs(l1-l0) < math.Log(1.02) {
		return "steady"
	}
	if draws != nil {
		var v []float64
		for _, d := range draws {
			if x := math.Log(d[1]) - math.Log(d[0]); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if iv := stats.CentralInf(v, 0.95); iv.Lo <= 0 && 0 <= iv.Hi {
			return "steady"
		}
	}
	if math.Abs(l1) < math.Abs(l0) {
		return "narrowing"
	}
	return "widening"
}

// trendSpan returns the first and last budgets a trend compares: those inside the groups'
// common compute range whose multipliers are supported, else every supported one; ok is
// false when no multiplier is supported.
func trendSpan(ps []Point) (i0, i1 int, ok bool) {
	var in []int
	for i, p := range ps {
		if !p.Extrapolated && p.supported() {
			in = append(in, i)
		}
	}
	if len(in) < 2 {
		in = in[:0]
		for i, p := range ps {
			if p.supported() {
				in = append(in, i)
			}
		}
	}
	if len(in) == 0 {
		return 0, 0, false
	}
	return in[0], in[len(in)-1], true
}

// Headline picks the budget a verdict quotes: the largest budget inside the data's common
// compute range whose multiplier is supported, else the largest supported one, else the
// first (ok false: no multiplier is supported).
func Headline(ps []Point) (p Point, ok bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if !ps[i].Extrapolated && ps[i].supported() {
			return ps[i], true
		}
	}
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].supported() {
			return ps[i], true
		}
	}
	return ps[0], false
}

func countUnsupported(ps []Point) int {
	n := 0
	for _, p := range ps {
		if !p.supported() {
			n++
		}
	}
	return n
}

func firstUnsupported(ps []Point) string {
	for _, p := range ps {
		if !p.supported() {
			return fmt.Sprintf("at %.3g FLOPs %s", p.FLOPs, p.Unsupported)
		}
	}
	return ""
}

// NotConverged names the groups whose fit did not converge (what --strict exits 1 on).
func (res *Result) NotConverged() []string {
	var out []string
	for _, f := range res.Fits {
		if !f.Converged {
			out = append(out, fmt.Sprintf("the fit of group %q", f.Group))
		}
	}
	return out
}
