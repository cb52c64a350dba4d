package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/report"
)

// Chinchilla's printed law at 70B params, 1.4T tokens: 1.69 + 406.4/70e9^0.34 + 410.7/1.4e12^0.28.
func TestPredictChinchilla(t *testing.T) {
	out, errOut, code := runCLI(t, "", "predict", "--law", "chinchilla2022", "--params", "70B", "--tokens", "1.4T", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := 1.69 + 406.4/math.Pow(70e9, 0.34) + 410.7/math.Pow(1.4e12, 0.28)
	if len(doc.Rows) != 1 || math.Abs(*doc.Rows[0].Loss-want) > 1e-12 || math.Abs(want-1.9367) > 1e-4 {
		t.Errorf("rows %+v, want loss %g", doc.Rows, want)
	}
	if doc.Rows[0].FLOPs != 6*70e9*1.4e12 {
		t.Errorf("FLOPs %g", doc.Rows[0].FLOPs)
	}
}

func TestPredictGolden(t *testing.T) {
	out, errOut, code := runCLI(t, "", "predict", "--law", "chinchilla2022", "--params", "400M,1B,70B", "--tokens", "1.4T")
	if code != 0 {
		t.Fatal(errOut)
	}
	golden(t, "predict_chinchilla.golden", out, errOut)
	out, errOut, code = runCLI(t, "", "predict", "--law", "epoch2024", "--params", "1B,7B", "--tokens", "20B,140B", "--format", "markdown")
	if code != 0 {
		t.Fatal(errOut)
	}
	golden(t, "predict_epoch_markdown.golden", out, errOut)
}

func TestPredictPairing(t *testing.T) {
	tests := []struct {
		params, tokens string
		rows           int
	}{
		{"1B", "20B,40B,80B", 3},
		{"1B,2B", "20B", 2},
		{"1B,2B", "20B,40B", 2},
	}
	for _, tt := range tests {
		out, errOut, code := runCLI(t, "", "predict", "--law", "chinchilla2022", "--params", tt.params, "--tokens", tt.tokens, "--format", "json")
		if code != 0 {
			t.Fatal(errOut)
		}
		var doc report.PlanDocument
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Rows) != tt.rows {
			t.Errorf("%s x %s: %d rows, want %d", tt.params, tt.tokens, len(doc.Rows), tt.rows)
		}
	}
}

func TestPredictErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"length mismatch", []string{"--law", "chinchilla2022", "--params", "1B,2B", "--tokens", "1B,2B,3B"}, "want equal lengths"},
		{"no tokens", []string{"--law", "chinchilla2022", "--params", "1B"}, "needs --params N and --tokens D"},
		{"zero params", []string{"--law", "chinchilla2022", "--params", "0", "--tokens", "1T"}, "want a positive number"},
		{"allocation rule", []string{"--law", "kaplan2020-allocation", "--params", "1B", "--tokens", "1T"}, "no loss law"},
		{"no law", []string{"--params", "1B", "--tokens", "1T"}, "no law given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", append([]string{"predict"}, tt.args...)...)
			if code != exitError || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitError, tt.want)
			}
		})
	}
}

// Kaplan's joint law predicts loss too.
func TestPredictKaplan(t *testing.T) {
	out, errOut, code := runCLI(t, "", "predict", "--law", "kaplan2020", "--params", "1B", "--tokens", "1T", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := math.Pow(math.Pow(6.4e13/1e9, 0.076/0.103)+1.8e13/1e12, 0.103)
	if math.Abs(*doc.Rows[0].Loss-want) > 1e-12 {
		t.Errorf("loss %g, want %g", *doc.Rows[0].Loss, want)
	}
}

// A fit.json with draws and a range: a 95% interval (E's percentiles 1.605..1.795 plus the
// reducible loss) and a warning for a point far beyond the fitted compute.
func TestPredictFromFitIntervalAndExtrapolation(t *testing.T) {
	path := writeFitJSON(t, 401, [2]float64{1e18, 1.3e22})
	out, errOut, code := runCLI(t, "", "predict", "--fit", path, "--params", "1B,100B", "--tokens", "20B,16.6667T")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, w := range []string{"loss 95%", "x largest run", "C = 1e25 is 769.23x the largest fitted run (1.30e22 FLOPs)"} {
		if !strings.Contains(out+errOut, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Count(errOut, "is ") != 1 {
		t.Errorf("want one extrapolation warning on stderr (1B x 20B = 1.2e20 is inside the range):\n%s", errOut)
	}
	out, _, _ = runCLI(t, "", "predict", "--fit", path, "--params", "1B", "--tokens", "20B", "--format", "json")
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Rows[0]
	red := *r.Loss - 1.69
	if r.LossInterval == nil || math.Abs(r.LossInterval[0]-(1.605+red)) > 1e-9 || math.Abs(r.LossInterval[1]-(1.795+red)) > 1e-9 {
		t.Errorf("interval %v, want [%g, %g]", r.LossInterval, 1.605+red, 1.795+red)
	}
	if r.Extrapolation == nil || math.Abs(*r.Extrapolation-1.2e20/1.3e22) > 1e-12 {
		t.Errorf("extrapolation %v", r.Extrapolation)
	}
}

// The datablations README's two losses for 25B unique tokens (Muennighoff et al. 2023).
func TestPredictUniqueTokens(t *testing.T) {
	out, errs, code := runCLI(t, "", "predict", "--law", "muennighoff2023", "--params", "6.34e9,8.67e9",
		"--tokens", "242e9,178e9", "--unique-tokens", "25e9", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{2.22564, 2.22696} {
		r := doc.Rows[i]
		if math.Abs(*r.Loss-want) > 1e-4 || *r.Epochs <= 1 || *r.LossPenalty <= 0 {
			t.Errorf("row %d: loss %g (want %g), epochs %v, penalty %v", i, *r.Loss, want, *r.Epochs, *r.LossPenalty)
		}
	}
	if _, _, code := runCLI(t, "", "predict", "--law", "chinchilla2022", "--params", "1B", "--tokens", "20B", "--rd-star", "3"); code != 2 {
		t.Errorf("--rd-star without --unique-tokens: exit %d, want 2", code)
	}
}
