package main

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/cobra"
)

var _ = register("tasks", newTasksCmd)

// tasksOptions holds the flags of `scalefit tasks`.
type tasksOptions struct {
	req     app.TasksRequest
	in      runs.Options
	predict string
	chance  float64
	format  string
}

func newTasksCmd(e *env) *cobra.Command { return newTasksCmdF(e, nil) }

// newTasksCmdF is tasks with a run hook: runF, when not nil, receives the request instead of
// running it.
func newTasksCmdF(e *env, runF func(*app.TasksRequest) error) *cobra.Command {
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
			req, err := o.request(cmd, e, args)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(req)
			}
			res, err := app.Tasks(cmd.Context(), *req)
			if req.Progress != nil {
				fmt.Fprint(e.stderr, "\r\033[K")
			}
			if err != nil {
				return err
			}
			return render(e, res, outFmt(o.format), false)
		},
	}
	fs := cmd.Flags()
	r := &o.req
	fs.StringVar(&r.Cols.Task, "task-col", "", "column holding the task name (required)")
	fs.StringVar(&r.Cols.TaskLoss, "task-loss-col", "", "column holding the task loss, e.g. bits per byte of the correct answer (required)")
	fs.StringVar(&r.Cols.Metric, "metric-col", "", "column holding the metric, e.g. accuracy as a fraction (required)")
	fs.StringVar(&r.Cols.Run, "run-col", "", "column holding the run id (default: run, run_id, id, name)")
	fs.StringVar(&r.Cols.Params, "params-col", "", "column holding parameter counts N (default: params, N, n_params, ...)")
	fs.StringVar(&r.Cols.Tokens, "tokens-col", "", "column holding tokens seen at the checkpoint (default: tokens, D, ...)")
	fs.StringVar(&r.Cols.Chance, "chance-col", "", "column holding the metric's chance level (default: acc_chance or chance when present)")
	fs.StringVar(&r.Cols.Max, "max-col", "", "column holding the metric's maximum (default: acc_max or max when present, else 1)")
	fs.Float64Var(&o.chance, "chance", 0, "chance level of every task (only sets step 2's start a = chance - 1)")
	fs.StringVar(&r.Holdout, "holdout", "", "hold out rows matching EXPR as the runs to predict, e.g. 'params>=5e9'")
	fs.StringVar(&o.predict, "predict", "", "projections N:D to predict, e.g. 7B:4T,70B:15T")
	fs.IntVar(&r.Last, "last", 5, "final checkpoints averaged into a run's step-1 point")
	fs.Float64Var(&r.Skip, "skip", 0.1, "fraction of each ladder run's first checkpoints dropped in step 2 (0 keeps all)")
	fs.IntVar(&r.Smooth, "smooth", 5, "width of step 2's trailing moving average (1: none)")
	fs.StringVar(&r.Link, "link", "sigmoid", "step-2 link: sigmoid (Bhagia et al.) or exp (Gadre et al.)")
	fs.IntVar(&r.NoiseLast, "noise-last", 10, "final checkpoints whose metric spread is a task's noise figure")
	fs.IntVar(&r.Bootstrap, "bootstrap", 0, "bootstrap resamples of the ladder runs, refitting both steps (0: none)")
	fs.Uint64Var(&r.Seed, "seed", 0, "seed of the bootstrap")
	fs.StringVar(&o.in.Format, "input-format", "auto", "input format: auto (from content), csv, tsv, jsonl, json or wandb (a W&B wide export)")
	fs.StringVar(&o.in.Meta, "meta", "", "table of per-run columns (params, ...) joined on the run id")
	fs.StringVar(&o.in.RunPattern, "run-pattern", "", "regexp whose named groups are read from each run id as columns, e.g. '(?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC'")
	fs.BoolVar(&o.in.SkipInvalid, "skip-invalid", false, "skip rows that cannot be read (counted in a warning with their lines) instead of failing")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVar(&r.Figures.Dir, "plots", "", "write figures into DIR: task-<task>.png (step 1 and step 2) and chained.png")
	fs.StringVar(&r.Figures.Ext, "plot-format", "png", "figure format for --plots: png, svg or pdf")
	return cmd
}

// request builds the tasks request from the flags and the ladder files.
func (o *tasksOptions) request(cmd *cobra.Command, e *env, args []string) (*app.TasksRequest, error) {
	if _, err := parseFormat(o.format); err != nil {
		return nil, err
	}
	r := o.req
	r.Paths, r.Stdin, r.Input, r.SkipGiven = args, e.stdin, o.in, true
	if cmd.Flags().Changed("chance") {
		r.Chance = &o.chance
	}
	if o.predict != "" {
		var err error
		if r.Projections, err = app.ParseProjections("--predict", o.predict); err != nil {
			return nil, err
		}
	}
	if r.Bootstrap > 0 && isTerminal(e.stderr) {
		r.Progress = progressLine(e.stderr, "bootstrap")
	}
	return &r, nil
}
