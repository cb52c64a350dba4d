package main

import (
	"fmt"
	"path/filepath"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
)

var _ = register("plot", newPlotCmd)

// plotOptions holds the flags of `scalefit plot`.
type plotOptions struct {
	runs    runFlags
	kind    string
	out     string
	ext     string
	holdout string
	law     string
	strict  bool
}

func newPlotCmd(e *env) *cobra.Command {
	o := &plotOptions{}
	cmd := &cobra.Command{
		Use:   "plot RUNS.csv",
		Short: "Draw scaling-law figures (IsoFLOP, frontier, loss, curves, residuals, contour)",
		Long: `Draw a figure of RUNS.csv, fitting what the figure needs: Approach 3 (the parametric
law, on final losses; with --holdout on the runs not held out), Approach 2 (IsoFLOP profiles)
and Approach 1 (the loss envelope of loss curves).

Kinds:
  isoflop    loss against N per compute budget, the fitted Akima/parabola profiles, minima
  frontier   N_opt and D_opt against compute: Approaches 1-3, Kaplan 2020 and Chinchilla 2022
  loss       loss against compute coloured by model size, with the law's compute-optimal loss
  curves     loss against tokens for each run of a loss-curve file (needs a run column)
  residuals  log-loss residuals of the law against compute and N, held-out runs marked
  contour    iso-loss contours of L(N, D) with the compute-optimal and iso-FLOP lines
  all        every kind the data supports, into the directory -o (others skipped with a warning)

The output outFmt follows the file's extension: .png (192 DPI), .svg or .pdf.`,
		Example: `  scalefit plot testdata/chinchilla.csv --kind contour -o contour.png
  scalefit plot testdata/porian_isoflop.csv --budget-col flops \
      --where 'experiment==optimizer_tuning_no_decay and dataset==rw' --kind isoflop -o iso.svg
  scalefit plot testdata/olmo_curves.csv --run-col run --loss-col loss_c4_en --kind all -o figs/
  scalefit plot runs.csv --kind residuals --holdout 'flops>=1e21' -o residuals.pdf`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error { o.runs.more = args[1:]; return runPlot(e, o, args[0]) },
	}
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&o.kind, "kind", "", "figure: isoflop, frontier, loss, curves, residuals, contour or all (required)")
	fs.StringVarP(&o.out, "output", "o", "", "output file (.png, .svg, .pdf); a directory with --kind all (required)")
	fs.StringVar(&o.ext, "image-format", "png", "file format of the figures --kind all writes: png, svg or pdf")
	fs.StringVar(&o.holdout, "holdout", "", "hold runs matching EXPR out of the fit; the residuals figure marks them")
	fs.StringVar(&o.law, "law", "", "built-in law (see scalefit laws) to draw when the runs cannot be fitted")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after writing the figures, when a fit did not converge")
	return cmd
}

func runPlot(e *env, o *plotOptions, path string) error {
	if o.kind == "" {
		return app.Usagef("--kind is required: isoflop, frontier, loss, curves, residuals, contour or all")
	}
	if o.out == "" {
		return app.Usagef("-o is required: the figure file (or a directory with --kind all)")
	}
	var kinds []plot.Kind
	if o.kind == "all" {
		kinds = plot.Kinds
		if _, err := plot.Format("x." + o.ext); err != nil {
			return app.Usagef("--image-format %q: want png, svg or pdf", o.ext)
		}
	} else {
		k, err := plot.ParseKind(o.kind)
		if err != nil {
			return &app.UsageError{Err: err}
		}
		if _, err := plot.Format(o.out); err != nil {
			return &app.UsageError{Err: err}
		}
		kinds = []plot.Kind{k}
	}
	var fallback *laws.Law
	if o.law != "" {
		l, err := laws.Lookup(o.law)
		if err != nil {
			return &app.UsageError{Err: fmt.Errorf("--law: %w", err)}
		}
		if l.Chinchilla == nil {
			return app.Usagef("--law %s has no Chinchilla loss law to draw: want one of the chinchilla2022*, epoch2024 or muennighoff2023 laws", l.Name)
		}
		fallback = l
	}
	var holdout *runs.Expr
	if o.holdout != "" {
		x, err := runs.ParseExpr(o.holdout)
		if err != nil {
			return &app.UsageError{Err: fmt.Errorf("--holdout: %w", err)}
		}
		holdout = x
	}
	// --holdout takes its runs from the input before --where (read first: stdin is replayed).
	var pool []runs.Run
	le := e
	if holdout != nil {
		var err error
		if pool, le, err = o.runs.holdoutPool(e, path); err != nil {
			return err
		}
	}
	set, err := o.runs.load(le, path)
	if err != nil {
		return err
	}
	if holdout != nil {
		if err := set.CheckExprColumns("--holdout", holdout); err != nil {
			return &app.UsageError{Err: err}
		}
	}
	in, warnings, notConverged := plotInput(set, holdout, pool, fallback)
	emitWarnings(e, warnings)
	if o.kind == "all" {
		// As report does: the figures replace the directory's old ones all at once.
		stage, err := safefile.NewDir(o.out)
		if err != nil {
			return err
		}
		defer stage.Abort()
		written, skipped, err := plot.RenderAll(stage.Path(), in, o.ext)
		if err != nil {
			return err
		}
		if err := stage.Commit(figureOwns); err != nil {
			return err
		}
		for _, s := range skipped {
			fmt.Fprintf(e.stderr, "scalefit: warning: skipped %s figure: %s\n", s.Kind, s.Reason)
		}
		for _, w := range written {
			fmt.Fprintln(e.stdout, filepath.Join(o.out, filepath.Base(w)))
		}
		return strictErr(e, o.strict, notConverged)
	}
	fig, err := plot.Build(kinds[0], in)
	if err != nil {
		return err
	}
	if err := fig.Save(o.out); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, o.out)
	return strictErr(e, o.strict, notConverged)
}

// plotInput fits what the figures need with every approach the data allow (pooled over
// groups: figures colour groups but draw one law) and gathers it for internal/plot.
func plotInput(set *runs.Set, holdout *runs.Expr, pool []runs.Run, fallback *laws.Law) (in *plot.Input, warnings []warn.Warning, notConverged []string) {
	res, err := analysis.Run(set, analysis.Options{Holdout: holdout, HoldoutPool: pool, Pooled: true})
	if err != nil {
		warnings = append(warnings, warn.Warning{Code: app.CodeFitFailed, Msg: "no law could be fitted: " + err.Error()})
	}
	in = inputFromAnalysis(set, res, holdout)
	if in.Law == nil && fallback != nil {
		in.Law, in.LawLabel = fallback.Chinchilla, fallback.Name
	}
	if res != nil {
		warnings = append(warnings, res.AllWarnings()...)
		notConverged = res.Unconverged()
	}
	return in, warnings, notConverged
}

// inputFromAnalysis gathers the runs and the fits of an analysis (its first group) for the
// figures; res may be nil when nothing could be fitted.
func inputFromAnalysis(set *runs.Set, res *analysis.Result, holdout *runs.Expr) *plot.Input {
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

// figureOwns reports whether a file in a figure directory is one plot --kind all writes (or a
// temporary an older version left).
func figureOwns(name string) bool {
	return reportOwns(name) && name != "report.md" && name != "summary.md" && name != "report.html" && name != "fit.json"
}
