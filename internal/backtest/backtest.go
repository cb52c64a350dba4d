// Package backtest answers "which law to trust" for a team's own runs: a rolling-origin
// evaluation over compute that fits every candidate law on the runs up to a cut and scores
// its predictions of the budgets above, the recommendation that follows, Marin's
// leave-one-budget-out check of the allocation, and "is scaling slowing?": the local exponent
// of the fitted frontier with bootstrap intervals and an out-of-sample test of a break.
//
// Conventions: C is training compute in FLOPs as loaded (the flops column, or 6ND); losses
// are nats per token; every relative error is (actual − predicted)/predicted, a fraction,
// positive when the runs are worse than the law (the sign of fit --holdout and check).
// The package computes and never prints.
package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// SchemaVersion is the version of the backtest JSON contract.
const SchemaVersion = 1

// Defaults of Options.
const (
	// DefaultTolerance is the largest mean |error| on the largest budget at which a
	// candidate is recommended: check's default band (3%), not a figure fitted here.
	DefaultTolerance = 0.03
	// DefaultScored is how many of the largest cuts score a candidate (the recommendation)
	// and the break (out_of_sample_gain). Chosen for the break test on the development
	// sweeps of TestBreakRuleDevelopment (1 to 4; seeds 11-60); reported on other seeds in
	// docs/backtest.md.
	DefaultScored = 3
	// DefaultBootstrap is the number of resamples behind the local exponent's and the
	// break's intervals.
	DefaultBootstrap = 200
	// BreakMargin is how much better (a fraction of the loss) the broken power law must
	// predict the largest budget's minimum than the single law, on average over the scored
	// cuts, for a break to be claimed. Chosen on the development sweeps of
	// TestBreakRuleDevelopment (0, 0.25%, 0.5%, 1%: it drops false breaks on clean sweeps
	// from 12% to 4% for 2% of the true ones); reported on other seeds in docs/backtest.md.
	BreakMargin = 0.0025
	// MinBudgets is the fewest budgets a backtest needs: four to fit the first cut on, a
	// cut, and the largest budget to score.
	MinBudgets = 5
)

// Options configure Run. The zero value is the default backtest.
type Options struct {
	// Source names the input, for warnings.
	Source string
	// Tolerance is the recommendation's threshold on the mean |error| (0: DefaultTolerance).
	Tolerance float64
	// Scored is how many of the largest cuts are scored (0: DefaultScored).
	Scored int
	// BudgetTolerance is Approach 2's clustering of FLOPs into budgets (0: its default).
	BudgetTolerance float64
	// Vertex locates each budget's observed minimum L* (and the minima the broken power law
	// and the break test fit): "" is bpl.DefaultVertex, the parabola.
	Vertex chinchilla.VertexMethod
	// Bootstrap resamples for the local exponent and the break (0: DefaultBootstrap;
	// negative: none), seeded by Seed.
	Bootstrap int
	Seed      uint64
	// Smoothness of the broken power law's break (0: its default).
	Smoothness float64
	// Workers bounds parallelism (0: GOMAXPROCS); results do not depend on it.
	Workers int
	// Families are registered law families to backtest beside the built-in candidates.
	Families []Extra
	// LeaveOneOut runs Marin's leave-one-budget-out check (on by default in the CLI).
	LeaveOneOut bool
}

func (o Options) withDefaults() (Options, error) {
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	if !(o.Tolerance > 0) || math.IsInf(o.Tolerance, 0) {
		return o, fmt.Errorf("tolerance %g: want a positive fraction such as 0.03", o.Tolerance)
	}
	if o.Scored == 0 {
		o.Scored = DefaultScored
	}
	if o.Scored < 1 {
		return o, fmt.Errorf("scored cuts %d: want 1 or more", o.Scored)
	}
	if o.Bootstrap == 0 {
		o.Bootstrap = DefaultBootstrap
	}
	switch o.Vertex {
	case "":
		o.Vertex = bpl.DefaultVertex
	case chinchilla.VertexAuto, chinchilla.VertexAkima, chinchilla.VertexParabola:
	default:
		return o, fmt.Errorf("vertex %q: want parabola, akima or auto", o.Vertex)
	}
	if o.Bootstrap < 0 {
		o.Bootstrap = 0
	}
	return o, nil
}

