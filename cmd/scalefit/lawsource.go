package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/pflag"
)

// lawFlags are the flags of commands that use a law (optimal, predict, check, plot): the law
// comes from exactly one of --fit fit.json, --law NAME, or a RUNS.csv argument fitted on
// the fly (with the runs flags).
type lawFlags struct {
	fitPath  string
	approach int
	law      string
	strict   bool
	runs     runFlags
}

func (f *lawFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.fitPath, "fit", "", "use the Chinchilla Approach-3 fit of this fit.json (written by scalefit fit -o)")
	fs.IntVar(&f.approach, "approach", 3, "with --fit: which fit of the file plans: 3 (the parametric law), or 2 or 1 (their N_opt ∝ C^a allocation, without losses)")
	fs.StringVar(&f.law, "law", "", "use a built-in published law, e.g. chinchilla2022-a3 (case-insensitive; see scalefit laws)")
	fs.BoolVar(&f.strict, "strict", false, "exit 1, after the full output, when the fit used (from RUNS.csv or --fit) did not converge")
	f.runs.register(fs)
}

// lawSource is a resolved law: a built-in law (Chinchilla form, Kaplan form or allocation
// rule only), or a Chinchilla Approach-3 fit from a fit.json or from runs.
type lawSource struct {
	// Info describes the source for output ("law: ..." notes and the JSON "law" object).
	Info report.LawInfo
	// Chinchilla is the loss law in the form E + A/N^α + B/D^β, or nil (Kaplan's joint law,
	// allocation rules).
	Chinchilla *chinchilla.Law
	// Builtin is the catalogue entry with --law, else nil.
	Builtin *laws.Law
	// Draws are the bootstrap draws of a fit (nil without).
	Draws []chinchilla.Law
	// RDStar and RNStar are the law's data-constrained constants (0 when it has none).
	RDStar, RNStar float64
	// Range is the span of the fitted runs (nil for built-in laws).
	Range *report.Range
	// Warnings are non-fatal problems with the source (e.g. the fit did not converge).
	Warnings []warn.Warning
	// NotConverged names the fit when it did not converge (empty otherwise), for --strict.
	NotConverged []string
}

// resolve finds the law from the flags and the positional arguments (at most one RUNS.csv).
func (f *lawFlags) resolve(e *env, args []string) (*lawSource, error) {
	n := 0
	for _, set := range []bool{f.fitPath != "", f.law != "", len(args) > 0} {
		if set {
			n++
		}
	}
	if len(args) > 1 {
		return nil, usagef("at most one RUNS.csv argument, got %d", len(args))
	}
	if ro := f.runs.opts; len(args) == 0 && ro.Format == runs.FormatAuto {
		ro.Format = ""
		if ro != (runs.Options{}) {
			return nil, usagef("the runs flags (--group, --where, --drop-highest-loss, column overrides, --meta, ...) apply only to a RUNS.csv argument fitted on the fly")
		}
	} else if len(args) == 0 && ro != (runs.Options{}) {
		return nil, usagef("the runs flags (--group, --where, --drop-highest-loss, column overrides, --meta, ...) apply only to a RUNS.csv argument fitted on the fly")
	}
	switch {
	case n == 0:
		return nil, usagef("no law given: want one of --fit fit.json, --law NAME (see scalefit laws) or a RUNS.csv to fit")
	case n > 1:
		return nil, usagef("more than one law given (--fit, --law, RUNS.csv): want exactly one")
	case f.approach < 1 || f.approach > 3:
		return nil, usagef("--approach %d: want 1, 2 or 3", f.approach)
	case f.approach != 3 && f.fitPath == "":
		return nil, usagef("--approach %d applies to --fit fit.json: built-in laws and runs fitted on the fly use Approach 3", f.approach)
	case f.fitPath != "" && f.approach != 3:
		return allocationFromFit(f.fitPath, f.approach)
	case f.fitPath != "":
		return lawFromFit(f.fitPath)
	case f.law != "":
		l, err := laws.Lookup(f.law)
		if err != nil {
			return nil, usagef("--law: %v", err)
		}
		return lawFromBuiltin(l), nil
	}
	return f.lawFromRuns(e, args[0])
}

func lawParams(l chinchilla.Law) map[string]float64 {
	return map[string]float64{"E": l.E, "A": l.A, "B": l.B, "alpha": l.Alpha, "beta": l.Beta}
}

func lawFromBuiltin(l *laws.Law) *lawSource {
	s := &lawSource{Builtin: l, Chinchilla: l.Chinchilla, RDStar: l.RDStar, RNStar: l.RNStar,
		Info: report.LawInfo{Name: l.Name, Source: "law", Title: l.Title, Citation: l.Citation}}
	if l.Chinchilla != nil {
		s.Info.Params = lawParams(*l.Chinchilla)
	}
	return s
}

