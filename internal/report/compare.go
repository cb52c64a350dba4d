package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/warn"
)

// Source values of a CompareEntry.
const (
	SourcePublished = "published"
	SourceFit       = "fit" // fitted to the user's runs
)

// CompareEntry is one law in `scalefit compare`: a published law or a fit to the user's
// runs, with its allocation exponents and its compute-optimal allocation at each budget.
type CompareEntry struct {
	Name   string `json:"name"`
	Source string `json:"source"` // SourcePublished or SourceFit
	Title  string `json:"title,omitempty"`
	// NCounts says how N is counted: "non-embedding" (Kaplan), "all" (Chinchilla), or
	// "as in your file" for fits.
	NCounts      string  `json:"n_counts"`
	NonEmbedding bool    `json:"non_embedding"`
	A            float64 `json:"a"`         // N_opt ∝ C^a
	B            float64 `json:"b"`         // D_opt ∝ C^b
	NPer10x      float64 `json:"n_per_10x"` // 10^a
	DPer10x      float64 `json:"d_per_10x"` // 10^b
	// Intervals holds 95% bootstrap intervals of "a" and "b" (fits with --bootstrap).
	Intervals map[string][2]float64 `json:"intervals,omitempty"`
	// Allocations are N_opt, D_opt, D/N and (when the law predicts one) the loss in
	// nats/token at each budget; Loss is 0 and omitted for allocation rules.
	Allocations []Allocation `json:"allocations"`
}

// Comparison is the result of `scalefit compare`, and its JSON output.
type Comparison struct {
	SchemaVersion int            `json:"schema_version"`
	Source        string         `json:"source,omitempty"` // the runs file, when given
	Runs          int            `json:"runs,omitempty"`
	Budgets       []float64      `json:"budgets"` // FLOPs, C = 6ND
	Laws          []CompareEntry `json:"laws"`
	Verdict       string         `json:"verdict,omitempty"`
	// Repetition is what repeating data costs at the budgets under the unique data the runs
	// had, when they give unique tokens (one per group).
	Repetition []Repetition `json:"repetition,omitempty"`
	Notes      []string     `json:"notes"`
	Warnings   warn.List    `json:"warnings"`
}

// Kaplan's and Chinchilla's published allocation exponents a of N_opt ∝ C^a, the two poles
// of the verdict.
const (
	KaplanA     = 0.73
	ChinchillaA = 0.5
)

// CompareVerdict says which published allocation an exponent a sits closer to: Kaplan's
// a = 0.73 or Chinchilla's equal scaling a ≈ 0.5, with the 95% interval when iv is not nil.
func CompareVerdict(label string, a float64, iv *[2]float64) string {
	f := func(x float64) string { return format.Float(x, 3) }
	s := fmt.Sprintf("%s has a = %s", label, f(a))
	if iv != nil {
		s += " " + format.Interval(*iv, f)
	}
	dk, dc := math.Abs(a-KaplanA), math.Abs(a-ChinchillaA)
	switch {
	case dc < dk:
		s += ": closer to Chinchilla's equal scaling (a ≈ 0.5) than to Kaplan's a = 0.73"
	case dk < dc:
		s += ": closer to Kaplan's a = 0.73 than to Chinchilla's equal scaling (a ≈ 0.5)"
	default:
		s += ": halfway between Kaplan's a = 0.73 and Chinchilla's a ≈ 0.5"
	}
	if iv != nil {
		var in []string
		for _, ref := range []float64{ChinchillaA, KaplanA} {
			if iv[0] <= ref && ref <= iv[1] {
				in = append(in, f(ref))
			}
		}
		switch len(in) {
		case 0:
			s += "; the interval excludes both"
		case 1:
			s += "; the interval includes " + in[0]
		default:
			s += "; the interval includes both, so the runs cannot tell them apart"
		}
	}
	return s
}