// Cut is one origin of the rolling evaluation: the candidates fitted on the runs with
// C <= FLOPs (with a budget column: budget <= FLOPs) and scored on the budgets above.
type Cut struct {
	FLOPs  float64 `json:"flops"`
	NTrain int     `json:"n_train"`
	// Budget is the budget the cut closes (its nominal FLOPs or the geometric mean of its runs).
	Budget     float64     `json:"budget"`
	Next       *Ref        `json:"next"`
	Candidates []Candidate `json:"candidates"`
}

// Ref names a budget: its FLOPs and its number of runs.
type Ref struct {
	FLOPs float64 `json:"flops"`
	Runs  int     `json:"runs"`
}

// Candidate is one law's score at one cut. Every error is a fraction, (actual −
// predicted)/predicted; nil (JSON null) when the law could not be fitted at the cut (Note
// says why) or the quantity is undefined.
type Candidate struct {
	Family  string `json:"family"`
	Variant string `json:"variant"`
	NParams int    `json:"n_params"`
	// FrontierOnly laws (Approach 2, the broken power law) predict only L*(C): their
	// error_next and error_largest are frontier errors at those budgets.
	FrontierOnly bool `json:"frontier_only"`
	// ErrorNext is the mean relative error over the runs of the next budget.
	ErrorNext *float64 `json:"error_next"`
	// ErrorLargest is the mean (signed: the bias) relative error over the largest budget's
	// runs; AbsErrorLargest the mean of its absolute value.
	ErrorLargest    *float64 `json:"error_largest"`
	AbsErrorLargest *float64 `json:"abs_error_largest"`
	// FrontierError is (L*_obs − L*_pred)/L*_pred at the largest budget: the observed
	// IsoFLOP minimum against the law's compute-optimal loss.
	FrontierError *float64 `json:"frontier_error"`
	Converged     *bool    `json:"converged"`
	Note          string   `json:"note,omitempty"`
}

// Result is a backtest.
type Result struct {
	SchemaVersion int    `json:"schema_version"`
	Source        string `json:"source,omitempty"`
	Runs          int    `json:"runs"`
	// BudgetsFrom says how the budgets were found (FromColumn, FromClustering,
	// FromHalfDecades); Budgets lists them.
	BudgetsFrom string   `json:"budgets_from"`
	Budgets     []Budget `json:"budgets"`
	Largest     Largest  `json:"largest"`
	Cuts        []Cut    `json:"cuts"`
	// Tolerance and ScoredCuts are the recommendation's threshold and how many of the
	// largest cuts it scores.
	Tolerance      float64        `json:"tolerance"`
	ScoredCuts     int            `json:"scored_cuts"`
	Ranking        []Rank         `json:"ranking"`
	Recommendation Recommendation `json:"recommendation"`
	Slope          []Slope        `json:"slope"`
	Break          *Break         `json:"break"`
	BreakTest      *BreakTest     `json:"break_test"`
	LeaveOneOut    []Shift        `json:"leave_one_budget_out"`
	Warnings       warn.List      `json:"warnings"`

	notConverged []string
	// Frontier is the broken power law behind Slope and Break (nil without IsoFLOP budgets).
	Frontier *FrontierFit `json:"-"`
}

// Largest is the largest budget, whose runs error_largest scores.
type Largest struct {
	FLOPs float64    `json:"flops"`
	Runs  int        `json:"runs"`
	Range [2]float64 `json:"flops_range"`
	// Minimum is its observed compute-optimal loss (nats/token), nil without one.
	Minimum *float64 `json:"minimum"`
}

// NotConverged names the fits at the largest cut that did not converge.
func (r *Result) NotConverged() []string { return r.notConverged }

// engine holds one backtest's data.
type engine struct {
	rs    []runs.Run
	opts  Options
	split budgeting
}

// columns returns the params, tokens and losses of the runs train.
func (b *engine) columns(train []int) (n, d, l []float64) {
	n, d, l = make([]float64, len(train)), make([]float64, len(train)), make([]float64, len(train))
	for k, i := range train {
		n[k], d[k], l[k] = b.rs[i].Params, b.rs[i].Tokens, b.rs[i].Loss
	}
	return n, d, l
}

// points returns the runs train that belong to a budget as IsoFLOP points of that budget.
func (b *engine) points(train []int) []chinchilla.Point {
	var out []chinchilla.Point
	for _, i := range train {
		k := b.split.of[i]
		if k < 0 {
			continue
		}
		r := b.rs[i]
		out = append(out, chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: b.split.budgets[k].FLOPs})
	}
	return out
}

