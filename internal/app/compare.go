package app

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// compareDefaultLaws is the order in which compare shows the published laws: OpenAI first,
// then DeepMind and the refits. Laws added to the catalogue later follow, by name.
var compareDefaultLaws = []string{
	"kaplan2020-allocation", "kaplan2020", "chinchilla2022", "chinchilla2022-tex",
	"chinchilla2022-a3", "chinchilla2022-equal", "epoch2024", "muennighoff2023",
}

// CompareRequest is `scalefit compare [RUNS]`: the published laws' compute-optimal
// allocations side by side (per 10x compute, and at budgets in FLOPs, C = 6ND), and with
// runs, every approach fitted to them and the verdict on which allocation their exponent a
// sits closer to.
type CompareRequest struct {
	Runs Inputs // optional
	// Budgets in FLOPs (nil: 1e21, 1e23, 1e25; with runs, decades from the largest run up).
	Budgets   []float64
	Laws      []string // published laws to show (nil: all)
	Bootstrap int      // resamples for the interval of the fitted a (with runs)
	Seed      uint64
}

// CompareResult is the comparison.
type CompareResult struct {
	Doc          *report.Comparison
	notConverged []string
}

// Contract is the comparison document.
func (r *CompareResult) Contract() any { return r.Doc }

// Blocks are the exponents table and the allocations at each budget.
func (r *CompareResult) Blocks(f format.Output) []doc.Block {
	return doc.Tables(report.CompareTables(r.Doc, f))
}

