package main

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
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
	before := map[string]bool{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { before[f.Name] = true })
	o.tasks.register(cmd.Flags(), reportTaskFlag)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !before[f.Name] {
			o.taskFlags = append(o.taskFlags, f.Name)
		}
	})
}

// checkSectionFlags checks the sections' flags before anything is fitted, and refuses a
// section's flags without the section's file: they would be silently ignored.
func (o *reportOptions) checkSectionFlags(fs *pflag.FlagSet) error {
	if o.tasksFile == "" {
		for _, n := range o.taskFlags {
			if fs.Changed(n) {
				return usagef("--%s needs --tasks FILE (the downstream-task section)", n)
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
	res, err := o.tasks.analyze(e, o.tasksFile, chanceSet)
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
	selected, err := selectCompareLaws(nil)
	if err != nil {
		return nil, err
	}
	c := &report.Comparison{SchemaVersion: report.SchemaVersion, Budgets: res.Budgets, Notes: []string{}, Source: res.Set.Source, Runs: len(res.Set.Runs)}
	for _, l := range selected {
		c.Laws = append(c.Laws, publishedEntry(l, res.Budgets))
	}
	compareEntries(c, res)
	c.Notes = append(c.Notes, compareNotes(c.Laws)...)
	var md strings.Builder
	md.WriteString("## OpenAI vs DeepMind allocation\n\n")
	md.WriteString("How your runs' compute-optimal allocation compares with the published laws (scalefit compare): per 10x compute, the multipliers on N_opt and D_opt, then the allocation at each budget. Kaplan's laws count non-embedding parameters, Chinchilla's all parameters; your fits count N as your file does.\n\n")
	if err := report.RenderAll(&md, report.Markdown, report.CompareTables(c, report.Markdown), nil); err != nil {
		return nil, err
	}
	return &report.Section{Name: "allocation comparison", Markdown: md.String()}, nil
}
