// Package arch counts the parameters and the training FLOPs per token of a decoder-only
// transformer from its architecture, under the counting conventions of the scaling-law papers.
//
// Why it matters: Kaplan et al. (2020) count non-embedding parameters and C ≈ 6N FLOPs per
// token; Hoffmann et al. (2022) count every parameter and, in Appendix F, every matrix
// multiplication including the attention logits and the output layer; DeepSeek (2024) use
// the non-embedding FLOPs per token M. At small scale the embeddings and the attention over
// the context are a large share of a model, so the same runs give different exponents under
// different conventions (Pearce & Song 2024; Porian et al. 2024).
//
// Units: parameters are counts; FLOPs are floating-point operations (a multiply-add is 2) per
// training token, forward and backward (backward = 2 × forward, as all four papers assume).
package arch

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/limits"
)

// Norm is the normalisation layer, which decides the count of norm parameters.
type Norm string

// Norm layers. LayerNorm has a gain and a bias (2·d_model parameters), RMSNorm a gain only.
const (
	LayerNorm Norm = "layernorm"
	RMSNorm   Norm = "rmsnorm"
)

// Positions is how positions enter the model.
type Positions string

// Position encodings. Learned positions are an n_ctx × d_model embedding (GPT-2); rotary,
// ALiBi and sinusoidal encodings have no parameters ("none").
const (
	Learned       Positions = "learned"
	NoPositionals Positions = "none"
)

// Arch is a decoder-only transformer. The zero value of the optional fields describes GPT-2:
// multi-head attention, d_ff = 4·d_model without gating, biases on every linear layer except
// the output layer, LayerNorm before attention, before the MLP and at the end, learned
// positions.
type Arch struct {
	Layers  int // n_layer, transformer blocks (≥ 1)
	DModel  int // d_model, the residual width (≥ 1)
	Heads   int // query heads; must divide DModel (head size d_head = DModel/Heads)
	KVHeads int // key/value heads (grouped-query attention); 0 means Heads; must divide Heads
	// DFF is the feed-forward width d_ff; 0 means FFNRatio·DModel (rounded to an integer).
	DFF int
	// FFNRatio is d_ff/d_model when DFF is 0; 0 means 4 (GPT-2, Kaplan, Chinchilla).
	FFNRatio float64
	// GLU is a gated feed-forward block (SwiGLU, GeGLU): three d_model × d_ff matrices
	// instead of two.
	GLU     bool
	Vocab   int  // n_vocab, vocabulary size (≥ 1)
	Context int  // n_ctx, training sequence length in tokens (≥ 1)
	Tied    bool // the output layer reuses the input token embedding
	// NoBias drops the biases of the linear layers (LLaMA); the output layer never has one.
	NoBias bool
	// Norm is LayerNorm (default) or RMSNorm.
	Norm Norm
	// Positions is Learned (default) or NoPositionals.
	Positions Positions
}

// FFN returns d_ff: DFF, or FFNRatio·DModel rounded (4·DModel by default).
func (a Arch) FFN() int {
	if a.DFF > 0 {
		return a.DFF
	}
	r := a.FFNRatio
	if r == 0 {
		r = 4
	}
	return int(math.Round(r * float64(a.DModel)))
}

// kv returns the number of key/value heads.
func (a Arch) kv() int {
	if a.KVHeads == 0 {
		return a.Heads
	}
	return a.KVHeads
}

// HeadDim returns d_head = DModel/Heads.
func (a Arch) HeadDim() int { return a.DModel / a.Heads }

