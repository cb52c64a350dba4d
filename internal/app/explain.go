package app

import (
	"context"
	"fmt"
	"io"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/reconcile"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

// ExplainDefaultBootstrap is the number of resamples of the chain's intervals unless the
// request says otherwise (Porian et al. use 1,000).
const ExplainDefaultBootstrap = 1000

// ExplainRequest is `scalefit compare --explain`: why Kaplan and Chinchilla disagree. Each
// law is read with N and C counted two ways (all parameters; non-embedding, Pearce & Song
// 2024) over Kaplan's compute range, and Porian et al. 2024's chain of corrections is
// replayed with Bootstrap resamples (ExplainDefaultBootstrap when the flag is not given).
type ExplainRequest struct {
	Laws      []string // published laws (nil: all, unless Fit is given)
	Fit       string   // a fit.json whose Chinchilla fit is read too
	Bootstrap int
	Seed      uint64
}

// ExplainResult is the reconciliation.
type ExplainResult struct{ Doc *report.Explanation }

// Contract is the explanation document.
func (r *ExplainResult) Contract() any { return r.Doc }

// Blocks are the readings and the chain.
func (r *ExplainResult) Blocks(format.Output) []doc.Block {
	return doc.Tables(report.ExplainTables(r.Doc))
}

// Warnings are the fit's.
func (r *ExplainResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged is empty (nothing is fitted).
func (r *ExplainResult) NotConverged() []string { return nil }

// WriteCSV writes the readings at full precision, then the chain after a "# chain" line.
func (r *ExplainResult) WriteCSV(w io.Writer) error {
	if err := report.WriteRowsCSV(w, r.Doc.Explain); err != nil {
		return err
	}
	if _, err := fmt.Fprint(w, "\n# chain\n"); err != nil {
		return err
	}
	return report.WriteRowsCSV(w, r.Doc.Chain)
}

// Explain reads the laws in both conventions and replays Porian et al.'s chain.
func Explain(ctx context.Context, r ExplainRequest) (*ExplainResult, error) {
	if r.Bootstrap < 0 {
		return nil, Usagef("--bootstrap %d: want 0 or more resamples", r.Bootstrap)
	}
	if err := limits.Resamples(r.Bootstrap, len(reconcile.PorianChain)); err != nil {
		return nil, &UsageError{Err: err}
	}
	var sources []reconcile.Law
	var ws []warn.Warning
	if len(r.Laws) > 0 || r.Fit == "" {
		ls, err := SelectLaws(r.Laws)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		for _, l := range ls {
			sources = append(sources, reconcile.FromBuiltin(l))
		}
	}
	if r.Fit != "" {
		src, fws, err := explainFit(r.Fit)
		if err != nil {
			return nil, err
		}
		sources = append(sources, src)
		ws = append(ws, fws...)
	}
	var readings []reconcile.Reading
	for _, s := range sources {
		for _, c := range reconcile.Conventions {
			rd, err := reconcile.Read(s, c, reconcile.KaplanRangeLo, reconcile.KaplanRangeHi, 0)
			if err != nil {
				return nil, fmt.Errorf("--explain: %w", err)
			}
			readings = append(readings, rd)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	steps, err := reconcile.Chain(r.Bootstrap, r.Seed)
	if err != nil {
		return nil, fmt.Errorf("--explain: %w", err)
	}
	x := &report.Explanation{SchemaVersion: report.SchemaVersion, Explain: report.ExplainRows(readings),
		Chain: report.ChainRows(steps, r.Bootstrap > 0), Bootstrap: r.Bootstrap, Level: 0.95, Warnings: ws, Notes: explainNotes(readings, r.Fit)}
	if x.Warnings == nil {
		x.Warnings = []warn.Warning{}
	}
	return &ExplainResult{Doc: x}, nil
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
