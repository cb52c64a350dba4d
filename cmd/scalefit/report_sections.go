package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The sections report gathers beside the fit's: the comparison with the published
// allocations (always), the groups (--group), downstream tasks (--tasks FILE) and loss
// curves (--curves FILE). Each is rendered by the same code as its own command, and its
// figures are written into the report directory and returned as SVG for report.html.

// reportTaskFlag names report's flags of the tasks analysis: the task columns keep their
// names (--task-col, --metric-col, ...); the rest, which report's own flags would shadow
// (--holdout, --bootstrap, --run-col, ...), take the prefix "tasks-".
func reportTaskFlag(n string) string {
	switch n {
	case "task-col", "task-loss-col", "metric-col", "chance-col", "max-col":
		return n
	}
	return "tasks-" + n
}

// registerReportTasks adds --tasks FILE and the tasks analysis flags to report.
func (o *reportOptions) registerReportTasks(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.tasksFile, "tasks", "", "also predict downstream-task metrics from this ladder file (see scalefit tasks; its flags take the prefix tasks- here, e.g. --tasks-holdout)")
	o.taskFlags = newFlags(cmd.Flags(), func() { o.tasks.register(cmd.Flags(), reportTaskFlag) })
}

// checkSectionFlags checks the sections' flags before anything is fitted, and refuses a
// section's flags without the section's file: they would be silently ignored.
func (o *reportOptions) checkSectionFlags(fs *pflag.FlagSet) error {
	if len(o.curvesFiles) == 0 {
		for _, n := range append([]string{"curves-forecast"}, o.curveFlags...) {
			if fs.Changed(n) {
				return app.Usagef("--%s needs --curves FILE (the loss-curve section)", n)
			}
		}
	} else {
		if _, err := o.curves.options(); err != nil {
			return err
		}
		if o.curvesForecast != "" && o.curves.in.infer != "" {
			return app.Usagef("--infer-schedule with --curves-forecast: a partial curve does not show its schedule's length; give the planned schedules with --schedule SPEC, --curves-meta or a schedule column")
		}
	}
	if o.tasksFile == "" {
		for _, n := range o.taskFlags {
			if fs.Changed(n) {
				return app.Usagef("--%s needs --tasks FILE (the downstream-task section)", n)
			}
		}
		return nil
	}
	_, _, err := o.tasks.check(fs.Changed(reportTaskFlag("chance")))
	return err
}

// saveFigures writes each figure into dir as <name>.<ext> and returns report.md's figure
// entries and the SVGs keyed by file name, for report.html.
func saveFigures(dir, ext string, figs []plot.NamedFigure, caption func(name string) string) ([]report.Figure, map[string][]byte, error) {
	var out []report.Figure
	svgs := map[string][]byte{}
	for _, f := range figs {
		file := f.Name + "." + ext
		if err := f.Save(filepath.Join(dir, file)); err != nil {
			return nil, nil, err
		}
		var svg bytes.Buffer
		if err := f.WriteTo(&svg, "svg"); err != nil {
			return nil, nil, err
		}
		svgs[file] = svg.Bytes()
		out = append(out, report.Figure{Kind: f.Name, File: file, Caption: caption(f.Name)})
	}
	return out, svgs, nil
}

// reportTasks runs the downstream prediction of --tasks FILE and returns its section (the
// tables, figures and warnings of scalefit tasks --format markdown --plots).
func reportTasks(e *env, o *reportOptions, dir string, chanceSet bool) (*report.Section, map[string][]byte, error) {
	if o.tasksFile == "" {
		return nil, nil, nil
	}
	res, err := o.tasks.analyze(e, []string{o.tasksFile}, chanceSet)
	if err != nil {
		return nil, nil, err
	}
	doc := report.TasksDocumentFrom(res)
	named, err := plot.TaskFigureList(res)
	if err != nil {
		return nil, nil, err
	}
	figs, svgs, err := saveFigures(dir, o.ext, named, taskFigureCaption)
	if err != nil {
		return nil, nil, err
	}
	var md strings.Builder
	if err := report.TasksMarkdown(&md, doc, figs); err != nil {
		return nil, nil, err
	}
	return &report.Section{Name: "downstream tasks", Markdown: md.String(), Warnings: doc.Warnings}, svgs, nil
}

