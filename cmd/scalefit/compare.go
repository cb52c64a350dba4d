package main

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
)

var _ = register("compare", newCompareCmd)

// compareDefaultLaws is the order in which compare shows the published laws: OpenAI first,
// then DeepMind and the refits. Laws added to the catalogue later follow, by name.
var compareDefaultLaws = []string{
	"kaplan2020-allocation", "kaplan2020", "chinchilla2022", "chinchilla2022-tex",
	"chinchilla2022-a3", "chinchilla2022-equal", "epoch2024", "muennighoff2023",
}

// compareOptions holds the flags of `scalefit compare`.
type compareOptions struct {
	runs      runFlags
	compute   string
	laws      []string
	format    string
	bootstrap int
	seed      uint64
	explain   explainOptions      // compare --explain (compare_explain.go)
	group     groupCompareOptions // with --group: compare_group.go
	strict    bool
	// notConverged names the fits to the runs that did not converge, for --strict.
	notConverged []string
}

func newCompareCmd(e *env) *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare [RUNS.csv]",
		Short: "Compare OpenAI (Kaplan) and DeepMind (Chinchilla) allocations, and your own fits",
		Long: `Compare the compute-optimal allocations of the published scaling laws, and of your own
runs when RUNS.csv is given: per 10x compute the multiplier on N_opt and on D_opt, and at
each --compute budget N_opt, D_opt, tokens per parameter and the predicted loss (nats/token)
where the law predicts one. C = 6ND in FLOPs.

With RUNS.csv, scalefit fits every approach the runs allow (Chinchilla's Approaches 1-3 and
Kaplan's joint L(N, D), as scalefit fit --law all does) and says which published allocation
the exponent a sits closer to: Kaplan's 0.73 or Chinchilla's equal scaling 0.5 (with its 95%
interval under --bootstrap). The verdict rests on the approach the data support best, and
names it: a converged Approach-3 fit; else Approach 2 with 3 or more accepted IsoFLOP
budgets; else Approach 1; else Approach 2 on 2 budgets; a fit that did not converge is used
only when nothing else ran, and the verdict says so. The default budgets follow the runs'
range (decades from the largest run up), as fit's do.

Kaplan's laws count non-embedding parameters, Chinchilla's count all parameters; your fits
count N as your file does.

With --group COL, compare compares the groups of RUNS.csv instead (architectures, data mixes,
MoE against dense): each group's loss-optimal frontier L*(C), and for every group against the
--reference the compute multiplier m(C) = C_B(L*_A(C)) / C at each budget (below 1: less
compute for the same loss), the crossover compute, the exponent differences, and with
--bootstrap K 95% intervals from resampling runs within each group. --shared E fits one
irreducible loss across groups; --frontier auto|approach3|isoflop chooses the frontier;
--plot FILE draws frontiers and multipliers.`,
		Example: `  scalefit compare
  scalefit compare --compute 1e21,1e23,1e25 --law kaplan2020-allocation,chinchilla2022-equal
  scalefit compare testdata/chinchilla.csv --drop-highest-loss 5
  scalefit compare runs.csv --bootstrap 200 --seed 1 --format json
  scalefit compare --explain --law chinchilla2022,epoch2024
  scalefit compare testdata/versus_synthetic.csv --group arch --reference ref --shared E --bootstrap 200
  scalefit compare testdata/gadre.csv --group train_dataset --loss-col loss_c4_val --plot versus.png`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.explain.on {
				return runCompareExplain(e, o, cmd.Flags(), args)
			}
			if o.explain.fitPath != "" {
				return app.Usagef("--fit applies to --explain")
			}
			if o.runs.opts.GroupCol != "" {
				return runCompareGroups(e, o, args, cmd.Flags().Changed("compute"))
			}
			for _, f := range groupOnlyFlags {
				if cmd.Flags().Changed(f) {
					return app.Usagef("--%s needs --group COL (the comparison of groups)", f)
				}
			}
			return runCompare(e, o, args, cmd.Flags().Changed("compute"))
		},
	}
	fs := cmd.Flags()
	o.group.register(fs)
	o.runs.register(fs)
	o.explain.register(fs)
	fs.StringVar(&o.compute, "compute", "1e21,1e23,1e25", "comma-separated compute budgets in FLOPs (default with RUNS.csv: decades from your largest run up, as fit's)")
	fs.StringSliceVar(&o.laws, "law", nil, "published laws to show, comma-separated (default: all; see scalefit laws)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples for the interval of your fitted a (with RUNS.csv)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the bootstrap")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after the full output, when a fit to RUNS.csv did not converge")
	return cmd
}