// Warnings are the fits' warnings.
func (r *CompareResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged names the fits to the runs that did not converge.
func (r *CompareResult) NotConverged() []string { return r.notConverged }

// Compare compares the published allocations, and the runs' fits when runs are given.
func Compare(ctx context.Context, r CompareRequest) (*CompareResult, error) {
	budgets := r.Budgets
	if budgets == nil {
		budgets = []float64{1e21, 1e23, 1e25}
	}
	var set *runs.Set
	if len(r.Runs.Paths) > 0 {
		var err error
		if set, err = r.Runs.Load(); err != nil {
			return nil, err
		}
		if r.Budgets == nil {
			// Budgets near the data, as fit's: decades from the largest run up.
			if b := analysis.DefaultBudgets(set.Runs); len(b) > 0 {
				budgets = b
			}
		}
	}
	for _, c := range budgets {
		if !(c > 0) {
			return nil, Usagef("--compute: %g: want positive FLOPs", c)
		}
	}
	if err := limits.Resamples(r.Bootstrap, 1); err != nil {
		return nil, &UsageError{Err: err}
	}
	if r.Bootstrap > 0 && set == nil {
		return nil, Usagef("--bootstrap needs RUNS.csv")
	}
	selected, err := SelectLaws(r.Laws)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	c := &report.Comparison{SchemaVersion: report.SchemaVersion, Budgets: budgets, Notes: []string{}}
	for _, l := range selected {
		c.Laws = append(c.Laws, publishedEntry(l, budgets))
	}
	out := &CompareResult{Doc: c}
	if set != nil {
		c.Source, c.Runs = set.Source, len(set.Runs)
		if out.notConverged, err = compareFits(ctx, c, set, r, budgets); err != nil {
			return nil, err
		}
	}
	c.Notes = append(c.Notes, compareNotes(c.Laws)...)
	return out, nil
}

// PublishedComparison is the comparison of the published laws with the fits of an analysis
// at its budgets, without a second fit (report's allocation section).
func PublishedComparison(res *analysis.Result) (*report.Comparison, error) {
	selected, err := SelectLaws(nil)
	if err != nil {
		return nil, err
	}
	c := &report.Comparison{SchemaVersion: report.SchemaVersion, Budgets: res.Budgets, Notes: []string{}, Source: res.Set.Source, Runs: len(res.Set.Runs)}
	for _, l := range selected {
		c.Laws = append(c.Laws, publishedEntry(l, res.Budgets))
	}
	CompareEntries(c, res)
	c.Notes = append(c.Notes, compareNotes(c.Laws)...)
	return c, nil
}

// SelectLaws resolves --law names (all published laws when none is given).
func SelectLaws(names []string) ([]*laws.Law, error) {
	if len(names) == 0 {
		var out []*laws.Law
		seen := map[string]bool{}
		for _, n := range compareDefaultLaws {
			if l, err := laws.Lookup(n); err == nil {
				out = append(out, l)
				seen[l.Name] = true
			}
		}
		for _, l := range laws.All() {
			if !seen[l.Name] {
				out = append(out, l)
			}
		}
		return out, nil
	}
	var out []*laws.Law
	seen := map[string]bool{}
	for _, n := range names {
		l, err := laws.Lookup(n)
		if err != nil {
			return nil, fmt.Errorf("--law: %w", err)
		}
		if !seen[l.Name] {
			out = append(out, l)
			seen[l.Name] = true
		}
	}
	return out, nil
}

// publishedEntry is a published law's allocation exponents and its allocation at each budget.
func publishedEntry(l *laws.Law, budgets []float64) report.CompareEntry {
	a, b := l.Exponents()
	counts := "all"
	if l.NonEmbedding {
		counts = "non-embedding"
	}
	en := report.CompareEntry{Name: l.Name, Source: report.SourcePublished, Title: l.Title,
		NCounts: counts, NonEmbedding: l.NonEmbedding,
		A: a, B: b, NPer10x: math.Pow(10, a), DPer10x: math.Pow(10, b)}
	for _, c := range budgets {
		n, d, loss := l.Optimal(c)
		al := report.Allocation{FLOPs: c, NOpt: n, DOpt: d, TokensPerParam: d / n}
		if l.HasLoss() {
			al.Loss = loss
		}
		en.Allocations = append(en.Allocations, al)
	}
	return en
}

// compareNotes explains what sits side by side.
func compareNotes(es []report.CompareEntry) []string {
	var notes []string
	if report.HasMixedNCounts(es) {
		notes = append(notes, report.NonEmbeddingNote)
	}
	has := map[string]bool{}
	for _, e := range es {
		has[e.Name] = true
	}
	if has["kaplan2020"] && has["kaplan2020-allocation"] {
		notes = append(notes, "kaplan2020 is the frontier of Kaplan's joint L(N, D) (a = alpha_D/(alpha_N+alpha_D) = 0.575); Kaplan's own allocation rule, with a = 0.73, is kaplan2020-allocation")
	}
	if has["muennighoff2023"] {
		notes = append(notes, "muennighoff2023 is shown with unlimited unique data (no repetition); see scalefit optimal --max-unique-tokens")
	}
	for _, e := range es {
		if e.Source == report.SourceFit {
			notes = append(notes, "fits to your runs extrapolate beyond the runs' compute range at large budgets")
			break
		}
	}
	return notes
}

// compareLabel names a fitted entry, with its group when the runs are grouped.
func compareLabel(base, group string) string {
	if group == "" {
		return base
	}
	return base + " [" + strings.TrimSpace(group) + "]"
}

// compareFits fits the runs with every approach the data allow, as `scalefit fit --law all`
// does (Chinchilla's Approaches 1-3 and Kaplan's joint L(N, D), per group), and adds them,
// with the verdict, to c. A fit that fails becomes a warning: the published comparison
// still stands.
func compareFits(ctx context.Context, c *report.Comparison, set *runs.Set, r CompareRequest, budgets []float64) ([]string, error) {
	if groups, _ := runs.Groups(set.Runs); r.Bootstrap > 0 {
		if err := limits.Resamples(r.Bootstrap, len(groups)); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	res, err := analysis.Run(set, analysis.Options{Laws: "all", Budgets: budgets, FrontierOnly: true,
		Chinchilla: chinchilla.FitOptions{Bootstrap: r.Bootstrap, Seed: r.Seed}})
	if err != nil {
		c.Warnings = append(c.Warnings, warn.Warning{Code: CodeFitFailed, Msg: "your runs could not be fitted: " + err.Error()})
		return nil, nil
	}
	notConverged := res.Unconverged()
	c.Warnings = append(c.Warnings, res.AllWarnings()...)
	for _, g := range res.Groups {
		for _, s := range g.Skipped {
			if s.Approach == 1 || s.Approach == 2 {
				continue // optional here: compare asks for them only when the data allow
			}
			c.Warnings = append(c.Warnings, warn.Warning{Code: CodeSkipped, Msg: compareLabel(s.Reason, g.Name)})
		}
	}
	CompareEntries(c, res)
	// runs with unique tokens: what repetition costs at the budgets (the data-constrained law)
	auto, err := AutoFamilies(ctx, res, FamilyRequest{Seed: r.Seed})
	if err != nil {
		c.Warnings = append(c.Warnings, warn.Warning{Code: CodeFitFailed, Msg: "the data-constrained law could not be fitted: " + err.Error()})
		return notConverged, nil
	}
	c.Warnings = append(c.Warnings, auto.Warnings...)
	notConverged = append(notConverged, auto.NotConverged...)
	for _, rep := range Repetitions(auto, budgets) {
		c.Repetition = append(c.Repetition, rep)
		c.Notes = append(c.Notes, rep.Line())
	}
	return notConverged, nil
}

// CompareEntries adds the fits of an analysis to c (per group: Approach 3, Kaplan's
// L(N, D), Approach 2, Approach 1, each with its allocations at res.Budgets and its a, b
// intervals), and the verdict on the best-supported one. report builds its comparison
// section with it from the fits it made.
func CompareEntries(c *report.Comparison, res *analysis.Result) {
	var cands []verdictCandidate
	// add lists a fitted law with its allocations at the budgets and its a, b intervals.
	add := func(cand verdictCandidate, l lawsource.Law, draws []chinchilla.Law, ivs map[string]stats.Interval) {
		a, b := l.Exponents()
		cand.a = a
		en := report.CompareEntry{Name: compareLabel(cand.name, cand.group), Source: report.SourceFit, NCounts: "as in your file",
			A: a, B: b, NPer10x: math.Pow(10, a), DPer10x: math.Pow(10, b), Allocations: analysis.Allocations(l, res.Budgets, draws)}
		if iv, ok := ivs["a"]; ok {
			en.Intervals = map[string][2]float64{"a": iv.Pair(), "b": ivs["b"].Pair()}
			p := iv.Pair()
			cand.iv = &p
		}
		c.Laws = append(c.Laws, en)
		cands = append(cands, cand)
	}
	for _, g := range res.Groups {
		if r := g.A3; r != nil {
			cand := verdictCandidate{group: g.Name, converged: r.Converged, name: "your fit: chinchilla A3", what: "Approach 3 (parametric fit)", rank: 1}
			if !r.Converged {
				cand.name += " (not converged)"
				cand.rank = 5
			}
			add(cand, r.Law, r.DrawLaws(), r.Intervals)
		}
		for _, r := range []*kaplan.FitResult{g.Kaplan, g.KaplanN} {
			if r != nil && r.HasFrontier() {
				add(verdictCandidate{group: g.Name, converged: r.Converged, name: "your fit: kaplan L(N,D)", what: "Kaplan's L(N,D) fit", rank: 6}, r.Law, nil, r.Intervals)
			}
		}
		if r := g.A2; r != nil {
			accepted := 0
			for _, b := range r.Budgets {
				if b.Accepted {
					accepted++
				}
			}
			cand := verdictCandidate{group: g.Name, converged: true, name: "your fit: chinchilla A2",
				what: fmt.Sprintf("Approach 2 (IsoFLOP minima of %d budgets)", accepted), rank: 2}
			if accepted < 3 {
				cand.rank = 4
			}
			add(cand, &r.PowerLaws, nil, r.PowerLaws.Intervals())
		}
		if r := g.A1; r != nil {
			add(verdictCandidate{group: g.Name, converged: true, name: "your fit: chinchilla A1", what: "Approach 1 (loss-curve envelope)", rank: 3},
				&r.PowerLaws, nil, r.PowerLaws.Intervals())
		}
	}
	c.Verdict = compareVerdict(cands)
}

// verdictCandidate is a fit the verdict may rest on; lower rank = better supported by the
// data (1 converged Approach 3, 2 Approach 2 on >= 3 budgets, 3 Approach 1, 4 Approach 2 on
// 2 budgets, 5 Approach 3 not converged, 6 Kaplan's L(N,D)).
type verdictCandidate struct {
	name, what, group string
	a                 float64
	iv                *[2]float64
	converged         bool
	rank              int
}

// compareVerdict is the one-line verdict of the first group's best-supported fit, naming
// the approach it rests on and, when a better-ranked approach was passed over or the fit
// itself did not converge, saying so; "" when nothing was fitted.
func compareVerdict(cands []verdictCandidate) string {
	if len(cands) == 0 {
		return ""
	}
	group := cands[0].group
	var best *verdictCandidate
	var passed []verdictCandidate
	for i := range cands {
		c := &cands[i]
		if c.group != group {
			continue
		}
		if best == nil || c.rank < best.rank {
			best = c
		}
	}
	for _, c := range cands {
		if c.group == group && c.rank > best.rank && c.rank == 5 {
			passed = append(passed, c)
		}
	}
	label := best.what
	if group != "" {
		label += " [" + group + "]"
	}
	s := report.CompareVerdict(label, best.a, best.iv)
	switch {
	case best.rank == 5:
		s = "NOT CONVERGED: " + s + "; the Approach-3 fit did not converge and no other approach ran, so do not act on this"
	case best.rank == 4:
		s += "; it rests on only 2 budgets"
	}
	for _, p := range passed {
		s += fmt.Sprintf("; Approach 3 did not converge (a = %s), so it is not used", format.Float(p.a, 3))
	}
	return s
}

// Warning codes of compare.
const (
	CodeFitFailed = "fit-failed" // the user's runs could not be fitted
	CodeSkipped   = "skipped"    // an approach or law was not fitted (too few runs or sizes)
)
