package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/arch"
	"github.com/scalefit/scalefit/internal/chinchilla"
)

// archSweep writes runs of GPT-style models (d_model 128 to 1536, d_model/64 layers and heads,
// vocabulary 32,000, context 1,024, tied) at 5 to 80 tokens per parameter, with the exact
// losses of Chinchilla's printed law in N_total.
func archSweep(t *testing.T) (path string, smallest arch.Params) {
	law := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	var b strings.Builder
	b.WriteString("model,n_layer,d_model,n_head,vocab_size,block_size,tied,tokens,loss\n")
	for i, d := range []int{128, 192, 256, 384, 512, 768, 1024, 1536} {
		a := arch.Arch{Layers: d / 64, DModel: d, Heads: d / 64, Vocab: 32000, Context: 1024, Tied: true}
		p := a.Count()
		if i == 0 {
			smallest = p
		}
		for _, m := range []float64{5, 10, 20, 40, 80} {
			tokens := m * float64(p.Total)
			fmt.Fprintf(&b, "d%d,%d,%d,%d,32000,1024,true,%g,%.10g\n", d, a.Layers, d, a.Heads, tokens, law.Loss(float64(p.Total), tokens))
		}
	}
	path = filepath.Join(t.TempDir(), "sweep.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, smallest
}

type fitConvJSON struct {
	InputNotes []string `json:"input_notes"`
	Range      struct {
		Params [2]float64 `json:"params"`
		FLOPs  [2]float64 `json:"flops"`
	} `json:"range"`
	Fits []struct {
		Law      string   `json:"law"`
		Approach int      `json:"approach"`
		A        *float64 `json:"a"`
	} `json:"fits"`
}

// TestFitConvention: runs given by architecture are fitted with params and flops counted
// under the convention, which the output names. Losses made from N_total are recovered
// under 6n (a = 0.452); counted Kaplan's way the same runs give a much steeper exponent.
func TestFitConvention(t *testing.T) {
	path, small := archSweep(t)
	fit := func(conv string) fitConvJSON {
		out, errs, code := runCLI(t, "", "fit", path, "--convention", conv, "--approach", "3", "--format", "json")
		if code != 0 {
			t.Fatalf("--convention %s: exit %d: %s", conv, code, errs)
		}
		var doc fitConvJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(doc.InputNotes, "\n"), "convention "+conv+" from the architecture columns") {
			t.Errorf("--convention %s: notes %q do not say which convention", conv, doc.InputNotes)
		}
		return doc
	}
	a3 := func(doc fitConvJSON) float64 {
		for _, f := range doc.Fits {
			if f.Law == "chinchilla" && f.Approach == 3 && f.A != nil {
				return *f.A
			}
		}
		t.Fatal("no Approach-3 fit")
		return 0
	}
	total := fit("6n")
	if total.Range.Params[0] != float64(small.Total) {
		t.Errorf("6n: smallest params %v, want the total count %d", total.Range.Params[0], small.Total)
	}
	if got := a3(total); math.Abs(got-0.28/0.62) > 0.005 {
		t.Errorf("6n: a %.4f, want the law's 0.452", got)
	}
	kap := fit("kaplan")
	if kap.Range.Params[0] != float64(small.NonEmbedding) {
		t.Errorf("kaplan: smallest params %v, want the non-embedding count %d", kap.Range.Params[0], small.NonEmbedding)
	}
	if got := a3(kap); !(got > a3(total)+0.1) {
		t.Errorf("kaplan: a %.4f, want well above 6n's %.4f (Pearce & Song)", got, a3(total))
	}
	t.Logf("a under 6n %.4f, under kaplan %.4f", a3(total), a3(kap))
}

func TestFitConventionErrors(t *testing.T) {
	path, _ := archSweep(t)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("layers,d_model,heads,vocab,context,tokens,loss\n2,128,2,32000,1024,1e9,3.2\n2,128,3,32000,1024,1e9,3.1\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fit", path, "--convention", "7n"}, "unknown convention"},
		{[]string{"fit", path, "--convention", "kaplan", "--params-col", "n_layer"}, "drop --params-col"},
		{[]string{"fit", bad, "--convention", "kaplan"}, "bad.csv:3:3: heads 3: does not divide d_model 128"},
	} {
		_, errs, code := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
