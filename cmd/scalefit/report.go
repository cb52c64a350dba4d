package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/spf13/cobra"
)

var _ = register("report", newReportCmd)

// reportOptions holds the flags of `scalefit report`.
type reportOptions struct {
	fit fitOptions
	out string
	ext string
	// tasksFile is --tasks FILE (a ladder for the downstream-task section), read with the
	// tasks analysis flags in tasks.
	tasksFile string
	tasks     tasksOptions
	taskFlags []string // the names of the tasks flags on report
	// curvesFiles is --curves FILE,... (loss curves for the curve-law section), fitted with
	// the curve fit flags in curves; curvesForecast is --curves-forecast FILE.
	curvesFiles    []string
	curvesForecast string
	curves         curveFitOptions
	curveFlags     []string // the names of the curve flags on report
}

func newReportCmd(e *env) *cobra.Command {
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
  Which design scales better      with --group COL: scalefit compare --group (versus.png)
  Downstream tasks                with --tasks FILE: scalefit tasks on a ladder file, with
                                  task-<task>.png and chained.png; its flags are tasks' with
                                  the prefix tasks- (--tasks-holdout, --tasks-predict,
                                  --tasks-bootstrap, ...) except the column flags
                                  (--task-col, --task-loss-col, --metric-col, ...)
  Loss curves                     with --curves FILE,...: scalefit curve fit (curve-fit.png),
                                  and with --curves-forecast FILE a forecast of each run in
                                  flight under the fitted law (curve forecast --fit, 200
                                  resamples, --seed; curve-forecast-<run>.png); schedules
                                  from --schedule, --curves-meta or a schedule/lr column;
                                  the curve fit's input flags (--meta, --run-col, --loss-col,
                                  --group, --input-format, --where, --skip-invalid, ...),
                                  --law, --recipe and --delta take the prefix curves-
The verdict at the top counts the warnings of every section; --strict also counts a curve
law that did not converge.

The report is built in a temporary directory and swapped in whole, so a failed run leaves
the old report as it was. It accepts the fitting flags of scalefit fit; with --strict it
writes the whole directory, then exits 1 when a fit did not converge.`,
		Example: `  scalefit report testdata/chinchilla.csv --drop-highest-loss 5 -o out/
  scalefit report runs.csv --bootstrap 1000 --holdout 'flops>=1e21' -o report/
  scalefit report testdata/chinchilla.csv -o out/ --tasks testdata/olmo_ladder_tasks.csv \
    --task-col task --task-loss-col task_bpb --metric-col task_acc --tasks-holdout 'params>=5e9'
  scalefit report runs.csv -o out/ --curves train.csv --curves-meta schedules.csv --curves-forecast live.csv
  cat report/summary.md >> "$GITHUB_STEP_SUMMARY"   # no images: a job summary cannot show local files`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.checkSectionFlags(cmd.Flags()); err != nil {
				return err
			}
			return runReport(cmd, e, o, args, cmd.Flags().Changed(reportTaskFlag("chance")))
		},
	}
	o.fit.register(cmd)
	o.registerReportTasks(cmd)
	o.registerReportCurves(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.out, "output", "o", "", "directory to write report.md, the figures and fit.json into (required)")
	fs.StringVar(&o.ext, "image-format", "png", "figure format: png, svg or pdf")
	return cmd
}

