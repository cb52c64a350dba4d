// Package analysis runs every scaling-law fit the data allow on a set of runs: Chinchilla
// Approach 3 (parametric), Approach 2 (IsoFLOP profiles), Approach 1 (envelope of loss
// curves), per group, with a holdout extrapolation check and compute-optimal allocations at
// chosen budgets. It decides which approaches apply and records why others were skipped.
// It computes; internal/report formats.
//
// Conventions: N parameters as the runs count them; D training tokens; C training FLOPs
// (given or 6ND); losses in nats per token.
package analysis

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Options configure Run. The zero value runs every approach the data allow with the
// Epoch/Hoffmann recipe and no bootstrap.
type Options struct {
	// Laws is the family to fit: "chinchilla" (the default), "kaplan" (Kaplan's joint
	// L(N, D) beside Chinchilla's Approach 3) or "all" (both families, every approach).
	Laws string
	// Kaplan configures the Kaplan fit (its Bootstrap and Seed follow Chinchilla's).
	Kaplan kaplan.FitOptions
	// FrontierOnly skips fits that have no compute frontier (Kaplan's L(N)), for callers
	// that compare allocations.
	FrontierOnly bool
	// Approaches to run (1, 2, 3); empty means every approach the data allow. An approach
	// named here that cannot run is an error; one chosen by default is skipped with a reason.
	Approaches []int
	// Chinchilla configures Approach 3 (its Bootstrap and Seed also drive Approaches 1-2).
	Chinchilla chinchilla.FitOptions
	// IsoFLOP configures Approach 2; Envelope configures Approach 1.
	IsoFLOP  chinchilla.IsoFLOPOptions
	Envelope chinchilla.EnvelopeOptions
	// Holdout selects runs to leave out of the fits and predict: the extrapolation check.
	Holdout *runs.Expr
	// HoldoutPool, when not nil, is where the held-out runs come from: the runs matching
	// Holdout in HoldoutPool (per group), rather than in the set. The CLI passes the file
	// before --where, so that --where selects the fit set only and never changes the test
	// set (issue 12). Runs of the set matching Holdout still leave the fit.
	HoldoutPool []runs.Run
	// MinTokensPerParam leaves runs with fewer training tokens per parameter out of the
	// fits (under-trained runs that sit on an early loss plateau); held-out runs are still
	// all predicted, so the holdout error before and after is comparable. 0 keeps all.
	MinTokensPerParam float64
	// Budgets are the compute budgets (FLOPs) at which to report allocations; empty means
	// DefaultBudgets of the data.
	Budgets []float64
	// Pooled fits all runs together even when they have groups (figures colour the groups
	// but draw one law).
	Pooled bool
	// OutlierThreshold flags runs whose |log-loss residual| exceeds this many robust
	// standard deviations (median absolute deviation × 1.4826); 0 means 3.
	OutlierThreshold float64
}

// Stable warning codes of the analysis (README's warning catalogue).
const (
	CodeDuplicateRuns      = "duplicate-runs"      // identical rows count more than once
	CodeApproachesDisagree = "approaches-disagree" // the approaches' exponents a differ by > DisagreementThreshold
	CodeLOfNMisfit         = "l-of-n-misfit"       // Kaplan's L(N) fits the sizes' best runs much worse than L(N,D)
)

// Result is the outcome of Run.
type Result struct {
	Set      *runs.Set
	Groups   []*Group // one per group, in first-seen order; one unnamed group without --group
	Budgets  []float64
	Warnings []warn.Warning
	// CurvesReduced is true when the runs are points along loss curves (a run column) and
	// Approaches 2 and 3 used each run's last point.
	CurvesReduced bool
	// LeftOut counts runs left out of the fits by MinTokensPerParam.
	LeftOut int
}

