package arch

import (
	"fmt"
	"strings"
)

// Convention names a way of counting a model's parameters N and training FLOPs per token.
type Convention string

// The counting conventions, in the order tables list them.
const (
	// SixN is C = 6·N·D with N every parameter (Hoffmann et al. 2022 §2 and Approaches 1–3;
	// Besiroglu et al. 2024): 6·N_total FLOPs per token.
	SixN Convention = "6n"
	// SixNNonEmbedding is C ≈ 6·N·D with N the non-embedding parameters, the approximation
	// Kaplan et al. (2020, §2.1) fit with ("C ≈ 6N", dropping the context term) and the
	// convention Pearce & Song (2024) call Kaplan's: 6·N_nonembed FLOPs per token.
	SixNNonEmbedding Convention = "6n-nonembedding"
	// Kaplan is Kaplan et al.'s full count (2020, Table 1): C_forward = 2N + 2·n_layer·n_ctx·
	// d_attn with N non-embedding, training = 3 × forward, so 6N + 6·n_layer·n_ctx·d_attn.
	Kaplan Convention = "kaplan"
	// Hoffmann is Hoffmann et al.'s exact count (2022, Appendix F), per token: embeddings
	// 2·n_vocab·d_model; per layer the K, Q, V projections 2·d_model·(d_attn + 2·d_kv), the
	// logits K·Q 2·n_ctx·d_attn, the softmax 3·heads·n_ctx, the softmax-weighted values
	// 2·n_ctx·d_attn and the output projection 2·d_attn·d_model, the dense block
	// 2·m·d_model·d_ff (m = 2, 3 with GLU); the output logits 2·d_model·n_vocab; backward =
	// 2 × forward. N is every parameter.
	Hoffmann Convention = "hoffmann"
	// DeepSeek is the non-embedding FLOPs per token M of DeepSeek-AI (2024, §3.2, Eq. 2):
	// M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq, as published (it assumes 12·d_model²
	// block weights per layer, true of multi-head attention with a 4·d_model MLP or an
	// 8/3·d_model gated one). N is their N1 = 12·n_layer·d_model² (6·N1 = 72·n_layer·d_model²):
	// M differs from 6·N1 by the attention term 6·n_layer·d_model·l_seq.
	DeepSeek Convention = "deepseek"
)

// Conventions lists every convention in table order.
var Conventions = []Convention{SixN, SixNNonEmbedding, Kaplan, Hoffmann, DeepSeek}

// ParseConvention resolves a convention name (case-insensitive).
func ParseConvention(s string) (Convention, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, c := range Conventions {
		if string(c) == t {
			return c, nil
		}
	}
	names := make([]string, len(Conventions))
	for i, c := range Conventions {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown convention %q: want one of %s", s, strings.Join(names, ", "))
}

// Describe says what the convention counts, with its source.
func (c Convention) Describe() string {
	switch c {
	case SixN:
		return "6N, N = all parameters (Hoffmann et al. 2022, C = 6ND)"
	case SixNNonEmbedding:
		return "6N, N = non-embedding parameters (Kaplan et al. 2020's C ≈ 6N)"
	case Kaplan:
		return "6N + 6·n_layer·n_ctx·d_attn, N non-embedding (Kaplan et al. 2020, Table 1)"
	case Hoffmann:
		return "exact: embeddings, attention logits and softmax, output layer; backward = 2x forward (Hoffmann et al. 2022, App. F)"
	case DeepSeek:
		return "M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq, non-embedding (DeepSeek-AI 2024, Eq. 2)"
	}
	return string(c)
}

// Count is what one convention counts for an architecture.
type Count struct {
	Convention Convention
	// Params is the N of the convention (parameters).
	Params int64
	// FLOPsPerToken is the training compute per token in FLOPs (forward + backward); the
	// compute of a run of D tokens is FLOPsPerToken·D.
	FLOPsPerToken float64
}

// Forward is Hoffmann et al.'s Appendix F count of forward FLOPs per token, by term.
type Forward struct {
	Embeddings float64 // 2·n_vocab·d_model (the embedding lookup as a one-hot matmul)
	Attention  float64 // per layer: projections, logits, softmax, values, output projection
	// AttentionContext is the part of Attention that grows with the context, per layer:
	// logits, softmax and values (2·n_ctx·d_attn + 3·heads·n_ctx + 2·n_ctx·d_attn).
	AttentionContext float64
	Dense            float64 // per layer: the feed-forward block
	Logits           float64 // 2·d_model·n_vocab, the output layer
	Layers           int     // n_layer
}

// Total returns the forward FLOPs per token: Embeddings + Layers·(Attention + Dense) + Logits.
func (f Forward) Total() float64 {
	return f.Embeddings + float64(f.Layers)*(f.Attention+f.Dense) + f.Logits
}

// HoffmannForward returns the forward FLOPs per token of Hoffmann et al. (2022, App. F).
// Appendix F counts per sequence of n_ctx tokens; per token the attention logits and values
// cost 2·n_ctx·d_attn each (every query attends to the full context, no causal halving, as
// written there). Training FLOPs are 3 × Total (backward = 2 × forward).
func (a Arch) HoffmannForward() Forward {
	d, ctx, v := float64(a.DModel), float64(a.Context), float64(a.Vocab)
	dh := float64(a.HeadDim())
	dattn, dkv := float64(a.Heads)*dh, float64(a.kv())*dh
	m := 2.0
	if a.GLU {
		m = 3
	}
	ctxTerms := 2*ctx*dattn + // key @ query logits
		3*float64(a.Heads)*ctx + // softmax
		2*ctx*dattn // softmax @ value reductions
	att := 2*d*(dattn+2*dkv) + // key, query, value projections
		ctxTerms +
		2*dattn*d // final linear
	return Forward{Embeddings: 2 * v * d, Attention: att, AttentionContext: ctxTerms, Dense: 2 * m * d * float64(a.FFN()), Logits: 2 * d * v, Layers: a.Layers}
}

// Under counts the architecture under one convention. The architecture must be valid.
func (a Arch) Under(c Convention) (Count, error) {
	p := a.Count()
	l, d, ctx := float64(a.Layers), float64(a.DModel), float64(a.Context)
	dattn := float64(a.Heads * a.HeadDim())
	switch c {
	case SixN:
		return Count{c, p.Total, 6 * float64(p.Total)}, nil
	case SixNNonEmbedding:
		return Count{c, p.NonEmbedding, 6 * float64(p.NonEmbedding)}, nil
	case Kaplan:
		return Count{c, p.NonEmbedding, 6*float64(p.NonEmbedding) + 6*l*ctx*dattn}, nil
	case Hoffmann:
		return Count{c, p.Total, 3 * a.HoffmannForward().Total()}, nil
	case DeepSeek:
		n1 := 12 * int64(a.Layers) * int64(a.DModel) * int64(a.DModel)
		return Count{c, n1, 72*l*d*d + 6*l*d*ctx}, nil
	}
	_, err := ParseConvention(string(c))
	return Count{}, err
}

// All counts the architecture under every convention, in the order of Conventions. It
// validates the architecture first.
func (a Arch) All() ([]Count, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	out := make([]Count, len(Conventions))
	for i, c := range Conventions {
		out[i], _ = a.Under(c)
	}
	return out, nil
}
