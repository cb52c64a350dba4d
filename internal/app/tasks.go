package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/tasks"
	"github.com/scalefit/scalefit/internal/warn"
)

// TasksRequest is `scalefit tasks`: predict downstream-task metrics of large models from a
// ladder of small runs in the two chained steps of Bhagia et al. 2024 (task loss L(N, D),
// then a link from task loss to metric). Targets are the runs matching Holdout and the
// Projections (N, D pairs). Zero values of the step options are the defaults.
type TasksRequest struct {
	Paths       []string     // files, directories or globs ("-" is Stdin)
	Stdin       io.Reader    //
	Input       runs.Options // --meta, --run-pattern, --skip-invalid, --input-format
	Cols        tasks.Columns
	Holdout     string
	Projections []tasks.Target
	Last        int     // final checkpoints averaged into a run's step-1 point (default 5)
	Skip        float64 // fraction of each ladder run's first checkpoints dropped in step 2
	SkipGiven   bool    // Skip was given (0 then keeps every checkpoint; default 0.1)
	Smooth      int     // step 2's trailing moving average (default 5)
	Link        string  // sigmoid (default) or exp
	Chance      *float64
	NoiseLast   int // final checkpoints whose metric spread is a task's noise (default 10)
	Bootstrap   int
	Seed        uint64
	Figures     FigureDir // --plots DIR: task-<task> and chained figures
	Progress    func(done, total int)
}

// defaults fills in the zero options.
func (r *TasksRequest) defaults() {
	if r.Last == 0 {
		r.Last = 5
	}
	if !r.SkipGiven {
		r.Skip = 0.1
	}
	if r.Smooth == 0 {
		r.Smooth = 5
	}
	if r.NoiseLast == 0 {
		r.NoiseLast = 10
	}
}

// Validate checks the request; errors are usage errors.
func (r *TasksRequest) Validate() error {
	r.defaults()
	if _, err := tasks.ParseLink(r.Link); err != nil {
		return &UsageError{Err: err}
	}
	switch {
	case r.Cols.Task == "" || r.Cols.TaskLoss == "" || r.Cols.Metric == "":
		return Usagef("--task-col, --task-loss-col and --metric-col are required")
	case r.Holdout == "" && len(r.Projections) == 0:
		return Usagef("nothing to predict: give --holdout EXPR (runs in the file) or --predict N:D,...")
	case r.Last < 1:
		return Usagef("--last %d: want 1 or more checkpoints", r.Last)
	case !(r.Skip >= 0 && r.Skip < 1):
		return Usagef("--skip %v: want a fraction in [0, 1)", r.Skip)
	case r.Smooth < 1:
		return Usagef("--smooth %d: want 1 (none) or more points", r.Smooth)
	case r.NoiseLast < 2:
		return Usagef("--noise-last %d: want 2 or more checkpoints", r.NoiseLast)
	case r.Chance != nil && !(*r.Chance >= 0 && *r.Chance <= 1):
		return Usagef("--chance %v: want a level in [0, 1]", *r.Chance)
	}
	if err := limits.Resamples(r.Bootstrap, 1); err != nil {
		return &UsageError{Err: err}
	}
	return r.Figures.check("--plot-format")
}

// ParseProjections reads "7B:4T,70B:15T" (the value of the flag named flag) into
// hypothetical targets named as written.
func ParseProjections(flag, s string) ([]tasks.Target, error) {
	var out []tasks.Target
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		n, d, ok := strings.Cut(item, ":")
		if !ok {
			return nil, Usagef("%s %q: want N:D pairs such as 7B:4T,70B:15T", flag, item)
		}
		nv, err := runs.ParseQuantity(n)
		if err != nil || limits.Count("parameters", nv) != nil {
			return nil, Usagef("%s %q: parameters %q: want a count from 1 to 1e30 such as 7B", flag, item, n)
		}
		dv, err := runs.ParseQuantity(d)
		if err != nil || limits.Count("tokens", dv) != nil {
			return nil, Usagef("%s %q: tokens %q: want a count from 1 to 1e30 such as 4T", flag, item, d)
		}
		out = append(out, tasks.Target{Run: item, Params: nv, Tokens: dv, Hypothetical: true})
	}
	return out, nil
}

// TasksResult is the chained prediction.
type TasksResult struct {
	Doc  *report.TasksDocument
	Res  *tasks.Result
	figs []FigureFile
}

// Contract is the tasks document.
func (r *TasksResult) Contract() any { return r.Doc }

