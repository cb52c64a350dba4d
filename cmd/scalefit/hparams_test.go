package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/hparams"
)

// The sweep of testdata/hparams_sweep.csv (Step Law's constants, batch_size in tokens, the
// largest group's lr grid 2.5 octaves too high): the table, the edge-optimum warning on
// stderr, and the figures.
func TestHparamsFitGolden(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "", "hparams", "fit", repoFile("testdata", "hparams_sweep.csv"), "--bootstrap", "200", "--plots", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "hparams_fit.golden", tempPath.ReplaceAllString(strings.ReplaceAll(out, dir+"/", "TMP/"), "TMP/"), errOut)
	for _, f := range []string{"hparams-basins.png", "hparams-laws.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() < 10000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(errOut, "edge-optimum: N 400M, D 32.0B") {
		t.Errorf("want an edge-optimum warning for the 400M, 32B group, stderr:\n%s", errOut)
	}
}

// JSON names as the contract (CONTRACTS-dataconstrained-hparams.md); -o writes the same
// object; predict --fit reads it back with intervals; the same sweep in sequences with
// --seq-len gives the same laws.
func TestHparamsFitPredictRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.json")
	out, errOut, code := runCLI(t, "", "hparams", "fit", repoFile("testdata", "hparams_sweep.csv"), "--bootstrap", "100", "--format", "json", "-o", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(file) != out {
		t.Error("-o did not write the object --format json printed")
	}
	var doc map[string]any
	if err := json.Unmarshal(file, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "runs", "groups", "lr_law", "batch_law", "optima", "penalty_2x", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q in the JSON", k)
		}
	}
	lr := doc["lr_law"].(map[string]any)
	for _, k := range []string{"coef", "exp_params", "exp_tokens", "intervals"} {
		if _, ok := lr[k]; !ok {
			t.Errorf("lr_law has no %q", k)
		}
	}
	opt := doc["optima"].([]any)[0].(map[string]any)
	for _, k := range []string{"params", "tokens", "lr", "batch_tokens", "loss", "at_edge"} {
		if _, ok := opt[k]; !ok {
			t.Errorf("optima[0] has no %q", k)
		}
	}
	if w := doc["warnings"].([]any); len(w) != 1 || w[0].(map[string]any)["code"] != "edge-optimum" {
		t.Errorf("warnings %v: want one edge-optimum object", w)
	}
	pout, errOut, code := runCLI(t, "", "hparams", "predict", "--fit", path, "--params", "1B,8B", "--tokens", "100B", "--format", "json")
	if code != 0 {
		t.Fatalf("predict: exit %d: %s", code, errOut)
	}
	var pred app.HparamsPrediction
	if err := json.Unmarshal([]byte(pout), &pred); err != nil {
		t.Fatal(err)
	}
	if len(pred.Rows) != 2 || pred.Law.Source != "fit" {
		t.Fatalf("rows %+v", pred)
	}
	for _, r := range pred.Rows {
		if r.LRInterval == nil || !(r.LRInterval[0] < r.LR && r.LR < r.LRInterval[1]) || r.BatchInterval == nil {
			t.Errorf("row %+v: want lr inside its interval", r)
		}
		if r.FLOPs != 6**r.Params**r.Tokens {
			t.Errorf("flops %g", r.FLOPs)
		}
	}
	if len(pred.Warnings) != 1 || pred.Warnings[0].Code != "extrapolated" || !strings.Contains(pred.Warnings[0].Msg, "N 8.00B") {
		t.Errorf("warnings %v: want one extrapolated, at 8B parameters (20x the sweep's largest)", pred.Warnings)
	}
	// The same sweep with batch in sequences of 2048 tokens.
	recs := strings.Split(strings.TrimSpace(readFile(t, repoFile("testdata", "hparams_sweep.csv"))), "\n")
	var b strings.Builder
	b.WriteString("params,tokens,lr,batch_size,loss\n")
	for _, r := range recs[1:] {
		f := strings.Split(r, ",")
		var x float64
		if err := json.Unmarshal([]byte(f[3]), &x); err != nil {
			t.Fatal(err)
		}
		f[3] = strings.TrimRight(strings.TrimRight(jsonNumber(x/2048), "0"), ".")
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	sout, errOut, code := runCLI(t, b.String(), "hparams", "fit", "-", "--seq-len", "2048", "--bootstrap", "0", "--format", "json")
	if code != 0 {
		t.Fatalf("--seq-len: exit %d: %s", code, errOut)
	}
	var d1, d2 hparams.Document
	json.Unmarshal([]byte(out), &d1)
	json.Unmarshal([]byte(sout), &d2)
	if math.Abs(d2.BatchLaw.Coef/d1.BatchLaw.Coef-1) > 1e-9 || d2.SeqLen == nil || *d2.SeqLen != 2048 {
		t.Errorf("--seq-len 2048: batch coef %g vs %g in tokens, seq_len %v", d2.BatchLaw.Coef, d1.BatchLaw.Coef, d2.SeqLen)
	}
}

func jsonNumber(x float64) string { b, _ := json.Marshal(x); return string(b) }