func lawFromFit(path string) (*lawSource, error) {
	doc, fit, l, draws, err := readFitLaw(path)
	if err != nil {
		return nil, err
	}
	s := &lawSource{Chinchilla: &l, Draws: draws, Range: doc.Range,
		Info: report.LawInfo{Name: path, Source: "fit", Title: "Chinchilla Approach 3 fit", Params: lawParams(l), Draws: len(draws)}}
	if doc.Source != "" {
		s.Info.Title += " to " + doc.Source
	}
	s.Warnings = append(s.Warnings, fitWarnings(path, fit)...)
	if fit.Converged != nil && !*fit.Converged {
		s.NotConverged = append(s.NotConverged, "the Approach-3 fit in "+path)
	}
	return s, nil
}

// allocationFromFit reads Approach 1's or 2's power laws N_opt = k C^a, D_opt = k_d C^b from
// a fit.json: an allocation rule without a loss law.
func allocationFromFit(path string, approach int) (*lawSource, error) {
	doc, err := report.ReadDocument(path)
	if err != nil {
		return nil, fmt.Errorf("--fit: %w", err)
	}
	fit := doc.Find("chinchilla", approach)
	if fit == nil {
		return nil, fmt.Errorf("--fit %s: no Chinchilla Approach-%d fit in the file", path, approach)
	}
	k, kd := fit.Params["k"], fit.Params["k_d"]
	if fit.A == nil || fit.B == nil || !(k > 0) || !(kd > 0) || math.IsInf(k, 0) || math.IsInf(kd, 0) {
		return nil, fmt.Errorf("--fit %s: Approach-%d fit lacks a, b, k or k_d", path, approach)
	}
	l := &laws.Law{Name: path, Title: fmt.Sprintf("Chinchilla Approach %d fit", approach),
		Allocation: &laws.Allocation{NCoef: k, NExp: *fit.A, DCoef: kd, DExp: *fit.B, CUnit: 1}}
	if doc.Source != "" {
		l.Title += " to " + doc.Source
	}
	s := lawFromBuiltin(l)
	s.Builtin, s.Range = l, doc.Range
	s.Info.Source = "fit"
	s.Warnings = append(s.Warnings, fitWarnings(path, fit)...)
	return s, nil
}

// readFitLaw reads a fit.json's Chinchilla Approach-3 law and its bootstrap draws (rows of
// E, A, B, alpha, beta), validating both; errors name the file.
func readFitLaw(path string) (*report.Document, *report.Fit, chinchilla.Law, []chinchilla.Law, error) {
	var l chinchilla.Law
	doc, err := report.ReadDocument(path)
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit: %w", err)
	}
	fit := doc.Find("chinchilla", 3)
	if fit == nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: no Chinchilla Approach-3 fit in the file (run scalefit fit with --approach 3)", path)
	}
	var v [5]float64
	for i, k := range []string{"E", "A", "B", "alpha", "beta"} {
		x, ok := fit.Params[k]
		if !ok || !(x > 0) || math.IsInf(x, 0) {
			return nil, nil, l, nil, fmt.Errorf("--fit %s: Chinchilla fit params %q missing or not positive: want E, A, B, alpha, beta", path, k)
		}
		v[i] = x
	}
	l = chinchilla.Law{E: v[0], A: v[1], B: v[2], Alpha: v[3], Beta: v[4]}
	draws, err := plan.LawsFromRows(fit.Bootstrap)
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: %w", path, err)
	}
	return doc, fit, l, draws, nil
}

// fitWarnings carries a saved fit's own warnings (non-convergence, ill-conditioning) to the
// commands that use it.
func fitWarnings(path string, fit *report.Fit) []warn.Warning {
	var out []warn.Warning
	if fit.Converged != nil && !*fit.Converged {
		out = append(out, warn.New(warn.CodeNotConverged, "the fit in %s did not converge: its predictions may be off", path))
	}
	return append(out, warn.In("", "the fit in "+path, fit.Warnings)...)
}

