package arch

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/limits"
)

// gpt2 is GPT-2 small (Radford et al. 2019): 12 layers, d_model 768, 12 heads, vocabulary
// 50,257, context 1,024, tied embeddings, biases, LayerNorm, learned positions.
var gpt2 = Arch{Layers: 12, DModel: 768, Heads: 12, Vocab: 50257, Context: 1024, Tied: true}

// TestCountGPT2 checks the parameter counts of GPT-2 small against hand calculations; the
// total is the 124,439,808 that loading OpenAI's weights and summing model.parameters() gives
// (nanoGPT's scaling_laws.ipynb) and Kaplan's formula 12·n_layer·d_model² the non-embedding 85M.
func TestCountGPT2(t *testing.T) {
	p := gpt2.Count()
	nonEmb := int64(12 * 12 * 768 * 768)              // 84,934,656: 12·n_layer·d²
	emb := int64(50257*768 + 1024*768)                // token + position embeddings, tied head
	perLayerOther := int64(3*768 + 768 + 3072 + 768 + // q,k,v + proj biases; fc + proj biases
		2*2*768) // two LayerNorms (gain and bias)
	other := 12*perLayerOther + 2*768 // + the final LayerNorm
	want := Params{NonEmbedding: nonEmb, Embedding: emb, WithEmbeddings: nonEmb + emb, Other: other, Total: nonEmb + emb + other}
	if p != want {
		t.Fatalf("GPT-2 counts %+v, want %+v", p, want)
	}
	if p.NonEmbedding != 84_934_656 || p.Total != 124_439_808 {
		t.Errorf("GPT-2 non-embedding %d (want 84,934,656), total %d (want 124,439,808)", p.NonEmbedding, p.Total)
	}
	untied := gpt2
	untied.Tied = false
	if got := untied.Count().Total - p.Total; got != 50257*768 {
		t.Errorf("untying adds %d parameters, want the output matrix 50257·768 = %d", got, 50257*768)
	}
}

// TestCountLlama checks gated MLPs, grouped-query attention, RMSNorm, no biases and rotary
// positions on Llama 2 7B and 70B, whose parameter counts (summed over the released weights)
// are 6,738,415,616 and 68,976,648,192.
func TestCountLlama(t *testing.T) {
	llama := func(layers, d, heads, kv, ff int) Arch {
		return Arch{Layers: layers, DModel: d, Heads: heads, KVHeads: kv, DFF: ff, GLU: true, Vocab: 32000, Context: 4096,
			NoBias: true, Norm: RMSNorm, Positions: NoPositionals}
	}
	for _, tc := range []struct {
		name               string
		a                  Arch
		nonEmb, total, emb int64
	}{
		// 7B: per layer 4·4096² attention + 3·4096·11008 MLP; 2·32000·4096 untied embeddings.
		{"llama2-7b", llama(32, 4096, 32, 32, 11008), 32 * (4*4096*4096 + 3*4096*11008), 6_738_415_616, 2 * 32000 * 4096},
		// 70B: q and o 8192², k and v 8192·(8·128) each; 3·8192·28672 MLP.
		{"llama2-70b", llama(80, 8192, 64, 8, 28672), 80 * (2*8192*8192 + 2*8192*1024 + 3*8192*28672), 68_976_648_192, 2 * 32000 * 8192},
	} {
		if err := tc.a.Validate(); err != nil {
			t.Fatal(err)
		}
		p := tc.a.Count()
		if p.NonEmbedding != tc.nonEmb || p.Total != tc.total || p.Embedding != tc.emb {
			t.Errorf("%s: non-embedding %d total %d embedding %d, want %d, %d, %d", tc.name, p.NonEmbedding, p.Total, p.Embedding, tc.nonEmb, tc.total, tc.emb)
		}
	}
}

