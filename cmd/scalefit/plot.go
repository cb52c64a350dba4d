package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/spf13/cobra"
)

var _ = register("plot", newPlotCmd)

// plotOptions holds the flags of `scalefit plot`.
type plotOptions struct {
	runs   runFlags
	req    app.PlotRequest
	strict bool
}

func newPlotCmd(e *env) *cobra.Command { return newPlotCmdF(e, nil) }

// newPlotCmdF is plot with a run hook: runF, when not nil, receives the request instead of
// running it.
func newPlotCmdF(e *env, runF func(*app.PlotRequest) error) *cobra.Command {
	o := &plotOptions{}
	r := &o.req
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
		RunE: func(cmd *cobra.Command, args []string) error {
			req := o.req
			req.Runs = app.Inputs{Paths: args, Options: o.runs.opts, Stdin: e.stdin}
			if runF != nil {
				return runF(&req)
			}
			res, err := app.Plot(cmd.Context(), req)
			if err != nil {
				return err
			}
			return render(e, res, format.Text, o.strict)
		},
	}
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&r.Kind, "kind", "", "figure: isoflop, frontier, loss, curves, residuals, contour or all (required)")
	fs.StringVarP(&r.Output, "output", "o", "", "output file (.png, .svg, .pdf); a directory with --kind all (required)")
	fs.StringVar(&r.Ext, "image-format", "png", "file format of the figures --kind all writes: png, svg or pdf")
	fs.StringVar(&r.Holdout, "holdout", "", "hold runs matching EXPR out of the fit; the residuals figure marks them")
	fs.StringVar(&r.Law, "law", "", "built-in law (see scalefit laws) to draw when the runs cannot be fitted")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after writing the figures, when a fit did not converge")
	return cmd
}
