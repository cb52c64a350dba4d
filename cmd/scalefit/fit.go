package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/cobra"
)

var _ = register("fit", newFitCmd)

// fitOptions holds the flags of `scalefit fit` (and `scalefit report`, which fits too).
type fitOptions struct {
	runs              runFlags
	convention        conventionFlag // --convention (convention.go)
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
	deltaSet          bool // --delta given explicitly
	family            familyFlags
	autoNote          string // --law auto: which law the backtest chose
}

func newFitCmd(e *env) *cobra.Command {
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
			o.deltaSet = cmd.Flags().Changed("delta")
			o.runs.more = args[1:]
			if strings.EqualFold(o.law, "auto") {
				if err := o.chooseLaw(cmd, e, args); err != nil {
					return err
				}
			}
			if o.family.name != "" && o.family.name != "chinchilla" && o.family.name != "kaplan" {
				return runFamilyFit(cmd, e, o, args)
			}
			if o.family.plot != "" {
				return app.Usagef("--plot applies to --family NAME (a registered family's figure); scalefit plot draws the Chinchilla figures")
			}
			if o.family.name != "" {
				o.law = o.family.name
			}
			return runFit(cmd, e, o, args[0])
		},
	}
	o.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVarP(&o.out, "output", "o", "", "save the fit as JSON (with bootstrap draws) to this file, for optimal, predict and check")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing to stdout (with -o)")
	fs.BoolVar(&o.draws, "draws", false, "include the bootstrap draws in --format json output (fit.json always has them)")
	o.family.register(fs)
	return cmd
}

// register adds the fitting flags shared by fit and report.
func (o *fitOptions) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	o.runs.register(fs)
	o.convention.register(fs)
	fs.StringVar(&o.law, "law", "chinchilla", "law family to fit: chinchilla, kaplan, all, or auto (the law these runs' own backtest recommends)")
	fs.IntSliceVar(&o.approaches, "approach", nil, "Chinchilla approaches to run, e.g. 3 or 1,2,3 (default: all the data allow)")
	fs.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples K for 95% intervals (Epoch used 4000)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the bootstrap")
	fs.StringVar(&o.holdout, "holdout", "", "leave out runs matching EXPR (e.g. 'flops>=1e21'), fit the rest and report how well it predicts them")
	fs.StringVar(&o.loss, "loss", "huber", "robust loss on log-loss residuals: huber or mse")
	fs.Float64Var(&o.delta, "delta", fit.DefaultDelta, "Huber delta on log-loss residuals")
	fs.StringVar(&o.starts, "starts", "default", "Approach 3 start set: default (screened search) or full (Hoffmann's 4,500-point grid)")
	fs.StringVar(&o.method, "method", "newton", "Approach 3 local minimiser: newton (analytic Hessian), or gonum/optimize's gonum-bfgs, gonum-lbfgs, gonum-newton to cross-check")
	fs.BoolVar(&o.tie, "tie-exponents", false, "fit one exponent alpha = beta (for narrow sweeps that cannot separate them)")
	fs.StringSliceVar(&o.fix, "fix", nil, "fix parameters, e.g. E=1.69 or alpha=0.34,beta=0.28")
	fs.StringVar(&o.vertex, "vertex", "auto", "Approach 2 minimum per budget: auto (Akima with >= 5 sizes, else parabola), akima or parabola")
	fs.Float64Var(&o.budgetTolerance, "budget-tolerance", 0, "Approach 2: relative spread of FLOPs within one budget when there is no budget column (default 0.15)")
	fs.StringVar(&o.compute, "compute", "", "budgets (FLOPs) for the allocation table, e.g. 1e21,1e23 or 1e21:1e25:x10 (default: decades above the data)")
	fs.Float64Var(&o.minTokensPerParam, "min-tokens-per-param", 0, "leave out under-trained runs with fewer tokens per parameter")
	fs.BoolVar(&o.strict, "strict", false, "exit 1, after writing the full output, when a fit did not converge")
}