// AllWarnings returns every warning of the analysis, each with its group and the approach
// that found it as context, in the order documents list them: per group Approach 3, Kaplan's
// fits, Approaches 2 and 1; then the analysis' own (duplicate runs, disagreement).
func (r *Result) AllWarnings() []warn.Warning {
	var out []warn.Warning
	for _, g := range r.Groups {
		if g.A3 != nil {
			out = append(out, warn.In(g.Name, "approach 3", g.A3.Warnings)...)
		}
		for _, k := range []*kaplan.FitResult{g.Kaplan, g.KaplanN} {
			if k != nil {
				out = append(out, warn.In(g.Name, "kaplan "+k.Form.String(), k.Warnings)...)
			}
		}
		if g.A2 != nil {
			out = append(out, warn.In(g.Name, "approach 2", g.A2.Warnings)...)
		}
		if g.A1 != nil {
			out = append(out, warn.In(g.Name, "approach 1", g.A1.Warnings)...)
		}
	}
	return append(out, r.Warnings...)
}

// Unconverged names the fits that did not converge, for --strict: "the chinchilla approach
// 3 fit", "the kaplan L(N,D) [group] fit", in the order documents list the fits.
func (r *Result) Unconverged() []string {
	var out []string
	name := func(what, group string) string {
		if group != "" {
			what += " [" + group + "]"
		}
		return "the " + what + " fit"
	}
	for _, g := range r.Groups {
		if g.A3 != nil && !g.A3.Converged {
			out = append(out, name("chinchilla approach 3", g.Name))
		}
		for _, k := range []*kaplan.FitResult{g.Kaplan, g.KaplanN} {
			if k != nil && !k.Converged {
				out = append(out, name("kaplan "+k.Form.String(), g.Name))
			}
		}
	}
	return out
}

// Group holds the fits of one group of runs.
type Group struct {
	Name string
	Runs []runs.Run // the runs fitted (after holdout and filters)
	Held []runs.Run // held-out runs
	// LeftOut counts runs left out of the fit by MinTokensPerParam.
	LeftOut int

	A3 *chinchilla.FitResult
	A2 *chinchilla.IsoFLOPResult
	// IsoFLOPTable is Approach 2's per-budget table even when too few budgets were
	// accepted to fit exponents (A2 is then nil); figures draw the rejected profiles.
	IsoFLOPTable *chinchilla.IsoFLOPResult
	A1           *chinchilla.EnvelopeResult
	// Kaplan is Kaplan's joint law L(N, D) fitted to the (final) runs, with --law kaplan|all.
	Kaplan *kaplan.FitResult
	// KaplanN is Kaplan's L(N) = E + (Nc/N)^alpha_N fitted to each size's lowest loss (the
	// stand-in for a model trained to convergence), with --law kaplan|all.
	KaplanN *kaplan.FitResult
	Holdout *Holdout
	// Outliers are indices into Runs of runs with outsized residuals under A3, largest first.
	Outliers []int
	Skipped  []Skip
}

// Skip records an approach that did not run and why (Approach 0: the Kaplan fit).
type Skip struct {
	Approach int
	Reason   string
}

// Holdout is the extrapolation check: the A3 law fitted without the held-out runs,
// predicting them.
type Holdout struct {
	Expr      string
	Predicted []float64 // per Held run, nats/token
	RelErrors []float64 // (actual − predicted)/predicted: > 0 is worse than the law (fit.RelativeError)
	MeanAbsRE float64
	MaxAbsRE  float64
}

// DefaultBudgets returns decades from the largest compute in the runs up 3 orders of
// magnitude: the budgets a team extrapolating its sweep asks about.
func DefaultBudgets(rs []runs.Run) []float64 {
	max := 0.0
	for _, r := range rs {
		max = math.Max(max, r.FLOPs)
	}
	if max <= 0 {
		return nil
	}
	lo := math.Floor(math.Log10(max))
	var out []float64
	for k := 0.0; k <= 3; k++ {
		out = append(out, math.Pow(10, lo+k))
	}
	return out
}