func TestHparamsPredictGolden(t *testing.T) {
	out, errOut, code := runCLI(t, "", "hparams", "predict", "--law", "steplaw2025", "--params", "1B,7B", "--tokens", "100B,2T", "--seq-len", "4096")
	if code != 0 {
		t.Fatal(errOut)
	}
	golden(t, "hparams_predict_steplaw.golden", out, errOut)
	out, errOut, code = runCLI(t, "", "hparams", "predict", "--law", "deepseek2024-hparams", "--compute", "1e20,1e22", "--format", "markdown")
	if code != 0 {
		t.Fatal(errOut)
	}
	golden(t, "hparams_predict_deepseek_markdown.golden", out, errOut)
	out, errOut, code = runCLI(t, "", "hparams", "predict", "--law", "steplaw2025", "--params", "1B", "--tokens", "100B", "--seq-len", "2048", "--format", "csv")
	if code != 0 {
		t.Fatal(errOut)
	}
	golden(t, "hparams_predict_csv.golden", out, errOut)
	out, _, code = runCLI(t, "", "hparams", "fit", repoFile("testdata", "hparams_sweep.csv"), "--bootstrap", "0", "--format", "csv")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 13 || !strings.HasPrefix(lines[0], "params,tokens,runs,lr,batch_tokens") {
		t.Errorf("fit --format csv: exit %d, %d lines:\n%s", code, len(lines), out)
	}
}

// Bad requests exit 2 with a message that says what was wanted.
func TestHparamsErrors(t *testing.T) {
	sweep := repoFile("testdata", "hparams_sweep.csv")
	for _, c := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"hparams", "predict", "--params", "1B", "--tokens", "1T"}, "", "want exactly one law"},
		{[]string{"hparams", "predict", "--law", "steplaw2025", "--compute", "1e22"}, "", "law in N and D"},
		{[]string{"hparams", "predict", "--law", "chinchilla2022", "--params", "1B", "--tokens", "1T"}, "", "no hyper-parameter law"},
		{[]string{"hparams", "predict", "--fit", repoFile("testdata", "chinchilla.csv"), "--params", "1B", "--tokens", "1T"}, "", "want the JSON file of scalefit hparams fit -o"},
		{[]string{"hparams", "predict", "--law", "steplaw2025", "--params", "1B"}, "", "needs --params N and --tokens D"},
		{[]string{"hparams", "fit", sweep, "--seq-len", "-5"}, "", "--seq-len"},
		{[]string{"hparams", "fit", sweep, "--group", "params"}, "", "--group does not apply"},
		{[]string{"hparams", "fit", "-"}, "params,tokens,loss\n1e8,1e9,3\n", "no lr column"},
		{[]string{"hparams", "fit", "-"}, "params,tokens,lr,batch,loss\n1e8,1e9,-1,1e5,3\n", "<stdin>:2: lr -1: want a positive learning rate"},
	} {
		_, errOut, code := runCLI(t, c.stdin, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// A sweep whose batch column holds sequences without --seq-len is warned about.
func TestHparamsBatchUnitWarning(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,lr,batch,loss\n")
	for _, n := range []float64{1e8, 2e8, 4e8} {
		for _, d := range []float64{2e9, 8e9} {
			for i := -2; i <= 2; i++ {
				for j := -1; j <= 1; j++ {
					lr, bs := 1e-3*math.Exp2(float64(i)), 256*math.Exp2(float64(j))
					loss := 3 + 0.08*math.Pow(float64(i)*math.Ln2-0.1*math.Log(n/1e8), 2) + 0.06*math.Pow(float64(j)*math.Ln2, 2)
					b.WriteString(jsonNumber(n) + "," + jsonNumber(d) + "," + jsonNumber(lr) + "," + jsonNumber(bs) + "," + jsonNumber(loss) + "\n")
				}
			}
		}
	}
	_, errOut, code := runCLI(t, b.String(), "hparams", "fit", "-", "--bootstrap", "0", "-q")
	if code != 0 || !strings.Contains(errOut, "batch-unit: every batch size is at most 512") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// optimal --hparams: each allocation's lr and batch are the law's at its N and D.
func TestOptimalHparams(t *testing.T) {
	out, errOut, code := runCLI(t, "", "optimal", "--law", "chinchilla2022", "--compute", "1e21,1e23", "--hparams", "steplaw2025", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc struct {
		Rows []struct {
			Params, Tokens float64
			LR             *float64 `json:"lr"`
			BatchTokens    *float64 `json:"batch_tokens"`
		}
		Notes []string
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Rows {
		lr, b := 1.79*math.Pow(r.Params, -0.713)*math.Pow(r.Tokens, 0.307), 0.58*math.Pow(r.Tokens, 0.571)
		if r.LR == nil || r.BatchTokens == nil || math.Abs(*r.LR/lr-1) > 1e-12 || math.Abs(*r.BatchTokens/b-1) > 1e-12 {
			t.Errorf("row %+v: want lr %g, batch %g", r, lr, b)
		}
	}
	if len(doc.Rows) != 2 || !strings.Contains(strings.Join(doc.Notes, " "), "without embeddings") {
		t.Errorf("rows %d, notes %v", len(doc.Rows), doc.Notes)
	}
	_, errOut, code = runCLI(t, "", "optimal", "--law", "chinchilla2022", "--compute", "1e21", "--hparams", "nosuch.json")
	if code != 2 || !strings.Contains(errOut, "--hparams") {
		t.Errorf("--hparams nosuch.json: exit %d, %s", code, errOut)
	}
}
