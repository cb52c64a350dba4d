package report

import (
	"strings"
	"testing"
)

func TestOutsideIntervals(t *testing.T) {
	loss := 2.0
	rows := []PlanRow{
		{FLOPs: 2.13e26, FLOPsInterval: &[2]float64{1.01e20, 6.02e25}},
		{Params: 7e9, ParamsInterval: &[2]float64{6e9, 8e9}, Loss: &loss, LossInterval: &[2]float64{2.1, 2.2}},
	}
	w := outsideIntervals(rows)
	if len(w) != 2 || w[0].Code != CodeOutsideInterval || !strings.Contains(w[0].Msg, "row 1: FLOPs 2.13e26") || !strings.Contains(w[1].Msg, "row 2: loss") {
		t.Errorf("warnings %q", w)
	}
}

func TestLoss4(t *testing.T) {
	for in, want := range map[float64]string{2.22214: "2.2221", 1.5e76: "1.500e76"} {
		if got := loss4(in); got != want {
			t.Errorf("loss4(%g) = %q, want %q", in, got, want)
		}
	}
}
