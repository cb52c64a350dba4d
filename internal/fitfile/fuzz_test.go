package fitfile

import (
	"bytes"
	"testing"

	"github.com/scalefit/scalefit/internal/plan"
)

// FuzzDecode feeds arbitrary bytes to the fit.json decoder: it must never panic; a document
// it accepts must pass its own range checks, encode (no NaN or Inf can reach the encoder)
// and decode again to the same bytes; and the law and draws the planners take from it must
// be read without a panic, planning at a budget either succeeding or failing with an error.
// Seeds: a fit.json in the contract's shape and hostile edits of it.
func FuzzDecode(f *testing.F) {
	// Small hand-written documents, one part of the contract each: the mutator stalls (a few
	// executions a minute) on a seed as long as a real fit.json.
	f.Add([]byte(`{"schema_version": 1, "runs": 240, "range": {"params": [7e7, 1.6e10], "tokens": [5e9, 5e11], "flops": [6e18, 3e22], "loss": [1.9, 3.9]}}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 3, "params": {"E": 1.82, "A": 478, "B": 2143, "alpha": 0.347, "beta": 0.367}, "bootstrap": [[1.79, 349.6, 2356.2, 0.3286, 0.3719]]}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 3, "intervals": {"alpha": [0.317, 0.373]}, "a": 0.514, "b": 0.486, "rmse_log_loss": 0.01, "allocations": [{"flops": 1e21, "n_opt": 3e9, "d_opt": 5e10, "tokens_per_param": 17, "loss": 2.4}]}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 2, "a": 0.49, "b": 0.51, "params": {"k": 0.1, "k_d": 1.5}, "budgets": [{"flops": 6e18, "n_opt": 4.1e8, "d_opt": 2.4e9, "loss": 3.1, "sizes": 9, "accepted": true}]}]}`))
	f.Add([]byte(`{"schema_version": 1, "runs": 3, "excluded": 0, "warnings": [], "fits": [{"law": "chinchilla", "approach": 3, "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}, "bootstrap": [[1.7, 400, 400, 0.3, 0.3]]}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 3, "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 1e308, "beta": 0.28}}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 2, "a": -0.5, "b": 1.5, "params": {"k": 1, "k_d": 1}}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 3, "rmse_log_loss": 1e308}]}`))
	f.Add([]byte(`{"schema_version": 1, "fits": [{"law": "kaplan", "form": "L(N,D)", "params": {"Nc": 6.4e13, "alpha_N": 0.076, "Dc": 1.8e13, "alpha_D": 0.103}}]}`))
	f.Add([]byte(`{"schema_version": 1e400}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("Decode accepted a document Validate refuses: %v", err)
		}
		var b bytes.Buffer
		if err := d.Encode(&b); err != nil {
			t.Fatalf("an accepted document does not encode: %v", err)
		}
		d2, err := Decode(bytes.NewReader(b.Bytes()), "again.json")
		if err != nil {
			t.Fatalf("re-encoded document refused: %v\n%s", err, b.String())
		}
		var b2 bytes.Buffer
		d2.Encode(&b2)
		if !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatalf("encode(decode(encode(d))) differs from encode(d)")
		}
		for _, fit := range d.Fits {
			if fit.Law != "chinchilla" || fit.Approach != 3 {
				continue
			}
			l, err := ChinchillaParams(fit.Params)
			if err != nil {
				continue
			}
			draws, err := DrawLaws(fit.Bootstrap)
			if err != nil {
				t.Fatalf("Decode accepted draws DrawLaws refuses: %v", err)
			}
			plan.Optimal(l, 1e21)
			plan.ForParams(l, 1e9)
			plan.OptimalIntervals(draws, 1e21)
		}
	})
}
