package main

import (
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var _ = register("optimal", newOptimalCmd)

// optimalOptions holds the flags of `scalefit optimal`.
type optimalOptions struct {
	src             lawFlags
	compute         string // FLOPs: list and/or ranges START:STOP:xFACTOR
	params          string // parameter counts
	targetLoss      string // losses, nats/token
	maxUnique       string // unique tokens available
	rep             repetitionFlags
	inferenceTokens string  // lifetime inference tokens
	gpu             string  // GPU preset
	gpuFlops        string  // peak FLOP/s
	mfu             float64 // model FLOPs utilisation
	hparams         string  // hyper-parameter law or hparams fit file
	format          string
}

func newOptimalCmd(e *env) *cobra.Command {
	o := &optimalOptions{}
	var gpuNames []string
	for _, g := range plan.GPUs() {
		gpuNames = append(gpuNames, g.Name+" "+format.Float(g.PeakFLOPs/1e12, 5)+" TFLOP/s")
	}
	cmd := &cobra.Command{
		Use:   "optimal [RUNS.csv]",
		Short: "Compute-optimal N and D at budgets, the budget for a size or a loss, and beyond the frontier",
		Long: `Plan a training run with a law from --fit fit.json, --law NAME or a RUNS.csv (fitted on the fly).

  --compute C          compute-optimal params N, tokens D (C = 6ND FLOPs) and loss at each budget
  --params N           the budget at which N parameters are compute-optimal (Chinchilla Tables 3, A3)
  --target-loss L      the least compute whose compute-optimal model reaches loss L (nats/token)

Beyond the frontier:
  --max-unique-tokens U   (with --compute) only U unique tokens exist: repeat them as Muennighoff
                          et al. 2023 model it (R_D*, R_N* from the law, or --rd-star/--rn-star)
  --inference-tokens T    (with --target-loss or --compute) the model will serve T tokens: minimise
                          training + inference FLOPs 6ND + 2NT at equal loss (Sardana et al. 2023);
                          with --compute the target is the compute-optimal loss at that budget

GPU time (GPU-hours = training FLOPs / (peak FLOP/s x MFU)): --gpu NAME or --gpu-flops F, --mfu M.
Presets (dense peak from vendor datasheets, no sparsity): ` + strings.Join(gpuNames, ", ") + `.
With a fit that has bootstrap draws, 95% intervals are shown.`,
		Example: `  scalefit optimal --law chinchilla2022-a3 --compute 1e21:1e25:x10
  scalefit optimal --law chinchilla2022-a3 --params 400M,1B,10B,67B
  scalefit optimal --law muennighoff2023 --target-loss 2.5 --gpu h100-bf16 --mfu 0.4
  scalefit optimal --law muennighoff2023 --compute 1e22 --max-unique-tokens 25e9
  scalefit optimal --law chinchilla2022-a3 --target-loss 1.947 --inference-tokens 2e12
  scalefit optimal --fit fit.json --compute 1e21,1e23 --format json`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runOptimal(e, cmd, o, args) },
	}
	fs := cmd.Flags()
	o.src.register(fs)
	fs.StringVar(&o.compute, "compute", "", "training budgets in FLOPs: a list 1e21,1e23 and/or ranges 1e21:1e25:x10 (or x3.16)")
	fs.StringVar(&o.params, "params", "", "model sizes, e.g. 400M,1B,10B: the budget at which each is compute-optimal")
	fs.StringVar(&o.targetLoss, "target-loss", "", "target losses in nats/token: the least compute reaching each")
	fs.StringVar(&o.maxUnique, "max-unique-tokens", "", "unique tokens available, e.g. 25B (data-constrained, with --compute)")
	o.rep.register(fs)
	fs.StringVar(&o.inferenceTokens, "inference-tokens", "", "tokens the model will generate over its lifetime, e.g. 2T (inference-aware)")
	fs.StringVar(&o.gpu, "gpu", "", "GPU preset for GPU-hours: a100-bf16, h100-bf16, h100-fp8, h200-bf16, b200-bf16")
	fs.StringVar(&o.gpuFlops, "gpu-flops", "", "peak FLOP/s of one GPU for GPU-hours, e.g. 989.4e12")
	fs.Float64Var(&o.mfu, "mfu", 0.4, "model FLOPs utilisation in (0, 1] for GPU-hours")
	fs.StringVar(&o.hparams, "hparams", "", "also give the peak lr and batch size of each allocation from an hparams fit file or law (steplaw2025, deepseek2024-hparams)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

// positiveList parses a comma-separated list of quantities for flag name, each within its
// limits: losses (--target-loss) in [limits.MinLoss, limits.MaxLoss], counts (--params,
// --tokens) in [limits.MinCount, limits.MaxCount].
func positiveList(name, s string) ([]float64, error) {
	vs, err := runs.ParseQuantityList(s)
	if err != nil {
		return nil, app.Usagef("--%s: %v", name, err)
	}
	if len(vs) > limits.MaxBudgets {
		return nil, app.Usagef("--%s: %d values, more than %d", name, len(vs), limits.MaxBudgets)
	}
	for _, v := range vs {
		check := limits.Count
		if name == "target-loss" {
			check = limits.Loss
		}
		if err := check("--"+name, v); err != nil {
			return nil, &app.UsageError{Err: err}
		}
	}
	return vs, nil
}

// countFlag parses one count (--max-unique-tokens, --inference-tokens, --unique-tokens)
// within [limits.MinCount, limits.MaxCount]; zero too when zeroOK.
func countFlag(name, s string, zeroOK bool) (float64, error) {
	v, err := runs.ParseQuantity(s)
	if err != nil {
		return 0, app.Usagef("--%s: %v", name, err)
	}
	if zeroOK && v == 0 {
		return 0, nil
	}
	if err := limits.Count("--"+name, v); err != nil {
		return 0, &app.UsageError{Err: err}
	}
	return v, nil
}

func fp(v float64) *float64 { return &v }

func ivp(iv stats.Interval) *[2]float64 { return &[2]float64{iv.Lo, iv.Hi} }

// lossPtr is nil for a NaN loss (allocation rules have none).
func lossPtr(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return fp(x)
}

func allocRow(a plan.Allocation) report.PlanRow {
	return report.PlanRow{FLOPs: a.FLOPs, Params: a.Params, Tokens: a.Tokens, TokensPerParam: a.TokensPerParam(), Loss: lossPtr(a.Loss)}
}

// gpuSpec resolves --gpu/--gpu-flops/--mfu; nil when no GPU time is asked for.
func gpuSpec(cmd *cobra.Command, o *optimalOptions) (*report.GPUInfo, error) {
	if !(o.mfu > 0 && o.mfu <= 1) {
		return nil, app.Usagef("--mfu %s: want a fraction in (0, 1], e.g. 0.4", format.Short(o.mfu, 6))
	}
	switch {
	case o.gpu != "" && o.gpuFlops != "":
		return nil, app.Usagef("--gpu and --gpu-flops both given: want one")
	case o.gpu != "":
		g, err := plan.LookupGPU(o.gpu)
		if err != nil {
			return nil, app.Usagef("--gpu: %v", err)
		}
		return &report.GPUInfo{Name: g.Name, PeakFLOPs: g.PeakFLOPs, MFU: o.mfu}, nil
	case o.gpuFlops != "":
		v, err := runs.ParseQuantity(o.gpuFlops)
		if err != nil || !(v >= limits.MinGPUFLOPs && v <= limits.MaxGPUFLOPs) {
			return nil, app.Usagef("--gpu-flops %q: want a peak FLOP/s from %g to %g, such as 989.4e12", o.gpuFlops, limits.MinGPUFLOPs, limits.MaxGPUFLOPs)
		}
		return &report.GPUInfo{PeakFLOPs: v, MFU: o.mfu}, nil
	case cmd.Flags().Changed("mfu"):
		return nil, app.Usagef("--mfu needs --gpu NAME or --gpu-flops F")
	}
	return nil, nil
}

func runOptimal(e *env, cmd *cobra.Command, o *optimalOptions, args []string) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	has := func(name string) bool { return cmd.Flags().Changed(name) }
	switch {
	case has("compute") && has("target-loss"):
		return app.Usagef("--compute and --target-loss both given: --compute plans a budget, --target-loss finds the budget for a loss; want one")
	case has("params") && has("target-loss"):
		return app.Usagef("--params and --target-loss both given: want one")
	case has("compute") && has("params"):
		return app.Usagef("--compute and --params both given: want one")
	case !has("compute") && !has("params") && !has("target-loss"):
		return app.Usagef("nothing to plan: want --compute C, --params N or --target-loss L")
	case has("max-unique-tokens") && !has("compute"):
		return app.Usagef("--max-unique-tokens needs --compute (the budget to spend on the repeated data)")
	case has("max-unique-tokens") && has("inference-tokens"):
		return app.Usagef("--max-unique-tokens and --inference-tokens both given: want one")
	case (has("rd-star") || has("rn-star")) && !has("max-unique-tokens"):
		return app.Usagef("--rd-star and --rn-star need --max-unique-tokens")
	case has("inference-tokens") && has("params"):
		return app.Usagef("--inference-tokens needs --target-loss or --compute, not --params")
	}
	if o.rep.rdStar < 0 || o.rep.rnStar < 0 {
		return app.Usagef("--rd-star and --rn-star: want non-negative numbers")
	}
	gpu, err := gpuSpec(cmd, o)
	if err != nil {
		return err
	}
	var budgets, sizes, targets []float64
	switch {
	case has("compute"):
		if budgets, err = parseCompute(o.compute); err != nil {
			return app.Usagef("--compute: %v", err)
		}
	case has("params"):
		if sizes, err = positiveList("params", o.params); err != nil {
			return err
		}
	default:
		if targets, err = positiveList("target-loss", o.targetLoss); err != nil {
			return err
		}
	}
	src, err := o.src.resolve(e, args)
	if err != nil {
		return err
	}
	doc := &report.PlanDocument{Command: "optimal", Law: src.Info, GPU: gpu, Warnings: append(warn.List(nil), src.Warnings...)}
	switch {
	case has("max-unique-tokens"):
		err = optimalConstrained(doc, src, o, cmd, budgets)
	case has("inference-tokens"):
		err = optimalInference(doc, src, o, budgets, targets)
	case budgets != nil:
		doc.Mode = report.PlanCompute
		for _, c := range budgets {
			a, err := src.Optimal(c)
			if err != nil {
				return err
			}
			r := allocRow(a)
			if iv, ok := plan.OptimalIntervals(src.Draws, c); ok {
				r.ParamsInterval, r.TokensInterval, r.LossInterval = ivp(iv.Params), ivp(iv.Tokens), ivp(iv.Loss)
			}
			doc.Rows = append(doc.Rows, r)
		}
	case sizes != nil:
		doc.Mode = report.PlanParams
		for _, n := range sizes {
			a, err := src.ForParams(n)
			if err != nil {
				return err
			}
			r := allocRow(a)
			if fi, di, li, ok := plan.ForParamsIntervals(src.Draws, n); ok {
				r.FLOPsInterval, r.TokensInterval, r.LossInterval = ivp(fi), ivp(di), ivp(li)
			}
			doc.Rows = append(doc.Rows, r)
		}
	default:
		doc.Mode = report.PlanTargetLoss
		l, err := src.ChinchillaLaw("--target-loss")
		if err != nil {
			return err
		}
		for _, target := range targets {
			a, err := plan.ComputeForLoss(l, target)
			if err != nil {
				return err
			}
			r := allocRow(a)
			r.Loss, r.TargetLoss = nil, fp(target)
			if iv, ok := plan.ComputeForLossInterval(src.Draws, target); ok {
				r.FLOPsInterval = ivp(iv)
			}
			doc.Rows = append(doc.Rows, r)
		}
	}
	if err != nil {
		return err
	}
	app.MarkExtrapolation(src, doc)
	if o.hparams != "" {
		if err := app.PlanHparams(doc, o.hparams); err != nil {
			return err
		}
	}
	if gpu != nil {
		for i := range doc.Rows {
			h, err := plan.GPUHours(doc.Rows[i].FLOPs, gpu.PeakFLOPs, gpu.MFU)
			if err != nil {
				return err
			}
			doc.Rows[i].GPUHours, doc.Rows[i].GPUDays = fp(h), fp(h/24)
		}
	}
	if err := report.WritePlan(e.stdout, outFmt, doc); err != nil {
		return err
	}
	emitWarnings(e, doc.Warnings)
	return strictErr(e, o.src.strict, src.NotConverged)
}

// optimalConstrained fills doc with data-constrained allocations (Muennighoff et al. 2023).
func optimalConstrained(doc *report.PlanDocument, src *lawsource.Source, o *optimalOptions, cmd *cobra.Command, budgets []float64) error {
	doc.Mode = report.PlanConstrained
	l, err := src.ChinchillaLaw("--max-unique-tokens")
	if err != nil {
		return err
	}
	u, err := countFlag("max-unique-tokens", o.maxUnique, false)
	if err != nil {
		return err
	}
	dl := o.rep.dataLaw(cmd, l, src, doc)
	doc.Notes = append(doc.Notes, "repetition: R_D* "+format.Float(dl.RDStar, 4)+", R_N* "+format.Float(dl.RNStar, 4)+
		"; penalty = loss - loss of the Chinchilla-optimal model at the same FLOPs with unlimited data")
	for _, c := range budgets {
		r, err := dl.Optimal(c, u)
		if err != nil {
			return err
		}
		row := allocRow(r.Allocation)
		row.UniqueTokens, row.Epochs = fp(u), fp(r.Epochs)
		row.UnconstrainedLoss, row.LossPenalty, row.CapBinds = fp(r.Unconstrained.Loss), fp(r.Penalty), &r.Binding
		if iv, ok := src.ConstrainedIntervals(dl, c, u); ok {
			row.ParamsInterval, row.TokensInterval, row.LossInterval = ivp(iv.Params), ivp(iv.Tokens), ivp(iv.Loss)
		}
		if !r.Binding {
			doc.Notes = append(doc.Notes, "at "+format.Sci(c)+" FLOPs the cap does not bind: the compute-optimal model needs "+
				format.Count(r.Unconstrained.Tokens)+" tokens, no more than the "+format.Count(u)+" unique; the unconstrained answer is shown")
		}
		doc.Rows = append(doc.Rows, row)
	}
	return nil
}

// optimalInference fills doc with inference-aware allocations (Sardana et al. 2023).
func optimalInference(doc *report.PlanDocument, src *lawsource.Source, o *optimalOptions, budgets, targets []float64) error {
	doc.Mode = report.PlanInference
	l, err := src.ChinchillaLaw("--inference-tokens")
	if err != nil {
		return err
	}
	t, err := countFlag("inference-tokens", o.inferenceTokens, true)
	if err != nil {
		return err
	}
	if budgets != nil {
		doc.Notes = append(doc.Notes, "target loss: that of the Chinchilla-optimal model at each --compute budget")
		for _, c := range budgets {
			_, _, loss := chinchilla.Law(l).Optimal(c)
			targets = append(targets, loss)
		}
	}
	doc.Notes = append(doc.Notes, "FLOPs: training 6ND; lifetime adds inference 2N x inference tokens; GPU time is for training only")
	for _, target := range targets {
		r, err := plan.InferenceOptimal(l, target, t)
		if err != nil {
			return err
		}
		row := allocRow(r.Allocation)
		row.Loss, row.TargetLoss = nil, fp(target)
		row.InferenceTokens, row.InferenceFLOPs, row.TotalFLOPs = fp(t), fp(r.InferenceFLOPs), fp(r.TotalFLOPs)
		row.ChinchillaParams, row.ChinchillaTokens, row.ChinchillaTotalFLOPs = fp(r.Chinchilla.Params), fp(r.Chinchilla.Tokens), fp(r.ChinchillaTotal)
		row.ParamsRatio, row.TokensRatio, row.FLOPsRatio = fp(r.ParamsRatio()), fp(r.TokensRatio()), fp(r.FLOPsRatio())
		if ni, di, ci, ok := plan.InferenceIntervals(src.Draws, target, t); ok {
			row.ParamsInterval, row.TokensInterval, row.FLOPsInterval = ivp(ni), ivp(di), ivp(ci)
		}
		doc.Rows = append(doc.Rows, row)
	}
	return nil
}

// repetitionFlags override Muennighoff et al.'s repetition constants (optimal and predict).
type repetitionFlags struct{ rdStar, rnStar float64 }

func (r *repetitionFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&r.rdStar, "rd-star", 0, "override R_D*, epochs after which repeated data has lost 1/e of its value (default: the law's, else C4's 15.39)")
	fs.Float64Var(&r.rnStar, "rn-star", 0, "override R_N*, the same for parameters in excess of the unique data's optimum (default: the law's, else C4's 5.31)")
}

// overrides returns --rd-star and --rn-star when given (nil otherwise).
func (r *repetitionFlags) overrides(cmd *cobra.Command) (rd, rn *float64) {
	if cmd.Flags().Changed("rd-star") {
		rd = &r.rdStar
	}
	if cmd.Flags().Changed("rn-star") {
		rn = &r.rnStar
	}
	return rd, rn
}

// dataLaw extends a Chinchilla law with Muennighoff et al.'s repetition constants: the
// law's own, else --rd-star/--rn-star, else the C4 values (with a warning in doc).
func (r *repetitionFlags) dataLaw(cmd *cobra.Command, l chinchilla.Law, src *lawsource.Source, doc *report.PlanDocument) plan.DataLaw {
	rd, rn := r.overrides(cmd)
	dl, ws := src.DataLaw(l, rd, rn, func(x float64) string { return format.Float(x, 4) })
	doc.Warnings = append(doc.Warnings, ws...)
	return dl
}
