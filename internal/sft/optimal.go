package sft

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
)

// Keys are the quantities `scalefit optimal` takes for this family, at least one of: a
// fine-tuning data budget (--examples) and a target loss (--target-loss).
func (Law) Keys() []family.Column {
	return []family.Column{
		{Name: "sft_data_size", Unit: "examples", Doc: "a fine-tuning data budget D: the loss it reaches", ValueFlag: "examples", Optional: true},
		{Name: "target_loss", Unit: "nats/token", Doc: "a target loss: the fine-tuning examples that reach it", ValueFlag: "target-loss", Optional: true},
	}
}

// Optimal answers the family's questions. With sft_data_size D: the loss after fine-tuning
// on D examples (loss). With target_loss: the examples that reach it (examples_needed, 0 when
// the base model is already there) and reachable (1, or 0 when the target is at or below E,
// which no amount of this data reaches; examples_needed is then left out).
func (l Law) Optimal(q family.Query) (family.Row, error) {
	d, hasD := q["sft_data_size"]
	t, hasT := q["target_loss"]
	if !hasD && !hasT {
		return nil, fmt.Errorf("%s: optimal needs --examples D (the loss D examples reach) or --target-loss L (the examples that reach L)", Name)
	}
	row := family.Row{}
	if hasD {
		if !(d >= 0) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("%s: --examples %g: want 0 or more fine-tuning examples", Name, d)
		}
		row["sft_data_size"], row["loss"] = d, l.Loss(d)
	}
	if hasT {
		if !(t > 0) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("%s: --target-loss %g: want a positive loss in nats per token", Name, t)
		}
		row["target_loss"], row["reachable"] = t, 0
		if n, ok := l.DataFor(t); ok {
			row["examples_needed"], row["reachable"] = n, 1
		}
	}
	return row, nil
}

// Rank says which group of a fit is best for the query: the lowest loss at the data budget,
// else the fewest examples to reach the target loss (a group that cannot reach it has no
// examples_needed and ranks last).
func (Law) Rank(q family.Query) string {
	if _, ok := q["sft_data_size"]; ok {
		return "loss"
	}
	return "examples_needed"
}
