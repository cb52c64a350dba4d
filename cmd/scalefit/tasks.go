package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/tasks"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var _ = register("tasks", newTasksCmd)

// tasksOptions holds the flags of `scalefit tasks`.
type tasksOptions struct {
	cols      tasks.Columns
	holdout   string
	predict   string
	last      int
	skip      float64
	smooth    int
	link      string
	chance    float64
	noiseLast int
	bootstrap int
	seed      uint64
	in        runs.Options // --meta, --run-pattern, --skip-invalid, --input-format
	format    string
	plots     string
	plotExt   string
	// name maps a flag's name in scalefit tasks to its name on the command that registered
	// the flags (report prefixes those report already uses); nil is the identity.
	name func(string) string
}

// flag names a tasks flag as the user typed it: "--holdout" in tasks, "--tasks-holdout" in
// report.
func (o *tasksOptions) flag(n string) string {
	if o.name != nil {
		n = o.name(n)
	}
	return "--" + n
}

// register adds the flags of the tasks analysis (columns, targets, both steps, bootstrap) to
// fs, each named by name (nil: as in scalefit tasks). The output flags (--format, --plots)
// belong to the tasks command.
func (o *tasksOptions) register(fs *pflag.FlagSet, name func(string) string) {
	o.name = name
	if name == nil {
		name = func(n string) string { return n }
	}
	fs.StringVar(&o.cols.Task, name("task-col"), "", "column holding the task name (required)")
	fs.StringVar(&o.cols.TaskLoss, name("task-loss-col"), "", "column holding the task loss, e.g. bits per byte of the correct answer (required)")
	fs.StringVar(&o.cols.Metric, name("metric-col"), "", "column holding the metric, e.g. accuracy as a fraction (required)")
	fs.StringVar(&o.cols.Run, name("run-col"), "", "column holding the run id (default: run, run_id, id, name)")
	fs.StringVar(&o.cols.Params, name("params-col"), "", "column holding parameter counts N (default: params, N, n_params, ...)")
	fs.StringVar(&o.cols.Tokens, name("tokens-col"), "", "column holding tokens seen at the checkpoint (default: tokens, D, ...)")
	fs.StringVar(&o.cols.Chance, name("chance-col"), "", "column holding the metric's chance level (default: acc_chance or chance when present)")
	fs.StringVar(&o.cols.Max, name("max-col"), "", "column holding the metric's maximum (default: acc_max or max when present, else 1)")
	fs.Float64Var(&o.chance, name("chance"), 0, "chance level of every task (only sets step 2's start a = chance - 1)")
	fs.StringVar(&o.holdout, name("holdout"), "", "hold out rows matching EXPR as the runs to predict, e.g. 'params>=5e9'")
	fs.StringVar(&o.predict, name("predict"), "", "projections N:D to predict, e.g. 7B:4T,70B:15T")
	fs.IntVar(&o.last, name("last"), 5, "final checkpoints averaged into a run's step-1 point")
	fs.Float64Var(&o.skip, name("skip"), 0.1, "fraction of each ladder run's first checkpoints dropped in step 2 (0 keeps all)")
	fs.IntVar(&o.smooth, name("smooth"), 5, "width of step 2's trailing moving average (1: none)")
	fs.StringVar(&o.link, name("link"), "sigmoid", "step-2 link: sigmoid (Bhagia et al.) or exp (Gadre et al.)")
	fs.IntVar(&o.noiseLast, name("noise-last"), 10, "final checkpoints whose metric spread is a task's noise figure")
	fs.IntVar(&o.bootstrap, name("bootstrap"), 0, "bootstrap resamples of the ladder runs, refitting both steps (0: none)")
	fs.Uint64Var(&o.seed, name("seed"), 0, "seed of the bootstrap")
	fs.StringVar(&o.in.Format, name("input-format"), "auto", "input format: auto (from content), csv, tsv, jsonl, json, wandb (a W&B wide export) or parquet")
	fs.StringVar(&o.in.Meta, name("meta"), "", "table of per-run columns (params, ...) joined on the run id")
	fs.StringVar(&o.in.RunPattern, name("run-pattern"), "", "regexp whose named groups are read from each run id as columns, e.g. '(?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC'")
	fs.BoolVar(&o.in.SkipInvalid, name("skip-invalid"), false, "skip rows that cannot be read (counted in a warning with their lines) instead of failing")
}

