package vocab

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/stats"
)

// Vocabulary sizes searched by Optimal: ln V from ln 2 to ln maxVocab on a grid of gridSteps
// cells, refined by Brent's method (stats.MinimizeGrid).
const (
	maxVocab  = 1e8
	gridSteps = 400
)

// Keys are the quantities `scalefit optimal` takes for this family: the non-vocabulary
// parameters (--non-vocab-params), the embedding dimension (--embed-dim), the training FLOPs
// (--compute) and, optionally, a vocabulary to price (--vocab).
func (Law) Keys() []family.Column {
	return []family.Column{
		{Name: "non_vocab_params", Unit: "parameters", Doc: "non-vocabulary parameters N_nv", ValueFlag: "non-vocab-params"},
		{Name: "embed_dim", Doc: "embedding dimension d", ValueFlag: "embed-dim"},
		{Name: "flops", Unit: "FLOPs", Doc: "training compute C = 6 (N_nv + V d) D", ValueFlag: "compute"},
		{Name: "vocab_size", Unit: "tokens", Doc: "a vocabulary to price against the optimum (e.g. 32K)", ValueFlag: "vocab", Optional: true},
	}
}

// Optimal is the compute-optimal vocabulary at a budget (Tao et al. Eq. 10, App. A.2): the V
// minimising Lu with the tokens D = C/(6 (N_nv + V d)) in place of H f(V). Row keys:
// non_vocab_params, embed_dim, flops, vocab_opt, loss (Lu at the optimum), tokens (D there),
// vocab_params (V d there); with vocab_size, loss_at_vocab and loss_cost (its Lu minus the
// optimum's, nats/token).
func (l Law) Optimal(q family.Query) (family.Row, error) {
	var in [3]float64
	for i, k := range []string{"non_vocab_params", "embed_dim", "flops"} {
		v, ok := q[k]
		if !ok {
			return nil, fmt.Errorf("%s: optimal needs --non-vocab-params, --embed-dim and --compute: %s missing", Name, k)
		}
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: %s %g: want a positive number", Name, k, v)
		}
		in[i] = v
	}
	n, d, c := in[0], in[1], in[2]
	v, lu := l.OptimalVocab(n, d, c)
	row := family.Row{"non_vocab_params": n, "embed_dim": d, "flops": c, "vocab_opt": v, "loss": lu,
		"tokens": c / (6 * (n + v*d)), "vocab_params": v * d}
	if vv, ok := q["vocab_size"]; ok {
		if err := checkInput("vocab_size", vv); err != nil {
			return nil, fmt.Errorf("%s: --vocab: %w", Name, err)
		}
		row["vocab_size"] = vv
		row["loss_at_vocab"] = l.LossAtBudget(n, vv, d, c)
		row["loss_cost"] = row["loss_at_vocab"] - lu
	}
	return row, nil
}

// LossAtBudget is Lu of a model of N_nv non-vocabulary parameters with a vocabulary of V
// (embedding dimension d) trained on the tokens C FLOPs buy: D = C/(6 (N_nv + V d)).
func (l Law) LossAtBudget(n, v, d, c float64) float64 {
	return l.LossAtTokens(n, v, d, c/(6*(n+v*d)))
}

// OptimalVocab returns the vocabulary minimising LossAtBudget and Lu there. Lu falls with V
// through the vocabulary term and rises through the tokens V d takes from the budget, so the
// minimum is interior unless the budget is tiny; the search spans V from 2 to 1e8.
func (l Law) OptimalVocab(n, d, c float64) (v, lu float64) {
	z, f := stats.MinimizeGrid(func(z float64) float64 { return l.LossAtBudget(n, math.Exp(z), d, c) }, math.Ln2, math.Log(maxVocab), gridSteps)
	return math.Exp(z), f
}