// analysisOptions turns flags into analysis options.
func (o *fitOptions) analysisOptions() (analysis.Options, error) {
	var a analysis.Options
	switch strings.ToLower(o.law) {
	case "chinchilla", "all", "kaplan":
		a.Laws = strings.ToLower(o.law)
	default:
		return a, app.Usagef("--law %q: fit takes a family: chinchilla, kaplan or all (named published laws go to optimal, predict and compare)", o.law)
	}
	a.Approaches = o.approaches
	switch strings.ToLower(o.loss) {
	case "huber":
		a.Chinchilla.Loss = fit.Loss{Kind: fit.Huber, Delta: o.delta}
	case "mse":
		if o.deltaSet {
			return a, app.Usagef("--delta applies to --loss huber, not mse")
		}
		a.Chinchilla.Loss = fit.Loss{Kind: fit.Squared}
	default:
		return a, app.Usagef("--loss %q: want huber or mse", o.loss)
	}
	if !(o.delta > 0) {
		return a, app.Usagef("--delta %g: want a positive number", o.delta)
	}
	switch o.starts {
	case "default", "full":
		a.Chinchilla.Starts = o.starts
	default:
		return a, app.Usagef("--starts %q: want default or full", o.starts)
	}
	m, err := fit.ParseMethod(o.method)
	if err != nil {
		return a, app.Usagef("--method: %v", err)
	}
	a.Chinchilla.Local.Method = m
	if err := limits.Resamples(o.bootstrap, 1); err != nil {
		return a, &app.UsageError{Err: err}
	}
	a.Chinchilla.Bootstrap, a.Chinchilla.Seed = o.bootstrap, o.seed
	a.Chinchilla.TieExponents = o.tie
	if len(o.fix) > 0 {
		a.Chinchilla.Fix = map[string]float64{}
		for _, kv := range o.fix {
			k, v, ok := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if !ok || err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return a, app.Usagef("--fix %q: want NAME=VALUE such as E=1.69", kv)
			}
			name := strings.TrimSpace(k)
			switch strings.ToLower(name) {
			case "e", "a", "b", "alpha", "beta":
			default:
				return a, app.Usagef("--fix %q: cannot fix %q: want E, A, B, alpha or beta", kv, name)
			}
			for prev := range a.Chinchilla.Fix {
				if strings.EqualFold(prev, name) {
					return a, app.Usagef("--fix: %s given twice", name)
				}
			}
			a.Chinchilla.Fix[name] = x
		}
	}
	switch o.vertex {
	case "auto", "akima", "parabola":
		a.IsoFLOP.Vertex = chinchilla.VertexMethod(o.vertex)
	default:
		return a, app.Usagef("--vertex %q: want auto, akima or parabola", o.vertex)
	}
	if o.budgetTolerance < 0 {
		return a, app.Usagef("--budget-tolerance %g: want a positive fraction such as 0.15", o.budgetTolerance)
	}
	a.IsoFLOP.BudgetTolerance = o.budgetTolerance
	if o.minTokensPerParam < 0 {
		return a, app.Usagef("--min-tokens-per-param %g: want 0 or more", o.minTokensPerParam)
	}
	a.MinTokensPerParam = o.minTokensPerParam
	if o.compute != "" {
		cs, err := app.ParseCompute(o.compute)
		if err != nil {
			return a, app.Usagef("--compute: %v", err)
		}
		a.Budgets = cs
	}
	if o.holdout != "" {
		h, err := runs.ParseExpr(o.holdout)
		if err != nil {
			return a, app.Usagef("--holdout: %v", err)
		}
		a.Holdout = h
	}
	return a, nil
}

