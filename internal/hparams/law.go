// Package hparams holds the hyper-parameter scaling laws: the optimal peak learning rate and
// batch size as power laws in model size N, training tokens D (or compute C), the built-in
// published ones (DeepSeek LLM 2024, Step Law 2025), and the fit of such laws to a sweep of
// runs over learning rate and batch size (Fit).
//
// Conventions: N counts non-embedding parameters (as both published laws do); D counts
// training tokens; C is training compute in FLOPs; the learning rate is the peak learning
// rate of the run's schedule (after warm-up, before decay); batch sizes are tokens per
// optimiser step everywhere (a sweep logged in sequences is converted with its sequence
// length before it reaches this package); losses are nats per token.
package hparams

import (
	"fmt"
	"math"
	"strings"
)

// PowerLaw is y = Coef · N^ExpParams · D^ExpTokens · C^ExpCompute, with N non-embedding
// parameters, D training tokens and C training FLOPs. A law in compute alone (DeepSeek's) has
// ExpParams = ExpTokens = 0; a law in N and D (Step Law's, a fitted one) has ExpCompute = 0.
type PowerLaw struct {
	Coef       float64
	ExpParams  float64
	ExpTokens  float64
	ExpCompute float64
}

// At evaluates the law at n parameters, d tokens and c FLOPs; a quantity whose exponent is 0
// is not read (it may be NaN).
func (p PowerLaw) At(n, d, c float64) float64 {
	y := p.Coef
	if p.ExpParams != 0 {
		y *= math.Pow(n, p.ExpParams)
	}
	if p.ExpTokens != 0 {
		y *= math.Pow(d, p.ExpTokens)
	}
	if p.ExpCompute != 0 {
		y *= math.Pow(c, p.ExpCompute)
	}
	return y
}

// NeedsParamsTokens reports whether the law reads N or D (so compute alone cannot evaluate it).
func (p PowerLaw) NeedsParamsTokens() bool { return p.ExpParams != 0 || p.ExpTokens != 0 }

// Form writes the law in one line, e.g. "1.79 N^-0.713 D^0.307".
func (p PowerLaw) Form() string {
	s := trimFloat(p.Coef)
	for _, t := range []struct {
		v    string
		expo float64
	}{{"N", p.ExpParams}, {"D", p.ExpTokens}, {"C", p.ExpCompute}} {
		if t.expo != 0 {
			s += " " + t.v + "^" + trimFloat(t.expo)
		}
	}
	return s
}

func trimFloat(x float64) string { return strings.TrimSuffix(fmt.Sprintf("%.4g", x), ".") }

// Law is a hyper-parameter law: the optimal peak learning rate and the optimal batch size in
// tokens per step.
type Law struct {
	Name        string
	Title       string
	Citation    string
	Conventions string
	LR          PowerLaw // optimal peak learning rate
	Batch       PowerLaw // optimal batch size in tokens per optimiser step
}

// ByCompute reports whether the law is stated in compute C (DeepSeek's) rather than N and D.
func (l *Law) ByCompute() bool { return !l.LR.NeedsParamsTokens() && !l.Batch.NeedsParamsTokens() }

// Builtins are the published hyper-parameter laws, in the order `scalefit laws` lists them.
func Builtins() []*Law {
	return []*Law{
		{
			Name:     "deepseek2024-hparams",
			Title:    "DeepSeek LLM optimal learning rate and batch size against compute",
			Citation: "DeepSeek-AI 2024, DeepSeek LLM: Scaling Open-Source Language Models with Longtermism (arXiv:2401.02954), Sec. 3.1: eta_opt = 0.3118 C^-0.1250, B_opt = 0.2920 C^0.3271",
			Conventions: "C in FLOPs as DeepSeek counts it: M·D with M the non-embedding FLOPs per token (attention included); " +
				"given N and D instead, C = 6ND with N non-embedding parameters; lr is the peak of a multi-step schedule " +
				"(warm-up 2000 steps, then 31.6% and 10% of the peak at 80% and 90% of training); batch in tokens per step",
			LR:    PowerLaw{Coef: 0.3118, ExpCompute: -0.1250},
			Batch: PowerLaw{Coef: 0.2920, ExpCompute: 0.3271},
		},
		{
			Name:     "steplaw2025",
			Title:    "Step Law: optimal learning rate and batch size against N and D",
			Citation: "Li et al. 2025, Predictable Scale: Part I, Optimal Hyperparameter Scaling Law in Large Language Model Pretraining (arXiv:2503.04715): eta_opt = 1.79 N^-0.713 D^0.307, B_opt = 0.58 D^0.571",
			Conventions: "N non-embedding parameters, D training tokens; lr is the peak of the paper's schedule (linear warm-up, " +
				"then cosine decay); batch in tokens per step (the paper sweeps sequences and converts them with the sequence length)",
			LR:    PowerLaw{Coef: 1.79, ExpParams: -0.713, ExpTokens: 0.307},
			Batch: PowerLaw{Coef: 0.58, ExpTokens: 0.571},
		},
	}
}

// Lookup returns the built-in law named name (case-insensitive).
func Lookup(name string) (*Law, error) {
	var names []string
	for _, l := range Builtins() {
		if strings.EqualFold(l.Name, strings.TrimSpace(name)) {
			return l, nil
		}
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("no hyper-parameter law %q: want one of %s", name, strings.Join(names, ", "))
}

// Point is one question to a law: N and D (C = 6ND when the law is in compute), or compute C
// alone (N and D NaN).
type Point struct {
	Params, Tokens, FLOPs float64
}

// At returns the law's optimal peak learning rate and batch size in tokens at p. A law in N and
// D asked at compute alone is an error.
func (l *Law) At(p Point) (lr, batchTokens float64, err error) {
	if math.IsNaN(p.Params) || math.IsNaN(p.Tokens) {
		if !l.ByCompute() {
			return 0, 0, fmt.Errorf("%s is a law in N and D: want --params and --tokens, not --compute alone", l.Name)
		}
	}
	return l.LR.At(p.Params, p.Tokens, p.FLOPs), l.Batch.At(p.Params, p.Tokens, p.FLOPs), nil
}
