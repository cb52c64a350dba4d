package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/arch"
	"github.com/scalefit/scalefit/internal/format"
)

// FlopsRow is one architecture counted under one convention (`scalefit flops`).
type FlopsRow struct {
	Name          string  `json:"name,omitempty"` // the row's name column, when the CSV has one
	Line          int     `json:"line,omitempty"` // CSV line of the architecture (0 for flags)
	Convention    string  `json:"convention"`
	Params        int64   `json:"params"`          // the N the convention counts (parameters)
	FLOPsPerToken float64 `json:"flops_per_token"` // training FLOPs per token (forward + backward)
	// RatioTo6N is FLOPsPerToken / (6·N_total): how far the convention is from C = 6ND with
	// every parameter counted.
	RatioTo6N   float64 `json:"ratio_to_6n"`
	Description string  `json:"description"`
}

// FlopsParams are an architecture's parameter counts.
type FlopsParams struct {
	Name           string `json:"name,omitempty"`
	Line           int    `json:"line,omitempty"`
	Shape          string `json:"shape"`
	NonEmbedding   int64  `json:"non_embedding"`
	Embedding      int64  `json:"embedding"`
	WithEmbeddings int64  `json:"with_embeddings"`
	BiasesNorms    int64  `json:"biases_and_norms"`
	Total          int64  `json:"total"`
}

// FlopsBreakdown is where an architecture's forward FLOPs per token go, by Hoffmann et al.'s
// Appendix F terms (training FLOPs are 3 × these).
type FlopsBreakdown struct {
	Name       string  `json:"name,omitempty"`
	Line       int     `json:"line,omitempty"`
	Embeddings float64 `json:"embeddings"`            // 2·n_vocab·d_model
	Projection float64 `json:"attention_projections"` // all layers: Q, K, V and output projections
	Context    float64 `json:"attention_context"`     // all layers: logits, softmax and values over the context
	Dense      float64 `json:"feed_forward"`          // all layers: the feed-forward blocks
	Logits     float64 `json:"logits"`                // 2·d_model·n_vocab, the output layer
	Total      float64 `json:"total"`
}

// FlopsDocument is the output of `scalefit flops`.
type FlopsDocument struct {
	SchemaVersion int              `json:"schema_version"`
	Source        string           `json:"source,omitempty"` // the ARCH.csv, "" for flags
	Architectures []FlopsParams    `json:"architectures"`
	Rows          []FlopsRow       `json:"rows"`
	Breakdown     []FlopsBreakdown `json:"forward_breakdown"`
}

// ArchInput is one architecture to count, with where it came from.
type ArchInput struct {
	Name string
	Line int
	Arch arch.Arch
}

// Shape describes an architecture in one line: 12 layers, d_model 768, 12 heads of 64, ...
func Shape(a arch.Arch) string {
	parts := []string{
		fmt.Sprintf("%d layers", a.Layers),
		fmt.Sprintf("d_model %d", a.DModel),
		fmt.Sprintf("%d heads of %d", a.Heads, a.HeadDim()),
	}
	if a.KVHeads > 0 && a.KVHeads != a.Heads {
		parts = append(parts, fmt.Sprintf("%d kv heads", a.KVHeads))
	}
	ff := fmt.Sprintf("d_ff %d", a.FFN())
	if a.GLU {
		ff += " (GLU)"
	}
	parts = append(parts, ff, "vocab "+group3(int64(a.Vocab)), "context "+group3(int64(a.Context)))
	if a.Tied {
		parts = append(parts, "tied embeddings")
	} else {
		parts = append(parts, "untied output layer")
	}
	if a.NoBias {
		parts = append(parts, "no biases")
	}
	if a.Norm == arch.RMSNorm {
		parts = append(parts, "RMSNorm")
	}
	if a.Positions == arch.NoPositionals {
		parts = append(parts, "no position embeddings")
	}
	return strings.Join(parts, ", ")
}