// Run fits the runs of set.
func Run(set *runs.Set, opts Options) (*Result, error) {
	res := &Result{Set: set, Warnings: append([]warn.Warning(nil), set.Warnings...)}
	if dups := set.Duplicates(); len(dups) > 0 {
		var lines []string
		for i, d := range dups {
			if i == 5 {
				lines = append(lines, "...")
				break
			}
			lines = append(lines, strings.Trim(strings.Join(strings.Fields(fmt.Sprint(d)), ", "), "[]"))
		}
		res.Warnings = append(res.Warnings, warn.New(CodeDuplicateRuns, "%d group(s) of identical rows (same params, tokens, loss) count more than once in the fit and the bootstrap: lines %s; remove copies unless they are real repeats",
			len(dups), strings.Join(lines, "; ")))
	}
	want := map[int]bool{}
	for _, a := range opts.Approaches {
		if a < 1 || a > 3 {
			return nil, fmt.Errorf("--approach %d: want 1, 2 or 3", a)
		}
		want[a] = true
	}
	explicit := len(want) > 0
	switch opts.Laws {
	case "", "chinchilla", "all":
		if !explicit {
			want = map[int]bool{1: true, 2: true, 3: true}
		}
	case "kaplan":
		if !explicit {
			want = map[int]bool{3: true}
		}
	default:
		return nil, fmt.Errorf("law family %q: want chinchilla, kaplan or all", opts.Laws)
	}
	all := set.Runs
	res.Budgets = opts.Budgets
	if len(res.Budgets) == 0 {
		res.Budgets = DefaultBudgets(all)
	}
	names, by := []string{""}, map[string][]runs.Run{"": all}
	if set.Has("group") && !opts.Pooled {
		names, by = runs.Groups(all)
	}
	if opts.Holdout != nil && opts.HoldoutPool != nil {
		inSet, inPool := 0, 0
		for i := range all {
			if opts.Holdout.Match(&all[i]) {
				inSet++
			}
		}
		for i := range opts.HoldoutPool {
			if opts.Holdout.Match(&opts.HoldoutPool[i]) {
				inPool++
			}
		}
		if inPool != inSet {
			res.Warnings = append(res.Warnings, warn.New(CodeHoldoutBeforeWhere,
				"--holdout %q takes its runs from the whole input, before --where: %d held-out runs, of which %d --where leaves out of the fit set are predicted too (--where selects the runs to fit only)",
				opts.Holdout.String(), inPool, inPool-inSet))
		}
	}
	for _, name := range names {
		g, err := runGroup(set, name, by[name], want, explicit, opts)
		if g != nil {
			res.LeftOut += g.LeftOut
			if w, ok := g.disagreement(); ok {
				res.Warnings = append(res.Warnings, w)
			}
		}
		if err != nil {
			if name != "" {
				return nil, fmt.Errorf("group %s: %w", name, err)
			}
			return nil, err
		}
		res.Groups = append(res.Groups, g)
	}
	res.CurvesReduced = set.IsCurves()
	return res, nil
}

