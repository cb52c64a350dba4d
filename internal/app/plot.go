package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
)

// PlotRequest is `scalefit plot RUNS`: a figure of the runs, fitting what it needs
// (Approach 3 on final losses, Approach 2's IsoFLOP profiles, Approach 1's envelope), pooled
// over groups. Kind is a plot kind, or "all" to write every kind the data support into the
// directory Output as Ext files.
type PlotRequest struct {
	Runs    Inputs
	Kind    string
	Output  string
	Ext     string
	Holdout string // runs held out of the fit (taken from the input before --where)
	Law     string // a built-in law to draw when the runs cannot be fitted
}

// Validate checks the request; errors are usage errors.
func (r *PlotRequest) Validate() error {
	if r.Kind == "" {
		return Usagef("--kind is required: isoflop, frontier, loss, curves, residuals, contour or all")
	}
	if r.Output == "" {
		return Usagef("-o is required: the figure file (or a directory with --kind all)")
	}
	if r.Kind == "all" {
		if _, err := plot.Format("x." + r.Ext); err != nil {
			return Usagef("--image-format %q: want png, svg or pdf", r.Ext)
		}
	} else {
		if _, err := plot.ParseKind(r.Kind); err != nil {
			return &UsageError{Err: err}
		}
		if _, err := plot.Format(r.Output); err != nil {
			return &UsageError{Err: err}
		}
	}
	return nil
}

// PlotResult is the figures written, and what the fit said.
type PlotResult struct {
	Files   []string // the files written
	Skipped []plot.Skipped
	warns   []warn.Warning
	unconv  []string
}

// Contract lists the files written.
func (r *PlotResult) Contract() any {
	return map[string]any{"files": r.Files, "warnings": warn.List(r.Warnings())}
}

// Blocks: one line per file written.
func (r *PlotResult) Blocks(format.Output) []doc.Block {
	return []doc.Block{&doc.Paragraph{Text: strings.Join(r.Files, "\n")}}
}

// Warnings are the fit's, and the figures skipped.
func (r *PlotResult) Warnings() []warn.Warning {
	out := append([]warn.Warning(nil), r.warns...)
	for _, s := range r.Skipped {
		out = append(out, warn.New(CodeFigureSkipped, "skipped %s figure: %s", s.Kind, s.Reason))
	}
	return out
}

// NotConverged names the fits that did not converge.
func (r *PlotResult) NotConverged() []string { return r.unconv }

// CodeFigureSkipped: a figure kind the data cannot support was not drawn.
const CodeFigureSkipped = "figure-skipped"

// Plot fits what the figures need and writes them.
func Plot(ctx context.Context, r PlotRequest) (*PlotResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var fallback *laws.Law
	if r.Law != "" {
		l, err := laws.Lookup(r.Law)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--law: %w", err)}
		}
		if l.Chinchilla == nil {
			return nil, Usagef("--law %s has no Chinchilla loss law to draw: want one of the chinchilla2022*, epoch2024 or muennighoff2023 laws", l.Name)
		}
		fallback = l
	}
	var holdout *runs.Expr
	if r.Holdout != "" {
		x, err := runs.ParseExpr(r.Holdout)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--holdout: %w", err)}
		}
		holdout = x
	}
	var set *runs.Set
	var pool []runs.Run
	var err error
	if holdout != nil {
		set, pool, err = r.Runs.LoadWithPool() // --holdout takes its runs from the input before --where
	} else {
		set, err = r.Runs.Load()
	}
	if err != nil {
		return nil, err
	}
	if holdout != nil {
		if err := set.CheckExprColumns("--holdout", holdout); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &PlotResult{}
	res, err := analysis.Run(set, analysis.Options{Holdout: holdout, HoldoutPool: pool, Pooled: true})
	if err != nil {
		out.warns = append(out.warns, warn.Warning{Code: CodeFitFailed, Msg: "no law could be fitted: " + err.Error()})
	} else {
		out.warns = append(out.warns, res.AllWarnings()...)
		out.unconv = res.Unconverged()
	}
	in := PlotInput(set, res, holdout)
	if in.Law == nil && fallback != nil {
		in.Law, in.LawLabel = fallback.Chinchilla, fallback.Name
	}
	if r.Kind != "all" {
		k, _ := plot.ParseKind(r.Kind)
		fig, err := plot.Build(k, in)
		if err != nil {
			return nil, err
		}
		if err := fig.Save(r.Output); err != nil {
			return nil, err
		}
		out.Files = []string{r.Output}
		return out, nil
	}
	// As report does: the figures replace the directory's old ones all at once.
	stage, err := safefile.NewDir(r.Output)
	if err != nil {
		return nil, err
	}
	defer stage.Abort()
	written, skipped, err := plot.RenderAll(stage.Path(), in, r.Ext)
	if err != nil {
		return nil, err
	}
	if err := stage.Commit(func(name string) bool { return isFigureName(name) || isTemporary(name) }); err != nil {
		return nil, err
	}
	out.Skipped = skipped
	for _, w := range written {
		out.Files = append(out.Files, filepath.Join(r.Output, filepath.Base(w)))
	}
	return out, nil
}

