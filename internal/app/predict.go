package app

import (
	"context"
	"fmt"
	"io"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

// PredictRequest asks for the loss (nats/token) of models of Params[i] parameters trained on
// Tokens[i] tokens (a single value pairs with every value of the other list).
type PredictRequest struct {
	Law    LawSpec
	Params []float64 // parameter counts N, as the law counts them
	Tokens []float64 // training tokens D
	// UniqueTokens, when > 0, is the pool U the D tokens are drawn from (D/U epochs): the loss
	// is Muennighoff et al. 2023's data-constrained law.
	UniqueTokens float64
	// RDStar and RNStar override the repetition constants (nil: the law's own, else C4's).
	RDStar, RNStar *float64
}

// Validate checks the request; errors are usage errors.
func (r *PredictRequest) Validate() error {
	if len(r.Params) == 0 || len(r.Tokens) == 0 {
		return Usagef("predict needs --params N and --tokens D")
	}
	if _, err := pairLists(r.Params, r.Tokens); err != nil {
		return err
	}
	for name, vs := range map[string][]float64{"--params": r.Params, "--tokens": r.Tokens} {
		if len(vs) > limits.MaxBudgets {
			return Usagef("%s: %d values, more than %d", name, len(vs), limits.MaxBudgets)
		}
		for _, v := range vs {
			if err := limits.Count(name, v); err != nil {
				return &UsageError{err}
			}
		}
	}
	if r.UniqueTokens < 0 {
		return Usagef("--unique-tokens %g: want a positive count", r.UniqueTokens)
	}
	if r.UniqueTokens > 0 {
		if err := limits.Count("--unique-tokens", r.UniqueTokens); err != nil {
			return &UsageError{err}
		}
	}
	if (r.RDStar != nil && *r.RDStar < 0) || (r.RNStar != nil && *r.RNStar < 0) {
		return Usagef("--rd-star and --rn-star: want non-negative numbers")
	}
	if r.UniqueTokens == 0 && (r.RDStar != nil || r.RNStar != nil) {
		return Usagef("--rd-star and --rn-star need --unique-tokens")
	}
	return r.Law.Validate()
}

// pairLists pairs two lists element by element, broadcasting a single value.
func pairLists(ns, ds []float64) ([][2]float64, error) {
	switch {
	case len(ns) == len(ds):
	case len(ns) == 1:
		ns = repeat(ns[0], len(ds))
	case len(ds) == 1:
		ds = repeat(ds[0], len(ns))
	default:
		return nil, Usagef("--params has %d values and --tokens %d: want equal lengths, or one value for either", len(ns), len(ds))
	}
	out := make([][2]float64, len(ns))
	for i := range ns {
		out[i] = [2]float64{ns[i], ds[i]}
	}
	return out, nil
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// PlanResult is the result of predict and optimal: rows of allocations or predictions.
type PlanResult struct {
	Doc          *report.PlanDocument
	notConverged []string
}

// Contract is the plan document (optimal's and predict's JSON).
func (r *PlanResult) Contract() any { return r.Doc }

// Blocks is the plan's table.
func (r *PlanResult) Blocks(format.Output) []doc.Block { return []doc.Block{r.Doc.Table()} }

// Warnings are the law's, the plan's and the rows' (extrapolation, intervals) warnings.
func (r *PlanResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged names the fit the plan used when it did not converge.
func (r *PlanResult) NotConverged() []string { return r.notConverged }

// WriteCSV writes one row per plan row at full precision.
func (r *PlanResult) WriteCSV(w io.Writer) error { return report.WriteRowsCSV(w, r.Doc.Rows) }

// Predict predicts the loss of each (N, D) pair with the requested law.
func Predict(ctx context.Context, r PredictRequest) (*PlanResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	points, _ := pairLists(r.Params, r.Tokens)
	src, err := r.Law.Resolve()
	if err != nil {
		return nil, err
	}
	if !src.HasLoss() {
		return nil, fmt.Errorf("%s: predict needs a law that predicts loss (see scalefit laws)", src.Kind())
	}
	d := &report.PlanDocument{Command: "predict", Mode: report.PlanPredict, Law: src.Info,
		Warnings: append(warn.List(nil), src.Warnings...)}
	var dl *plan.DataLaw
	if r.UniqueTokens > 0 {
		l, err := src.ChinchillaLaw("--unique-tokens")
		if err != nil {
			return nil, err
		}
		law, ws := src.DataLaw(l, r.RDStar, r.RNStar, func(x float64) string { return format.Float(x, 4) })
		d.Warnings = append(d.Warnings, ws...)
		dl = &law
		d.Notes = append(d.Notes, "repetition: R_D* "+format.Float(law.RDStar, 4)+", R_N* "+format.Float(law.RNStar, 4)+
			"; penalty = loss - loss of the same N and D with unlimited unique data")
	}
	for _, p := range points {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, dTok := p[0], p[1]
		loss, err := src.Loss(n, dTok)
		if err != nil {
			return nil, err
		}
		c := 6 * n * dTok
		row := report.PlanRow{FLOPs: c, Params: n, Tokens: dTok, TokensPerParam: dTok / n, Loss: ptr(loss)}
		if dl != nil {
			free := loss
			loss = dl.Loss(n, dTok, r.UniqueTokens)
			row.Loss, row.UniqueTokens, row.Epochs = ptr(loss), ptr(r.UniqueTokens), ptr(dTok/r.UniqueTokens)
			row.UnconstrainedLoss, row.LossPenalty = ptr(free), ptr(loss-free)
		}
		if iv, ok := plan.LossInterval(src.Draws, n, dTok); ok && dl == nil {
			row.LossInterval = &[2]float64{iv.Lo, iv.Hi}
		}
		d.Rows = append(d.Rows, row)
	}
	MarkExtrapolation(src, d)
	d.Finish()
	return &PlanResult{Doc: d, notConverged: src.NotConverged}, nil
}

func ptr(v float64) *float64 { return &v }
