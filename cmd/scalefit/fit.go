package main

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/spf13/cobra"
)

var _ = register("fit", newFitCmd)

// fitOptions holds the flags of `scalefit fit` (and `scalefit report`, which fits too).
type fitOptions struct {
	runs              runFlags
	convention        string
	law               string
	approaches        []int
	bootstrap         int
	seed              uint64
	holdout           string
	loss              string
	delta             float64
	starts            string
	method            string
	tie               bool
	fix               []string
	vertex            string
	budgetTolerance   float64
	compute           string
	minTokensPerParam float64
	format            string
	out               string
	quiet             bool
	strict            bool
	draws             bool
	family            familyFlags
}

func newFitCmd(e *env) *cobra.Command { return newFitCmdF(e, nil) }

// newFitCmdF is fit with a run hook: runF, when not nil, receives the request instead of
// running it.
func newFitCmdF(e *env, runF func(*app.FitRequest) error) *cobra.Command {
	o := &fitOptions{}
	cmd := &cobra.Command{
		Use:   "fit RUNS.csv [MORE_RUNS...]",
		Short: "Fit scaling laws to training runs (Chinchilla Approaches 1-3, Kaplan)",
		Long: `Fit scaling laws to a CSV of training runs. RUNS.csv needs params and loss columns and
tokens or flops (the other is derived with C = 6ND); "-" reads standard input. The runs may
also be JSON Lines, a JSON array or a W&B export (detected from content, or --input-format),
and several files, a directory or a glob (one file per run: the file name is the run id);
--meta joins per-run columns on the run id, --run-pattern reads them from run names.

By default every approach the data allow runs: Approach 3 (the parametric law
L = E + A/N^alpha + B/D^beta, Huber loss on log-loss, multi-start), Approach 2 (IsoFLOP
minima, when runs fall into compute budgets) and Approach 1 (the envelope of loss curves,
when a run column holds points along each run); skipped approaches are listed with why.`,
		Example: `  scalefit fit testdata/chinchilla.csv --drop-highest-loss 5
  scalefit fit testdata/chinchilla.csv --drop-highest-loss 5 --bootstrap 4000 --seed 42 -o fit.json
  scalefit fit testdata/chinchilla.csv --holdout 'flops>=1e21' --format json
  scalefit fit runs.csv --group arch --tie-exponents
  scalefit fit testdata/gadre.csv --loss-col loss_c4_val --group train_dataset
  scalefit fit train.jsonl --loss-col eval/c4_en/loss
  scalefit fit runs/ --meta runs_meta.csv --skip-invalid
  scalefit fit wandb_export.csv --run-pattern '(?P<params>[0-9.]+[MB])-(?P<chinchilla_multiple>[0-9.]+)xC'`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(cmd, e, args)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(req)
			}
			res, err := app.Fit(cmd.Context(), *req)
			if req.Progress != nil {
				fmt.Fprint(e.stderr, "\r\033[K")
			}
			if err != nil {
				return err
			}
			if o.quiet {
				emitWarnings(e, res.Warnings())
				return strictErr(e, o.strict, res.NotConverged())
			}
			return render(e, res, outFmt(o.format), o.strict)
		},
	}
	o.register(cmd)
	o.registerRecipe(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVarP(&o.out, "output", "o", "", "save the fit as JSON (with bootstrap draws) to this file, for optimal, predict and check")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing to stdout (with -o)")
	fs.BoolVar(&o.draws, "draws", false, "include the bootstrap draws in --format json output (fit.json always has them)")
	o.family.register(fs)
	return cmd
}