// Flops counts each architecture under the conventions (all when convs is empty). The
// architectures must be valid.
func Flops(source string, in []ArchInput, convs []arch.Convention) *FlopsDocument {
	if len(convs) == 0 {
		convs = arch.Conventions
	}
	doc := &FlopsDocument{SchemaVersion: SchemaVersion, Source: source, Architectures: []FlopsParams{}, Rows: []FlopsRow{}, Breakdown: []FlopsBreakdown{}}
	for _, x := range in {
		p := x.Arch.Count()
		f := x.Arch.HoffmannForward()
		l := float64(f.Layers)
		doc.Breakdown = append(doc.Breakdown, FlopsBreakdown{Name: x.Name, Line: x.Line, Embeddings: f.Embeddings,
			Projection: l * (f.Attention - f.AttentionContext), Context: l * f.AttentionContext, Dense: l * f.Dense, Logits: f.Logits, Total: f.Total()})
		doc.Architectures = append(doc.Architectures, FlopsParams{Name: x.Name, Line: x.Line, Shape: Shape(x.Arch),
			NonEmbedding: p.NonEmbedding, Embedding: p.Embedding, WithEmbeddings: p.WithEmbeddings, BiasesNorms: p.Other, Total: p.Total})
		for _, c := range convs {
			n, _ := x.Arch.Under(c)
			doc.Rows = append(doc.Rows, FlopsRow{Name: x.Name, Line: x.Line, Convention: string(c), Params: n.Params,
				FLOPsPerToken: n.FLOPsPerToken, RatioTo6N: n.FLOPsPerToken / (6 * float64(p.Total)), Description: c.Describe()})
		}
	}
	return doc
}

// group3 writes a count with thousands separators: 124,439,808.
func group3(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// FlopsTables renders the document: for one architecture its parameter counts and one row
// per convention; for several, one row per architecture and convention.
func FlopsTables(doc *FlopsDocument) []*Table {
	if len(doc.Architectures) == 1 {
		a := doc.Architectures[0]
		pt := &Table{Title: "parameters: " + a.Shape, Header: []string{"counted", "parameters", ""}}
		pt.AddRow("non-embedding (Kaplan)", group3(a.NonEmbedding), format.Count(float64(a.NonEmbedding)))
		pt.AddRow("embeddings", group3(a.Embedding), format.Count(float64(a.Embedding)))
		pt.AddRow("with embeddings", group3(a.WithEmbeddings), format.Count(float64(a.WithEmbeddings)))
		pt.AddRow("biases and norms", group3(a.BiasesNorms), format.Count(float64(a.BiasesNorms)))
		pt.AddRow("total", group3(a.Total), format.Count(float64(a.Total)))
		pt.Notes = []string{"non-embedding: the blocks' weight matrices (Kaplan et al. 2020, Table 1); embeddings: token, learned positions and an untied output layer"}
		ct := &Table{Title: "training FLOPs per token by convention", Header: []string{"convention", "N", "FLOPs/token", "vs 6N_total"}}
		for _, r := range doc.Rows {
			ct.AddRow(r.Convention, group3(r.Params), format.Float(r.FLOPsPerToken, 4), format.Ratio(r.RatioTo6N))
			ct.Notes = append(ct.Notes, r.Convention+": "+r.Description)
		}
		ct.Notes = append(ct.Notes, "a run of D tokens costs FLOPs/token × D; fit --convention NAME derives params and flops from architecture columns this way")
		b := doc.Breakdown[0]
		bt := &Table{Title: "where the forward FLOPs go (Hoffmann et al. App. F, per token)", Header: []string{"term", "FLOPs", "share"}}
		for _, r := range []struct {
			name string
			v    float64
		}{{"embeddings", b.Embeddings}, {"attention projections", b.Projection}, {"attention over the context", b.Context},
			{"feed-forward", b.Dense}, {"output logits", b.Logits}, {"total", b.Total}} {
			bt.AddRow(r.name, format.Float(r.v, 4), format.Percent(r.v/b.Total))
		}
		bt.Notes = []string{"Appendix F counts the embedding lookup as a matmul; 6N with non-embedding N counts only the projections and the feed-forward: at small scale the context and vocabulary terms are a large share it misses"}
		return []*Table{pt, ct, bt}
	}
	t := &Table{Title: "parameters and training FLOPs per token", Header: []string{"architecture", "line", "convention", "N", "FLOPs/token", "vs 6N_total"}}
	for _, r := range doc.Rows {
		name := r.Name
		if name == "" {
			name = "-"
		}
		t.AddRow(name, strconv.Itoa(r.Line), r.Convention, group3(r.Params), format.Float(r.FLOPsPerToken, 4), format.Ratio(r.RatioTo6N))
	}
	seen := map[string]bool{}
	for _, r := range doc.Rows {
		if !seen[r.Convention] {
			seen[r.Convention] = true
			t.Notes = append(t.Notes, r.Convention+": "+r.Description)
		}
	}
	return []*Table{t}
}
