package main

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/reconcile"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/pflag"
)

// explainOptions are the flags of `scalefit compare --explain`, the Kaplan-vs-Chinchilla
// reconciliation.
type explainOptions struct {
	on      bool
	fitPath string
}

// explainDefaultBootstrap is the number of resamples of the chain's intervals unless
// --bootstrap says otherwise (Porian et al. use 1,000).
const explainDefaultBootstrap = 1000

func (x *explainOptions) register(fs *pflag.FlagSet) {
	fs.BoolVar(&x.on, "explain", false, "why Kaplan and Chinchilla disagree: each law read with N and C counted two ways (all parameters; non-embedding, Pearce & Song 2024) over Kaplan's compute range, and Porian et al. 2024's chain of corrections")
	fs.StringVar(&x.fitPath, "fit", "", "with --explain: also read the Chinchilla fit of this fit.json (Approach 3, else the allocation of Approach 2 or 1)")
}

// explainRefused are compare's flags that --explain does not use.
var explainRefused = []string{"compute", "where", "group", "drop-highest-loss", "params-col", "tokens-col", "flops-col", "loss-col", "group-col", "run-col", "budget-col"}

func runCompareExplain(e *env, o *compareOptions, fs *pflag.FlagSet, args []string) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if len(args) > 0 {
		return app.Usagef("--explain reads published laws (--law) and fits (--fit), not RUNS.csv: fit the runs with scalefit fit -o fit.json, then pass --fit fit.json")
	}
	for _, n := range explainRefused {
		if f := fs.Lookup(n); f != nil && f.Changed {
			return app.Usagef("--%s does not apply to --explain (its range is Pearce & Song's 10^12.95 to 10^20.7 FLOPs)", n)
		}
	}
	if o.bootstrap < 0 {
		return app.Usagef("--bootstrap %d: want 0 or more resamples", o.bootstrap)
	}
	k := explainDefaultBootstrap
	if fs.Changed("bootstrap") {
		k = o.bootstrap
	}
	if err := limits.Resamples(k, len(reconcile.PorianChain)); err != nil {
		return &app.UsageError{Err: err}
	}
	var sources []reconcile.Law
	var ws []warn.Warning
	if len(o.laws) > 0 || o.explain.fitPath == "" {
		ls, err := selectCompareLaws(o.laws)
		if err != nil {
			return &app.UsageError{Err: err}
		}
		for _, l := range ls {
			sources = append(sources, reconcile.FromBuiltin(l))
		}
	}
	if o.explain.fitPath != "" {
		src, fws, err := explainFit(o.explain.fitPath)
		if err != nil {
			return err
		}
		sources = append(sources, src)
		ws = append(ws, fws...)
	}
	var readings []reconcile.Reading
	for _, s := range sources {
		for _, c := range reconcile.Conventions {
			r, err := reconcile.Read(s, c, reconcile.KaplanRangeLo, reconcile.KaplanRangeHi, 0)
			if err != nil {
				return fmt.Errorf("--explain: %w", err)
			}
			readings = append(readings, r)
		}
	}
	steps, err := reconcile.Chain(k, o.seed)
	if err != nil {
		return fmt.Errorf("--explain: %w", err)
	}
	x := &report.Explanation{SchemaVersion: report.SchemaVersion, Explain: report.ExplainRows(readings),
		Chain: report.ChainRows(steps, k > 0), Bootstrap: k, Level: 0.95, Warnings: ws, Notes: explainNotes(readings, o.explain.fitPath)}
	if x.Warnings == nil {
		x.Warnings = []warn.Warning{}
	}
	for _, w := range x.Warnings {
		fmt.Fprintln(e.stderr, "scalefit: warning:", w.Qualified())
	}
	switch outFmt {
	case format.JSON:
		return report.WriteJSON(e.stdout, x)
	case format.CSV:
		// Machine-readable: the readings at full precision, then the chain after a "# chain" line.
		if err := report.WriteRowsCSV(e.stdout, x.Explain); err != nil {
			return err
		}
		if _, err := fmt.Fprint(e.stdout, "\n# chain\n"); err != nil {
			return err
		}
		return report.WriteRowsCSV(e.stdout, x.Chain)
	}
	return report.RenderAll(e.stdout, outFmt, report.ExplainTables(x), stdoutWarnings(outFmt, x.Warnings))
}

// explainFit reads a fit.json's Chinchilla law for --explain: its Approach-3 law when it has
// one (re-optimised in Kaplan's convention), else the N_opt = k C^a allocation of its
// Approach 2 or 1 (relabelled).
func explainFit(path string) (reconcile.Law, []warn.Warning, error) {
	doc, err := fitfile.Read(path)
	if err != nil {
		return reconcile.Law{}, nil, fmt.Errorf("--fit: %w", err)
	}
	if doc.Find("chinchilla", 3) == nil {
		for _, ap := range []int{2, 1} {
			if doc.Find("chinchilla", ap) == nil {
				continue
			}
			s, err := lawsource.FromFile(path, ap)
			if err != nil {
				return reconcile.Law{}, nil, err
			}
			l := reconcile.FromBuiltin(s.Builtin)
			l.Name = fmt.Sprintf("%s (Approach %d)", path, ap)
			return l, s.Warnings, nil
		}
	}
	_, fit, l, _, err := lawsource.ReadApproach3(path)
	if err != nil {
		return reconcile.Law{}, nil, err
	}
	return reconcile.FromChinchilla(path, l), lawsource.FitWarnings(path, fit), nil
}

// explainNotes says how the readings were made.
func explainNotes(rs []reconcile.Reading, fitPath string) []string {
	notes := []string{
		"kaplan: N counts non-embedding parameters, N_total = N_E + 47,491·N_E^(1/3) (Pearce & Song 2024, fitted to Chinchilla's models), C = 6·N_E·D (scalefit flops: 6n-nonembedding); 6n: every parameter, C = 6ND",
		"local exponent: least-squares slope of ln N_opt on ln C over 101 log-spaced budgets; re-optimised = the law's loss minimised over N at each budget counted in that convention",
	}
	for _, r := range rs {
		if r.Method == reconcile.Relabelled {
			notes = append(notes, "relabelled = an allocation rule without a loss law: its own optimal models recounted in the other convention, not re-optimised")
			break
		}
	}
	if fitPath != "" {
		notes = append(notes, "the fit in "+fitPath+" is read as counting every parameter (6n); if your params column is non-embedding, read its kaplan row as its own")
	}
	return notes
}
