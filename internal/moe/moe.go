// Package moe is the mixture-of-experts law family moe-clark2022: Clark et al. 2022,
// "Unified Scaling Laws for Routed Language Models" (arXiv:2202.01169), Eq. 1 with the
// saturating expert count,
//
//	log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d
//	1/Ê = 1/(E − 1 + (1/E_start − 1/E_max)⁻¹) + 1/E_max
//
// where N is the dense (base) model's parameter count (a raw count), E the number of experts
// (E = 1 is the dense model, Ê = E_start) and L the loss in nats per token, all runs trained on
// the same number of tokens (the law holds the data fixed). Logs are base 10: a and b do not
// depend on the base, c and d do.
//
// It answers, for a fitted law: the loss of N dense parameters with E experts; the effective
// dense size N_eff (an E-expert model of N acts like a dense model of N_eff); and where more
// experts stop paying: the expert count beyond which doubling the experts gains less than a
// given fraction of the loss, and the dense size N_cutoff = 10^(−b/c) beyond which routing
// gains nothing at any expert count.
//
// Clark et al.'s fitted constants (their Table 3) are not built in: they could not be read in
// the paper itself, and secondary notes disagree.
package moe

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// Name is the family's registry name and fits[].law.
const Name = "moe-clark2022"

// Warning codes of this family (catalogued in internal/warn/catalogue.go).
const (
	// CodeMixedTokens: the runs were trained on different token counts; the law holds them fixed.
	CodeMixedTokens = "moe-mixed-tokens"
	// CodeEStartBelowOne: the fitted E_start is below 1 (a dense model counts as fewer than one expert).
	CodeEStartBelowOne = "moe-estart-below-one"
	// CodeEMaxBeyondData: the fitted E_max lies far beyond the largest expert count fitted.
	CodeEMaxBeyondData = "moe-emax-beyond-data"
	// CodeNoRoutingGain: at the fitted constants, routing does not lower the loss over the fitted sizes.
	CodeNoRoutingGain = "moe-no-routing-gain"
)

// Family is the moe-clark2022 law family.
type Family struct{}

// Info describes the family: its constants, its columns (params, experts) and no built-in law.
func (Family) Info() family.Info {
	return family.Info{
		Name:     Name,
		Title:    "Mixture of experts: loss against dense size and expert count",
		Citation: "Clark et al. 2022, Unified Scaling Laws for Routed Language Models (arXiv:2202.01169), Eq. 1 with the saturating expert count",
		Form:     "log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d, 1/Ê = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max",
		Params: []family.Param{
			{Name: "a", Doc: "exponent of the dense size N (log10 L per log10 N)"},
			{Name: "b", Doc: "exponent of the saturated expert count Ê"},
			{Name: "c", Doc: "interaction of log10 N and log10 Ê (base-10 logs)"},
			{Name: "d", Doc: "log10 of the loss at N = 1, Ê = 1 (base-10 logs; nats/token)"},
			{Name: "E_start", Unit: "experts", Doc: "the expert count below which Ê grows as E does (Ê = E_start for a dense model)"},
			{Name: "E_max", Unit: "experts", Doc: "the expert count Ê saturates at"},
		},
		Columns: []family.Column{
			{Name: "params", Aliases: []string{"n", "n_params", "num_params", "model_size", "parameters", "dense_parameter_count", "dense_params"},
				Unit: "parameters", Doc: "the dense (base) model's parameter count N", ColFlag: "params-col"},
			{Name: "experts", Aliases: []string{"E", "num_experts", "n_experts"}, Unit: "experts",
				Doc: "expert count E (1: the dense model)", ColFlag: "experts-col"},
			{Name: "tokens", Aliases: []string{"n_tokens", "train_tokens", "training_tokens"}, Unit: "tokens", Optional: true,
				Doc: "training tokens (the law holds them fixed: runs on different counts draw a warning)", ColFlag: "tokens-col"},
		},
		Table: &runs.TableLoss{},
	}
}

// Law is a moe-clark2022 law: base-10 logs, N a raw parameter count, loss in nats per token.
type Law struct {
	A, B, C, D   float64
	EStart, EMax float64
}

// Params returns the law's constants by name.
func (l Law) Params() map[string]float64 {
	return map[string]float64{"a": l.A, "b": l.B, "c": l.C, "d": l.D, "E_start": l.EStart, "E_max": l.EMax}
}

// EHat is the saturating expert count Ê(E): E_start at E = 1, rising about as E − 1 + E_start
// for few experts and saturating at E_max.
func (l Law) EHat(e float64) float64 {
	k := 1/l.EStart - 1/l.EMax
	return 1 / (1/(e-1+1/k) + 1/l.EMax)
}

// Loss is the loss (nats/token) of N dense parameters routed to E experts.
func (l Law) Loss(n, e float64) float64 {
	ln, le := math.Log10(n), math.Log10(l.EHat(e))
	return math.Pow(10, l.A*ln+l.B*le+l.C*ln*le+l.D)
}

// EffectiveParams is N_eff: the dense size whose loss (E = 1) equals that of N parameters
// with E experts. +Inf when the dense law does not fall with N (a + c log10 E_start ≥ 0).
func (l Law) EffectiveParams(n, e float64) float64 {
	xs := math.Log10(l.EStart)
	slope := l.A + l.C*xs
	if !(slope < 0) {
		return math.Inf(1)
	}
	return math.Pow(10, (math.Log10(l.Loss(n, e))-l.D-l.B*xs)/slope)
}

// Cutoff is N_cutoff = 10^(−b/c): the dense size at which the loss stops depending on the
// expert count (b + c log10 N = 0). With b < 0 < c experts help below it and hurt above it;
// ok is false when c = 0 or the sign pattern has no such size.
func (l Law) Cutoff() (n float64, ok bool) {
	if l.C == 0 || !(l.B < 0 && l.C > 0) {
		return 0, false
	}
	return math.Pow(10, -l.B/l.C), true
}

// Predict returns the loss at x["params"] (N) and x["experts"] (E, default 1).
func (l Law) Predict(x map[string]float64) (float64, error) {
	n, ok := x["params"]
	if !ok {
		return 0, fmt.Errorf("%s: predict needs params (the dense parameter count N)", Name)
	}
	if !(n > 0) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%s: params %g: want a positive parameter count", Name, n)
	}
	e, ok := x["experts"]
	if !ok {
		e = 1
	}
	if !(e >= 1) || math.IsInf(e, 0) {
		return 0, fmt.Errorf("%s: experts %g: want 1 or more (1: the dense model)", Name, e)
	}
	return l.Loss(n, e), nil
}

// Law rebuilds a law from its constants: every parameter finite, 0 < E_start < E_max.
func (Family) Law(p map[string]float64) (family.Law, error) {
	if err := family.Validate(Family{}.Info(), p); err != nil {
		return nil, err
	}
	l := Law{A: p["a"], B: p["b"], C: p["c"], D: p["d"], EStart: p["E_start"], EMax: p["E_max"]}
	if !(l.EStart > 0 && l.EMax > l.EStart) {
		return nil, fmt.Errorf("%s: E_start %g, E_max %g: want 0 < E_start < E_max", Name, l.EStart, l.EMax)
	}
	return l, nil
}

var _ family.Family = Family{}
var _ family.Optimizer = Law{}