// reportCompare is the section comparing the runs' allocation with OpenAI's (Kaplan) and
// DeepMind's (Chinchilla): the tables of scalefit compare, built by compare's code from the
// fits the report already made (no second fit), at the report's budgets.
func reportCompare(res *analysis.Result) (*report.Section, error) {
	c, err := app.PublishedComparison(res)
	if err != nil {
		return nil, err
	}
	var md strings.Builder
	md.WriteString("## OpenAI vs DeepMind allocation\n\n")
	md.WriteString("How your runs' compute-optimal allocation compares with the published laws (scalefit compare): per 10x compute, the multipliers on N_opt and D_opt. `scalefit compare RUNS.csv` adds each law's allocation at each budget.\n\n")
	// The exponents table with compare's notes; the allocations at each budget are left to
	// scalefit compare (the fits' own are in the tables above).
	tables := report.CompareTables(c, format.Markdown)
	tables[0].Notes = append(tables[0].Notes, c.Notes...)
	if err := report.RenderAll(&md, format.Markdown, tables[:1], nil); err != nil {
		return nil, err
	}
	return &report.Section{Name: "allocation comparison", Markdown: md.String()}, nil
}

// reportVersus returns report.md's section comparing the groups when the report's runs are
// grouped (--group), made as compare --group makes it (mixture-of-experts and granularity
// columns included): the first group is the reference, the fit's --bootstrap and --seed
// give the intervals. The figure is written into dir as versus.<image format>; its SVG is
// returned for report.html, keyed by file name. A comparison that cannot be made is a note
// in the section, not a failed report.
func reportVersus(ctx context.Context, in app.Inputs, groups int, o *reportOptions, dir string) (*report.Section, map[string][]byte, error) {
	if in.Options.GroupCol == "" || groups < 2 {
		return nil, nil, nil
	}
	res, err := app.CompareGroups(ctx, app.GroupsRequest{Runs: in, Bootstrap: o.fit.bootstrap, Seed: o.fit.seed, Dir: dir, Ext: o.ext})
	if err != nil {
		return &report.Section{Name: "group comparison", Markdown: fmt.Sprintf("## Which design scales better\n\nNo comparison of the groups: %s.\n", format.MarkdownText(err.Error()))}, nil, nil
	}
	var md strings.Builder
	if err := doc.Render(&md, format.Markdown, res.Blocks(format.Markdown)); err != nil {
		return nil, nil, err
	}
	md.WriteString("\n" + report.WarningsMarkdown(res.R.Warnings))
	return &report.Section{Name: "group comparison", Markdown: md.String(), Warnings: res.R.Warnings}, map[string][]byte{res.Figure: res.SVG}, nil
}

// reportCurveFlag names report's flags of the curve fit: those report's own flags would
// shadow (--meta, --run-col, --loss-col, --group, --law, --recipe, --delta) take the prefix
// "curves-"; --schedule, --step-col and --infer-schedule keep their names.
func reportCurveFlag(n string) string {
	switch n {
	case "schedule", "step-col", "infer-schedule":
		return n
	}
	return "curves-" + n
}

// registerReportCurves adds --curves FILE,... and the curve fit's flags to report.
func (o *reportOptions) registerReportCurves(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringSliceVar(&o.curvesFiles, "curves", nil, "also fit a schedule-aware curve law to these loss-curve files (see scalefit curve fit; --schedule or --curves-meta gives the schedules)")
	fs.StringVar(&o.curvesForecast, "curves-forecast", "", "also forecast the final loss of the runs in flight in this curves file, under the fitted law (see scalefit curve forecast)")
	o.curveFlags = newFlags(fs, func() { o.curves.register(fs, reportCurveFlag) })
}