// fitRuns loads the runs and fits them; shared by fit and report. --where selects the runs
// to fit; --holdout takes the held-out runs from the input before --where.
func (o *fitOptions) fitRuns(e *env, path string) (*analysis.Result, error) {
	aopts, err := o.analysisOptions()
	if err != nil {
		return nil, err
	}
	if err := o.convention.apply(&o.runs.opts); err != nil {
		return nil, err
	}
	le := e
	if aopts.Holdout != nil {
		if aopts.HoldoutPool, le, err = o.runs.holdoutPool(e, path); err != nil {
			return nil, err
		}
	}
	set, err := o.runs.load(le, path)
	if err != nil {
		return nil, err
	}
	if o.autoNote != "" {
		set.Notes = append(set.Notes, o.autoNote)
	}
	if err := set.CheckExprColumns("--holdout", aopts.Holdout); err != nil {
		return nil, err
	}
	if aopts.Chinchilla.Bootstrap > 0 {
		// The cap is on the total: each group's resamples are kept in fit.json. (Grouping
		// 240,000 runs costs a tenth of the fit: only with a bootstrap.)
		groups, _ := runs.Groups(set.Runs)
		if err := limits.Resamples(aopts.Chinchilla.Bootstrap, len(groups)); err != nil {
			return nil, &app.UsageError{Err: err}
		}
	}
	if aopts.Chinchilla.Bootstrap > 0 && isTerminal(e.stderr) {
		aopts.Chinchilla.Progress = progressLine(e.stderr, "bootstrap")
	}
	res, err := analysis.Run(set, aopts)
	if err != nil {
		return nil, err
	}
	if aopts.Chinchilla.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	return res, nil
}

func runFit(cmd *cobra.Command, e *env, o *fitOptions, path string) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if o.quiet && o.out == "" {
		return app.Usagef("--quiet prints nothing: give -o fit.json, or drop --quiet")
	}
	res, err := o.fitRuns(e, path)
	if err != nil {
		return err
	}
	doc := analysis.Encode(res, true)
	auto, err := o.autoFamilies(cmd, e, res)
	if err != nil {
		return err
	}
	doc.Fits = append(doc.Fits, auto.Fits...)
	doc.Warnings = append(doc.Warnings, auto.Warnings...)
	// A non-finite number is the same error in every format, before anything is written.
	if err := report.CheckFinite(doc); err != nil {
		return err
	}
	if o.out != "" {
		if err := fitfile.Write(o.out, doc); err != nil {
			return err
		}
	}
	if !o.draws {
		doc = doc.WithoutDraws()
	}
	if !o.quiet {
		switch outFmt {
		case format.JSON:
			err = report.WriteJSON(e.stdout, doc)
		case format.CSV:
			err = report.WriteFitCSV(e.stdout, doc)
		default:
			err = report.RenderAll(e.stdout, outFmt, append(report.FitTables(res, doc), auto.Tables(outFmt)...), stdoutWarnings(outFmt, doc.Warnings))
		}
		if err != nil {
			return err
		}
	}
	emitWarnings(e, doc.Warnings)
	return strictErr(e, o.strict, append(res.Unconverged(), auto.NotConverged...))
}

// chooseLaw is --law auto: backtest the runs and set the law, approach, loss and vertex (or
// the family) of the recommended candidate.
func (o *fitOptions) chooseLaw(cmd *cobra.Command, e *env, args []string) error {
	if o.family.name != "" || len(o.approaches) > 0 || cmd.Flags().Changed("loss") || cmd.Flags().Changed("vertex") {
		return app.Usagef("--law auto chooses the family, approach, loss and vertex itself: drop --family, --approach, --loss and --vertex")
	}
	req := (&backtestFlags{runs: o.runs}).request(e, args, 0)
	req.BudgetTolerance = o.budgetTolerance
	law, err := app.ChooseLaw(cmd.Context(), req)
	if err != nil {
		return err
	}
	emitWarnings(e, law.Warnings)
	o.law, o.autoNote = "chinchilla", law.Note
	switch law.Family + " " + law.Variant {
	case "chinchilla approach3-huber":
		o.approaches = []int{3}
	case "chinchilla approach3-mse":
		o.approaches, o.loss = []int{3}, "mse"
	case "chinchilla approach2-akima", "chinchilla approach2-parabola":
		o.approaches, o.vertex = []int{2}, strings.TrimPrefix(law.Variant, "approach2-")
	case "kaplan L(N,D)":
		o.law = "kaplan"
	default:
		o.family.name = law.Family
	}
	return nil
}