// TestConventionsGPT2 checks every convention's FLOPs per token for GPT-2 small by hand.
func TestConventionsGPT2(t *testing.T) {
	const (
		nonEmb = 84_934_656.0
		total  = 124_439_808.0
		attn   = 6 * 12 * 1024 * 768 // 6·n_layer·n_ctx·d_attn = 56,623,104
	)
	// Appendix F, per token: embeddings 2·V·d; per layer QKV 2·d·3d, logits 2·ctx·d,
	// softmax 3·heads·ctx, values 2·ctx·d, output 2·d·d, dense 2·2·d·4d; logits 2·d·V.
	perLayer := 2.0*768*3*768 + 2*1024*768 + 3*12*1024 + 2*1024*768 + 2*768*768 + 4*768*3072
	hoffmann := 3 * (2*50257*768 + 12*perLayer + 2*768*50257)
	want := map[Convention]Count{
		SixN:             {SixN, total, 6 * total},
		SixNNonEmbedding: {SixNNonEmbedding, nonEmb, 6 * nonEmb},
		Kaplan:           {Kaplan, nonEmb, 6*nonEmb + attn},
		Hoffmann:         {Hoffmann, total, hoffmann},
		DeepSeek:         {DeepSeek, 12 * 12 * 768 * 768, 72*12*768*768 + 6*12*768*1024},
	}
	got, err := gpt2.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d conventions, want %d", len(got), len(want))
	}
	for _, c := range got {
		if c != want[c.Convention] {
			t.Errorf("%s: %+v, want %+v", c.Convention, c, want[c.Convention])
		}
	}
	if hoffmann != 1_087_349_760 {
		t.Errorf("hand calculation drifted: %v", hoffmann)
	}
}

// TestHoffmannTableA4 reproduces the ratios of Hoffmann et al. (2022) Table A4 — their FLOP
// count over 6ND — for its six models, with N the parameter counts of their Table A9 (74M,
// 306M, 552M, 1,143M, 1,593M, 6,796M), vocabulary 32,000 and sequence length 2,048.
// Appendix F lists the embedding and output-logit FLOPs, but the table leaves them out
// (author correspondence reported in nanoGPT's scaling_laws.ipynb): the ratios come out only
// from the layers' attention and dense FLOPs, which is what this test checks of
// HoffmannForward. The hoffmann convention itself counts all of Appendix F.
func TestHoffmannTableA4(t *testing.T) {
	for _, tc := range []struct {
		layers, d, ff, heads int
		n                    float64 // Table A9 parameters
		ratio                float64 // Table A4
	}{
		{10, 640, 2560, 10, 74e6, 1.03},
		{20, 1024, 4096, 16, 306e6, 1.10},
		{24, 1280, 5120, 10, 552e6, 1.08},
		{26, 1792, 7168, 14, 1143e6, 1.04},
		{28, 2048, 8192, 16, 1593e6, 1.03},
		{40, 3584, 14336, 28, 6796e6, 0.99},
	} {
		a := Arch{Layers: tc.layers, DModel: tc.d, DFF: tc.ff, Heads: tc.heads, Vocab: 32000, Context: 2048}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		f := a.HoffmannForward()
		layersOnly := 3 * float64(f.Layers) * (f.Attention + f.Dense)
		ratio := layersOnly / (6 * tc.n)
		// Table A4 rounds ratios to 0.01 and Table A9 counts to 1M (0.7% of 74M).
		if math.Abs(ratio-tc.ratio) > 0.005+tc.ratio*0.5e6/tc.n {
			t.Errorf("%d layers d %d: ratio %.4f, Table A4 %.2f", tc.layers, tc.d, ratio, tc.ratio)
		}
		full, _ := a.Under(Hoffmann)
		if !(full.FLOPsPerToken > layersOnly) {
			t.Errorf("%d layers: the full Appendix F count %g should exceed the layers' %g", tc.layers, full.FLOPsPerToken, layersOnly)
		}
	}
	// The shape d_model 4096, 32 layers, ffw 16,384, 32 heads of 128 (Table A9 lists it with
	// 42 layers as the 9.3B model): per layer, by hand, QKV 2·4096·12288 = 100,663,296,
	// logits and values 2·2048·4096 = 16,777,216 each, softmax 3·32·2048 = 196,608, output
	// 2·4096² = 33,554,432, dense 4·4096·16384 = 268,435,456.
	a := Arch{Layers: 32, DModel: 4096, DFF: 16384, Heads: 32, Vocab: 32000, Context: 2048}
	f := a.HoffmannForward()
	if f.Attention != 167_968_768 || f.AttentionContext != 2*16_777_216+196_608 || f.Dense != 268_435_456 || f.Embeddings != 262_144_000 || f.Logits != 262_144_000 {
		t.Errorf("4096-wide layer: %+v", f)
	}
	if a.HeadDim() != 128 {
		t.Errorf("head size %d, want 128", a.HeadDim())
	}
}