// lawFromRuns fits the Chinchilla law to a runs CSV (Approach 3: Huber δ = 1e-3, default
// search, no bootstrap); from loss curves (a run column) it takes each run's last point.
func (f *lawFlags) lawFromRuns(e *env, path string) (*lawSource, error) {
	if f.runs.opts.GroupCol != "" {
		return nil, usagef("--group: fit each group with scalefit fit --group COL -o fit.json, then pass --fit fit.json")
	}
	set, err := f.runs.load(e, path)
	if err != nil {
		return nil, err
	}
	rs := set.Runs
	if set.Has("run") {
		rs = runs.FinalPoints(rs)
	}
	n, d, _, loss := runs.Columns(rs)
	r, err := chinchilla.Fit(n, d, loss, chinchilla.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("fitting %s: %w", path, err)
	}
	sum := set.Summarize()
	s := &lawSource{Chinchilla: &r.Law,
		Range: &report.Range{Params: sum.Params, Tokens: sum.Tokens, FLOPs: sum.FLOPs, Loss: sum.Loss},
		Info: report.LawInfo{Name: path, Source: "runs", Params: lawParams(r.Law),
			Title: fmt.Sprintf("Chinchilla Approach 3 fitted to %d runs, no bootstrap; for intervals run scalefit fit --bootstrap K -o fit.json and pass --fit", len(rs))}}
	if !r.Converged {
		s.Warnings = append(s.Warnings, warn.New(warn.CodeNotConverged, "the Approach-3 fit to %s did not converge (%s): its predictions may be off", path, r.Status))
		s.NotConverged = append(s.NotConverged, "the Approach-3 fit to "+path)
	}
	s.Warnings = append(s.Warnings, r.Warnings...)
	s.Warnings = append(s.Warnings, set.Warnings...)
	return s, nil
}

// kind names what the source is, for error messages.
func (s *lawSource) kind() string {
	switch {
	case s.Builtin == nil:
		return "the fit " + s.Info.Name
	case s.Builtin.Allocation != nil:
		return "law " + s.Builtin.Name + " is an allocation rule with no loss law"
	case s.Builtin.Kaplan != nil:
		return "law " + s.Builtin.Name + " is Kaplan's joint L(N, D), not the Chinchilla form E + A/N^alpha + B/D^beta"
	}
	return "law " + s.Builtin.Name
}

// chinchillaLaw returns the Chinchilla-form law for a query that needs one (what names the
// query, e.g. "--target-loss"), or an error saying which laws answer it.
func (s *lawSource) chinchillaLaw(what string) (chinchilla.Law, error) {
	if s.Chinchilla != nil {
		return *s.Chinchilla, nil
	}
	var names []string
	for _, l := range laws.All() {
		if l.Chinchilla != nil {
			names = append(names, l.Name)
		}
	}
	hint := "it answers --compute and --params only"
	if s.Builtin != nil && s.Builtin.Kaplan != nil {
		hint = "it answers --compute, --params and predict only"
	}
	return chinchilla.Law{}, fmt.Errorf("%s: %s; %s needs a Chinchilla-form law (%s, or a fit)",
		s.kind(), hint, what, strings.Join(names, ", "))
}

// hasLoss reports whether the source predicts loss.
func (s *lawSource) hasLoss() bool {
	return s.Chinchilla != nil || s.Builtin != nil && s.Builtin.Kaplan != nil
}

// loss predicts the loss (nats/token) of n parameters trained on d tokens.
func (s *lawSource) loss(n, d float64) (float64, error) {
	switch {
	case s.Chinchilla != nil:
		return s.Chinchilla.Loss(n, d), nil
	case s.Builtin != nil && s.Builtin.Kaplan != nil:
		return s.Builtin.Kaplan.Loss(n, d), nil
	}
	_, err := s.chinchillaLaw("a loss prediction")
	return 0, err
}

// optimal returns the compute-optimal allocation at c FLOPs (Loss NaN without a loss law).
func (s *lawSource) optimal(c float64) (plan.Allocation, error) {
	if s.Chinchilla != nil {
		return plan.Optimal(*s.Chinchilla, c)
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return plan.Allocation{}, fmt.Errorf("compute %g: want a positive finite number", c)
	}
	n, d, loss, _ := s.Builtin.Optimal(c)
	return plan.Allocation{FLOPs: c, Params: n, Tokens: d, Loss: loss}, nil
}

// forParams returns the budget at which n parameters are compute-optimal, with D and loss.
func (s *lawSource) forParams(n float64) (plan.Allocation, error) {
	if s.Chinchilla != nil {
		return plan.ForParams(*s.Chinchilla, n)
	}
	if !(n > 0) || math.IsInf(n, 0) {
		return plan.Allocation{}, fmt.Errorf("params %g: want a positive finite number", n)
	}
	c, d := s.Builtin.ComputeForParams(n)
	loss := math.NaN()
	if s.Builtin.Kaplan != nil {
		loss = s.Builtin.Kaplan.Loss(n, d)
	}
	return plan.Allocation{FLOPs: c, Params: n, Tokens: d, Loss: loss}, nil
}
