// Package sft is the fine-tuning law family sft-lin2024: Lin et al. 2024, "Selecting Large
// Language Model to Fine-tune via Rectified Scaling Law" (ICML 2024), the rectified law
//
//	L(D) = B/(D_l + D^beta) + E
//
// of the loss L (nats per token) after fine-tuning a base model on D examples (a raw count;
// D = 0 is the base model before fine-tuning, L = B/D_l + E). D_l is the pre-learned data
// size: the fine-tuning data the base model already "has", which makes the curve flat at
// small D (the pre-power phase) before the power law. One law holds per base model and
// fine-tuning set: fit them with --group.
//
// The family's own questions (Optimizer): how much fine-tuning data reaches a target loss,
// and, across the groups of a fit, which base model to fine-tune for a data budget (the lowest
// loss at D, Ranker).
package sft

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// Name is the family's registry name and fits[].law.
const Name = "sft-lin2024"

// Family is the sft-lin2024 law family.
type Family struct{}

// Info describes the family: its constants and its one column, the fine-tuning examples.
func (Family) Info() family.Info {
	return family.Info{
		Name:     Name,
		Title:    "Fine-tuning data: loss against fine-tuning examples, per base model",
		Citation: "Lin et al. 2024, Selecting Large Language Model to Fine-tune via Rectified Scaling Law (ICML 2024)",
		Form:     "L(D) = B/(D_l + D^beta) + E",
		Params: []family.Param{
			{Name: "B", Unit: "nats/token", Doc: "scale of the reducible loss"},
			{Name: "D_l", Unit: "examples", Doc: "pre-learned data size: the fine-tuning data the base model already has (pre-power phase)"},
			{Name: "beta", Doc: "exponent of the fine-tuning examples"},
			{Name: "E", Unit: "nats/token", Doc: "irreducible loss after unlimited fine-tuning"},
		},
		Columns: []family.Column{
			{Name: "sft_data_size", Aliases: []string{"data_size", "finetune_examples", "examples", "n_examples"}, Unit: "examples",
				Doc: "fine-tuning examples D (0: the base model)", ColFlag: "data-col"},
		},
		Table: &runs.TableLoss{Aliases: []string{"sft_loss"}},
	}
}

// Law is an sft-lin2024 law: D in examples, loss in nats per token.
type Law struct {
	B, Dl, Beta, E float64
}

// Params returns the law's constants by name.
func (l Law) Params() map[string]float64 {
	return map[string]float64{"B": l.B, "D_l": l.Dl, "beta": l.Beta, "E": l.E}
}

// Loss is the loss after fine-tuning on D ≥ 0 examples.
func (l Law) Loss(d float64) float64 {
	return l.B/(l.Dl+powD(d, l.Beta)) + l.E
}

// powD is D^beta with 0^beta = 0 (beta > 0).
func powD(d, beta float64) float64 {
	if d == 0 {
		return 0
	}
	return math.Pow(d, beta)
}

// DataFor returns the fine-tuning examples that reach loss target: (B/(target − E) − D_l)^(1/beta),
// 0 when the base model is already there; ok is false when target ≤ E (no amount of this
// data reaches it).
func (l Law) DataFor(target float64) (d float64, ok bool) {
	if !(target > l.E) {
		return 0, false
	}
	x := l.B/(target-l.E) - l.Dl
	if x <= 0 {
		return 0, true
	}
	return math.Pow(x, 1/l.Beta), true
}

// Predict returns the loss at x["sft_data_size"] (D ≥ 0).
func (l Law) Predict(x map[string]float64) (float64, error) {
	d, ok := x["sft_data_size"]
	if !ok {
		return 0, fmt.Errorf("%s: predict needs sft_data_size (fine-tuning examples D)", Name)
	}
	if !(d >= 0) || math.IsInf(d, 0) {
		return 0, fmt.Errorf("%s: sft_data_size %g: want 0 or more examples", Name, d)
	}
	return l.Loss(d), nil
}

// Law rebuilds a law from its constants: B, D_l, beta positive, E ≥ 0.
func (Family) Law(p map[string]float64) (family.Law, error) {
	if err := family.Validate(Family{}.Info(), p); err != nil {
		return nil, err
	}
	l := Law{B: p["B"], Dl: p["D_l"], Beta: p["beta"], E: p["E"]}
	if !(l.B > 0 && l.Dl > 0 && l.Beta > 0 && l.E >= 0) {
		return nil, fmt.Errorf("%s: B %g, D_l %g, beta %g, E %g: want B, D_l and beta positive, E 0 or more", Name, l.B, l.Dl, l.Beta, l.E)
	}
	return l, nil
}

var (
	_ family.Family    = Family{}
	_ family.Optimizer = Law{}
	_ family.Ranker    = Law{}
)
