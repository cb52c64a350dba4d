package report

import (
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
)

func TestCurveMarkdown(t *testing.T) {
	p := curve.PublishedLaws[2].Params
	fit := NewCurveFit("", p, nil, []curve.Score{{Run: "cosine_72000", Points: 545, PredE: 0.00202, WorstE: 0.0091}})
	fc := &CurveForecast{Run: "r1", Step: 71999, Forecast: 2.91, Interval: [2]float64{2.89, 2.93}, ObservedStep: 35999, Fraction: 0.5, Verdict: "pass"}
	md := CurveMarkdown([]CurveFit{fit}, []*CurveForecast{fc}, []Figure{{Kind: "curves", File: "curves.png", Caption: "Loss curves"}})
	for _, want := range []string{"## Loss curves", "| L0 | 2.375 |", "| cosine_72000 | 545 | 0.00202 | 0.00910 |",
		"| r1 | 35999 (50.0%) | 71999 | 2.910 | [2.890, 2.930] | pass |", "![Loss curves](curves.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q in\n%s", want, md)
		}
	}
	if got := CurveMarkdown(nil, nil, nil); !strings.Contains(got, "No curves.") {
		t.Errorf("empty section: %q", got)
	}
}