// ErrTooFewBudgets is returned (wrapped) when the runs fall into fewer than MinBudgets budgets.
var ErrTooFewBudgets = errors.New("too few budgets")

// Run backtests every candidate on rs.
func Run(ctx context.Context, rs []runs.Run, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &engine{rs: rs, opts: o, split: split(rs, o.BudgetTolerance, o.Vertex)}
	nb := len(b.split.budgets)
	if nb < MinBudgets {
		return nil, fmt.Errorf("backtest: the runs fall into %d budgets (%s): %w (want at least %d: four to fit the first cut on, a cut and the largest budget to score)",
			nb, b.split.from, ErrTooFewBudgets, MinBudgets)
	}
	res := &Result{SchemaVersion: SchemaVersion, Source: o.Source, Runs: len(rs), BudgetsFrom: b.split.from, Budgets: b.split.budgets,
		Tolerance: o.Tolerance, Slope: []Slope{}, LeaveOneOut: []Shift{}, Warnings: warn.List{}}
	lg := b.split.budgets[nb-1]
	res.Largest = Largest{FLOPs: lg.FLOPs, Runs: lg.Runs, Range: lg.Range, Minimum: lg.Minimum}
	if !b.split.iso {
		res.Warnings = append(res.Warnings, warn.New(CodeNoIsoFLOPBudgets,
			"the runs do not form IsoFLOP budgets (no budget column, and fewer than %d clusters of FLOPs with 3 or more sizes holding half the runs): the budgets are half-decades of compute; Approach 2, the broken power law, frontier errors, the local exponent and the break test need IsoFLOP budgets",
			minIsoBudgets))
	} else if lg.Minimum == nil {
		res.Warnings = append(res.Warnings, warn.New(CodeNoLargestMinimum,
			"the largest budget (%s FLOPs, %d runs) has no IsoFLOP minimum (too few sizes, or the minimum at the edge of its sizes): frontier errors at it are null", sci(lg.FLOPs), lg.Runs))
	}
	if unassigned := len(rs) - totalRuns(b.split.budgets); unassigned > 0 {
		res.Warnings = append(res.Warnings, warn.New(CodeUnbudgeted,
			"%d run(s) belong to no budget: they join every fit set above their compute but no budget scores them", unassigned))
	}
	if err := b.cuts(ctx, res); err != nil {
		return nil, err
	}
	res.ScoredCuts = min(o.Scored, len(res.Cuts))
	b.recommend(res)
	if b.split.iso {
		if err := b.frontier(ctx, res); err != nil {
			return nil, err
		}
	}
	if o.LeaveOneOut {
		b.leaveOneOut(res)
	}
	return res, nil
}

func totalRuns(bs []Budget) int {
	n := 0
	for _, b := range bs {
		n += b.Runs
	}
	return n
}

// trainAt returns the fit set of the cut closing budget k and the cut's FLOPs: with a budget
// column, the runs whose budget is at most budget k's (a run without a budget: C at most it);
// else the runs with C at most the largest C of budget k.
func (b *engine) trainAt(k int) (train []int, cut float64) {
	bu := b.split.budgets[k]
	if b.split.from == FromColumn {
		cut = bu.FLOPs
		for i, r := range b.rs {
			if (r.Budget > 0 && r.Budget <= cut) || (r.Budget <= 0 && r.FLOPs <= cut) {
				train = append(train, i)
			}
		}
		return train, cut
	}
	cut = bu.Range[1]
	for i, r := range b.rs {
		if r.FLOPs <= cut {
			train = append(train, i)
		}
	}
	return train, cut
}

