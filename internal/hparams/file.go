package hparams

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/warn"
)

// Kind marks a hyper-parameter fit file (`scalefit hparams fit -o`), so that a fit.json of a
// loss law given to `hparams predict --fit` is told apart.
const Kind = "hparams-fit"

// SchemaVersion is the version of Document.
const SchemaVersion = 1

// Document is the JSON contract of `hparams fit --format json` and of the file `-o` writes
// (the same object): the two laws with their bootstrap, one row per (N, D) group and the
// basin's flatness. Numbers keep full precision; a quantity that was not located is null.
type Document struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"`
	Source        string `json:"source,omitempty"`
	Runs          int    `json:"runs"`
	Groups        int    `json:"groups"`
	// BatchUnit is "tokens" (tokens per optimiser step, as every batch in this contract);
	// SeqLen is the --seq-len the input's sequences were multiplied by, null when the input
	// held tokens.
	BatchUnit string   `json:"batch_unit"`
	SeqLen    *float64 `json:"seq_len"`
	LRLaw     LawDoc   `json:"lr_law"`
	BatchLaw  LawDoc   `json:"batch_law"`
	Optima    []OptDoc `json:"optima"`
	// Penalty2x is the loss increase (nats/token) at 2x off the optimum in lr (at the optimal
	// batch) and in batch (at the optimal lr), the median over groups; Penalty2xRelative the
	// same as a fraction of the optimal loss.
	Penalty2x         Penalty    `json:"penalty_2x"`
	Penalty2xRelative Penalty    `json:"penalty_2x_relative"`
	Method            MethodDoc  `json:"method"`
	ParamsRange       [2]float64 `json:"params_range"`
	TokensRange       [2]float64 `json:"tokens_range"`
	Warnings          warn.List  `json:"warnings"`
}

// LawDoc is a fitted law: value = coef · N^exp_params · D^exp_tokens.
type LawDoc struct {
	Form      string  `json:"form"`
	Coef      float64 `json:"coef"`
	ExpParams float64 `json:"exp_params"`
	ExpTokens float64 `json:"exp_tokens"`
	// Intervals are 95% bootstrap percentile intervals by constant; null without a bootstrap.
	Intervals map[string][2]float64 `json:"intervals"`
	Groups    int                   `json:"groups"`
	// FixedParams and FixedTokens: the exponent was fixed at 0 (one N, or one D, in the sweep).
	FixedParams bool    `json:"fixed_exp_params,omitempty"`
	FixedTokens bool    `json:"fixed_exp_tokens,omitempty"`
	ResidualSD  float64 `json:"residual_sd_log"`
	// Draws are the bootstrap's [coef, exp_params, exp_tokens], one per resample: predict
	// carries them to intervals at any N and D.
	Draws [][3]float64 `json:"draws,omitempty"`
}

// OptDoc is one (N, D) group's optimum.
type OptDoc struct {
	Params      float64  `json:"params"`
	Tokens      float64  `json:"tokens"`
	Runs        int      `json:"runs"`
	LR          *float64 `json:"lr"`
	BatchTokens *float64 `json:"batch_tokens"`
	Loss        *float64 `json:"loss"`
	AtEdge      bool     `json:"at_edge"`
	LRAtEdge    bool     `json:"lr_at_edge"`
	BatchAtEdge bool     `json:"batch_at_edge"`
	// PenaltyLR and PenaltyBatch: loss at 2x off this group's optimum (nats/token).
	PenaltyLR    *float64   `json:"penalty_2x_lr"`
	PenaltyBatch *float64   `json:"penalty_2x_batch"`
	UsedInLR     bool       `json:"in_lr_law"`
	UsedInBatch  bool       `json:"in_batch_law"`
	LRRange      [2]float64 `json:"lr_range"`
	BatchRange   [2]float64 `json:"batch_tokens_range"`
	BestLR       float64    `json:"best_run_lr"`
	BestBatch    float64    `json:"best_run_batch_tokens"`
	BestLoss     float64    `json:"best_run_loss"`
}

// Penalty is a loss increase in lr and in batch.
type Penalty struct {
	LR    *float64 `json:"lr"`
	Batch *float64 `json:"batch"`
}

// MethodDoc says how the optima were located.
type MethodDoc struct {
	Bowl             string  `json:"bowl"`
	BandwidthOctaves float64 `json:"bandwidth_octaves"`
	Robust           bool    `json:"robust"`
	Bootstrap        int     `json:"bootstrap"`
	Seed             uint64  `json:"seed"`
}

func fptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func lawDoc(l LawFit) LawDoc {
	return LawDoc{Form: l.Form(), Coef: l.Coef, ExpParams: l.ExpParams, ExpTokens: l.ExpTokens, Intervals: l.Intervals,
		Groups: l.Groups, FixedParams: l.FixedParams, FixedTokens: l.FixedTokens, ResidualSD: l.ResidualSD, Draws: l.Draws}
}

