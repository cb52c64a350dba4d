package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
)

// Repetition is what repeating data costs at a document's budgets under the unique data a
// data-constrained fit saw (Muennighoff et al.'s "return on compute"): per fit (group), the
// compute-optimal allocation with only UniqueTokens unique tokens against unlimited data.
// FLOPs C = 6ND; losses in nats/token.
type Repetition struct {
	Group string `json:"group,omitempty"`
	// UniqueTokens is the unique data available: the largest pool among the fitted runs.
	UniqueTokens float64 `json:"unique_tokens"`
	RDStar       float64 `json:"rd_star"`
	RNStar       float64 `json:"rn_star"`
	// Recipe is the data-constrained fit's recipe ("joint" or "muennighoff2023").
	Recipe string          `json:"recipe,omitempty"`
	Rows   []RepetitionRow `json:"rows"`
}

// RepetitionRow is the data-constrained optimum at one budget.
type RepetitionRow struct {
	FLOPs             float64 `json:"flops"`
	Params            float64 `json:"params"`
	Tokens            float64 `json:"tokens"`
	Epochs            float64 `json:"epochs"`
	Loss              float64 `json:"loss"`
	UnconstrainedLoss float64 `json:"unconstrained_loss"`
	// Penalty is Loss − UnconstrainedLoss: what the missing unique data costs.
	Penalty float64 `json:"penalty"`
	// Binding is false when the compute-optimal model needs no more than the unique data.
	Binding bool `json:"binding"`
}

// Line is the repetition's one line for people: at each budget the penalty and the
// allocation under the unique data.
func (r Repetition) Line() string {
	var parts []string
	for _, x := range r.Rows {
		if !x.Binding {
			parts = append(parts, fmt.Sprintf("at %s FLOPs nothing (the compute-optimal %s tokens fit in the unique data)", format.Sci(x.FLOPs), format.Count(x.Tokens)))
			continue
		}
		parts = append(parts, fmt.Sprintf("at %s FLOPs +%s nats (loss %s instead of %s; best %s params on %s tokens, %s epochs)",
			format.Sci(x.FLOPs), format.Float(x.Penalty, 4), format.Float(x.Loss, 5), format.Float(x.UnconstrainedLoss, 5),
			format.Count(x.Params), format.Count(x.Tokens), format.Float(x.Epochs, 3)))
	}
	who := "data-constrained fit"
	if r.Group != "" {
		who += " [" + r.Group + "]"
	}
	return fmt.Sprintf("repetition (%s, R_D* %s, R_N* %s): with %s unique tokens, %s", who, format.Float(r.RDStar, 4), format.Float(r.RNStar, 4),
		format.Count(r.UniqueTokens), strings.Join(parts, "; "))
}
