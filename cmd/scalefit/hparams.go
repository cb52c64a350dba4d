package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
)

var _ = register("hparams", newHparamsCmd)

func newHparamsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hparams",
		Short: "Learning rate and batch size: fit their scaling laws to a sweep, predict them (DeepSeek 2024, Step Law 2025)",
		Long: `Hyper-parameter scaling laws: the optimal peak learning rate and batch size (tokens per
optimiser step) as power laws in non-embedding parameters N and training tokens D. Built-in:
deepseek2024-hparams (in compute C) and steplaw2025 (in N and D); see scalefit laws and
docs/hparams.md.`,
	}
	cmd.AddCommand(newHparamsFitCmd(e), newHparamsPredictCmd(e))
	return cmd
}

func newHparamsFitCmd(e *env) *cobra.Command {
	var (
		req          app.HparamsFitRequest
		runs         runFlags
		format       string
		quiet        bool
		seqLen       float64
		bootstrap    int
		seed         uint64
		plots, plotF string
	)
	cmd := &cobra.Command{
		Use:   "fit SWEEP",
		Short: "Locate the optimal lr and batch of each (N, D) group of a sweep and fit their power laws",
		Long: `Fit lr_opt = coef·N^a·D^b and B_opt = coef·N^a·D^b to a sweep of runs with columns params,
tokens, lr (the peak learning rate), batch (tokens per step, or sequences with --seq-len) and
loss, in any layout scalefit reads. Per (N, D) group the optimum is the vertex of a quadratic
bowl in log lr and log batch, fitted with a Gaussian kernel toward the minimum (2 octaves) and
biweight weights that ignore diverged runs; a group whose optimum is at the edge of its grid
is flagged (edge-optimum) and left out of that law. Intervals: bootstrap of the runs within
each group. penalty_2x is the loss of being 2x off the optimum, in lr and in batch.`,
		Example: `  scalefit hparams fit sweep.csv -o hparams.json --plots figs/
  scalefit hparams fit sweep.csv --seq-len 2048 --format json`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			outFmt, err := parseFormat(format)
			if err != nil {
				return err
			}
			req.Inputs = app.Inputs{Paths: args, Options: runs.opts, Stdin: e.stdin}
			req.SeqLen, req.Bootstrap, req.Seed, req.Plots, req.PlotFormat = seqLen, bootstrap, seed, plots, plotF
			if bootstrap > 0 && isTerminal(e.stderr) {
				req.Progress = progressLine(e.stderr, "bootstrap")
				defer e.stderr.Write([]byte("\r\033[K"))
			}
			res, err := app.HparamsFit(cmd.Context(), req)
			if err != nil {
				return err
			}
			if quiet {
				emitWarnings(e, res.Warnings())
				return nil
			}
			return render(e, res, outFmt, false)
		},
	}
	fs := cmd.Flags()
	runs.register(fs)
	fs.StringVar(&req.LRCol, "lr-col", "", "column holding the peak learning rate (default: lr, learning_rate, peak_lr, max_lr, eta)")
	fs.StringVar(&req.BatchCol, "batch-col", "", "column holding the batch size (default: batch, batch_size, batch_tokens, bs, global_batch_size)")
	fs.Float64Var(&seqLen, "seq-len", 0, "the batch column holds sequences of this many tokens (tokens per step = batch × L)")
	fs.IntVar(&bootstrap, "bootstrap", 1000, "bootstrap resamples for 95% intervals (0: none)")
	fs.Uint64Var(&seed, "seed", 1, "seed of the bootstrap")
	fs.Float64Var(&req.Bandwidth, "bandwidth", 0, "width in octaves of the kernel toward each group's minimum (default 2)")
	fs.StringVarP(&req.Output, "output", "o", "", "write the fit (the JSON of --format json) to FILE, for hparams predict and optimal --hparams")
	fs.StringVar(&plots, "plots", "", "write figures into DIR: hparams-basins and hparams-laws")
	fs.StringVar(&plotF, "plot-format", "png", "figure format for --plots: png, svg or pdf")
	fs.BoolVarP(&quiet, "quiet", "q", false, "print nothing but warnings (with -o)")
	fs.StringVar(&format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

func newHparamsPredictCmd(e *env) *cobra.Command {
	var (
		req                     app.HparamsPredictRequest
		params, tokens, compute string
		format                  string
	)
	cmd := &cobra.Command{
		Use:   "predict",
		Short: "The optimal peak lr and batch size for N parameters and D tokens (or compute C)",
		Long: `Predict the optimal peak learning rate and batch size (tokens per step; also sequences with
--seq-len) from --fit FILE (hparams fit -o; with 95% intervals from its bootstrap) or --law
NAME. Lists pair up element by element. deepseek2024-hparams takes --compute C, or --params and
--tokens with C = 6ND (N non-embedding).`,
		Example: `  scalefit hparams predict --law steplaw2025 --params 7B --tokens 2T --seq-len 4096
  scalefit hparams predict --law deepseek2024-hparams --compute 1e22,1e23
  scalefit hparams predict --fit hparams.json --params 1B,7B --tokens 100B,2T --format json`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			outFmt, err := parseFormat(format)
			if err != nil {
				return err
			}
			for _, l := range []struct {
				flag, s string
				to      *[]float64
			}{{"params", params, &req.Params}, {"tokens", tokens, &req.Tokens}} {
				if l.s != "" {
					if *l.to, err = app.ParseList(l.flag, l.s); err != nil {
						return err
					}
				}
			}
			if compute != "" {
				if req.Compute, err = app.ParseCompute(compute); err != nil {
					return app.Usagef("--compute: %v", err)
				}
			}
			res, err := app.HparamsPredict(cmd.Context(), req)
			if err != nil {
				return err
			}
			return render(e, res, outFmt, false)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&req.Fit, "fit", "", "a fit written by scalefit hparams fit -o")
	fs.StringVar(&req.Law, "law", "", "a built-in law: deepseek2024-hparams or steplaw2025")
	fs.StringVar(&params, "params", "", "non-embedding parameter counts N, e.g. 1B,7B")
	fs.StringVar(&tokens, "tokens", "", "training tokens D, e.g. 100B,2T")
	fs.StringVar(&compute, "compute", "", "training compute C in FLOPs, e.g. 1e22,1e23 (laws in compute)")
	fs.Float64Var(&req.SeqLen, "seq-len", 0, "also give the batch in sequences of this many tokens")
	fs.StringVar(&format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}