func runReport(cmd *cobra.Command, e *env, o *reportOptions, args []string, tasksChanceSet bool) error {
	start := time.Now()
	if o.out == "" {
		return app.Usagef("-o DIR is required")
	}
	if _, err := plot.Format("x." + o.ext); err != nil {
		return app.Usagef("--image-format %q: want png, svg or pdf", o.ext)
	}
	req, err := o.fit.request(cmd, e, args)
	if err != nil {
		return err
	}
	// The runs are read again by the group comparison: standard input is kept.
	if req.Inputs, err = req.Inputs.Buffered(); err != nil {
		return err
	}
	fr, err := app.FitRuns(cmd.Context(), *req)
	if req.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	res, auto := fr.Analysis, fr.Auto
	// The report is built in a temporary sibling of -o DIR and swapped in whole: a failed or
	// killed run leaves the old report as it was, never new figures beside an old report.md.
	stage, err := safefile.NewDir(o.out)
	if err != nil {
		return err
	}
	defer stage.Abort() // after Commit there is nothing left to remove
	tmp := stage.Path()
	var holdout *runs.Expr
	if o.fit.holdout != "" {
		holdout, _ = runs.ParseExpr(o.fit.holdout) // parsed once already by fitRuns
	}
	in := inputFromAnalysis(res.Set, res, holdout)
	written, skipped, err := plot.RenderAll(tmp, in, o.ext)
	if err != nil {
		return err
	}
	var figs []report.Figure
	for _, w := range written {
		kind := trimExt(filepath.Base(w))
		figs = append(figs, report.Figure{Kind: kind, File: filepath.Base(w), Caption: report.FigureCaptions[kind]})
	}
	var skips []string
	for _, s := range skipped {
		skips = append(skips, fmt.Sprintf("%s: %s", s.Kind, s.Reason))
	}
	doc := *fr.Doc
	doc.Warnings = fr.Base // the families' warnings are in their entries and section
	if err := fitfile.Write(filepath.Join(tmp, "fit.json"), &doc); err != nil {
		return err
	}
	mdPath := filepath.Join(tmp, "report.md")
	var sections []report.Section
	extra := map[string][]byte{}
	var sectionFiles []string
	add := func(sec *report.Section, svgs map[string][]byte, err error) error {
		if err != nil || sec == nil {
			return err
		}
		sections = append(sections, *sec)
		var files []string
		for k, v := range svgs {
			extra[k] = v
			files = append(files, k)
		}
		sort.Strings(files)
		sectionFiles = append(sectionFiles, files...)
		return nil
	}
	sec, err := reportCompare(res)
	if err := add(sec, nil, err); err != nil {
		return err
	}
	if err := add(app.RepetitionSection(auto, res.Budgets, tmp, o.ext)); err != nil {
		return err
	}
	if err := add(reportVersus(cmd.Context(), req.Inputs, len(res.Groups), o, tmp)); err != nil {
		return err
	}
	if err := add(reportTasks(e, o, tmp, tasksChanceSet)); err != nil {
		return err
	}
	sec, svgs, curvesUnconverged, err := reportCurves(e, o, tmp)
	if err := add(sec, svgs, err); err != nil {
		return err
	}
	generated := fmt.Sprintf("by scalefit %s in %.2f s.", version, time.Since(start).Seconds())
	var md strings.Builder
	if err := report.ReportMarkdown(&md, res, &doc, figs, skips, generated, sections...); err != nil {
		return err
	}
	if err := safefile.Write(mdPath, func(w io.Writer) error {
		_, err := io.WriteString(w, md.String())
		return err
	}); err != nil {
		return err
	}
	pages, err := writeReportPages(tmp, md.String(), in, figs, extra)
	if err != nil {
		return err
	}
	if err := stage.Commit(reportOwns); err != nil {
		return err
	}
	final := func(p string) string { return filepath.Join(o.out, filepath.Base(p)) }
	fmt.Fprintln(e.stdout, final(mdPath))
	for _, p := range pages {
		fmt.Fprintln(e.stdout, final(p))
	}
	for _, w := range written {
		fmt.Fprintln(e.stdout, final(w))
	}
	for _, f := range sectionFiles {
		fmt.Fprintln(e.stdout, final(f))
	}
	fmt.Fprintln(e.stdout, filepath.Join(o.out, "fit.json"))
	emitWarnings(e, doc.Warnings)
	for _, s := range sections {
		emitWarnings(e, s.Warnings)
	}
	return strictErr(e, o.fit.strict, append(append(res.Unconverged(), auto.NotConverged...), curvesUnconverged...))
}

// reportOwns reports whether a file in a report directory is one that report writes (or a
// temporary an older version left): a new report replaces those and keeps any other file.
func reportOwns(name string) bool {
	switch name {
	case "report.md", "summary.md", "report.html", "fit.json":
		return true
	}
	// The sections' figures: versus (--group), task-<task> and chained (--tasks), curve-fit
	// and curve-forecast-<run> (--curves).
	if base, ext := trimExt(name), filepath.Ext(name); ext == ".png" || ext == ".svg" || ext == ".pdf" {
		if base == "versus" || base == "repetition" || base == "chained" || base == "curve-fit" || strings.HasPrefix(base, "task-") || strings.HasPrefix(base, "curve-forecast-") {
			return true
		}
	}
	if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") {
		return true
	}
	for _, k := range plot.Kinds {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			if name == string(k)+ext {
				return true
			}
		}
	}
	return false
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }
