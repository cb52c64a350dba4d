package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The backtest of testdata/synthetic.csv (7 IsoFLOP budgets of a known law): its table, and
// its JSON contract's names.
func TestBacktestCLI(t *testing.T) {
	data := repoFile("testdata", "synthetic.csv")
	out, errs, code := runCLI(t, "", "backtest", data, "--bootstrap", "20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "backtest_synthetic.golden", out, errs)
	js, _, code := runCLI(t, "", "backtest", data, "--bootstrap", "20", "--format", "json")
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "runs", "largest", "cuts", "recommendation", "slope", "break", "leave_one_budget_out", "warnings"} {
		if _, ok := o[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	cut := o["cuts"].([]any)[0].(map[string]any)
	c := cut["candidates"].([]any)[0].(map[string]any)
	for _, k := range []string{"family", "variant", "n_params", "error_next", "error_largest", "abs_error_largest", "frontier_error", "converged"} {
		if _, ok := c[k]; !ok {
			t.Errorf("a candidate lacks %q", k)
		}
	}
}

// check --backtest exits 0 when the recommended law extrapolates within --tolerance, 1 when
// it does not or nothing is recommended, 2 on bad flags.
func TestCheckBacktest(t *testing.T) {
	data := repoFile("testdata", "synthetic.csv")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--tolerance", "50%"}, 0},
		{[]string{"--tolerance", "1e-6"}, 1},
		{[]string{"--tolerance", "2"}, 2},
		{[]string{"--fit", "fit.json"}, 2},
	} {
		_, errs, code := runCLI(t, "", append([]string{"check", "--backtest", data}, tc.args...)...)
		if code != tc.code {
			t.Errorf("check --backtest %v: exit %d, want %d (%s)", tc.args, code, tc.code, strings.TrimSpace(errs))
		}
	}
	if _, errs, code := runCLI(t, "", "check"); code != 2 || !strings.Contains(errs, "--backtest") {
		t.Errorf("check without runs: exit %d, %s", code, errs)
	}
}

// backtest --plot writes the local-exponent figure; a ladder without IsoFLOP budgets gets a
// warning instead.
func TestBacktestPlot(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "slope.png")
	if _, errs, code := runCLI(t, "", "backtest", repoFile("testdata", "synthetic.csv"), "--bootstrap", "20", "--plot", png); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(png); err != nil || len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Errorf("figure: %d bytes, %v", len(b), err)
	}
	if _, errs, code := runCLI(t, "", "backtest", repoFile("testdata", "synthetic.csv"), "--plot", filepath.Join(dir, "x.gif")); code != 2 {
		t.Errorf("--plot x.gif: exit %d (%s)", code, errs)
	}
}

// fit --law auto fits the candidate the backtest recommends and says so in the input notes.
func TestFitLawAuto(t *testing.T) {
	js, errs, code := runCLI(t, "", "fit", repoFile("testdata", "synthetic.csv"), "--law", "auto", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var o struct {
		InputNotes []string `json:"input_notes"`
		Fits       []struct {
			Law      string `json:"law"`
			Approach int    `json:"approach"`
		} `json:"fits"`
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatal(err)
	}
	note := strings.Join(o.InputNotes, " ")
	if !strings.Contains(note, "--law auto:") || !strings.Contains(note, "backtest") || len(o.Fits) == 0 {
		t.Errorf("notes %q, fits %+v", note, o.Fits)
	}
	if _, _, code := runCLI(t, "", "fit", repoFile("testdata", "synthetic.csv"), "--law", "auto", "--approach", "3"); code != 2 {
		t.Errorf("--law auto --approach 3: exit %d, want 2", code)
	}
}