func runCompare(e *env, o *compareOptions, args []string, computeSet bool) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	budgets, err := app.ParseCompute(o.compute)
	if err != nil {
		return app.Usagef("--compute: %v", err)
	}
	var set *runs.Set
	if len(args) == 1 {
		if set, err = o.runs.load(e, args[0]); err != nil {
			return err
		}
		if !computeSet {
			// Budgets near the data, as fit's: decades from the largest run up.
			if b := analysis.DefaultBudgets(set.Runs); len(b) > 0 {
				budgets = b
			}
		}
	}
	for _, c := range budgets {
		if !(c > 0) {
			return app.Usagef("--compute: %g: want positive FLOPs", c)
		}
	}
	if err := limits.Resamples(o.bootstrap, 1); err != nil {
		return &app.UsageError{Err: err}
	}
	if o.bootstrap > 0 && len(args) == 0 {
		return app.Usagef("--bootstrap needs RUNS.csv")
	}
	selected, err := selectCompareLaws(o.laws)
	if err != nil {
		return &app.UsageError{Err: err}
	}

	c := &report.Comparison{SchemaVersion: report.SchemaVersion, Budgets: budgets, Notes: []string{}}
	for _, l := range selected {
		c.Laws = append(c.Laws, publishedEntry(l, budgets))
	}
	if set != nil {
		c.Source, c.Runs = set.Source, len(set.Runs)
		if err := compareFits(c, set, o, budgets); err != nil {
			return err
		}
	}
	c.Notes = append(c.Notes, compareNotes(c.Laws)...)
	if err := report.CheckFinite(c); err != nil {
		return err // the same error in every format
	}
	if outFmt == format.JSON {
		err = report.WriteJSON(e.stdout, c)
	} else {
		err = report.RenderAll(e.stdout, outFmt, report.CompareTables(c, outFmt), stdoutWarnings(outFmt, c.Warnings))
	}
	emitWarnings(e, c.Warnings)
	if err != nil {
		return err
	}
	return strictErr(e, o.strict, o.notConverged)
}

// selectCompareLaws resolves --law names (all published laws when none is given).
func selectCompareLaws(names []string) ([]*laws.Law, error) {
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
func compareFits(c *report.Comparison, set *runs.Set, o *compareOptions, budgets []float64) error {
	if groups, _ := runs.Groups(set.Runs); o.bootstrap > 0 {
		if err := limits.Resamples(o.bootstrap, len(groups)); err != nil {
			return &app.UsageError{Err: err}
		}
	}
	res, err := analysis.Run(set, analysis.Options{Laws: "all", Budgets: budgets, FrontierOnly: true,
		Chinchilla: chinchilla.FitOptions{Bootstrap: o.bootstrap, Seed: o.seed}})
	if err != nil {
		c.Warnings = append(c.Warnings, warn.Warning{Code: codeFitFailed, Msg: "your runs could not be fitted: " + err.Error()})
		return nil
	}
	o.notConverged = res.Unconverged()
	c.Warnings = append(c.Warnings, res.AllWarnings()...)
	for _, g := range res.Groups {
		for _, s := range g.Skipped {
			if s.Approach == 1 || s.Approach == 2 {
				continue // optional here: compare asks for them only when the data allow
			}
			c.Warnings = append(c.Warnings, warn.Warning{Code: codeSkipped, Msg: compareLabel(s.Reason, g.Name)})
		}
	}
	compareEntries(c, res)
	// runs with unique tokens: what repetition costs at the budgets (the data-constrained law)
	auto, err := app.AutoFamilies(context.Background(), res, app.FamilyRequest{Seed: o.seed})
	if err != nil {
		c.Warnings = append(c.Warnings, warn.Warning{Code: codeFitFailed, Msg: "the data-constrained law could not be fitted: " + err.Error()})
		return nil
	}
	c.Warnings = append(c.Warnings, auto.Warnings...)
	o.notConverged = append(o.notConverged, auto.NotConverged...)
	for _, r := range app.Repetitions(auto, budgets) {
		c.Repetition = append(c.Repetition, r)
		c.Notes = append(c.Notes, r.Line())
	}
	return nil
}

// compareEntries adds the fits of an analysis to c (per group: Approach 3, Kaplan's
// L(N, D), Approach 2, Approach 1, each with its allocations at res.Budgets and its a, b
// intervals), and the verdict on the best-supported one. report builds its comparison
// section with it from the fits it made.
func compareEntries(c *report.Comparison, res *analysis.Result) {
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
	codeFitFailed = "fit-failed" // the user's runs could not be fitted
	codeSkipped   = "skipped"    // an approach or law was not fitted (too few runs or sizes)
)
