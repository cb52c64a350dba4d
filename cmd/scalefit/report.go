package main

import (
	"fmt"
	"time"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/spf13/cobra"
)

var _ = register("report", newReportCmd)

// reportOptions holds the flags of `scalefit report`.
type reportOptions struct {
	fit    fitOptions
	out    string
	ext    string
	tasks  string
	curves []string
}

func newReportCmd(e *env) *cobra.Command { return newReportCmdF(e, nil) }

// newReportCmdF is report with a run hook: runF, when not nil, receives the request instead
// of running it.
func newReportCmdF(e *env, runF func(*app.ReportRequest) error) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report RUNS.csv -o DIR",
		Short: "Write report.html, report.md, summary.md, the figures and fit.json into a directory (for CI artefacts)",
		Long: `Fit RUNS.csv with every approach the data allow and write into DIR:
  report.html one self-contained page to open: report.md rendered, its figures inline as
              SVG; fetches nothing, so it opens offline and reads on a phone
  report.md   the verdict, the fit tables, the approaches side by side, allocations at
              budgets, the figures and the warnings, then a section per analysis (below)
  summary.md  report.md without images, under 1 MiB: for $GITHUB_STEP_SUMMARY
  *.png       the figures report.md links (--image-format png, svg or pdf)
  fit.json    the fit with its bootstrap draws, for optimal, predict and check

Sections after the fit's, each as its own command renders it:
  OpenAI vs DeepMind allocation   always: scalefit compare's tables from the report's fits
  Data running out                when the runs give unique tokens: the data-constrained law
  Which design scales better      with --group COL: scalefit compare --group (versus.png)
  Downstream tasks                with --tasks tasks.json, saved from scalefit tasks ...
                                  --format json: its tables and warnings
  Loss curves                     with --curves FILE,...: curve.json files saved by scalefit
                                  curve fit -o (their tables, and the laws drawn over their
                                  runs' schedules, curve-fit.png) and forecasts saved from
                                  scalefit curve forecast --format json
The verdict at the top counts the warnings of every section; --strict also counts a curve
law that did not converge.

The report is built in a temporary directory and swapped in whole, so a failed run leaves
the old report as it was. It fits with scalefit fit's defaults and the flags below; for
another recipe (--loss, --fix, --starts, ...) run scalefit fit. With --strict it writes the
whole directory, then exits 1 when a fit did not converge.`,
		Example: `  scalefit report testdata/chinchilla.csv --drop-highest-loss 5 -o out/
  scalefit report runs.csv --bootstrap 1000 --holdout 'flops>=1e21' -o report/
  scalefit tasks ladder.csv --task-col task --task-loss-col bpb --metric-col acc --holdout 'params>=5e9' --format json > tasks.json
  scalefit curve fit train.csv --meta schedules.csv -o curve.json
  scalefit report runs.csv -o out/ --tasks tasks.json --curves curve.json
  cat out/summary.md >> "$GITHUB_STEP_SUMMARY"   # no images: a job summary cannot show local files`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			fit, err := o.fit.request(cmd, e, args)
			if err != nil {
				return err
			}
			req := &app.ReportRequest{Fit: *fit, Dir: o.out, Ext: o.ext, Tasks: o.tasks, Curves: o.curves, Version: version, Start: time.Now()}
			if runF != nil {
				return runF(req)
			}
			res, err := app.Report(cmd.Context(), *req)
			if fit.Progress != nil {
				fmt.Fprint(e.stderr, "\r\033[K")
			}
			if err != nil {
				return err
			}
			return render(e, res, format.Text, o.fit.strict)
		},
	}
	o.fit.register(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.out, "output", "o", "", "directory to write report.md, the figures and fit.json into (required)")
	fs.StringVar(&o.ext, "image-format", "png", "figure format: png, svg or pdf")
	fs.StringVar(&o.tasks, "tasks", "", "add the downstream-task section of this tasks.json (scalefit tasks ... --format json)")
	fs.StringSliceVar(&o.curves, "curves", nil, "add the loss-curve section of these curve.json files (scalefit curve fit -o) and forecasts (scalefit curve forecast --format json)")
	return cmd
}