func runGroup(set *runs.Set, name string, rs []runs.Run, want map[int]bool, explicit bool, opts Options) (*Group, error) {
	g := &Group{Name: name}
	curves := set.IsCurves()
	fitRuns := rs
	if opts.Holdout != nil {
		g.Held, fitRuns = runs.Filter(rs, opts.Holdout)
		if opts.HoldoutPool != nil {
			// The test set comes from the input before --where: --where cannot change it.
			g.Held = nil
			for i := range opts.HoldoutPool {
				r := &opts.HoldoutPool[i]
				if (name == "" || r.Group == name) && opts.Holdout.Match(r) {
					g.Held = append(g.Held, *r)
				}
			}
		}
		if len(g.Held) == 0 {
			return nil, fmt.Errorf("--holdout %q matches no run", opts.Holdout.String())
		}
		if len(fitRuns) == 0 {
			return nil, fmt.Errorf("--holdout %q matches all %d runs: nothing is left to fit", opts.Holdout.String(), len(rs))
		}
	}
	// Under-trained runs leave the fit, not the holdout: the held-out runs stay the test.
	if opts.MinTokensPerParam > 0 {
		kept := fitRuns[:0:0]
		for _, r := range fitRuns {
			if r.Tokens/r.Params >= opts.MinTokensPerParam {
				kept = append(kept, r)
			}
		}
		g.LeftOut = len(fitRuns) - len(kept)
		fitRuns = kept
	}
	g.Runs = fitRuns
	skip := func(a int, reason string) error {
		if explicit {
			return fmt.Errorf("approach %d: %s", a, reason)
		}
		g.Skipped = append(g.Skipped, Skip{a, reason})
		return nil
	}
	// Points along loss curves: Approaches 2-3 take each run's last point.
	finals := fitRuns
	if curves {
		finals = runs.FinalPoints(fitRuns)
	}
	if want[3] {
		n, d, _, l := runs.Columns(finals)
		r, err := chinchilla.Fit(n, d, l, opts.Chinchilla)
		if err != nil {
			if e := skip(3, err.Error()); e != nil || noOther(want) {
				if e == nil {
					e = fmt.Errorf("approach 3: %w", err)
				}
				return nil, e
			}
		} else {
			g.A3 = r
			if curves {
				g.Runs = finals
			}
			g.Outliers = outliers(r.Residuals, opts.OutlierThreshold)
			if len(g.Held) > 0 {
				held := g.Held
				if curves {
					held = runs.FinalPoints(held)
					g.Held = held
				}
				g.Holdout = holdout(r.Law, held, opts.Holdout.String())
			}
		}
	}
	run2 := want[2]
	if run2 && hasCode(set.Warnings, runs.CodeFLOPsNot6ND) {
		// Approach 2's D_opt is C/(6 N_opt): with a flops column more than 10x from 6ND (a
		// unit mistake such as GFLOPs or PF-days) every budget's allocation is nonsense.
		if e := skip(2, "the flops column is more than 10x away from 6ND (flops-not-6nd): its budgets' D_opt = C/(6 N_opt) would be off by that factor; fix the flops unit (or drop the column: C = 6ND is then derived)"); e != nil {
			return nil, e
		}
		run2 = false
	}
	if run2 {
		o := opts.IsoFLOP
		o.Bootstrap, o.Seed = opts.Chinchilla.Bootstrap, opts.Chinchilla.Seed
		r, err := chinchilla.IsoFLOP(points(finals), o)
		g.IsoFLOPTable = r
		if err != nil {
			if e := skip(2, err.Error()+rejections(r)); e != nil {
				return nil, e
			}
		} else {
			g.A2 = r
		}
	}
	if want[1] {
		if !curves && !explicit {
			g.Skipped = append(g.Skipped, Skip{1, "needs loss curves: a run id column (run, run_id, id, name or --run-col) whose ids repeat, one row per evaluation point along each run"})
		} else {
			o := opts.Envelope
			o.Bootstrap, o.Seed = opts.Chinchilla.Bootstrap, opts.Chinchilla.Seed
			r, err := chinchilla.Envelope(points(fitRuns), o)
			if err != nil {
				if e := skip(1, err.Error()); e != nil {
					return nil, e
				}
			} else {
				g.A1 = r
			}
		}
	}
	if opts.Laws == "kaplan" || opts.Laws == "all" {
		ko := opts.Kaplan
		ko.Bootstrap, ko.Seed = opts.Chinchilla.Bootstrap, opts.Chinchilla.Seed
		if ko.Loss == (fit.Loss{}) {
			ko.Loss = opts.Chinchilla.Loss // one robust loss for every family of the analysis
		}
		n, d, _, l := runs.Columns(finals)
		r, err := kaplan.Fit(n, d, l, ko)
		if err != nil {
			if opts.Laws == "kaplan" {
				return nil, fmt.Errorf("kaplan L(N,D): %w", err)
			}
			g.Skipped = append(g.Skipped, Skip{0, "kaplan L(N,D): " + err.Error()})
		} else {
			g.Kaplan = r
		}
		if !opts.FrontierOnly {
			g.fitKaplanN(finals, ko)
		}
	}
	if g.A1 == nil && g.A2 == nil && g.A3 == nil {
		var why []string
		for _, s := range g.Skipped {
			why = append(why, fmt.Sprintf("approach %d: %s", s.Approach, s.Reason))
		}
		return nil, errors.New("no approach could fit these runs: " + strings.Join(why, "; "))
	}
	return g, nil
}