// isFigureName reports whether name is a figure plot writes: KIND.png, .svg or .pdf.
func isFigureName(name string) bool {
	for _, k := range plot.Kinds {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			if name == string(k)+ext {
				return true
			}
		}
	}
	return false
}

// isTemporary reports whether name is a temporary an older, killed run left.
func isTemporary(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// PlotInput gathers the runs and the fits of an analysis (its first group) for the figures;
// res may be nil when nothing could be fitted.
func PlotInput(set *runs.Set, res *analysis.Result, holdout *runs.Expr) *plot.Input {
	in := &plot.Input{
		Title:   filepath.Base(set.Source),
		Runs:    set.Runs,
		Grouped: set.Has("group"),
		Curves:  set.IsCurves(),
	}
	if holdout != nil {
		in.HeldOut = make([]bool, len(set.Runs))
		for i := range set.Runs {
			in.HeldOut[i] = holdout.Match(&set.Runs[i])
		}
	}
	if res == nil || len(res.Groups) == 0 {
		return in
	}
	if holdout != nil {
		// Held-out runs that --where left out of the set are predicted too: draw them.
		var held [][]runs.Run
		for _, g := range res.Groups {
			held = append(held, g.Held)
		}
		if extra := heldOutsideSet(set, held); len(extra) > 0 {
			in.Runs = append(append([]runs.Run(nil), set.Runs...), extra...)
			for range extra {
				in.HeldOut = append(in.HeldOut, true)
			}
		}
	}
	g := res.Groups[0]
	if g.A3 != nil {
		law := g.A3.Law
		in.Law, in.LawLabel = &law, "Approach 3 fit"
		in.LawNotConverged = !g.A3.Converged
		in.LawDraws = g.A3.DrawLaws()
	}
	if !in.Curves {
		in.IsoFLOP, in.IsoFLOPRuns = g.IsoFLOPTable, g.Runs
	}
	in.Envelope = g.A1
	return in
}

// heldOutsideSet returns the held-out runs that are not runs of set (taken from the input
// before --where), for the figures to draw them too.
func heldOutsideSet(set *runs.Set, groups [][]runs.Run) []runs.Run {
	type key struct {
		line                 int
		params, tokens, loss float64
	}
	in := make(map[key]bool, len(set.Runs))
	for _, r := range set.Runs {
		in[key{r.Line, r.Params, r.Tokens, r.Loss}] = true
	}
	var out []runs.Run
	for _, held := range groups {
		for _, r := range held {
			if !in[key{r.Line, r.Params, r.Tokens, r.Loss}] {
				out = append(out, r)
			}
		}
	}
	return out
}

// fitFigures are the captioned figures of a fit, from the files plot.RenderAll wrote.
func fitFigures(written []string) []report.Figure {
	var out []report.Figure
	for _, w := range written {
		name := filepath.Base(w)
		kind := strings.TrimSuffix(name, filepath.Ext(name))
		out = append(out, report.Figure{Kind: kind, File: name, Caption: report.FigureCaptions[kind]})
	}
	return out
}
