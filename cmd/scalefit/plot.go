package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/cobra"
)

var _ = register(newPlotCmd)

// plotOptions holds the flags of `scalefit plot`.
type plotOptions struct {
	runs    runFlags
	kind    string
	out     string
	ext     string
	holdout string
	law     string
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

The output format follows the file's extension: .png (192 DPI), .svg or .pdf.`,
		Example: `  scalefit plot testdata/chinchilla.csv --kind contour -o contour.png
  scalefit plot testdata/porian_isoflop.csv --budget-col flops \
      --where 'experiment==optimizer_tuning_no_decay and dataset==rw' --kind isoflop -o iso.svg
  scalefit plot testdata/olmo_curves.csv --run-col run --loss-col loss_c4_en --kind all -o figs/
  scalefit plot runs.csv --kind residuals --holdout 'flops>=1e21' -o residuals.pdf`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPlot(e, o, args[0]) },
	}
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&o.kind, "kind", "", "figure: isoflop, frontier, loss, curves, residuals, contour or all (required)")
	fs.StringVarP(&o.out, "output", "o", "", "output file (.png, .svg, .pdf); a directory with --kind all (required)")
	fs.StringVar(&o.ext, "image-format", "png", "file format of the figures --kind all writes: png, svg or pdf")
	fs.StringVar(&o.holdout, "holdout", "", "hold runs matching EXPR out of the fit; the residuals figure marks them")
	fs.StringVar(&o.law, "law", "", "built-in law (see scalefit laws) to draw when the runs cannot be fitted")
	return cmd
}

func runPlot(e *env, o *plotOptions, path string) error {
	if o.kind == "" {
		return usagef("--kind is required: isoflop, frontier, loss, curves, residuals, contour or all")
	}
	if o.out == "" {
		return usagef("-o is required: the figure file (or a directory with --kind all)")
	}
	var kinds []plot.Kind
	if o.kind == "all" {
		kinds = plot.Kinds
		if _, err := plot.Format("x." + o.ext); err != nil {
			return usagef("--image-format %q: want png, svg or pdf", o.ext)
		}
	} else {
		k, err := plot.ParseKind(o.kind)
		if err != nil {
			return &usageError{err}
		}
		if _, err := plot.Format(o.out); err != nil {
			return &usageError{err}
		}
		kinds = []plot.Kind{k}
	}
	var fallback *laws.Law
	if o.law != "" {
		l, err := laws.Lookup(o.law)
		if err != nil {
			return &usageError{fmt.Errorf("--law: %w", err)}
		}
		if l.Chinchilla == nil {
			return usagef("--law %s has no Chinchilla loss law to draw: want one of the chinchilla2022*, epoch2024 or muennighoff2023 laws", l.Name)
		}
		fallback = l
	}
	var holdout *runs.Expr
	if o.holdout != "" {
		x, err := runs.ParseExpr(o.holdout)
		if err != nil {
			return &usageError{fmt.Errorf("--holdout: %w", err)}
		}
		holdout = x
	}
	set, err := o.runs.load(e, path)
	if err != nil {
		return err
	}
	if holdout != nil {
		if err := set.CheckExprColumns("--holdout", holdout); err != nil {
			return &usageError{err}
		}
	}
	in, warnings := plotInput(set, kinds, holdout, fallback)
	for _, w := range warnings {
		fmt.Fprintln(e.stderr, "scalefit: warning:", w)
	}
	if o.kind == "all" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("cannot create %s: %w", o.out, err)
		}
		written, skipped, err := plot.RenderAll(o.out, in, o.ext)
		for _, s := range skipped {
			fmt.Fprintf(e.stderr, "scalefit: warning: skipped %s figure: %s\n", s.Kind, s.Reason)
		}
		for _, w := range written {
			fmt.Fprintln(e.stdout, w)
		}
		return err
	}
	fig, err := plot.Build(kinds[0], in)
	if err != nil {
		return err
	}
	if err := fig.Save(o.out); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, o.out)
	return nil
}

