package report

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/reconcile"
	"github.com/scalefit/scalefit/internal/warn"
)

// ExplainRow is one law read in one convention (`compare --explain`).
type ExplainRow struct {
	Law        string `json:"law"`
	Convention string `json:"convention"` // "6n" (all parameters, C = 6ND) or "kaplan" (non-embedding N, C = 6·N_E·D)
	NCounts    string `json:"n_counts"`
	// FLOPsRange is the compute range [lo, hi] in FLOPs, counted in Convention.
	FLOPsRange [2]float64 `json:"flops_range"`
	// LocalExponent is the least-squares slope of ln N_opt on ln C over the range, N and C
	// counted in Convention.
	LocalExponent float64 `json:"local_exponent"`
	// Exponent is the law's own a (N_opt ∝ C^a in its own convention).
	Exponent float64 `json:"exponent"`
	NPer10x  float64 `json:"n_per_10x"` // 10^LocalExponent
	// NOptRange is N_opt (counted in Convention) at the ends of the range.
	NOptRange [2]float64 `json:"n_opt_range"`
	Method    string     `json:"method"` // own, re-optimised or relabelled
}

// ChainRow is one step of Porian et al.'s chain refitted with Approach 2.
type ChainRow struct {
	Step              int         `json:"step"`
	Setting           string      `json:"setting"`
	Change            string      `json:"change"`
	A                 float64     `json:"a"`
	Interval          *[2]float64 `json:"interval,omitempty"` // bootstrap percentile interval of a
	Published         float64     `json:"published"`
	PublishedInterval [2]float64  `json:"published_interval"`
	Budgets           int         `json:"budgets"`
	Accepted          int         `json:"budgets_used"`
	// WithAttention is the same step with attention FLOPs counted too (absent for step 1).
	WithAttention *ChainVariant `json:"with_attention_flops,omitempty"`
}

// ChainVariant is a step's companion experiment refitted: a, its interval, the published a.
type ChainVariant struct {
	Setting           string      `json:"setting"`
	A                 float64     `json:"a"`
	Interval          *[2]float64 `json:"interval,omitempty"`
	Published         float64     `json:"published"`
	PublishedInterval [2]float64  `json:"published_interval"`
}

// Explanation is the output of `compare --explain`.
type Explanation struct {
	SchemaVersion int          `json:"schema_version"`
	Explain       []ExplainRow `json:"explain"`
	Chain         []ChainRow   `json:"chain"`
	Bootstrap     int          `json:"bootstrap"`
	Level         float64      `json:"level"`
	Notes         []string     `json:"notes"`
	Warnings      warn.List    `json:"warnings"`
}

// ExplainRows turns readings into rows.
func ExplainRows(rs []reconcile.Reading) []ExplainRow {
	out := make([]ExplainRow, len(rs))
	for i, r := range rs {
		counts := "all parameters, C = 6ND"
		if r.Convention == reconcile.Kaplan {
			counts = "non-embedding, C = 6·N_E·D"
		}
		out[i] = ExplainRow{Law: r.Law, Convention: string(r.Convention), NCounts: counts, FLOPsRange: [2]float64{r.Lo, r.Hi},
			LocalExponent: r.Local, Exponent: r.A, NPer10x: math.Pow(10, r.Local), NOptRange: [2]float64{r.NLo, r.NHi}, Method: string(r.Method)}
	}
	return out
}

// ChainRows turns the refitted chain into rows.
func ChainRows(steps []reconcile.Step, bootstrap bool) []ChainRow {
	out := make([]ChainRow, len(steps))
	for i, s := range steps {
		out[i] = ChainRow{Step: i + 1, Setting: s.Experiment, Change: s.Change, A: s.A, Published: s.Published,
			PublishedInterval: s.PublishedInterval, Budgets: s.Budgets, Accepted: s.Accepted}
		if bootstrap {
			iv := s.Interval.Pair()
			out[i].Interval = &iv
		}
		if v := s.Attention; v != nil {
			cv := &ChainVariant{Setting: v.Experiment, A: s.AttentionA, Published: v.Published, PublishedInterval: v.PublishedInterval}
			if bootstrap {
				iv := s.AttentionInterval.Pair()
				cv.Interval = &iv
			}
			out[i].WithAttention = cv
		}
	}
	return out
}

// ExplainTables renders the two tables: what is counted, and what moves the exponent.
func ExplainTables(x *Explanation) []*Table {
	var tables []*Table
	if len(x.Explain) > 0 {
		r0 := x.Explain[0]
		t := &Table{
			Title:  fmt.Sprintf("what is counted: N_opt against C read in each convention over %s to %s FLOPs", format.Sci(r0.FLOPsRange[0]), format.Sci(r0.FLOPsRange[1])),
			Header: []string{"law", "convention", "N counts", "local exponent", "N per 10x", "own a", "how"},
		}
		for _, r := range x.Explain {
			t.AddRow(r.Law, r.Convention, r.NCounts, format.Float(r.LocalExponent, 3), format.Ratio(r.NPer10x), format.Float(r.Exponent, 3), r.Method)
		}
		t.Notes = append(t.Notes, x.Notes...)
		tables = append(tables, t)
	}
	if len(x.Chain) > 0 {
		ivHead := fmt.Sprintf("%g%% interval", 100*x.Level)
		t := &Table{
			Title:  "what moves the exponent: Porian et al. 2024's chain on RefinedWeb, refitted with Approach 2 (Akima IsoFLOP minima)",
			Header: []string{"step", "a", ivHead, "published a", "published 95%", "budgets used", "a with attention FLOPs", "published"},
		}
		for _, r := range x.Chain {
			iv := "-"
			if r.Interval != nil {
				iv = format.Interval(*r.Interval, func(v float64) string { return format.Float(v, 3) })
			}
			att, attPub := "-", "-"
			if w := r.WithAttention; w != nil {
				att, attPub = format.Float(w.A, 3), format.Float(w.Published, 3)
				if w.Interval != nil {
					att += " " + format.Interval(*w.Interval, func(v float64) string { return format.Float(v, 3) })
				}
			}
			t.AddRow(fmt.Sprintf("%d %s", r.Step, r.Setting), format.Float(r.A, 3), iv, format.Float(r.Published, 3),
				format.Interval(r.PublishedInterval, func(v float64) string { return format.Float(v, 3) }), fmt.Sprintf("%d/%d", r.Accepted, r.Budgets), att, attPub)
		}
		for _, r := range x.Chain {
			t.Notes = append(t.Notes, fmt.Sprintf("%d: %s", r.Step, r.Change))
		}
		t.Notes = append(t.Notes, "with attention FLOPs: the same step with 6·n_layer·n_ctx·d_model FLOPs per token counted too (Porian et al.'s attention_flops_* runs): counting attention raises a by 0.01 to 0.02, counting the output layer lowers it by 0.13")
		if x.Bootstrap > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("intervals: %d bootstrap resamples of the runs within each budget; Porian et al. resample seed noise instead, so theirs are narrower", x.Bootstrap))
		}
		tables = append(tables, t)
	}
	return tables
}