// register adds the fitting flags shared by fit and report: the runs' input, which law and
// approaches, the bootstrap, the holdout, the budgets and --strict.
func (o *fitOptions) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&o.convention, "convention", "", "derive params and flops from architecture columns (layers, d_model, heads, vocab, context, ...; see scalefit flops) counted under this convention: 6n, 6n-nonembedding, kaplan, hoffmann or deepseek; flops = FLOPs/token × tokens")
	fs.StringVar(&o.law, "law", "chinchilla", "law family to fit: chinchilla, kaplan, all, or auto (the law these runs' own backtest recommends)")
	fs.IntSliceVar(&o.approaches, "approach", nil, "Chinchilla approaches to run, e.g. 3 or 1,2,3 (default: all the data allow)")
	fs.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples K for 95% intervals (Epoch used 4000)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the bootstrap")
	fs.StringVar(&o.holdout, "holdout", "", "leave out runs matching EXPR (e.g. 'flops>=1e21'), fit the rest and report how well it predicts them")
	fs.StringVar(&o.compute, "compute", "", "budgets (FLOPs) for the allocation table, e.g. 1e21,1e23 or 1e21:1e25:x10 (default: decades above the data)")
	fs.Float64Var(&o.minTokensPerParam, "min-tokens-per-param", 0, "leave out under-trained runs with fewer tokens per parameter")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after writing the full output, when a fit did not converge")
}

// registerRecipe adds fit's options of the Approach-2 and -3 recipes (report takes the
// defaults: fit with them and -o fit.json for a different recipe).
func (o *fitOptions) registerRecipe(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.loss, "loss", "huber", "robust loss on log-loss residuals: huber or mse")
	fs.Float64Var(&o.delta, "delta", fit.DefaultDelta, "Huber delta on log-loss residuals")
	fs.StringVar(&o.starts, "starts", "default", "Approach 3 start set: default (screened search) or full (Hoffmann's 4,500-point grid)")
	fs.StringVar(&o.method, "method", "newton", "Approach 3 local minimiser: newton (analytic Hessian), or gonum/optimize's gonum-bfgs, gonum-lbfgs, gonum-newton to cross-check")
	fs.BoolVar(&o.tie, "tie-exponents", false, "fit one exponent alpha = beta (for narrow sweeps that cannot separate them)")
	fs.StringSliceVar(&o.fix, "fix", nil, "fix parameters, e.g. E=1.69 or alpha=0.34,beta=0.28")
	fs.StringVar(&o.vertex, "vertex", "auto", "Approach 2 minimum per budget: auto (Akima with >= 5 sizes, else parabola), akima or parabola")
	fs.Float64Var(&o.budgetTolerance, "budget-tolerance", 0, "Approach 2: relative spread of FLOPs within one budget when there is no budget column (default 0.15)")
}

// request builds fit's request from the flags and the positional arguments (report builds
// its fit with it too).
func (o *fitOptions) request(cmd *cobra.Command, e *env, args []string) (*app.FitRequest, error) {
	if _, err := parseFormat(o.format); err != nil {
		return nil, err
	}
	if o.quiet && o.out == "" {
		return nil, app.Usagef("--quiet prints nothing: give -o fit.json, or drop --quiet")
	}
	changed := func(n string) bool { f := cmd.Flags().Lookup(n); return f != nil && f.Changed }
	r := &app.FitRequest{Inputs: app.Inputs{Paths: args, Options: o.runs.opts, Stdin: e.stdin}, Convention: o.convention,
		Law: o.law, Approaches: o.approaches, Bootstrap: o.bootstrap, Seed: o.seed, Holdout: o.holdout, Starts: o.starts,
		Method: o.method, Tie: o.tie, Fix: o.fix, BudgetTolerance: o.budgetTolerance, MinTokensPerParam: o.minTokensPerParam,
		Output: o.out, Draws: o.draws}
	if changed("loss") {
		r.Loss = o.loss
	}
	if changed("delta") {
		r.Delta = &o.delta
	}
	if changed("vertex") {
		r.Vertex = o.vertex
	}
	if o.compute != "" {
		cs, err := app.ParseCompute(o.compute)
		if err != nil {
			return nil, app.Usagef("--compute: %v", err)
		}
		r.Budgets = cs
	}
	fam, err := o.family.request(cmd) // nothing on report, which has no family flags
	if err != nil {
		return nil, err
	}
	r.Family = fam
	if o.bootstrap > 0 && isTerminal(e.stderr) {
		r.Progress = progressLine(e.stderr, "bootstrap")
	}
	return r, nil
}
