package moe

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/stats"
)

// DefaultMinGain is the gain per doubling of the expert count below which more experts
// "stop paying" when the query gives no --min-gain: 1% of the loss. It is a convention to
// state, not a fitted quantity: doubling the experts roughly doubles the parameters to hold
// and move, so a team sets its own price with --min-gain.
const DefaultMinGain = 0.01

// maxExperts bounds the expert counts searched (ln E from 0 to ln maxExperts).
const maxExperts = 1e7

// Keys are the quantities `scalefit optimal` takes for this family: the dense size N
// (--params), optionally an expert count E (--experts) and the gain per doubling that still
// pays (--min-gain).
func (Law) Keys() []family.Column {
	return []family.Column{
		{Name: "params", Unit: "parameters", Doc: "the dense (base) model's parameter count N", ValueFlag: "params"},
		{Name: "experts", Unit: "experts", Doc: "an expert count E to evaluate: its loss and effective dense size", ValueFlag: "experts", Optional: true},
		{Name: "min_gain", Doc: "the loss gain per doubling of the experts that still pays (default 0.01: 1%)", ValueFlag: "min-gain", Optional: true},
	}
}

// Optimal answers "how many experts" for a dense size N: the dense loss; with an expert count
// E its loss, the effective dense size N_eff and the gain over the dense model; the expert
// count beyond which doubling the experts gains less than min_gain of the loss
// (experts_stop, with the loss there); and the dense size N_cutoff beyond which routing does
// not help at all (n_cutoff, when the constants have one). Keys of the row: params, experts,
// min_gain, dense_loss, loss, effective_params, gain_vs_dense, experts_stop, loss_at_stop,
// n_cutoff (those defined).
func (l Law) Optimal(q family.Query) (family.Row, error) {
	n, ok := q["params"]
	if !ok || !(n > 0) || math.IsInf(n, 0) {
		return nil, fmt.Errorf("%s: want --params N, the dense model's parameter count", Name)
	}
	g, ok := q["min_gain"]
	if !ok {
		g = DefaultMinGain
	}
	if !(g > 0 && g < 1) {
		return nil, fmt.Errorf("%s: --min-gain %g: want a fraction of the loss in (0, 1), e.g. 0.01", Name, g)
	}
	row := family.Row{"params": n, "min_gain": g, "dense_loss": l.Loss(n, 1)}
	if e, ok := q["experts"]; ok {
		if !(e >= 1) || math.IsInf(e, 0) {
			return nil, fmt.Errorf("%s: --experts %g: want 1 or more (1: the dense model)", Name, e)
		}
		row["experts"] = e
		row["loss"] = l.Loss(n, e)
		row["gain_vs_dense"] = 1 - row["loss"]/row["dense_loss"]
		if ne := l.EffectiveParams(n, e); !math.IsInf(ne, 0) {
			row["effective_params"] = ne
		}
	}
	if e, ok := l.StopExperts(n, g); ok {
		row["experts_stop"] = e
		row["loss_at_stop"] = l.Loss(n, e)
	}
	if c, ok := l.Cutoff(); ok {
		row["n_cutoff"] = c
	}
	return row, nil
}

// Gain is the relative loss gain of doubling the experts of an N-parameter model from E:
// 1 − L(N, 2E)/L(N, E).
func (l Law) Gain(n, e float64) float64 { return 1 - l.Loss(n, 2*e)/l.Loss(n, e) }

// StopExperts returns the expert count beyond which doubling the experts of an N-parameter
// model gains less than g of the loss: the gain per doubling first rises (Ê grows about as
// E − 1 + E_start) then falls as Ê saturates at E_max, and the answer is where the falling
// side crosses g. It is 1 when no doubling gains g; ok is false when doublings still gain g
// at maxExperts.
func (l Law) StopExperts(n, g float64) (e float64, ok bool) {
	hi := math.Log(maxExperts)
	gain := func(z float64) float64 { return l.Gain(n, math.Exp(z)) }
	zPeak, negPeak := stats.MinimizeGrid(func(z float64) float64 { return -gain(z) }, 0, hi, 400)
	switch {
	case -negPeak < g:
		return 1, true
	case gain(hi) >= g:
		return 0, false
	}
	z, _ := stats.MinimizeGrid(func(z float64) float64 { d := gain(z) - g; return d * d }, zPeak, hi, 400)
	return math.Exp(z), true
}