func noOther(want map[int]bool) bool { return len(want) == 1 }

// fitKaplanN fits Kaplan's L(N) = E + (Nc/N)^alpha_N to each size's lowest loss.
func (g *Group) fitKaplanN(finals []runs.Run, ko kaplan.FitOptions) {
	best := bestPerSize(finals)
	if len(best) < 4 {
		g.Skipped = append(g.Skipped, Skip{0, fmt.Sprintf("kaplan L(N): needs 4 model sizes, the runs have %d", len(best))})
		return
	}
	ko.Form, ko.Offset = kaplan.ParamsOnly, true
	n, _, _, l := runs.Columns(best)
	r, err := kaplan.Fit(n, nil, l, ko)
	if err != nil {
		g.Skipped = append(g.Skipped, Skip{0, "kaplan L(N): " + err.Error()})
		return
	}
	g.KaplanN = r
	if g.Kaplan != nil && r.RMSE > 2*g.Kaplan.RMSE {
		r.Warnings = append(r.Warnings, warn.New(CodeLOfNMisfit, "RMSE of log-loss %.3g against %.3g for L(N,D): the sizes' best runs are not trained to convergence, so L(N) does not describe them; read L(N,D)", r.RMSE, g.Kaplan.RMSE))
	}
}

// bestPerSize keeps each model size's lowest-loss run, in order of size: the closest the
// runs come to Kaplan's models trained to convergence.
func bestPerSize(rs []runs.Run) []runs.Run {
	best := map[float64]runs.Run{}
	for _, r := range rs {
		if b, ok := best[r.Params]; !ok || r.Loss < b.Loss {
			best[r.Params] = r
		}
	}
	out := make([]runs.Run, 0, len(best))
	for _, r := range best {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Params < out[j].Params })
	return out
}

// rejections summarises why IsoFLOP budgets were rejected: " (budgets: 3 edge-optimum, ...)".
func rejections(r *chinchilla.IsoFLOPResult) string {
	if r == nil || len(r.Budgets) == 0 {
		return ""
	}
	count := map[string]int{}
	var codes []string
	for _, b := range r.Budgets {
		if !b.Accepted {
			if count[b.Reason] == 0 {
				codes = append(codes, b.Reason)
			}
			count[b.Reason]++
		}
	}
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d %s", count[c], c))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d budgets found; rejected: %s)", len(r.Budgets), strings.Join(parts, ", "))
}

func points(rs []runs.Run) []chinchilla.Point {
	pts := make([]chinchilla.Point, len(rs))
	for i, r := range rs {
		pts[i] = chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget, Run: r.ID}
	}
	return pts
}

func holdout(law chinchilla.Law, held []runs.Run, expr string) *Holdout {
	h := &Holdout{Expr: expr}
	actual := make([]float64, len(held))
	for i, r := range held {
		h.Predicted = append(h.Predicted, law.Loss(r.Params, r.Tokens))
		actual[i] = r.Loss
	}
	h.RelErrors = fit.RelativeErrors(h.Predicted, actual)
	h.MeanAbsRE = fit.MeanAbsRelError(h.Predicted, actual)
	for _, e := range h.RelErrors {
		h.MaxAbsRE = math.Max(h.MaxAbsRE, math.Abs(e))
	}
	return h
}

// outliers returns indices of residuals beyond k robust standard deviations, largest
// first (at most 10).
func outliers(res []float64, k float64) []int {
	if k <= 0 {
		k = 3
	}
	if len(res) < 5 {
		return nil
	}
	abs := make([]float64, len(res))
	for i, r := range res {
		abs[i] = math.Abs(r)
	}
	scale := 1.4826 * stats.Quantile(abs, 0.5)
	if scale == 0 {
		return nil
	}
	var out []int
	for i, a := range abs {
		if a > k*scale {
			out = append(out, i)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return abs[out[i]] > abs[out[j]] })
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}