// Blocks are the tables; Markdown adds the heading, the recipe, the figures and the warnings
// (the document report.md carries as its section).
func (r *TasksResult) Blocks(f format.Output) []doc.Block {
	return TasksBlocks(r.Doc, f, r.figs)
}

// TasksBlocks is the document of a tasks contract (a saved tasks.json too) with its figures.
func TasksBlocks(d *report.TasksDocument, f format.Output, figs []FigureFile) []doc.Block {
	tables := doc.Tables(report.TasksTables(d))
	if f != format.Markdown {
		return tables
	}
	rc := d.Recipe
	text := fmt.Sprintf("Two steps (Bhagia et al. 2024): %s, one point per ladder run (mean of its last %d checkpoints); then a %s link from task loss to metric, fitted on every checkpoint after dropping each run's first %.0f%% and a %d-point trailing moving average, plus the ideal point (0, max). Predictions chain the two.", rc.Step1, rc.Last, rc.Link, 100*rc.Skip, rc.Smooth)
	if rc.Bootstrap > 0 {
		text += fmt.Sprintf(" Intervals: %.0f%% percentiles over %d bootstrap resamples of the ladder runs, refitting both steps (seed %d).", 100*rc.Level, rc.Bootstrap, rc.Seed)
	}
	out := []doc.Block{&doc.Heading{Level: 2, Text: "Downstream tasks: " + filepath.Base(d.Source)}, &doc.Paragraph{Text: text}}
	out = append(out, tables...)
	for _, fg := range figs {
		g := fg.Figure
		g.File = filepath.ToSlash(g.File)
		out = append(out, &doc.Heading{Level: 3, Text: g.Name}, &g)
	}
	return append(out, &doc.Warnings{List: d.Warnings, None: true})
}

// Warnings are every task's.
func (r *TasksResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged is empty: the steps' convergence is in each task's table.
func (r *TasksResult) NotConverged() []string { return nil }

// WriteCSV writes one row per (task, target).
func (r *TasksResult) WriteCSV(w io.Writer) error {
	return report.WriteRowsCSV(w, report.TasksRows(r.Doc))
}

// Figures are the figures written.
func (r *TasksResult) Figures() []FigureFile { return r.figs }

// TaskFigureCaption says what a figure of the tasks section shows.
func TaskFigureCaption(kind string) string {
	if kind == "chained" {
		return "Chained predictions against the actual metric, every (task, target) pair, with 95% bootstrap intervals."
	}
	return "Step 1 (top): the ladder runs' task loss against tokens, the fitted law at each size, the targets predicted (o) and actual (x). Step 2 (bottom): the smoothed checkpoints coloured by size, the fitted link, the targets."
}

// Tasks reads the ladder and runs both steps with their chained predictions.
func Tasks(ctx context.Context, r TasksRequest) (*TasksResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	link, _ := tasks.ParseLink(r.Link)
	data, err := tasks.LoadFiles(r.Paths, r.Stdin, r.Input, r.Cols, r.Holdout)
	if err != nil {
		return nil, err
	}
	targets, err := tasks.HeldTargets(data)
	if err != nil {
		return nil, err
	}
	if r.Holdout != "" && len(targets) == 0 {
		return nil, fmt.Errorf("%s: --holdout %q matches no rows: want an expression selecting the runs to predict", data.Source, r.Holdout)
	}
	targets = append(targets, r.Projections...)
	skip := r.Skip
	if skip == 0 {
		skip = -1 // tasks.Options: negative keeps every checkpoint
	}
	opts := tasks.Options{Last: r.Last, Skip: skip, Smooth: r.Smooth, Link: link, ChanceSet: r.Chance != nil,
		NoiseLast: r.NoiseLast, Bootstrap: r.Bootstrap, Seed: r.Seed}
	if r.Chance != nil {
		opts.Chance = *r.Chance
	}
	if err := limits.Resamples(r.Bootstrap, len(data.Tasks)); err != nil {
		return nil, &UsageError{Err: fmt.Errorf("%w (each task is resampled)", err)}
	}
	if r.Bootstrap > 0 {
		opts.Progress = r.Progress
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := tasks.Analyze(data, targets, opts)
	if err != nil {
		return nil, err
	}
	res.Options.Skip = r.Skip
	out := &TasksResult{Doc: report.TasksDocumentFrom(res), Res: res}
	if r.Figures.Dir != "" {
		named, err := plot.TaskFigureList(res)
		if err != nil {
			return nil, err
		}
		if out.figs, err = r.Figures.save(named, TaskFigureCaption); err != nil {
			return nil, err
		}
	}
	return out, nil
}