// TestDeepSeekM checks that DeepSeek's M differs from 6·N1 (N1 = 12·n_layer·d²) by exactly the
// attention term 6·n_layer·d_model·l_seq, and equals Kaplan's count on Kaplan's shape.
func TestDeepSeekM(t *testing.T) {
	for _, a := range []Arch{
		gpt2,
		{Layers: 30, DModel: 4096, Heads: 32, Vocab: 102400, Context: 4096, DFF: 11008, GLU: true, NoBias: true, Norm: RMSNorm, Positions: NoPositionals},
		{Layers: 4, DModel: 256, Heads: 4, Vocab: 1000, Context: 128},
	} {
		m, _ := a.Under(DeepSeek)
		l, d, ctx := float64(a.Layers), float64(a.DModel), float64(a.Context)
		if got, want := m.FLOPsPerToken-6*float64(m.Params), 6*l*d*ctx; got != want {
			t.Errorf("%+v: M - 6·N1 = %v, want the attention term %v", a, got, want)
		}
		if m.Params != int64(12*l*d*d) {
			t.Errorf("N1 %d, want 12·n_layer·d² = %v", m.Params, 12*l*d*d)
		}
	}
	k, _ := gpt2.Under(Kaplan)
	m, _ := gpt2.Under(DeepSeek)
	if k.FLOPsPerToken != m.FLOPsPerToken {
		t.Errorf("GPT-2: Kaplan %v and DeepSeek %v should agree (12·d² per layer, d_attn = d_model)", k.FLOPsPerToken, m.FLOPsPerToken)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		mod   func(*Arch)
		field string
	}{
		{func(a *Arch) { a.Layers = 0 }, "layers"},
		{func(a *Arch) { a.Heads = 7 }, "heads"},
		{func(a *Arch) { a.Heads = 0 }, "heads"},
		{func(a *Arch) { a.KVHeads = 5 }, "kv_heads"},
		{func(a *Arch) { a.KVHeads = 24 }, "kv_heads"},
		{func(a *Arch) { a.DModel = 0 }, "d_model"},
		{func(a *Arch) { a.Vocab = 0 }, "vocab"},
		{func(a *Arch) { a.Context = 0 }, "context"},
		{func(a *Arch) { a.DFF = 3000; a.FFNRatio = 4 }, "d_ff"},
		{func(a *Arch) { a.FFNRatio = -1 }, "ffn_ratio"},
		{func(a *Arch) { a.Norm = "batchnorm" }, "norm"},
		{func(a *Arch) { a.Positions = "absolute" }, "positions"},
		{func(a *Arch) { a.Layers = 1 << 20 }, "layers"},
		{func(a *Arch) { a.DModel, a.Heads = 1<<21, 1 }, "d_model"},
		{func(a *Arch) { a.DFF = 1 << 23 }, "d_ff"},
		{func(a *Arch) { a.FFNRatio = 1e6 }, "d_ff"},
		{func(a *Arch) { a.Vocab = 1 << 25 }, "vocab"},
		{func(a *Arch) { a.Context = 1 << 25 }, "context"},
	} {
		a := gpt2
		tc.mod(&a)
		err := a.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: error %v, want one on %s", a, err, tc.field)
		}
		if _, err := a.All(); err == nil {
			t.Errorf("%+v: All accepted an impossible shape", a)
		}
	}
	ok := gpt2
	ok.KVHeads, ok.FFNRatio, ok.DFF = 4, 4, 3072
	if err := ok.Validate(); err != nil {
		t.Errorf("consistent d_ff and ratio, 4 kv heads: %v", err)
	}
	if r := (Arch{DModel: 768, FFNRatio: 8.0 / 3}).FFN(); r != 2048 {
		t.Errorf("ratio 8/3 of 768 = %d, want 2048", r)
	}
}

// TestLargestShape: the largest architecture within the caps counts without overflow.
func TestLargestShape(t *testing.T) {
	a := Arch{Layers: limits.MaxLayers, DModel: limits.MaxWidth / 4, Heads: 1, DFF: limits.MaxWidth, GLU: true,
		Vocab: limits.MaxVocab, Context: limits.MaxContext}
	counts, err := a.All()
	if err != nil {
		t.Fatal(err)
	}
	l, d, f := float64(a.Layers), float64(a.DModel), float64(a.DFF)
	want := l * (4*d*d + 3*d*f) // non-embedding, as float64
	if p := a.Count(); !(p.NonEmbedding > 0) || math.Abs(float64(p.NonEmbedding)/want-1) > 1e-12 || p.Total < p.NonEmbedding {
		t.Errorf("counts overflow: %+v, want non-embedding %g", p, want)
	}
	for _, c := range counts {
		if !(c.Params > 0) || !(c.FLOPsPerToken > 0) || math.IsInf(c.FLOPsPerToken, 0) {
			t.Errorf("%s: %+v", c.Convention, c)
		}
	}
}