func newTasksCmd(e *env) *cobra.Command {
	o := &tasksOptions{}
	cmd := &cobra.Command{
		Use:   "tasks RUNS... --task-col COL --task-loss-col COL --metric-col COL (--holdout EXPR | --predict N:D,...)",
		Short: "Predict a big model's benchmark metric from a ladder of small runs (two chained steps)",
		Long: `Predict downstream-task metrics (e.g. accuracy) of large models from a ladder of small runs,
in the two chained steps of Bhagia et al. 2024 ("model ladders"):

  step 1  task loss L(N, D) = E + A/N^alpha + B/D^beta per task (Huber on ln L, global
          multi-start, E, alpha, beta >= 0), one point per ladder run: the mean of its last
          --last checkpoints, D at its last checkpoint;
  step 2  metric from task loss: the sigmoid a/(1+exp(-k(L-x0))) + b with a in [-1, 0],
          b in [0, 1], k, x0 >= 0 (--link sigmoid; the chance level only sets the start
          a = chance - 1), or Gadre et al.'s err = eps - k exp(-gamma L) (--link exp),
          fitted on every checkpoint after dropping each run's first --skip fraction and a
          --smooth-point trailing moving average, plus the ideal point (0, max).

The prediction chains them: step 2 at step 1's predicted task loss. With --bootstrap K, both
steps are refitted on K resamples of the ladder runs for 95% intervals.

Input: long outFmt, one row per (run, checkpoint, task): run, params, tokens (seen at the
checkpoint), the task name, a task loss and a metric, in any layout the runs reader takes
(CSV, TSV, JSON Lines, JSON, W&B exports; several files, a folder or a glob, a file without
a run column being one run named by its stem; --meta, --run-pattern, --skip-invalid). Chance level and maximum come from
columns acc_chance/chance and acc_max/max when present (--chance-col, --max-col, --chance).
Targets: --holdout EXPR holds matching rows out as runs to predict (their actual values are
compared), --predict N:D,... adds projections (e.g. 7B:4T,70B:15T).

A task with fewer than 5 ladder runs, or a held-out run without rows for some task, is an
error (exit 2); metrics below chance or above the maximum are warnings.`,
		Example: `  scalefit tasks testdata/olmo_ladder_tasks.csv --task-col task --task-loss-col task_bpb \
    --metric-col task_acc --holdout 'params>=5e9' --bootstrap 1000 --seed 1
  scalefit tasks ladder.csv --task-col task --task-loss-col bpb --metric-col acc --predict 7B:4T,70B:15T
  scalefit tasks ladder.csv --task-col task --task-loss-col bpb --metric-col acc --holdout 'params>=5e9' --plots figs/`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTasks(e, o, args, cmd.Flags().Changed("chance"))
		},
	}
	o.register(cmd.Flags(), nil)
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVar(&o.plots, "plots", "", "write figures into DIR: task-<task>.png (step 1 and step 2) and chained.png")
	fs.StringVar(&o.plotExt, "plot-format", "png", "figure format for --plots: png, svg or pdf")
	return cmd
}

// parseProjections reads "7B:4T,70B:15T" (the value of the flag named flag) into
// hypothetical targets named as written.
func parseProjections(flag, s string) ([]tasks.Target, error) {
	var out []tasks.Target
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		n, d, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("%s %q: want N:D pairs such as 7B:4T,70B:15T", flag, item)
		}
		nv, err := runs.ParseQuantity(n)
		if err != nil || limits.Count("parameters", nv) != nil {
			return nil, fmt.Errorf("%s %q: parameters %q: want a count from 1 to 1e30 such as 7B", flag, item, n)
		}
		dv, err := runs.ParseQuantity(d)
		if err != nil || limits.Count("tokens", dv) != nil {
			return nil, fmt.Errorf("%s %q: tokens %q: want a count from 1 to 1e30 such as 4T", flag, item, d)
		}
		out = append(out, tasks.Target{Run: item, Params: nv, Tokens: dv, Hypothetical: true})
	}
	return out, nil
}

// taskFigureCaption says what a figure of TaskFigures shows.
func taskFigureCaption(kind string) string {
	if kind == "chained" {
		return "Chained predictions against the actual metric, every (task, target) pair, with 95% bootstrap intervals."
	}
	return "Step 1 (top): the ladder runs' task loss against tokens, the fitted law at each size, the targets predicted (o) and actual (x). Step 2 (bottom): the smoothed checkpoints coloured by size, the fitted link, the targets."
}

