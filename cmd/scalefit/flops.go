package main

import (
	"errors"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/arch"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var _ = register("flops", newFlopsCmd)

// flopsOptions holds the flags of `scalefit flops`.
type flopsOptions struct {
	a          arch.Arch
	bias       bool
	norm       string
	positions  string
	convention string
	format     string
}

// archFlagNames are the shape flags, refused together with an ARCH.csv argument.
var archFlagNames = []string{"layers", "d-model", "heads", "kv-heads", "d-ff", "ffn-ratio", "glu", "vocab", "context", "tied", "bias", "norm", "positions"}

func newFlopsCmd(e *env) *cobra.Command {
	o := &flopsOptions{}
	cmd := &cobra.Command{
		Use:   "flops [ARCH.csv]",
		Short: "Count parameters and training FLOPs per token of an architecture under each convention",
		Long: `Count a decoder-only transformer's parameters (non-embedding, with embeddings, total) and its
training FLOPs per token (forward + backward) under each counting convention of the
scaling-law papers:

  6n               6N with N every parameter (Hoffmann et al. 2022's C = 6ND)
  6n-nonembedding  6N with N non-embedding (Kaplan et al. 2020's C ≈ 6N)
  kaplan           6N + 6·n_layer·n_ctx·d_attn, N non-embedding (Kaplan et al. 2020, Table 1)
  hoffmann         Hoffmann et al. 2022, Appendix F: embeddings, attention logits and softmax,
                   output layer; backward = 2x forward
  deepseek         M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq (DeepSeek-AI 2024)

Give the shape with flags, or an ARCH.csv with one architecture per row (columns layers,
d_model, heads, vocab, context; optional kv_heads, d_ff or ffn_ratio, glu, tied, bias, norm,
positions, name; Hugging Face and nanoGPT names such as n_layer, n_embd, hidden_size work).
The defaults describe GPT-2: biases, LayerNorm, learned positions, d_ff = 4·d_model.
An impossible shape (heads not dividing d_model, zero layers) exits 2 naming the file:line.`,
		Example: `  scalefit flops --layers 12 --d-model 768 --heads 12 --vocab 50257 --context 1024 --tied
  scalefit flops --layers 32 --d-model 4096 --heads 32 --kv-heads 8 --d-ff 14336 --glu \
      --vocab 128256 --context 8192 --bias=false --norm rmsnorm --positions none
  scalefit flops models.csv --convention kaplan --format json`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runFlops(e, o, cmd.Flags(), args) },
	}
	fs := cmd.Flags()
	fs.IntVar(&o.a.Layers, "layers", 0, "transformer blocks n_layer")
	fs.IntVar(&o.a.DModel, "d-model", 0, "residual width d_model")
	fs.IntVar(&o.a.Heads, "heads", 0, "attention (query) heads; must divide d_model")
	fs.IntVar(&o.a.KVHeads, "kv-heads", 0, "key/value heads for grouped-query attention (default: --heads)")
	fs.IntVar(&o.a.DFF, "d-ff", 0, "feed-forward width d_ff (default: --ffn-ratio × d_model)")
	fs.Float64Var(&o.a.FFNRatio, "ffn-ratio", 0, "d_ff / d_model when --d-ff is not given (default 4)")
	fs.BoolVar(&o.a.GLU, "glu", false, "gated feed-forward (SwiGLU/GeGLU): three d_model × d_ff matrices")
	fs.IntVar(&o.a.Vocab, "vocab", 0, "vocabulary size")
	fs.IntVar(&o.a.Context, "context", 0, "training sequence length n_ctx in tokens")
	fs.BoolVar(&o.a.Tied, "tied", false, "the output layer shares the input embedding")
	fs.BoolVar(&o.bias, "bias", true, "linear layers have biases (GPT-2); --bias=false for Llama-style models")
	fs.StringVar(&o.norm, "norm", "layernorm", "normalisation: layernorm or rmsnorm")
	fs.StringVar(&o.positions, "positions", "learned", "position embeddings: learned, or none (rotary, ALiBi)")
	fs.StringVar(&o.convention, "convention", "", "show one convention only: 6n, 6n-nonembedding, kaplan, hoffmann or deepseek")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}

func runFlops(e *env, o *flopsOptions, fs *pflag.FlagSet, args []string) error {
	f, err := parseFormat(o.format)
	if err != nil {
		return err
	}
	req := app.FlopsRequest{Stdin: e.stdin}
	if o.convention != "" {
		c, err := arch.ParseConvention(o.convention)
		if err != nil {
			return app.Usagef("--convention: %v", err)
		}
		req.Conventions = []arch.Convention{c}
	}
	var set, miss []string
	for _, n := range archFlagNames {
		if fs.Changed(n) {
			set = append(set, "--"+n)
		}
	}
	for _, n := range []string{"layers", "d-model", "heads", "vocab", "context"} {
		if !fs.Changed(n) {
			miss = append(miss, "--"+n)
		}
	}
	switch {
	case len(args) == 1 && len(set) > 0:
		return app.Usagef("%s: the shape comes from %s; drop the flags or the file", strings.Join(set, ", "), args[0])
	case len(args) == 1:
		req.Path = args[0]
	case len(miss) > 0:
		return app.Usagef("missing %s: give the shape with flags (see --help) or an ARCH.csv", strings.Join(miss, ", "))
	default:
		a := o.a
		a.NoBias = !o.bias
		a.Norm = arch.Norm(strings.ToLower(o.norm))
		a.Positions = arch.Positions(strings.ToLower(o.positions))
		switch a.Positions {
		case "rotary", "rope", "alibi":
			a.Positions = arch.NoPositionals
		}
		if err := a.Validate(); err != nil {
			var fe *arch.FieldError
			if errors.As(err, &fe) {
				return app.Usagef("--%s %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Msg)
			}
			return &app.UsageError{Err: err}
		}
		req.Arch = &a
	}
	res, err := app.Flops(req)
	if err != nil {
		return err
	}
	return render(e, res, f, false)
}
