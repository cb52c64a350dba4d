package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

type explainJSON struct {
	Explain []struct {
		Law           string     `json:"law"`
		Convention    string     `json:"convention"`
		FLOPsRange    [2]float64 `json:"flops_range"`
		LocalExponent float64    `json:"local_exponent"`
		Exponent      float64    `json:"exponent"`
	} `json:"explain"`
	Chain []struct {
		Setting       string      `json:"setting"`
		A             float64     `json:"a"`
		Interval      *[2]float64 `json:"interval"`
		Published     float64     `json:"published"`
		WithAttention *struct {
			A         float64 `json:"a"`
			Published float64 `json:"published"`
		} `json:"with_attention_flops"`
	} `json:"chain"`
	Warnings []struct {
		Code string `json:"code"`
	} `json:"warnings"`
}

func explain(t *testing.T, args ...string) explainJSON {
	t.Helper()
	out, errs, code := runCLI(t, "", append([]string{"compare", "--explain", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var x explainJSON
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestCompareExplain: Chinchilla's and Epoch's laws read in Kaplan's convention over Pearce &
// Song's range give local exponents near their 0.74 and 0.78; one row per law and convention;
// the Porian chain comes out within 0.02 of the published exponents.
func TestCompareExplain(t *testing.T) {
	x := explain(t, "--law", "chinchilla2022,epoch2024", "--bootstrap", "50")
	want := map[string]float64{"chinchilla2022/kaplan": 0.74, "epoch2024/kaplan": 0.78, "chinchilla2022/6n": 0.28 / 0.62, "epoch2024/6n": 0.5139}
	seen := map[string]int{}
	for _, r := range x.Explain {
		k := r.Law + "/" + r.Convention
		seen[k]++
		if w, ok := want[k]; !ok || math.Abs(r.LocalExponent-w) > 0.01 {
			t.Errorf("%s: local exponent %.4f, want %.2f", k, r.LocalExponent, w)
		}
		if math.Abs(math.Log10(r.FLOPsRange[0])-12.95) > 1e-9 || math.Abs(math.Log10(r.FLOPsRange[1])-20.7) > 1e-9 {
			t.Errorf("%s: range %v, want 10^12.95 to 10^20.7", k, r.FLOPsRange)
		}
	}
	for k := range want {
		if seen[k] != 1 {
			t.Errorf("%s: %d rows, want exactly 1", k, seen[k])
		}
	}
	if len(x.Chain) != 5 {
		t.Fatalf("%d chain steps, want 5", len(x.Chain))
	}
	for i, s := range x.Chain {
		if math.Abs(s.A-s.Published) > 0.02 || s.Interval == nil || !(s.Interval[0] <= s.A && s.A <= s.Interval[1]) {
			t.Errorf("%s: a %.4f interval %v, published %.4f", s.Setting, s.A, s.Interval, s.Published)
		}
		if w := s.WithAttention; (i == 0) != (w == nil) || w != nil && math.Abs(w.A-w.Published) > 0.02 {
			t.Errorf("%s: with attention FLOPs %+v", s.Setting, w)
		}
	}
	// Without --law every built-in law is read, twice.
	all := explain(t, "--bootstrap", "0")
	if len(all.Explain)%2 != 0 || len(all.Explain) < 16 || all.Chain[0].Interval != nil {
		t.Errorf("all laws: %d rows, chain interval %v", len(all.Explain), all.Chain[0].Interval)
	}
}

// TestCompareExplainFit reads a fit.json: the Epoch runs' fit behaves as epoch2024 does.
func TestCompareExplainFit(t *testing.T) {
	dir := t.TempDir()
	fit := filepath.Join(dir, "fit.json")
	if _, errs, code := runCLI(t, "", "fit", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "--approach", "3", "-o", fit, "--quiet"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, errs)
	}
	x := explain(t, "--fit", fit, "--bootstrap", "0")
	if len(x.Explain) != 2 {
		t.Fatalf("%d rows, want 2 (the fit only)", len(x.Explain))
	}
	for _, r := range x.Explain {
		if r.Law != fit {
			t.Errorf("row law %q, want %q", r.Law, fit)
		}
		if r.Convention == "kaplan" && math.Abs(r.LocalExponent-0.78) > 0.02 {
			t.Errorf("fit read in kaplan: %.4f, want about epoch2024's 0.78", r.LocalExponent)
		}
	}
}

// TestCompareExplainFitApproach2: a fit.json without Approach 3 is read through its Approach-2
// allocation N_opt = k C^a: its own reading has the fitted a, the Kaplan reading is relabelled.
func TestCompareExplainFitApproach2(t *testing.T) {
	fit := filepath.Join(t.TempDir(), "fit.json")
	if _, errs, code := runCLI(t, "", "fit", repoFile("testdata", "synthetic.csv"), "--approach", "2", "-o", fit, "--quiet"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, errs)
	}
	out, errs, code := runCLI(t, "", "compare", "--explain", "--fit", fit, "--bootstrap", "0", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var x struct {
		Explain []struct {
			Law, Convention, Method string
			LocalExponent           float64 `json:"local_exponent"`
			Exponent                float64
		}
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Explain) != 2 {
		t.Fatalf("rows %+v", x.Explain)
	}
	for _, r := range x.Explain {
		if !strings.HasSuffix(r.Law, "(Approach 2)") {
			t.Errorf("law %q does not say Approach 2", r.Law)
		}
		switch r.Convention {
		case "6n":
			if r.Method != "own" || math.Abs(r.LocalExponent-r.Exponent) > 1e-9 || !(r.Exponent > 0.3 && r.Exponent < 0.7) {
				t.Errorf("6n row %+v", r)
			}
		case "kaplan":
			if r.Method != "relabelled" || !(r.LocalExponent > r.Exponent) {
				t.Errorf("kaplan row %+v", r)
			}
		}
	}
}

func TestCompareExplainText(t *testing.T) {
	out, errs, code := runCLI(t, "", "compare", "--explain", "--law", "chinchilla2022", "--bootstrap", "20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"what is counted", "what moves the exponent", "0.744", "re-optimised", "optimizer_tuning_no_decay", "47,491"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompareExplainCSV(t *testing.T) {
	out, errs, code := runCLI(t, "", "compare", "--explain", "--law", "epoch2024", "--bootstrap", "0", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	head, chain, ok := strings.Cut(out, "\n# chain\n")
	if !ok || !strings.HasPrefix(head, "law,convention,n_counts,flops_range_lo,flops_range_hi,local_exponent,exponent,") ||
		!strings.Contains(head, "epoch2024,kaplan,") || !strings.HasPrefix(chain, "step,setting,change,a,") || strings.Count(chain, "\n") != 6 {
		t.Errorf("csv:\n%s", out)
	}
}

func TestCompareExplainErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "--explain", repoFile("testdata", "chinchilla.csv")}, "not RUNS.csv"},
		{[]string{"compare", "--explain", "--compute", "1e21"}, "--compute does not apply to --explain"},
		{[]string{"compare", "--explain", "--law", "nope"}, "unknown law"},
		{[]string{"compare", "--explain", "--fit", "no-such.json"}, "no-such.json"},
		{[]string{"compare", "--fit", "x.json"}, "--fit applies to --explain"},
		{[]string{"compare", "--explain", "--bootstrap", "-1"}, "--bootstrap -1"},
		{[]string{"compare", "--explain", "--bootstrap", "30000"}, "--bootstrap 30000 in each of 5 groups"},
	} {
		_, errs, code := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