// Validate reports the first impossible value of the shape, naming the field as the CLI
// flags and CSV columns do (layers, d_model, heads, kv_heads, d_ff, ffn_ratio, vocab,
// context, norm, positions).
func (a Arch) Validate() error {
	switch {
	case a.Layers < 1:
		return &FieldError{"layers", fmt.Sprintf("%d: want at least 1 layer", a.Layers)}
	case a.DModel < 1:
		return &FieldError{"d_model", fmt.Sprintf("%d: want a positive width", a.DModel)}
	case a.Heads < 1:
		return &FieldError{"heads", fmt.Sprintf("%d: want at least 1 head", a.Heads)}
	case a.DModel%a.Heads != 0:
		return &FieldError{"heads", fmt.Sprintf("%d: does not divide d_model %d (the head size d_model/heads must be a whole number)", a.Heads, a.DModel)}
	case a.KVHeads < 0 || a.KVHeads > a.Heads:
		return &FieldError{"kv_heads", fmt.Sprintf("%d: want 1 to %d (the query heads)", a.KVHeads, a.Heads)}
	case a.Heads%a.kv() != 0:
		return &FieldError{"kv_heads", fmt.Sprintf("%d: does not divide the %d query heads", a.kv(), a.Heads)}
	case a.DFF < 0:
		return &FieldError{"d_ff", fmt.Sprintf("%d: want a positive width", a.DFF)}
	case a.FFNRatio < 0 || math.IsNaN(a.FFNRatio) || math.IsInf(a.FFNRatio, 0):
		return &FieldError{"ffn_ratio", fmt.Sprintf("%g: want a positive ratio d_ff/d_model", a.FFNRatio)}
	case a.DFF > 0 && a.FFNRatio > 0 && a.DFF != int(math.Round(a.FFNRatio*float64(a.DModel))):
		return &FieldError{"d_ff", fmt.Sprintf("%d disagrees with ffn_ratio %g × d_model %d: give one of them", a.DFF, a.FFNRatio, a.DModel)}
	case a.FFN() < 1:
		return &FieldError{"ffn_ratio", fmt.Sprintf("%g × d_model %d rounds to d_ff %d: want at least 1", a.FFNRatio, a.DModel, a.FFN())}
	case a.Vocab < 1:
		return &FieldError{"vocab", fmt.Sprintf("%d: want a positive vocabulary size", a.Vocab)}
	case a.Context < 1:
		return &FieldError{"context", fmt.Sprintf("%d: want a positive sequence length", a.Context)}
	}
	for _, c := range []struct {
		field  string
		v, max int
	}{{"layers", a.Layers, limits.MaxLayers}, {"d_model", a.DModel, limits.MaxWidth / 4}, {"d_ff", a.FFN(), limits.MaxWidth},
		{"vocab", a.Vocab, limits.MaxVocab}, {"context", a.Context, limits.MaxContext}} {
		if c.v > c.max {
			return &FieldError{c.field, fmt.Sprintf("%d: want at most %d", c.v, c.max)}
		}
	}
	switch a.Norm {
	case "", LayerNorm, RMSNorm:
	default:
		return &FieldError{"norm", fmt.Sprintf("%q: want layernorm or rmsnorm", string(a.Norm))}
	}
	switch a.Positions {
	case "", Learned, NoPositionals:
	default:
		return &FieldError{"positions", fmt.Sprintf("%q: want learned or none (rotary, ALiBi)", string(a.Positions))}
	}
	return nil
}

// FieldError is an impossible value of one architecture field.
type FieldError struct {
	Field string // layers, d_model, heads, kv_heads, d_ff, ffn_ratio, vocab, context, norm, positions
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Msg }

// Params are the parameter counts of an architecture.
type Params struct {
	// NonEmbedding counts the weight matrices of the transformer blocks, as Kaplan et al.
	// (2020, Table 1) do: N = n_layer·(2·d_model·d_attn + 2·d_model·d_kv + m·d_model·d_ff),
	// with d_attn = heads·d_head, d_kv = kv_heads·d_head and m = 2 (3 with GLU). For
	// multi-head attention and d_ff = 4·d_model this is 12·n_layer·d_model². Biases and norms
	// are left out ("subleading terms", Kaplan et al.).
	NonEmbedding int64
	// Embedding counts the embedding matrices: the input token embedding n_vocab·d_model,
	// learned positions n_ctx·d_model, and an untied output layer n_vocab·d_model.
	Embedding int64
	// WithEmbeddings is NonEmbedding + Embedding.
	WithEmbeddings int64
	// Other counts biases and norm parameters (0 for a bias-free RMSNorm model apart from
	// the norm gains).
	Other int64
	// Total is every parameter: WithEmbeddings + Other (what model.parameters() sums).
	Total int64
}

// Count returns the parameter counts. The architecture must be valid (see Validate).
func (a Arch) Count() Params {
	l, d, dh, dff := int64(a.Layers), int64(a.DModel), int64(a.HeadDim()), int64(a.FFN())
	dattn, dkv := int64(a.Heads)*dh, int64(a.kv())*dh
	m := int64(2)
	if a.GLU {
		m = 3
	}
	var p Params
	p.NonEmbedding = l * (2*d*dattn + 2*d*dkv + m*d*dff)
	v := int64(a.Vocab)
	p.Embedding = v * d
	if a.Positions != NoPositionals {
		p.Embedding += int64(a.Context) * d
	}
	if !a.Tied {
		p.Embedding += v * d
	}
	p.WithEmbeddings = p.NonEmbedding + p.Embedding
	norm := 2 * d
	if a.Norm == RMSNorm {
		norm = d
	}
	perLayer := 2 * norm // before attention and before the MLP
	if !a.NoBias {
		perLayer += dattn + 2*dkv + d // q, k, v and output projection biases
		perLayer += (m-1)*dff + d     // the MLP's input (and gate) and output biases
	}
	p.Other = l*perLayer + norm // the final norm
	p.Total = p.WithEmbeddings + p.Other
	return p
}
