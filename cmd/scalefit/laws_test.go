package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestLawsGolden(t *testing.T) {
	for _, tt := range []struct{ format, file string }{
		{"table", "laws.golden"},
		{"markdown", "laws_markdown.golden"},
		{"csv", "laws_csv.golden"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out, errs, code := runCLI(t, "", "laws", "--format", tt.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tt.file, out, errs)
		})
	}
}

// The JSON lists every built-in law at full precision; the numbers are the ones the
// catalogue is pinned to.
func TestLawsJSON(t *testing.T) {
	out, errs, code := runCLI(t, "", "laws", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Laws []struct {
			Name         string             `json:"name"`
			Constants    map[string]float64 `json:"constants"`
			A            float64            `json:"a"`
			NPer10x      float64            `json:"n_per_10x"`
			DPer10x      float64            `json:"d_per_10x"`
			NonEmbedding bool               `json:"non_embedding"`
			HasLoss      bool               `json:"predicts_loss"`
			Citation     string             `json:"citation"`
		} `json:"laws"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string]struct {
		a, n, d  float64
		nonEmb   bool
		hasLoss  bool
		constant string
	}{
		"kaplan2020":            {0.5754, 3.762, 2.658, true, true, "alpha_D"},
		"kaplan2020-allocation": {0.73, 5.370, 1.862, true, false, "N_exp"},
		"chinchilla2022":        {0.4516, 2.829, 3.535, false, true, "alpha"},
		"chinchilla2022-equal":  {0.5, 3.162, 3.162, false, false, "N_coef"},
		"epoch2024":             {0.5139, 3.265, 3.063, false, true, "beta"},
	}
	seen := 0
	for _, l := range doc.Laws {
		if l.Citation == "" {
			t.Errorf("%s has no citation", l.Name)
		}
		w, ok := want[l.Name]
		if !ok {
			continue
		}
		seen++
		if math.Abs(l.A-w.a) > 1e-4 || math.Abs(l.NPer10x-w.n) > 1e-3 || math.Abs(l.DPer10x-w.d) > 1e-3 {
			t.Errorf("%s: a %.5f, %.4fx N, %.4fx D; want %.4f, %.3fx, %.3fx", l.Name, l.A, l.NPer10x, l.DPer10x, w.a, w.n, w.d)
		}
		if l.NonEmbedding != w.nonEmb || l.HasLoss != w.hasLoss {
			t.Errorf("%s: non_embedding %v predicts_loss %v; want %v %v", l.Name, l.NonEmbedding, l.HasLoss, w.nonEmb, w.hasLoss)
		}
		if _, ok := l.Constants[w.constant]; !ok {
			t.Errorf("%s: constants %v lack %s", l.Name, l.Constants, w.constant)
		}
	}
	if seen != len(want) || len(doc.Laws) < 8 {
		t.Errorf("listed %d laws (%d of the pinned ones), want at least 8 with all %d pinned", len(doc.Laws), seen, len(want))
	}
}

func TestLawsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"laws", "extra"},
		{"laws", "--format", "xml"},
	} {
		_, errs, code := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errs, "usage") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a usage hint", args, code, errs)
		}
	}
}
