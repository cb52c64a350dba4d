package main

import (
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plan"
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
	family          map[string]*string // a family optimizer's query values by key name
	familyFlags     map[string]string  // key name -> flag
}

func newOptimalCmd(e *env) *cobra.Command { return newOptimalCmdF(e, nil) }

// newOptimalCmdF is optimal with a run hook: runF, when not nil, receives the request
// instead of running it (tests of flag parsing).
func newOptimalCmdF(e *env, runF func(*app.OptimalRequest) error) *cobra.Command {
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
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(cmd, e, args)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(req)
			}
			res, err := app.Optimal(cmd.Context(), *req)
			if err != nil {
				return err
			}
			return render(e, res, outFmt(o.format), o.src.strict)
		},
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
	o.family, o.familyFlags = map[string]*string{}, map[string]string{}
	for _, k := range app.OptimizerKeys() {
		if fs.Lookup(k.ValueFlag) == nil {
			o.family[k.Name] = fs.String(k.ValueFlag, "", k.Doc+" ("+k.Family+"'s optimal question)")
			o.familyFlags[k.Name] = k.ValueFlag
		}
	}
	return cmd
}

// request builds the request from the flags and positional arguments.
func (o *optimalOptions) request(cmd *cobra.Command, e *env, args []string) (*app.OptimalRequest, error) {
	if _, err := parseFormat(o.format); err != nil {
		return nil, err
	}
	has := cmd.Flags().Changed
	r := &app.OptimalRequest{Law: o.src.spec(e, args), Hparams: o.hparams,
		GPU: app.GPURequest{Name: o.gpu, PeakFLOPs: o.gpuFlops, MFU: o.mfu, MFUGiven: has("mfu")}}
	var err error
	if has("compute") {
		if r.Compute, err = app.ParseCompute(o.compute); err != nil {
			return nil, app.Usagef("--compute: %v", err)
		}
	}
	if has("params") {
		if r.Params, err = app.ParseList("params", o.params); err != nil {
			return nil, err
		}
	}
	if has("target-loss") {
		if r.TargetLoss, err = app.ParseList("target-loss", o.targetLoss); err != nil {
			return nil, err
		}
	}
	if has("max-unique-tokens") {
		if r.MaxUniqueTokens, err = app.ParseCount("max-unique-tokens", o.maxUnique, false); err != nil {
			return nil, err
		}
	}
	if has("inference-tokens") {
		t, err := app.ParseCount("inference-tokens", o.inferenceTokens, true)
		if err != nil {
			return nil, err
		}
		r.InferenceTokens = &t
	}
	r.RDStar, r.RNStar = o.rep.overrides(cmd)
	for key, p := range o.family {
		if flag := o.familyFlags[key]; has(flag) {
			vs, err := app.ParseList(flag, *p)
			if err != nil {
				return nil, err
			}
			if r.Family == nil {
				r.Family = map[string][]float64{}
			}
			r.Family[key] = vs
		}
	}
	return r, nil
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