// cuts runs every candidate at every cut, each warm-started from its fit at the cut before.
func (b *engine) cuts(ctx context.Context, res *Result) error {
	nb := len(b.split.budgets)
	cands := b.candidates()
	warm := make([]model, len(cands))
	failed := make([][]string, len(cands)) // per candidate: "cut: reason"
	variant := make([]string, len(cands))
	nParams := make([]int, len(cands))
	largest := b.split.budgets[nb-1]
	for k := MinBudgets - 2; k <= nb-2; k++ {
		train, cutFLOPs := b.trainAt(k)
		next := b.split.budgets[k+1]
		cut := Cut{FLOPs: cutFLOPs, NTrain: len(train), Budget: b.split.budgets[k].FLOPs, Next: &Ref{FLOPs: next.FLOPs, Runs: next.Runs}}
		for ci, c := range cands {
			if err := ctx.Err(); err != nil {
				return err
			}
			sc := Candidate{Family: c.family, Variant: c.variant, NParams: c.nParams, FrontierOnly: c.frontierOnly}
			m, err := c.fit(ctx, train, warm[ci], k == nb-2)
			if err != nil {
				sc.Note = shortErr(err)
				failed[ci] = append(failed[ci], fmt.Sprintf("%s (%s)", sci(cutFLOPs), sc.Note))
				cut.Candidates = append(cut.Candidates, sc)
				continue
			}
			warm[ci] = m
			if fm, ok := m.(familyModel); ok {
				if variant[ci] == "" {
					variant[ci] = fm.res.Variant
				}
				if fm.res.Free > 0 {
					nParams[ci] = fm.res.Free
				}
			}
			conv := m.converged()
			sc.Converged = &conv
			b.score(&sc, m, next, largest, c.frontierOnly)
			cut.Candidates = append(cut.Candidates, sc)
		}
		res.Cuts = append(res.Cuts, cut)
	}
	for ci, c := range cands {
		v := c.variant
		if v == "" {
			v = variant[ci]
			if v == "" {
				v = "default"
			}
		}
		for k := range res.Cuts {
			res.Cuts[k].Candidates[ci].Variant = v
			if nParams[ci] > 0 {
				res.Cuts[k].Candidates[ci].NParams = nParams[ci]
			}
		}
		if len(failed[ci]) > 0 {
			res.Warnings = append(res.Warnings, warn.New(CodeUnfitted, "%s %s could not be fitted at %d of %d cuts, whose errors are null: cut %s",
				c.family, v, len(failed[ci]), len(res.Cuts), strings.Join(failed[ci], ", cut ")))
		}
	}
	if len(res.Cuts) > 0 {
		top := res.Cuts[len(res.Cuts)-1]
		var unconv []string
		for _, c := range top.Candidates {
			if c.Converged != nil && !*c.Converged {
				unconv = append(unconv, c.Family+" "+c.Variant)
				b.notConverged(res, c)
			}
		}
		if len(unconv) > 0 {
			res.Warnings = append(res.Warnings, warn.New(CodeCutNotConverged, "at the largest cut (%s FLOPs) the fit of %s did not converge: read its errors with care", sci(top.FLOPs), strings.Join(unconv, ", ")))
		}
	}
	return nil
}

func (b *engine) notConverged(res *Result, c Candidate) {
	res.notConverged = append(res.notConverged, "the "+c.Family+" "+c.Variant+" fit at the largest cut")
}

// score fills a candidate's errors at a cut.
func (b *engine) score(sc *Candidate, m model, next, largest Budget, frontierOnly bool) {
	if lstar, ok := m.frontier(largest.FLOPs); ok && largest.Minimum != nil && lstar > 0 {
		sc.FrontierError = ptr((*largest.Minimum - lstar) / lstar)
	}
	if frontierOnly {
		if lstar, ok := m.frontier(next.FLOPs); ok && next.Minimum != nil && lstar > 0 {
			sc.ErrorNext = ptr((*next.Minimum - lstar) / lstar)
		}
		if sc.FrontierError != nil {
			sc.ErrorLargest = ptr(*sc.FrontierError)
			sc.AbsErrorLargest = ptr(math.Abs(*sc.FrontierError))
		}
		return
	}
	if e, _, ok := b.meanError(m, next.idx); ok {
		sc.ErrorNext = ptr(e)
	}
	if e, a, ok := b.meanError(m, largest.idx); ok {
		sc.ErrorLargest, sc.AbsErrorLargest = ptr(e), ptr(a)
	}
}

// meanError is the mean relative error (actual − predicted)/predicted over the runs idx and
// the mean of its absolute value.
func (b *engine) meanError(m model, idx []int) (mean, abs float64, ok bool) {
	n := 0
	for _, i := range idx {
		p, ok := m.loss(i)
		if !ok || !(p > 0) {
			continue
		}
		e := (b.rs[i].Loss - p) / p
		mean += e
		abs += math.Abs(e)
		n++
	}
	if n == 0 {
		return 0, 0, false
	}
	return mean / float64(n), abs / float64(n), true
}

func ptr(v float64) *float64 { return &v }

func sci(v float64) string { return format.Sci(v) }

// shortErr is the first line of err, without the package prefixes of the fits.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Rank is a candidate's score over the scored cuts: the mean of |error_largest| and its
// spread (the standard deviation across those cuts).
type Rank struct {
	Family  string  `json:"family"`
	Variant string  `json:"variant"`
	NParams int     `json:"n_params"`
	Error   float64 `json:"error"`
	Spread  float64 `json:"spread"`
	Cuts    int     `json:"cuts"`
}

