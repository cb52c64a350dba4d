// Package vocab is the vocabulary law family vocab-tao2024: Tao et al. 2024, "Scaling Laws
// with Vocabulary: Larger Models Deserve Larger Vocabularies" (NeurIPS 2024), Eq. 8 with the
// characters-to-tokens ratio of Eq. 3,
//
//	Lu = −E + A1/n^alpha1 + A2/v^alpha2 + B/t^beta
//	n = N_nv/1e6,  v = V·d/1e6,  t = H·f(V)/1e9,  f(V) = 0.0064 (ln V)² − 0.1581 ln V + 1.2047
//
// in the authors' units (their code divides the non-vocabulary parameters N_nv and the
// vocabulary parameters V·d by 1e6 and the tokens H·f(V) by 1e9), so the constants they print
// are the built-in law. N_nv counts the non-vocabulary parameters, V the vocabulary size, d the
// embedding dimension, H the training characters (f(V) tokens per character). Lu is the
// unigram-normalised loss in nats per token: the model's loss minus the loss of a unigram model
// of the same vocabulary, so it compares vocabularies and is usually negative. It is fitted in
// loss space and never log-transformed.
//
// The family's own question (Optimizer) is the compute-optimal vocabulary: the V minimising Lu
// at a budget of C FLOPs, with the tokens D = C/(6 (N_nv + V·d)) in place of H·f(V) (their
// Eq. 10 and App. A.2), and the loss cost of another vocabulary.
package vocab

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// Name is the family's registry name, fits[].law and its built-in law's name.
const Name = "vocab-tao2024"

// Family is the vocab-tao2024 law family.
type Family struct{}

// Published is Tao et al.'s fit (Sec. 4.3; alpha1 = beta tied), the built-in law vocab-tao2024.
var Published = Law{E: 5.533, A1: 1.831, A2: 0.196, B: 2.124, Alpha1: 0.447, Alpha2: 0.671, Beta: 0.447}

// Info describes the family: its constants, columns and the published law.
func (Family) Info() family.Info {
	return family.Info{
		Name:     Name,
		Title:    "Vocabulary size: unigram-normalised loss against non-vocabulary parameters, vocabulary and characters",
		Citation: "Tao et al. 2024, Scaling Laws with Vocabulary (NeurIPS 2024), Eq. 8 with Eq. 3, their units",
		Form:     "Lu = -E + A1/n^alpha1 + A2/v^alpha2 + B/t^beta, n = N_nv/1e6, v = V d/1e6, t = H f(V)/1e9, f(V) = 0.0064 ln^2 V - 0.1581 ln V + 1.2047",
		Params: []family.Param{
			{Name: "E", Unit: "nats/token", Doc: "minus the unigram-normalised loss of an infinite model"},
			{Name: "A1", Unit: "nats/token", Doc: "coefficient of the non-vocabulary parameters (in millions)"},
			{Name: "A2", Unit: "nats/token", Doc: "coefficient of the vocabulary parameters V d (in millions)"},
			{Name: "B", Unit: "nats/token", Doc: "coefficient of the training tokens H f(V) (in billions)"},
			{Name: "alpha1", Doc: "exponent of the non-vocabulary parameters"},
			{Name: "alpha2", Doc: "exponent of the vocabulary parameters"},
			{Name: "beta", Doc: "exponent of the training tokens"},
		},
		Columns: []family.Column{
			{Name: "non_vocab_params", Aliases: []string{"non_vocab_parameters", "Nnv", "N_nv"}, Unit: "parameters",
				Doc: "non-vocabulary parameters N_nv", ColFlag: "non-vocab-params-col"},
			{Name: "vocab_size", Aliases: []string{"V", "vocab"}, Unit: "tokens", Doc: "vocabulary size V", ColFlag: "vocab-col"},
			{Name: "characters", Aliases: []string{"num_characters", "H", "chars"}, Unit: "characters",
				Doc: "training characters H", ColFlag: "characters-col"},
			{Name: "embed_dim", Aliases: []string{"d_model", "d"}, Doc: "embedding dimension d", ColFlag: "embed-dim-col", ValueFlag: "embed-dim"},
		},
		Table: &runs.TableLoss{Aliases: []string{"unigram_normalized_loss", "lossu", "loss_u"}, Signed: true},
		Builtins: []family.Builtin{{Name: Name, Title: "Tao et al. 2024, vocabulary scaling law (Approach 3)",
			Citation:    "Tao et al. 2024, Scaling Laws with Vocabulary (NeurIPS 2024), Sec. 4.3: reproduces their Table 1",
			Conventions: "non-vocabulary parameters N_nv and vocabulary parameters V d in millions, tokens H f(V) in billions; unigram-normalised loss in nats/token (usually negative); FLOPs 6 (N_nv + V d) D",
			Params:      Published.Params()}},
	}
}

