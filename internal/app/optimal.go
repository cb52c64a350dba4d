package app

import (
	"context"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// OptimalRequest is `scalefit optimal`: exactly one question of a law, in training FLOPs
// (C = 6ND), parameters N, tokens D and losses in nats/token.
//
//   - Compute: the compute-optimal N, D and loss at each budget;
//   - Params: the budget at which each size is compute-optimal;
//   - TargetLoss: the least compute whose compute-optimal model reaches each loss.
//
// Beyond the frontier: MaxUniqueTokens (with Compute) plans with repeated data (Muennighoff
// et al. 2023); InferenceTokens (with TargetLoss or Compute) minimises training + inference
// FLOPs (Sardana et al. 2023). GPU converts FLOPs into GPU time; Hparams adds the peak lr
// and batch size of each row.
//
// When the law is a registered family's whose Law answers optimal in its own terms
// (family.Optimizer: a built-in --law of the family, or a fit.json holding the family's fit
// and no Chinchilla fit), the question is the family's: Family holds its query values by key
// (the Keys' ValueFlags are optimal's flags), Compute gives the "flops" key.
type OptimalRequest struct {
	Law        LawSpec
	Compute    []float64
	Params     []float64
	TargetLoss []float64
	// MaxUniqueTokens > 0 is the unique tokens available (data-constrained, with Compute).
	MaxUniqueTokens float64
	// RDStar and RNStar override the repetition constants (with MaxUniqueTokens).
	RDStar, RNStar *float64
	// InferenceTokens, when not nil, is the model's lifetime inference tokens (0 allowed).
	InferenceTokens *float64
	GPU             GPURequest
	// Hparams is a hyper-parameter law name or an hparams fit file ("" for none).
	Hparams string
	// Family holds a family optimizer's query values by key name (each may be a list,
	// paired element by element with a single value broadcast, as predict's lists).
	Family map[string][]float64
}

// GPURequest asks for GPU time: a preset Name or a peak FLOP/s (PeakFLOPs, as written), at
// model FLOPs utilisation MFU. MFUGiven says --mfu was given (it needs a GPU).
type GPURequest struct {
	Name      string
	PeakFLOPs string
	MFU       float64
	MFUGiven  bool
}

// spec resolves the GPU request; nil when no GPU time is asked for.
func (g GPURequest) spec() (*report.GPUInfo, error) {
	if !(g.MFU > 0 && g.MFU <= 1) {
		return nil, Usagef("--mfu %s: want a fraction in (0, 1], e.g. 0.4", format.Short(g.MFU, 6))
	}
	switch {
	case g.Name != "" && g.PeakFLOPs != "":
		return nil, Usagef("--gpu and --gpu-flops both given: want one")
	case g.Name != "":
		p, err := plan.LookupGPU(g.Name)
		if err != nil {
			return nil, Usagef("--gpu: %v", err)
		}
		return &report.GPUInfo{Name: p.Name, PeakFLOPs: p.PeakFLOPs, MFU: g.MFU}, nil
	case g.PeakFLOPs != "":
		v, err := runs.ParseQuantity(g.PeakFLOPs)
		if err != nil || !(v >= limits.MinGPUFLOPs && v <= limits.MaxGPUFLOPs) {
			return nil, Usagef("--gpu-flops %q: want a peak FLOP/s from %g to %g, such as 989.4e12", g.PeakFLOPs, limits.MinGPUFLOPs, limits.MaxGPUFLOPs)
		}
		return &report.GPUInfo{PeakFLOPs: v, MFU: g.MFU}, nil
	case g.MFUGiven:
		return nil, Usagef("--mfu needs --gpu NAME or --gpu-flops F")
	}
	return nil, nil
}

// Validate checks that the request asks one question with the flags that go with it; errors
// are usage errors. A family optimizer's request is checked by the family's query instead.
func (r *OptimalRequest) Validate() error {
	compute, params, target := r.Compute != nil, r.Params != nil, r.TargetLoss != nil
	unique, inference := r.MaxUniqueTokens != 0, r.InferenceTokens != nil
	switch {
	case compute && target:
		return Usagef("--compute and --target-loss both given: --compute plans a budget, --target-loss finds the budget for a loss; want one")
	case params && target:
		return Usagef("--params and --target-loss both given: want one")
	case compute && params:
		return Usagef("--compute and --params both given: want one")
	case !compute && !params && !target:
		return Usagef("nothing to plan: want --compute C, --params N or --target-loss L")
	case unique && !compute:
		return Usagef("--max-unique-tokens needs --compute (the budget to spend on the repeated data)")
	case unique && inference:
		return Usagef("--max-unique-tokens and --inference-tokens both given: want one")
	case (r.RDStar != nil || r.RNStar != nil) && !unique:
		return Usagef("--rd-star and --rn-star need --max-unique-tokens")
	case inference && params:
		return Usagef("--inference-tokens needs --target-loss or --compute, not --params")
	case (r.RDStar != nil && *r.RDStar < 0) || (r.RNStar != nil && *r.RNStar < 0):
		return Usagef("--rd-star and --rn-star: want non-negative numbers")
	}
	if len(r.Family) > 0 {
		for k := range r.Family {
			return Usagef("--%s applies to a law family's own optimal question (a --law or --fit of that family)", familyFlag(k))
		}
	}
	if _, err := r.GPU.spec(); err != nil {
		return err
	}
	for name, vs := range map[string][]float64{"--params": r.Params, "--target-loss": r.TargetLoss} {
		if len(vs) > limits.MaxBudgets {
			return Usagef("%s: %d values, more than %d", name, len(vs), limits.MaxBudgets)
		}
		for _, v := range vs {
			check := limits.Count
			if name == "--target-loss" {
				check = limits.Loss
			}
			if err := check(name, v); err != nil {
				return &UsageError{err}
			}
		}
	}
	if unique {
		if err := limits.Count("--max-unique-tokens", r.MaxUniqueTokens); err != nil {
			return &UsageError{err}
		}
	}
	if inference && *r.InferenceTokens != 0 {
		if err := limits.Count("--inference-tokens", *r.InferenceTokens); err != nil {
			return &UsageError{err}
		}
	}
	return r.Law.Validate()
}

// Optimal answers the request with its law.
func Optimal(ctx context.Context, r OptimalRequest) (Result, error) {
	if fo, ok, err := r.familyOptimizer(); err != nil {
		return nil, err
	} else if ok {
		return familyOptimal(ctx, r, fo)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	gpu, _ := r.GPU.spec()
	src, err := r.Law.Resolve()
	if err != nil {
		return nil, err
	}
	d := &report.PlanDocument{Command: "optimal", Law: src.Info, GPU: gpu, Warnings: append(warn.List(nil), src.Warnings...)}
	switch {
	case r.MaxUniqueTokens != 0:
		err = optimalConstrained(d, src, r)
	case r.InferenceTokens != nil:
		err = optimalInference(d, src, r)
	case r.Compute != nil:
		d.Mode = report.PlanCompute
		for _, c := range r.Compute {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a, err := src.Optimal(c)
			if err != nil {
				return nil, err
			}
			row := allocRow(a)
			if iv, ok := plan.OptimalIntervals(src.Draws, c); ok {
				row.ParamsInterval, row.TokensInterval, row.LossInterval = ivp(iv.Params), ivp(iv.Tokens), ivp(iv.Loss)
			}
			d.Rows = append(d.Rows, row)
		}
	case r.Params != nil:
		d.Mode = report.PlanParams
		for _, n := range r.Params {
			a, err := src.ForParams(n)
			if err != nil {
				return nil, err
			}
			row := allocRow(a)
			if fi, di, li, ok := plan.ForParamsIntervals(src.Draws, n); ok {
				row.FLOPsInterval, row.TokensInterval, row.LossInterval = ivp(fi), ivp(di), ivp(li)
			}
			d.Rows = append(d.Rows, row)
		}
	default:
		d.Mode = report.PlanTargetLoss
		l, err := src.ChinchillaLaw("--target-loss")
		if err != nil {
			return nil, err
		}
		for _, target := range r.TargetLoss {
			a, err := plan.ComputeForLoss(l, target)
			if err != nil {
				return nil, err
			}
			row := allocRow(a)
			row.Loss, row.TargetLoss = nil, ptr(target)
			if iv, ok := plan.ComputeForLossInterval(src.Draws, target); ok {
				row.FLOPsInterval = ivp(iv)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	if err != nil {
		return nil, err
	}
	MarkExtrapolation(src, d)
	if r.Hparams != "" {
		if err := PlanHparams(d, r.Hparams); err != nil {
			return nil, err
		}
	}
	if gpu != nil {
		for i := range d.Rows {
			h, err := plan.GPUHours(d.Rows[i].FLOPs, gpu.PeakFLOPs, gpu.MFU)
			if err != nil {
				return nil, err
			}
			d.Rows[i].GPUHours, d.Rows[i].GPUDays = ptr(h), ptr(h/24)
		}
	}
	d.Finish()
	return &PlanResult{Doc: d, notConverged: src.NotConverged}, nil
}

func ivp(iv stats.Interval) *[2]float64 { return &[2]float64{iv.Lo, iv.Hi} }

// lossPtr is nil for a NaN loss (allocation rules have none).
func lossPtr(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return ptr(x)
}

func allocRow(a plan.Allocation) report.PlanRow {
	return report.PlanRow{FLOPs: a.FLOPs, Params: a.Params, Tokens: a.Tokens, TokensPerParam: a.TokensPerParam(), Loss: lossPtr(a.Loss)}
}

// optimalConstrained fills d with data-constrained allocations (Muennighoff et al. 2023).
func optimalConstrained(d *report.PlanDocument, src *lawsource.Source, r OptimalRequest) error {
	d.Mode = report.PlanConstrained
	l, err := src.ChinchillaLaw("--max-unique-tokens")
	if err != nil {
		return err
	}
	u := r.MaxUniqueTokens
	dl, ws := src.DataLaw(l, r.RDStar, r.RNStar, func(x float64) string { return format.Float(x, 4) })
	d.Warnings = append(d.Warnings, ws...)
	d.Notes = append(d.Notes, "repetition: R_D* "+format.Float(dl.RDStar, 4)+", R_N* "+format.Float(dl.RNStar, 4)+
		"; penalty = loss - loss of the Chinchilla-optimal model at the same FLOPs with unlimited data")
	for _, c := range r.Compute {
		res, err := dl.Optimal(c, u)
		if err != nil {
			return err
		}
		row := allocRow(res.Allocation)
		row.UniqueTokens, row.Epochs = ptr(u), ptr(res.Epochs)
		row.UnconstrainedLoss, row.LossPenalty, row.CapBinds = ptr(res.Unconstrained.Loss), ptr(res.Penalty), &res.Binding
		if iv, ok := src.ConstrainedIntervals(dl, c, u); ok {
			row.ParamsInterval, row.TokensInterval, row.LossInterval = ivp(iv.Params), ivp(iv.Tokens), ivp(iv.Loss)
		}
		if !res.Binding {
			d.Notes = append(d.Notes, "at "+format.Sci(c)+" FLOPs the cap does not bind: the compute-optimal model needs "+
				format.Count(res.Unconstrained.Tokens)+" tokens, no more than the "+format.Count(u)+" unique; the unconstrained answer is shown")
		}
		d.Rows = append(d.Rows, row)
	}
	return nil
}

// optimalInference fills d with inference-aware allocations (Sardana et al. 2023).
func optimalInference(d *report.PlanDocument, src *lawsource.Source, r OptimalRequest) error {
	d.Mode = report.PlanInference
	l, err := src.ChinchillaLaw("--inference-tokens")
	if err != nil {
		return err
	}
	t := *r.InferenceTokens
	targets := r.TargetLoss
	if r.Compute != nil {
		d.Notes = append(d.Notes, "target loss: that of the Chinchilla-optimal model at each --compute budget")
		for _, c := range r.Compute {
			_, _, loss := chinchilla.Law(l).Optimal(c)
			targets = append(targets, loss)
		}
	}
	d.Notes = append(d.Notes, "FLOPs: training 6ND; lifetime adds inference 2N x inference tokens; GPU time is for training only")
	for _, target := range targets {
		res, err := plan.InferenceOptimal(l, target, t)
		if err != nil {
			return err
		}
		row := allocRow(res.Allocation)
		row.Loss, row.TargetLoss = nil, ptr(target)
		row.InferenceTokens, row.InferenceFLOPs, row.TotalFLOPs = ptr(t), ptr(res.InferenceFLOPs), ptr(res.TotalFLOPs)
		row.ChinchillaParams, row.ChinchillaTokens, row.ChinchillaTotalFLOPs = ptr(res.Chinchilla.Params), ptr(res.Chinchilla.Tokens), ptr(res.ChinchillaTotal)
		row.ParamsRatio, row.TokensRatio, row.FLOPsRatio = ptr(res.ParamsRatio()), ptr(res.TokensRatio()), ptr(res.FLOPsRatio())
		if ni, di, ci, ok := plan.InferenceIntervals(src.Draws, target, t); ok {
			row.ParamsInterval, row.TokensInterval, row.FLOPsInterval = ivp(ni), ivp(di), ivp(ci)
		}
		d.Rows = append(d.Rows, row)
	}
	return nil
}

// familyFlag is the optimal flag of a family optimizer's query key (its ValueFlag), or the
// key itself when no registered family names one.
func familyFlag(key string) string {
	for _, k := range OptimizerKeys() {
		if k.Name == key && k.ValueFlag != "" {
			return k.ValueFlag
		}
	}
	return key
}