// isCurves reports whether the runs are points along loss curves (a run id shared by rows).
func isCurves(set *runs.Set) bool {
	if !set.Has("run") {
		return false
	}
	seen := map[string]bool{}
	for _, r := range set.Runs {
		if seen[r.ID] {
			return true
		}
		seen[r.ID] = true
	}
	return false
}

// finalPoints returns the last point (most tokens) of each loss curve, in first-seen order.
func finalPoints(rs []runs.Run) []runs.Run {
	idx := map[string]int{}
	var out []runs.Run
	for _, r := range rs {
		i, ok := idx[r.ID]
		if !ok {
			idx[r.ID] = len(out)
			out = append(out, r)
			continue
		}
		if r.Tokens > out[i].Tokens {
			out[i] = r
		}
	}
	return out
}

// plotInput fits what the kinds need: Approach 3 (residuals, contour, loss, frontier),
// Approach 2 (isoflop, frontier, loss; not on loss curves) and Approach 1 (frontier and
// loss, on loss curves only).
func plotInput(set *runs.Set, kinds []plot.Kind, holdout *runs.Expr, fallback *laws.Law) (*plot.Input, []string) {
	in := &plot.Input{
		Title:   filepath.Base(set.Source),
		Runs:    set.Runs,
		Grouped: set.Has("group"),
		Curves:  isCurves(set),
	}
	need := map[plot.Kind]bool{}
	for _, k := range kinds {
		need[k] = true
	}
	var warnings []string
	if holdout != nil {
		in.HeldOut = make([]bool, len(set.Runs))
		for i := range set.Runs {
			in.HeldOut[i] = holdout.Match(&set.Runs[i])
		}
	}
	pts := make([]chinchilla.Point, len(set.Runs))
	for i, r := range set.Runs {
		pts[i] = chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget, Run: r.ID}
	}
	if need[plot.KindResiduals] || need[plot.KindContour] || need[plot.KindLoss] || need[plot.KindFrontier] {
		fitRuns := set.Runs
		if in.Curves {
			fitRuns = finalPoints(set.Runs)
		}
		if holdout != nil {
			_, fitRuns = runs.Filter(fitRuns, holdout)
		}
		if len(fitRuns) >= 6 {
			n, d, _, l := runs.Columns(fitRuns)
			res, err := chinchilla.Fit(n, d, l, chinchilla.FitOptions{})
			switch {
			case err != nil:
				warnings = append(warnings, "Approach 3 fit failed: "+err.Error())
			default:
				law := res.Law
				in.Law, in.LawLabel = &law, "fit (Approach 3)"
				if !res.Converged {
					warnings = append(warnings, "Approach 3 fit did not converge ("+res.Status+")")
				}
				for _, w := range res.Warnings {
					warnings = append(warnings, "Approach 3: "+w)
				}
			}
		} else {
			warnings = append(warnings, fmt.Sprintf("Approach 3 needs at least 6 runs to fit, got %d", len(fitRuns)))
		}
		if in.Law == nil && fallback != nil {
			in.Law, in.LawLabel = fallback.Chinchilla, fallback.Name
		}
	}
	if !in.Curves && (need[plot.KindIsoFLOP] || need[plot.KindFrontier] || need[plot.KindLoss]) {
		r, err := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{})
		if r != nil && (err == nil || errors.Is(err, chinchilla.ErrTooFewBudgets)) {
			in.IsoFLOP = r
		} else if err != nil && need[plot.KindIsoFLOP] {
			warnings = append(warnings, "Approach 2 (IsoFLOP): "+err.Error())
		}
	}
	if in.Curves && (need[plot.KindFrontier] || need[plot.KindLoss]) {
		r, err := chinchilla.Envelope(pts, chinchilla.EnvelopeOptions{})
		if err != nil {
			warnings = append(warnings, "Approach 1 (envelope): "+err.Error())
		} else {
			in.Envelope = r
		}
	}
	return in, dedupe(warnings)
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