// CodeHoldoutBeforeWhere says that --holdout took runs that --where left out of the fit set.
const CodeHoldoutBeforeWhere = "holdout-before-where"

// hasCode reports whether ws holds a warning with code.
func hasCode(ws []warn.Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

// DisagreementThreshold is the spread of the exponent a across approaches beyond which a
// group's approaches are said to disagree when at least one of them has no bootstrap
// interval (Hoffmann et al.'s three differ by 0.04). With intervals for every approach,
// disagreement is decided by the intervals instead: two approaches whose 95% intervals of a
// do not overlap disagree, whatever the gap.
const DisagreementThreshold = 0.1

// Agreement describes how a group's approaches were compared: the spread of a, the basis
// (intervals or DisagreementThreshold) and the verdict, for the approaches table.
func (g *Group) Agreement() string {
	_, note, _ := g.compareApproaches()
	return note
}

type approachA struct {
	name string
	a    float64
	iv   *stats.Interval
}

// compareApproaches returns the lowest and highest a among the approaches that ran, a note
// that says how they were compared, and whether they disagree.
func (g *Group) compareApproaches() ([2]approachA, string, bool) {
	var es []approachA
	ivOf := func(m map[string]stats.Interval) *stats.Interval {
		if iv, ok := m["a"]; ok {
			return &iv
		}
		return nil
	}
	if g.A1 != nil {
		es = append(es, approachA{"Approach 1", g.A1.A, ivOf(g.A1.Intervals())})
	}
	if g.A2 != nil {
		es = append(es, approachA{"Approach 2", g.A2.A, ivOf(g.A2.Intervals())})
	}
	if g.A3 != nil {
		es = append(es, approachA{"Approach 3", g.A3.Law.ExponentA(), ivOf(g.A3.Intervals)})
	}
	if len(es) < 2 {
		return [2]approachA{}, "", false
	}
	lo, hi := es[0], es[0]
	all := true
	for _, e := range es {
		if e.a < lo.a {
			lo = e
		}
		if e.a > hi.a {
			hi = e
		}
		all = all && e.iv != nil
	}
	pair := [2]approachA{lo, hi}
	if all {
		// Disagree when some two approaches' intervals do not overlap.
		for i := range es {
			for j := range es {
				if es[i].iv.Hi < es[j].iv.Lo {
					return [2]approachA{es[i], es[j]}, fmt.Sprintf("a spreads %.3f across the approaches; their 95%% intervals of a do not all overlap (%s below %s): they disagree", hi.a-lo.a, es[i].name, es[j].name), true
				}
			}
		}
		return pair, fmt.Sprintf("a spreads %.3f across the approaches; their 95%% intervals of a overlap: they agree within their uncertainty", hi.a-lo.a), false
	}
	if hi.a-lo.a > DisagreementThreshold {
		return pair, fmt.Sprintf("a spreads %.3f across the approaches, above the threshold %.2f used without intervals for every approach (--bootstrap decides from the intervals)", hi.a-lo.a, DisagreementThreshold), true
	}
	return pair, fmt.Sprintf("a spreads %.3f across the approaches, within the threshold %.2f used without intervals for every approach (--bootstrap decides from the intervals)", hi.a-lo.a, DisagreementThreshold), false
}

// disagreement warns when the approaches' exponents a disagree (see DisagreementThreshold):
// the conclusion then depends on the method, not the data.
func (g *Group) disagreement() (warn.Warning, bool) {
	pair, note, bad := g.compareApproaches()
	if !bad {
		return warn.Warning{}, false
	}
	lo, hi := pair[0], pair[1]
	w := warn.New(CodeApproachesDisagree, "%s gives a = %.3f, %s a = %.3f (%s): the compute-optimal exponent depends on the method; check the rejected budgets and the runs with outsized residuals before trusting either",
		lo.name, lo.a, hi.name, hi.a, note)
	w.Group = g.Name
	return w, true
}
