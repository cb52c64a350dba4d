package main

import (
	"fmt"
	"io"
	"os"

	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/pflag"
)

// runFlags are the flags of every command that reads a runs CSV.
type runFlags struct {
	opts runs.Options
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.opts.ParamsCol, "params-col", "", "column holding parameter counts (default: params, N, n_params, model_size, \"Model Size\", parameters)")
	fs.StringVar(&f.opts.TokensCol, "tokens-col", "", "column holding training tokens (default: tokens, D, n_tokens, train_tokens)")
	fs.StringVar(&f.opts.FLOPsCol, "flops-col", "", "column holding training FLOPs (default: flops, C, compute, \"Training FLOP\")")
	fs.StringVar(&f.opts.LossCol, "loss-col", "", "column holding the loss in nats/token (default: loss, L, val_loss, final_loss)")
	fs.StringVar(&f.opts.GroupCol, "group", "", "column that splits runs into groups (e.g. architecture); each group is fitted separately")
	fs.StringVar(&f.opts.RunCol, "run-col", "", "column holding a run id for loss curves (default: run, run_id, id, name)")
	fs.StringVar(&f.opts.BudgetCol, "budget-col", "", "column holding the IsoFLOP budget of each run (default: budget)")
	fs.StringVar(&f.opts.Where, "where", "", "keep only runs matching EXPR, e.g. 'flops>=1e19 and loss<4' (canonical names or any column)")
	fs.IntVar(&f.opts.DropHighestLoss, "drop-highest-loss", 0, "drop the K runs with the highest loss (Epoch's Chinchilla recipe uses 5)")
}

// load reads runs from path, or from stdin when path is "-".
func (f *runFlags) load(e *env, path string) (*runs.Set, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = e.stdin, "<stdin>"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read runs: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	return runs.Load(r, name, f.opts)
}