func TestParseConvention(t *testing.T) {
	for _, c := range Conventions {
		got, err := ParseConvention(strings.ToUpper(string(c)))
		if err != nil || got != c {
			t.Errorf("%s: %v %v", c, got, err)
		}
		if c.Describe() == string(c) {
			t.Errorf("%s has no description", c)
		}
	}
	if _, err := ParseConvention("7n"); err == nil || !strings.Contains(err.Error(), "kaplan") {
		t.Errorf("unknown convention: %v", err)
	}
}

func TestReadCSV(t *testing.T) {
	good := "name,n_layer,n_embd,n_head,vocab_size,block_size,tied,d_ff\n" +
		"gpt2,12,768,12,50257,1024,true,\n" +
		"small,4,256,4,1000,128,false,512\n"
	rows, err := ReadCSV(strings.NewReader(good), "arch.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Arch != gpt2 || rows[0].Name != "gpt2" || rows[1].Line != 3 || rows[1].Arch.FFN() != 512 {
		t.Fatalf("rows %+v", rows)
	}
	for _, tc := range []struct{ in, want string }{
		{"layers,d_model,heads,vocab,context\n12,768,12,50257,1024\n0,768,12,50257,1024\n", "arch.csv:3:1: layers 0: want at least 1 layer"},
		{"layers,d_model,heads,vocab,context\n12,768,7,50257,1024\n", "arch.csv:2:3: heads 7: does not divide d_model 768"},
		{"layers,d_model,heads,vocab\n12,768,12,50257\n", "arch.csv:1: no architecture column for context"},
		{"layers,d_model,heads,vocab,context\n12,768,x,50257,1024\n", `arch.csv:2:3: heads "x": want a whole number`},
		{"layers,d_model,heads,vocab,context,glu\n12,768,12,50257,1024,maybe\n", `arch.csv:2:6: glu "maybe": want true or false`},
		{"layers,d_model,heads,vocab,context\n12,768\n", "arch.csv:2: 2 fields, want 5"},
		{"layers,d_model,heads,vocab,context\n", "arch.csv:1: header only"},
		{"", "arch.csv: empty file"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "arch.csv")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want prefix %q", tc.in, err, tc.want)
		}
	}
	tsv := "layers\td_model\theads\tkv_heads\tvocab\tcontext\tglu\tbias\tnorm\tpositions\n32\t4096\t32\t8\t32000\t4096\tyes\tno\trmsnorm\trotary\n"
	rows, err = ReadCSV(strings.NewReader(tsv), "a.tsv")
	if err != nil {
		t.Fatal(err)
	}
	a := rows[0].Arch
	if !a.GLU || !a.NoBias || a.Norm != RMSNorm || a.Positions != NoPositionals || a.KVHeads != 8 {
		t.Errorf("tab-separated row: %+v", a)
	}
}

// TestReadCSVThroughTheFormatRegistry: an architecture table is read by internal/runs'
// format registry, so JSON Lines work as a CSV does, and a column named twice is refused
// (it was read as its first).
func TestReadCSVThroughTheFormatRegistry(t *testing.T) {
	jl := `{"name": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "vocab_size": 50257, "block_size": 1024, "tied": true}` + "\n"
	rows, err := ReadCSV(strings.NewReader(jl), "arch.jsonl")
	if err != nil || len(rows) != 1 || rows[0].Arch != gpt2 || rows[0].Name != "gpt2" {
		t.Fatalf("JSON Lines: %+v, %v", rows, err)
	}
	bad := `{"n_layer": 12, "n_embd": 768, "n_head": 7, "vocab_size": 50257, "block_size": 1024}` + "\n"
	if _, err := ReadCSV(strings.NewReader(bad), "arch.jsonl"); err == nil || !strings.HasPrefix(err.Error(), "arch.jsonl:1: heads 7") {
		t.Errorf("a bad JSON row: %v", err)
	}
	if _, err := ReadCSV(strings.NewReader("layers,d_model,heads,vocab,context,Layers\n12,768,12,50257,1024,24\n"), "arch.csv"); err == nil || !strings.HasPrefix(err.Error(), `arch.csv:1:6: duplicate column "Layers" (also column 1)`) {
		t.Errorf("a column twice: %v", err)
	}
}
