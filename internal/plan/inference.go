package plan

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
)

// InferenceAware is the model of a target quality that minimises lifetime compute (Sardana
// et al. 2023, "Beyond Chinchilla-Optimal"): training 6·N·D_train FLOPs plus inference
// 2·N·D_inference FLOPs, subject to L(N, D_train) = target.
type InferenceAware struct {
	Target          float64    // target loss, nats/token
	InferenceTokens float64    // tokens served over the model's lifetime
	Allocation                 // N, D_train, training FLOPs 6·N·D_train, loss = Target
	InferenceFLOPs  float64    // 2·N·InferenceTokens
	TotalFLOPs      float64    // training + inference FLOPs
	Chinchilla      Allocation // the compute-optimal (training only) model of the same loss
	// ChinchillaTotal is the Chinchilla model's training + inference FLOPs.
	ChinchillaTotal float64
}

// ParamsRatio, TokensRatio and FLOPsRatio compare the plan with the Chinchilla-optimal
// model of the same loss (total lifetime FLOPs for FLOPsRatio).
func (r InferenceAware) ParamsRatio() float64 { return r.Params / r.Chinchilla.Params }

// TokensRatio is D_train / D_chinchilla.
func (r InferenceAware) TokensRatio() float64 { return r.Tokens / r.Chinchilla.Tokens }

// FLOPsRatio is total lifetime FLOPs over those of the Chinchilla-optimal model.
func (r InferenceAware) FLOPsRatio() float64 { return r.TotalFLOPs / r.ChinchillaTotal }

// TokensForLoss returns the training tokens D at which n parameters reach the target loss,
// D = (B/(target − E − A/N^α))^(1/β), or +Inf when n parameters can never reach it.
func TokensForLoss(l chinchilla.Law, n, target float64) float64 {
	rest := target - l.E - l.A/math.Pow(n, l.Alpha)
	if rest <= 0 {
		return math.Inf(1)
	}
	return math.Pow(l.B/rest, 1/l.Beta)
}

// InferenceOptimal returns the inference-aware model reaching target loss (nats/token) when
// inferenceTokens tokens will be generated over its lifetime (0 gives the Chinchilla model).
func InferenceOptimal(l chinchilla.Law, target, inferenceTokens float64) (InferenceAware, error) {
	if !(inferenceTokens >= 0) || math.IsInf(inferenceTokens, 0) {
		return InferenceAware{}, fmt.Errorf("inference tokens %s: want a non-negative finite number", g4(inferenceTokens))
	}
	chin, err := ComputeForLoss(l, target)
	if err != nil {
		return InferenceAware{}, err
	}
	total := func(lnN float64) float64 {
		n := math.Exp(lnN)
		return 6*n*TokensForLoss(l, n, target) + 2*n*inferenceTokens
	}
	// The smallest model that can reach the target has A/N^α = target − E; lifetime compute
	// is infinite there and grows without bound with N, with one minimum in between.
	lnMin := math.Log(l.A/(target-l.E)) / l.Alpha
	x0 := math.Log(chin.Params)
	lo, hi := math.Max(lnMin, x0-6*math.Ln10), x0+6*math.Ln10
	lnN, _ := stats.MinimizeGrid(func(x float64) float64 { return math.Log(total(x)) }, lo, hi, 1200)
	n := math.Exp(lnN)
	d := TokensForLoss(l, n, target)
	r := InferenceAware{Target: target, InferenceTokens: inferenceTokens,
		Allocation: Allocation{FLOPs: 6 * n * d, Params: n, Tokens: d, Loss: l.Loss(n, d)},
		Chinchilla: chin}
	r.InferenceFLOPs = 2 * n * inferenceTokens
	r.TotalFLOPs = r.FLOPs + r.InferenceFLOPs
	r.ChinchillaTotal = chin.FLOPs + 2*chin.Params*inferenceTokens
	return r, nil
}