func runTasks(e *env, o *tasksOptions, paths []string, chanceSet bool) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if o.plots != "" {
		if _, err := plot.Format("x." + o.plotExt); err != nil {
			return app.Usagef("--plot-format %q: want png, svg or pdf", o.plotExt)
		}
	}
	res, err := o.analyze(e, paths, chanceSet)
	if err != nil {
		return err
	}
	doc := report.TasksDocumentFrom(res)
	var figs []report.Figure
	if o.plots != "" {
		if err := os.MkdirAll(o.plots, 0o755); err != nil {
			return fmt.Errorf("--plots: %w", err)
		}
		written, err := plot.TaskFigures(o.plots, res, o.plotExt)
		if err != nil {
			return err
		}
		for _, w := range written {
			kind := trimExt(filepath.Base(w))
			figs = append(figs, report.Figure{Kind: kind, File: w, Caption: taskFigureCaption(kind)})
		}
	}
	emitWarnings(e, doc.Warnings)
	switch outFmt {
	case format.JSON:
		return report.WriteJSON(e.stdout, doc)
	case format.CSV:
		return report.WriteRowsCSV(e.stdout, report.TasksRows(doc))
	case format.Markdown:
		return report.TasksMarkdown(e.stdout, doc, figs)
	}
	return report.RenderAll(e.stdout, outFmt, report.TasksTables(doc), stdoutWarnings(outFmt, doc.Warnings))
}

// check checks the analysis flags and returns the step-2 link and the --predict projections.
func (o *tasksOptions) check(chanceSet bool) (tasks.LinkKind, []tasks.Target, error) {
	link, err := tasks.ParseLink(o.link)
	if err != nil {
		return "", nil, &app.UsageError{Err: err}
	}
	switch {
	case o.cols.Task == "" || o.cols.TaskLoss == "" || o.cols.Metric == "":
		return "", nil, app.Usagef("%s, %s and %s are required", o.flag("task-col"), o.flag("task-loss-col"), o.flag("metric-col"))
	case o.holdout == "" && o.predict == "":
		return "", nil, app.Usagef("nothing to predict: give %s EXPR (runs in the file) or %s N:D,...", o.flag("holdout"), o.flag("predict"))
	case o.last < 1:
		return "", nil, app.Usagef("%s %d: want 1 or more checkpoints", o.flag("last"), o.last)
	case !(o.skip >= 0 && o.skip < 1):
		return "", nil, app.Usagef("%s %v: want a fraction in [0, 1)", o.flag("skip"), o.skip)
	case o.smooth < 1:
		return "", nil, app.Usagef("%s %d: want 1 (none) or more points", o.flag("smooth"), o.smooth)
	case o.noiseLast < 2:
		return "", nil, app.Usagef("%s %d: want 2 or more checkpoints", o.flag("noise-last"), o.noiseLast)
	case chanceSet && !(o.chance >= 0 && o.chance <= 1):
		return "", nil, app.Usagef("%s %v: want a level in [0, 1]", o.flag("chance"), o.chance)
	}
	if err := limits.Resamples(o.bootstrap, 1); err != nil {
		return "", nil, &app.UsageError{Err: err}
	}
	var projections []tasks.Target
	if o.predict != "" {
		if projections, err = parseProjections(o.flag("predict"), o.predict); err != nil {
			return "", nil, &app.UsageError{Err: err}
		}
	}
	return link, projections, nil
}

// analyze checks the analysis flags, reads the tasks files (paths: files, directories,
// globs; "-" is stdin) and runs both steps with their chained predictions. Skip in the
// result's options is the flag's value.
func (o *tasksOptions) analyze(e *env, paths []string, chanceSet bool) (*tasks.Result, error) {
	link, projections, err := o.check(chanceSet)
	if err != nil {
		return nil, err
	}
	data, err := tasks.LoadFiles(paths, e.stdin, o.in, o.cols, o.holdout)
	if err != nil {
		return nil, err
	}
	name := data.Source
	targets, err := tasks.HeldTargets(data)
	if err != nil {
		return nil, err
	}
	if o.holdout != "" && len(targets) == 0 {
		return nil, fmt.Errorf("%s: %s %q matches no rows: want an expression selecting the runs to predict", name, o.flag("holdout"), o.holdout)
	}
	targets = append(targets, projections...)
	skip := o.skip
	if skip == 0 {
		skip = -1 // tasks.Options: negative keeps every checkpoint
	}
	opts := tasks.Options{Last: o.last, Skip: skip, Smooth: o.smooth, Link: link, Chance: o.chance, ChanceSet: chanceSet,
		NoiseLast: o.noiseLast, Bootstrap: o.bootstrap, Seed: o.seed}
	if err := limits.Resamples(o.bootstrap, len(data.Tasks)); err != nil {
		return nil, &app.UsageError{Err: fmt.Errorf("%w (each task is resampled)", err)}
	}
	if o.bootstrap > 0 && isTerminal(e.stderr) {
		opts.Progress = progressLine(e.stderr, "bootstrap")
	}
	res, err := tasks.Analyze(data, targets, opts)
	if opts.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err
	}
	res.Options.Skip = o.skip
	return res, nil
}
