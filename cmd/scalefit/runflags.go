package main

import (
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/pflag"
)

// runFlags are the flags of every command that reads runs.
type runFlags struct {
	opts runs.Options
	// more holds the positional arguments after the first: further files, directories or
	// globs read with it.
	more []string
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	f.registerNamed(fs, func(n string) string { return n })
}

// registerNamed adds the flags to fs, each named by name (report prefixes the flags of its
// curve section's input).
func (f *runFlags) registerNamed(fs *pflag.FlagSet, name func(string) string) {
	fs.StringVar(&f.opts.ParamsCol, name("params-col"), "", "column holding parameter counts (default: params, N, n_params, model_size, \"Model Size\", parameters)")
	fs.StringVar(&f.opts.TokensCol, name("tokens-col"), "", "column holding training tokens (default: tokens, D, n_tokens, train_tokens)")
	fs.StringVar(&f.opts.FLOPsCol, name("flops-col"), "", "column holding training FLOPs (default: flops, C, compute, \"Training FLOP\")")
	fs.StringVar(&f.opts.LossCol, name("loss-col"), "", "column holding the loss in nats/token (default: loss, L, val_loss, final_loss)")
	fs.StringVar(&f.opts.GroupCol, name("group"), "", "column that splits runs into groups (e.g. architecture); each group is fitted separately")
	fs.StringVar(&f.opts.RunCol, name("run-col"), "", "column holding a run id for loss curves (default: run, run_id, id, name)")
	fs.StringVar(&f.opts.BudgetCol, name("budget-col"), "", "column holding the IsoFLOP budget of each run (default: budget)")
	fs.StringVar(&f.opts.Where, name("where"), "", "keep only runs matching EXPR, e.g. 'flops>=1e19 and loss<4' (canonical names or any column)")
	fs.IntVar(&f.opts.DropHighestLoss, name("drop-highest-loss"), 0, "drop the K runs with the highest loss (Epoch's Chinchilla recipe uses 5)")
	fs.StringVar(&f.opts.Format, name("input-format"), "auto", "input format: auto (from content), csv, tsv, jsonl, json, wandb (a W&B wide export) or parquet")
	fs.StringVar(&f.opts.Meta, name("meta"), "", "table of per-run columns (params, schedule, group, ...) joined on the run id")
	fs.StringVar(&f.opts.RunPattern, name("run-pattern"), "", "regexp whose named groups are read from each run id as columns, e.g. '(?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC'")
	fs.BoolVar(&f.opts.SkipInvalid, name("skip-invalid"), false, "skip rows that cannot be read (counted in a warning with their lines) instead of failing")
}

// load reads runs from path and f.more (files, directories, globs; "-" is stdin).
func (f *runFlags) load(e *env, path string) (*runs.Set, error) {
	return runs.LoadFiles(append([]string{path}, f.more...), e.stdin, f.opts)
}

// maxRunArgs bounds the positional arguments of a command that reads runs (a shell glob
// expands to one argument per file).
const maxRunArgs = 100000
