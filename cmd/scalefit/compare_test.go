package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestCompareGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"compare.golden", []string{"compare"}},
		{"compare_markdown.golden", []string{"compare", "--format", "markdown", "--law", "kaplan2020-allocation,chinchilla2022-equal", "--compute", "5.76e23"}},
		{"compare_csv.golden", []string{"compare", "--format", "csv", "--law", "kaplan2020,chinchilla2022", "--compute", "1e21"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tt.name, out, errs)
		})
	}
}

// The acceptance numbers: Kaplan's 5.37x N and 1.86x D per 10x compute, Chinchilla's equal
// 3.16x and the printed Approach-3 constants' 2.83x.
func TestComparePublishedMultipliers(t *testing.T) {
	out, errs, code := runCLI(t, "", "compare")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"5.37x", "1.86x", "3.16x", "2.83x", "non-embedding", "N counts differ"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
}

// JSON keeps full precision: N_opt at the budgets, the loss only where the law has one,
// and the non-embedding note only when Kaplan's N sits beside Chinchilla's.
func TestCompareJSON(t *testing.T) {
	type doc struct {
		Budgets []float64 `json:"budgets"`
		Laws    []struct {
			Name        string  `json:"name"`
			A           float64 `json:"a"`
			NPer10x     float64 `json:"n_per_10x"`
			Allocations []struct {
				FLOPs float64  `json:"flops"`
				NOpt  float64  `json:"n_opt"`
				DOpt  float64  `json:"d_opt"`
				Loss  *float64 `json:"loss"`
			} `json:"allocations"`
		} `json:"laws"`
		Notes []string `json:"notes"`
	}
	tests := []struct {
		args      []string
		law       string
		wantN     float64 // N_opt at the first budget
		wantLoss  bool
		wantNote  bool
		wantLaws  int
		wantBudgs int
	}{
		{[]string{"--law", "kaplan2020-allocation", "--compute", "1e21"}, "kaplan2020-allocation", 4.68e9, false, false, 1, 1},
		{[]string{"--law", "kaplan2020,chinchilla2022-tex", "--compute", "1e21,5.76e23"}, "kaplan2020", 6.23e9, true, true, 2, 2},
		{[]string{"--law", "chinchilla2022-tex", "--compute", "5.76e23"}, "chinchilla2022-tex", 40.4e9, true, false, 1, 1},
		{[]string{"--law", "CHINCHILLA2022-EQUAL,chinchilla2022-equal", "--compute", "1.2e21"}, "chinchilla2022-equal", math.Sqrt(1.2e21 / 120), false, false, 1, 1},
	}
	for _, tt := range tests {
		out, errs, code := runCLI(t, "", append([]string{"compare", "--format", "json"}, tt.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errs)
		}
		var d doc
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("%v: not JSON: %v", tt.args, err)
		}
		if len(d.Laws) != tt.wantLaws || len(d.Budgets) != tt.wantBudgs {
			t.Fatalf("%v: %d laws, %d budgets; want %d, %d", tt.args, len(d.Laws), len(d.Budgets), tt.wantLaws, tt.wantBudgs)
		}
		for _, l := range d.Laws {
			if l.Name != tt.law {
				continue
			}
			al := l.Allocations[0]
			if math.Abs(al.NOpt-tt.wantN) > 0.002*tt.wantN {
				t.Errorf("%v: %s N_opt %.4g, want %.4g", tt.args, l.Name, al.NOpt, tt.wantN)
			}
			if (al.Loss != nil) != tt.wantLoss {
				t.Errorf("%v: %s loss present %v, want %v", tt.args, l.Name, al.Loss != nil, tt.wantLoss)
			}
		}
		note := strings.Contains(strings.Join(d.Notes, "\n"), "N counts differ")
		if note != tt.wantNote {
			t.Errorf("%v: non-embedding note %v, want %v (notes %q)", tt.args, note, tt.wantNote, d.Notes)
		}
	}
}

func TestCompareUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"compare", "--law", "nope"}, "unknown law"},
		{[]string{"compare", "--compute", "1e21,x"}, "--compute"},
		{[]string{"compare", "--compute", "0"}, "positive"},
		{[]string{"compare", "--format", "yaml"}, "--format"},
		{[]string{"compare", "--bootstrap", "10"}, "needs RUNS.csv"},
		{[]string{"compare", "a.csv", "b.csv"}, "arguments"},
	}
	for _, tt := range tests {
		_, errs, code := runCLI(t, "", tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "usage") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q with a usage hint", tt.args, code, errs, tt.want)
		}
	}
	if _, errs, code := runCLI(t, "", "compare", "no/such/runs.csv"); code != 2 || !strings.Contains(errs, "cannot read runs") {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}

// With runs, compare adds the user's Chinchilla Approach-3 and Kaplan L(N,D) fits and the
// verdict (on the Chinchilla fit). On Epoch's 240 runs Approach 3 has a = 0.514 (3.27x N per
// 10x compute, Epoch's refit) and the joint Kaplan form's frontier a = 0.547 (3.52x).
func TestCompareRunsGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 240 runs")
	}
	out, errs, code := runCLI(t, "", "compare", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "compare_chinchilla.golden", out, errs)
	for _, want := range []string{"your fit: kaplan L(N,D)", "0.547", "3.52x", "your fit: chinchilla A3", "3.27x",
		"verdict: Approach 3 (parametric fit) has a = 0.514: closer to Chinchilla's equal scaling"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// The verdict carries the bootstrap interval; --where and --law apply; the JSON has the
// fitted entries at full precision, and the synthetic law's a = 0.37/0.70 lies in the
// interval. (200 resamples: with 20, the interval's ends are the extremes of 20 draws and
// whether they hold the true a depends on the draws: 3 of seeds 1-5 miss it.)
func TestCompareRunsBootstrapJSON(t *testing.T) {
	out, errs, code := runCLI(t, "", "compare", repoFile("testdata", "synthetic.csv"), "--bootstrap", "200", "--seed", "1",
		"--law", "kaplan2020-allocation", "--compute", "1e21", "--where", "flops>=1e18", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var d struct {
		Runs    int    `json:"runs"`
		Verdict string `json:"verdict"`
		Laws    []struct {
			Name      string                `json:"name"`
			Source    string                `json:"source"`
			A         float64               `json:"a"`
			Intervals map[string][2]float64 `json:"intervals"`
		} `json:"laws"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Runs != 49 || len(d.Laws) < 2 {
		t.Fatalf("runs %d, %d laws; want 49 runs, 1 published + the fits", d.Runs, len(d.Laws))
	}
	trueA := 0.37 / (0.33 + 0.37)
	for _, l := range d.Laws[1:] {
		iv, ok := l.Intervals["a"]
		if l.Source != "fit" || !ok || !(iv[0] <= trueA && trueA <= iv[1]) {
			t.Errorf("%s: source %q, a %.4f, interval %v; want a fit whose interval holds %.4f", l.Name, l.Source, l.A, iv, trueA)
		}
	}
	if !strings.Contains(d.Verdict, "closer to Chinchilla's equal scaling") || !strings.Contains(d.Verdict, "[") {
		t.Errorf("verdict %q: want Chinchilla's side with an interval", d.Verdict)
	}
}

// Too few runs to fit: the published comparison still succeeds, and the failures are
// warnings.
func TestCompareRunsFitFailureIsWarning(t *testing.T) {
	csv := "params,tokens,loss\n1e8,2e9,3.5\n2e8,4e9,3.2\n4e8,8e9,3.0\n"
	out, errs, code := runCLI(t, csv, "compare", "-", "--law", "chinchilla2022-equal")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "scalefit: warning:") || !strings.Contains(errs, "too few runs") || strings.Contains(out, "verdict") {
		t.Errorf("want fit failures as warnings on stderr and no verdict:\n%s\nstderr:\n%s", out, errs)
	}
}