// newFlags runs register and returns the names of the flags it added to fs.
func newFlags(fs *pflag.FlagSet, register func()) []string {
	before := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) { before[f.Name] = true })
	register()
	var added []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !before[f.Name] {
			added = append(added, f.Name)
		}
	})
	return added
}

// curveFigureCaption says what the curve section's figure shows.
const curveFigureCaption = "Logged loss curves (points) with the fitted law over their schedules (lines), and the learning-rate schedules under them"

// reportCurves fits the curve law of --curves (as scalefit curve fit does), forecasts the
// runs of --curves-forecast under it (as scalefit curve forecast --fit does, 200 bootstrap
// resamples, the report's --seed), and returns the "Loss curves" section with its figures.
func reportCurves(e *env, o *reportOptions, dir string) (*report.Section, map[string][]byte, []string, error) {
	if len(o.curvesFiles) == 0 {
		return nil, nil, nil, nil
	}
	r, err := o.curves.fit(e, o.curvesFiles)
	if err != nil {
		return nil, nil, nil, err
	}
	doc := r.doc
	var series []plot.CurveSeries
	for i, g := range r.names {
		par, err := curve.FromMap(doc.Groups[i].Law, doc.Groups[i].Params)
		if err != nil {
			return nil, nil, nil, err
		}
		series = append(series, curveSeries(par, r.by[g], true)...)
	}
	fig, err := plot.CurvesFigure("curves and the fitted "+doc.Groups[0].Law+" law", series)
	if err != nil {
		return nil, nil, nil, err
	}
	named := []plot.NamedFigure{{Name: "curve-fit", Figure: fig}}
	ws := doc.Warnings
	var forecasts []*report.CurveForecast
	if o.curvesForecast != "" {
		cs, fws, err := o.curves.in.load(e, []string{o.curvesForecast}, curve.MinForecastPoints)
		if err != nil {
			return nil, nil, nil, err
		}
		ws = append(ws, fws...)
		for _, c := range cs {
			k := indexOf(r.names, c.Group)
			if k < 0 {
				return nil, nil, nil, fmt.Errorf("%s: run %q is in group %q, which %s does not fit", o.curvesForecast, c.Run, c.Group, strings.Join(o.curvesFiles, ", "))
			}
			prior, err := curve.FromMap(doc.Groups[k].Law, doc.Groups[k].Params)
			if err != nil {
				return nil, nil, nil, err
			}
			pe, _ := doc.Groups[k].LawError()
			fc, err := curve.ForecastCurve(c, curve.ForecastOptions{Prior: &prior, PriorError: pe, PriorErrors: doc.Groups[k].PriorErrors, Bootstrap: 200, Seed: o.fit.seed})
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: run %s: %w", o.curvesForecast, c.Run, err)
			}
			f := report.NewCurveForecast(fc, c.Spec(), "the law fitted above")
			forecasts = append(forecasts, f)
			for _, w := range f.Warnings {
				if w.Group == "" {
					w.Group = c.Run
				}
				ws = append(ws, w)
			}
			ff, err := plot.ForecastFigure(c, fc)
			if err != nil {
				return nil, nil, nil, err
			}
			named = append(named, plot.NamedFigure{Name: "curve-forecast-" + plot.SafeName(c.Run), Figure: ff})
		}
	}
	figs, svgs, err := saveFigures(dir, o.ext, named, func(name string) string {
		if name == "curve-fit" {
			return curveFigureCaption
		}
		return "Forecast of " + strings.TrimPrefix(name, "curve-forecast-") + ": the partial curve, the forecast to the end of its schedule with its 95% band, and the schedule"
	})
	if err != nil {
		return nil, nil, nil, err
	}
	md := report.CurveMarkdown(doc.Groups, forecasts, figs) + report.WarningsMarkdown(ws)
	return &report.Section{Name: "loss curves", Markdown: md, Warnings: ws}, svgs, r.notConverged, nil
}