// Law is a vocab-tao2024 law in Tao et al.'s units.
type Law struct {
	E, A1, A2, B         float64
	Alpha1, Alpha2, Beta float64
}

// Params returns the law's constants by name.
func (l Law) Params() map[string]float64 {
	return map[string]float64{"E": l.E, "A1": l.A1, "A2": l.A2, "B": l.B, "alpha1": l.Alpha1, "alpha2": l.Alpha2, "beta": l.Beta}
}

// CharsPerToken is f(V) of Tao et al.'s Eq. 3: the tokens per training character of a
// vocabulary of V, 0.0064 (ln V)² − 0.1581 ln V + 1.2047 (positive for every V: the
// quadratic has no real root).
func CharsPerToken(v float64) float64 {
	l := math.Log(v)
	return 0.0064*l*l - 0.1581*l + 1.2047
}

// lossAt is Lu at n = N_nv/1e6, v = V d/1e6 and t = tokens/1e9.
func (l Law) lossAt(n, v, t float64) float64 {
	return -l.E + l.A1*math.Pow(n, -l.Alpha1) + l.A2*math.Pow(v, -l.Alpha2) + l.B*math.Pow(t, -l.Beta)
}

// Loss is Lu (nats/token) of N_nv non-vocabulary parameters, a vocabulary of V with embedding
// dimension d, trained on H characters.
func (l Law) Loss(nnv, v, d, h float64) float64 {
	return l.lossAt(nnv/1e6, v*d/1e6, h*CharsPerToken(v)/1e9)
}

// LossAtTokens is Lu with the tokens D given instead of the characters.
func (l Law) LossAtTokens(nnv, v, d, tokens float64) float64 {
	return l.lossAt(nnv/1e6, v*d/1e6, tokens/1e9)
}

// Predict returns Lu at x's non_vocab_params, vocab_size, embed_dim and characters.
func (l Law) Predict(x map[string]float64) (float64, error) {
	var in [4]float64
	for i, k := range []string{"non_vocab_params", "vocab_size", "embed_dim", "characters"} {
		v, ok := x[k]
		if !ok {
			return 0, fmt.Errorf("%s: predict needs non_vocab_params, vocab_size, embed_dim and characters: %s missing", Name, k)
		}
		if err := checkInput(k, v); err != nil {
			return 0, fmt.Errorf("%s: %w", Name, err)
		}
		in[i] = v
	}
	return l.Loss(in[0], in[1], in[2], in[3]), nil
}

// checkInput checks one input of the law: a vocabulary of at least 2, every other quantity
// positive, all finite.
func checkInput(k string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %g: want a finite number", k, v)
	}
	switch k {
	case "vocab_size":
		if v < 2 {
			return fmt.Errorf("vocab_size %g: want a vocabulary of 2 or more tokens", v)
		}
	case "non_vocab_params":
		if !(v > 0) {
			return fmt.Errorf("non_vocab_params %g: want a positive parameter count", v)
		}
	case "embed_dim":
		if !(v > 0) {
			return fmt.Errorf("embed_dim %g: want a positive embedding dimension", v)
		}
	default:
		if !(v > 0) {
			return fmt.Errorf("%s %g: want a positive number", k, v)
		}
	}
	return nil
}

// Law rebuilds a law from its constants (every one finite; coefficients and exponents
// positive, as the law's terms fall with scale).
func (Family) Law(p map[string]float64) (family.Law, error) {
	if err := family.Validate(Family{}.Info(), p); err != nil {
		return nil, err
	}
	for _, k := range []string{"A1", "A2", "B", "alpha1", "alpha2", "beta"} {
		if !(p[k] > 0) {
			return nil, fmt.Errorf("%s: constant %s = %g: want a positive number", Name, k, p[k])
		}
	}
	return Law{E: p["E"], A1: p["A1"], A2: p["A2"], B: p["B"], Alpha1: p["alpha1"], Alpha2: p["alpha2"], Beta: p["beta"]}, nil
}

var (
	_ family.Family    = Family{}
	_ family.Optimizer = Law{}
)