// Recommendation is the candidate with the lowest out-of-sample error on the largest budget
// over the scored cuts, when that error is within the tolerance.
type Recommendation struct {
	Family  *string  `json:"family"`
	Variant *string  `json:"variant"`
	Error   *float64 `json:"error"`
	Spread  *float64 `json:"spread"`
	// WithinTolerance is false when no candidate extrapolates within Tolerance (Family and
	// Variant are then null; Error and Spread are the best candidate's).
	WithinTolerance bool   `json:"within_tolerance"`
	Text            string `json:"text"`
	// ErrorLargest is the recommended candidate's error_largest at the largest cut (what
	// check --backtest gates on); nil without a recommendation.
	ErrorLargest *float64 `json:"error_largest_at_largest_cut"`
}

// recommend ranks the candidates by their mean |error_largest| over the scored cuts (a
// candidate with a null among them is not ranked) and recommends the best within tolerance.
func (b *engine) recommend(res *Result) {
	s := res.ScoredCuts
	cuts := res.Cuts[len(res.Cuts)-s:]
	res.Ranking = []Rank{}
	for ci, c := range cuts[0].Candidates {
		var es []float64
		for _, cut := range cuts {
			if e := cut.Candidates[ci].ErrorLargest; e != nil {
				es = append(es, math.Abs(*e))
			}
		}
		if len(es) < s {
			continue
		}
		mean, sd := meanSD(es)
		res.Ranking = append(res.Ranking, Rank{Family: c.Family, Variant: c.Variant, NParams: c.NParams, Error: mean, Spread: sd, Cuts: s})
	}
	sort.SliceStable(res.Ranking, func(i, j int) bool {
		a, c := res.Ranking[i], res.Ranking[j]
		if a.Error != c.Error {
			return a.Error < c.Error
		}
		return a.NParams < c.NParams
	})
	rec := &res.Recommendation
	on := fmt.Sprintf("chosen on these runs' own backtest: the mean |error| on the largest budget (%s FLOPs) out of sample, over %s (%s to %s FLOPs)",
		sci(res.Largest.FLOPs), largestCuts(s), sci(cuts[0].FLOPs), sci(cuts[len(cuts)-1].FLOPs))
	if len(res.Ranking) == 0 {
		rec.Text = on + ": no candidate could be fitted at every one of them, so none is recommended"
		res.Warnings = append(res.Warnings, warn.New(CodeNoRecommendation, "no candidate was fitted at all of the %d largest cuts: nothing is recommended", s))
		return
	}
	best := res.Ranking[0]
	rec.Error, rec.Spread = ptr(best.Error), ptr(best.Spread)
	if best.Error > res.Tolerance {
		rec.Text = fmt.Sprintf("no candidate extrapolates within %s: the best, %s %s, misses the largest budget by %s on average (spread %s); %s",
			pct(res.Tolerance), best.Family, best.Variant, pct(best.Error), pct(best.Spread), on)
		res.Warnings = append(res.Warnings, warn.New(CodeNoRecommendation, "no candidate extrapolates within %s on these runs' backtest (the best, %s %s, misses by %s)",
			pct(res.Tolerance), best.Family, best.Variant, pct(best.Error)))
		return
	}
	rec.Family, rec.Variant, rec.WithinTolerance = &best.Family, &best.Variant, true
	for _, c := range res.Cuts[len(res.Cuts)-1].Candidates {
		if c.Family == best.Family && c.Variant == best.Variant && c.ErrorLargest != nil {
			rec.ErrorLargest = ptr(*c.ErrorLargest)
		}
	}
	rec.Text = fmt.Sprintf("%s %s: mean |error| %s on the largest budget (spread %s), %s", best.Family, best.Variant, pct(best.Error), pct(best.Spread), on)
	if len(res.Ranking) > 1 {
		r2 := res.Ranking[1]
		rec.Text += fmt.Sprintf("; next best %s %s at %s", r2.Family, r2.Variant, pct(r2.Error))
	}
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

func pct(v float64) string { return format.Percent(v) }

// largestCuts is "the 3 largest cuts", or "the largest cut" for one.
func largestCuts(n int) string {
	if n == 1 {
		return "the largest cut"
	}
	return fmt.Sprintf("the %d largest cuts", n)
}