// CompareTables lays out a comparison: the allocation exponents and multipliers per 10x
// compute, then N_opt, D_opt, tokens per parameter and loss at each budget. The verdict
// and notes go under the tables (in CSV, which has no notes, they make a last table).
func CompareTables(c *Comparison, f format.Output) []*Table {
	t := &Table{Title: "Compute-optimal scaling per 10x compute (C = 6ND)",
		Header: []string{"law", "source", "a", "b", "N per 10x C", "D per 10x C", "N counts"}}
	for _, e := range c.Laws {
		a, b := format.Float(e.A, 3), format.Float(e.B, 3)
		if iv, ok := e.Intervals["a"]; ok {
			a += " " + format.Interval(iv, func(x float64) string { return format.Float(x, 3) })
		}
		if iv, ok := e.Intervals["b"]; ok {
			b += " " + format.Interval(iv, func(x float64) string { return format.Float(x, 3) })
		}
		t.AddRow(e.Name, e.Source, a, b, format.Ratio(e.NPer10x), format.Ratio(e.DPer10x), e.NCounts)
	}
	t.Notes = append(t.Notes, "a and b are the exponents of N_opt ∝ C^a and D_opt ∝ C^b; 10x compute multiplies N_opt by 10^a and D_opt by 10^b")
	if c.Verdict != "" && f != format.CSV {
		t.Notes = append(t.Notes, "verdict: "+c.Verdict)
	}

	b := &Table{Title: "Compute-optimal allocation at each budget",
		Header: []string{"law", "C (FLOPs)", "N_opt", "D_opt", "tokens/param", "loss"}}
	for _, e := range c.Laws {
		for _, al := range e.Allocations {
			loss := "-"
			if al.Loss != 0 {
				loss = format.Float(al.Loss, 4)
			}
			b.AddRow(e.Name, format.Sci(al.FLOPs), format.Count(al.NOpt), format.Count(al.DOpt), format.Float(al.TokensPerParam, 3), loss)
		}
	}
	b.Notes = append(b.Notes, c.Notes...)
	tables := []*Table{t, b}
	if f == format.CSV && (c.Verdict != "" || len(c.Notes) > 0) {
		n := &Table{Title: "Notes", Header: []string{"note"}}
		if c.Verdict != "" {
			n.AddRow("verdict: " + c.Verdict)
		}
		for _, s := range c.Notes {
			n.AddRow(s)
		}
		tables = append(tables, n)
	}
	return tables
}

// NonEmbeddingNote is the note printed wherever Kaplan's non-embedding N sits beside a
// total-parameter N.
const NonEmbeddingNote = "N counts differ: Kaplan's laws count non-embedding parameters, Chinchilla's laws count all parameters (embeddings included); at small scale the two differ by the embedding matrices (Pearce & Song 2024), so compare exponents rather than N_opt levels"

// HasMixedNCounts reports whether entries count N in different ways.
func HasMixedNCounts(es []CompareEntry) bool {
	seen := map[string]bool{}
	for _, e := range es {
		seen[strings.ToLower(e.NCounts)] = true
	}
	return len(seen) > 1
}

// KaplanFit converts a Kaplan fit to the JSON contract's Fit.
//
// Deprecated: use analysis.KaplanFit.
func KaplanFit(r *kaplan.FitResult, budgets []float64) Fit { return analysis.KaplanFit(r, budgets) }

// KaplanFitTable is the table of a Kaplan fit for `scalefit fit --law kaplan`: each
// fitted constant (with its 95% interval under --bootstrap), the frontier exponents a and
// b and multipliers per 10x compute for the joint law, and the fit's diagnostics in notes.
func KaplanFitTable(r *kaplan.FitResult) *Table {
	t := &Table{Title: "Kaplan " + r.Form.String() + " fit", Header: []string{"parameter", "value", "95% interval"}}
	f := func(x float64) string { return constant(x) }
	params := r.Params()
	for _, name := range r.ParamNames() {
		iv := ""
		if v, ok := r.Intervals[name]; ok {
			iv = format.Interval(v.Pair(), f)
		}
		t.AddRow(name, f(params[name]), iv)
	}
	if r.HasFrontier() {
		for _, e := range []struct {
			name string
			v    float64
		}{{"a", r.Law.ExponentA()}, {"b", r.Law.ExponentB()}} {
			iv := ""
			if v, ok := r.Intervals[e.name]; ok {
				iv = format.Interval(v.Pair(), func(x float64) string { return format.Float(x, 3) })
			}
			t.AddRow(e.name, format.Float(e.v, 3), iv)
		}
		mn, md := r.Law.MultiplierPer10x()
		t.Notes = append(t.Notes, fmt.Sprintf("frontier of the fitted law under C = 6ND: a = alpha_D/(alpha_N+alpha_D); 10x compute -> %s N, %s D", format.Ratio(mn), format.Ratio(md)))
	}
	conv := "converged"
	if !r.Converged {
		conv = "NOT converged"
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("%d runs; objective %s (sum of %s on ln loss); RMSE of ln loss %s", r.Runs, format.Float(r.Objective, 6), lossLabel(r), format.Float(r.RMSE, 3)),
		fmt.Sprintf("%s (%s, max |gradient| %s); %d of %d starts reached the best", conv, r.Status, format.Sci(r.GradNorm), r.StartsAtBest, r.Starts),
		"N counts parameters as the runs do (Kaplan et al. exclude embeddings); losses in nats/token")
	if len(r.Draws) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("intervals: 95%% percentile bootstrap over %d resamples", len(r.Draws)))
	}
	return t
}

func lossLabel(r *kaplan.FitResult) string { return r.Loss.String() }