// Document returns the result's JSON contract. seqLen is the --seq-len the input's batch
// column was multiplied by (0: it held tokens).
func (r *Result) Document(source string, seqLen float64, opt Options) *Document {
	d := &Document{SchemaVersion: SchemaVersion, Kind: Kind, Source: source, Runs: r.Runs, Groups: r.Groups,
		BatchUnit: "tokens", LRLaw: lawDoc(r.LR), BatchLaw: lawDoc(r.Batch), Optima: []OptDoc{},
		Penalty2x:         Penalty{fptr(r.PenaltyLR), fptr(r.PenaltyBatch)},
		Penalty2xRelative: Penalty{fptr(r.PenaltyLRRel), fptr(r.PenaltyBatchRel)},
		Method: MethodDoc{Bowl: "quadratic in log2 lr and log2 batch, Gaussian kernel toward the minimum, biweight-robust",
			BandwidthOctaves: r.Bandwidth, Robust: !opt.NotRobust, Bootstrap: opt.Bootstrap, Seed: opt.Seed},
		ParamsRange: r.ParamsRange, TokensRange: r.TokensRange, Warnings: warn.List(r.Warnings)}
	if math.IsInf(r.Bandwidth, 1) {
		d.Method.BandwidthOctaves = 0
		d.Method.Bowl = "quadratic in log2 lr and log2 batch, unweighted"
	}
	if seqLen > 0 {
		d.SeqLen = &seqLen
	}
	if d.Warnings == nil {
		d.Warnings = warn.List{}
	}
	for _, o := range r.Optima {
		d.Optima = append(d.Optima, OptDoc{Params: o.Params, Tokens: o.Tokens, Runs: o.Runs, LR: fptr(o.LR),
			BatchTokens: fptr(o.Batch), Loss: fptr(o.Loss), AtEdge: o.AtEdge(), LRAtEdge: o.LRAtEdge, BatchAtEdge: o.BatchAtEdge,
			PenaltyLR: fptr(o.PenaltyLR), PenaltyBatch: fptr(o.PenaltyBatch), UsedInLR: o.UsedInLR, UsedInBatch: o.UsedInBatchLaw,
			LRRange: o.LRRange, BatchRange: o.BatchRange, BestLR: o.BestLR, BestBatch: o.BestBatch, BestLoss: o.BestLoss})
	}
	return d
}

// FitLaws rebuilds the fitted laws of a document, with their draws (thinned to
// limits.MaxPlannerDraws evenly spaced ones).
func (d *Document) FitLaws() (lr, batch LawFit) {
	mk := func(l LawDoc) LawFit {
		return LawFit{PowerLaw: PowerLaw{Coef: l.Coef, ExpParams: l.ExpParams, ExpTokens: l.ExpTokens}, Groups: l.Groups,
			FixedParams: l.FixedParams, FixedTokens: l.FixedTokens, ResidualSD: l.ResidualSD, Intervals: l.Intervals,
			Draws: thin(l.Draws, limits.MaxPlannerDraws)}
	}
	return mk(d.LRLaw), mk(d.BatchLaw)
}

func thin(d [][3]float64, n int) [][3]float64 {
	if len(d) <= n {
		return d
	}
	out := make([][3]float64, n)
	for i := range out {
		out[i] = d[i*len(d)/n]
	}
	return out
}

// Decode reads a Document; name is the file's name for errors. A file that is not an
// hparams fit (a fit.json of a loss law, a curve fit) is an error saying what was expected.
func Decode(r io.Reader, name string) (*Document, error) {
	var d Document
	dec := json.NewDecoder(io.LimitReader(r, limits.MaxInputBytes))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %v: want the JSON file of scalefit hparams fit -o", name, err)
	}
	if d.Kind != Kind {
		return nil, fmt.Errorf("%s: not a hyper-parameter fit (kind %q): want the file of scalefit hparams fit -o (a fit.json of a loss law plans N and D, not lr and batch)", name, d.Kind)
	}
	if d.SchemaVersion < 1 || d.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s: schema_version %d: want 1 to %d (written by a newer scalefit?)", name, d.SchemaVersion, SchemaVersion)
	}
	for _, l := range []struct {
		name string
		l    LawDoc
	}{{"lr_law", d.LRLaw}, {"batch_law", d.BatchLaw}} {
		for _, x := range []float64{l.l.Coef, l.l.ExpParams, l.l.ExpTokens} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s: %s: constants must be finite numbers", name, l.name)
			}
		}
		if !(l.l.Coef > 0) {
			return nil, fmt.Errorf("%s: %s.coef %g: want a positive number", name, l.name, l.l.Coef)
		}
	}
	return &d, nil
}

// Read reads the Document in the file path.
func Read(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f, path)
}
