package report

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"testing"

	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/warn"
)

func TestWriteRowsCSV(t *testing.T) {
	loss := 2.22212927
	rows := []PlanRow{{FLOPs: 1e22, Params: 7.026e9, Tokens: 237.2e9, TokensPerParam: 33.76, Loss: &loss,
		ParamsInterval: &[2]float64{6.9e9, 7.1e9}}, {FLOPs: 1e23, Params: 2e10, Tokens: 8e11, TokensPerParam: 40}}
	var b bytes.Buffer
	if err := WriteRowsCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"flops", "params", "tokens", "tokens_per_param", "loss", "params_interval_lo", "params_interval_hi"}
	if len(recs) != 3 || len(recs[0]) != len(want) {
		t.Fatalf("records %q", recs)
	}
	for i, h := range want {
		if recs[0][i] != h {
			t.Errorf("column %d = %q, want %q", i, recs[0][i], h)
		}
	}
	if v, err := strconv.ParseFloat(recs[1][4], 64); err != nil || v != loss {
		t.Errorf("loss %q: full precision lost", recs[1][4])
	}
	if recs[2][4] != "" || recs[2][5] != "" {
		t.Errorf("absent fields must be empty cells: %q", recs[2])
	}
}

func TestWriteFitCSV(t *testing.T) {
	conv := true
	d := &Document{Fits: []Fit{{Law: "chinchilla", Approach: 3, Params: map[string]float64{"E": 1.8, "A": 400, "B": 2000, "alpha": 0.34, "beta": 0.36},
		Intervals: map[string]fitfile.Interval{"E": {1.7, 1.9}}, A: F(0.51), B: F(0.49), Objective: F(1e-3), Converged: &conv, Status: "GradientThreshold",
		Allocations: []Allocation{{FLOPs: 1e22, NOpt: 9e9, DOpt: 1.8e11, TokensPerParam: 20, Loss: 2.14}}, Warnings: warn.List{{Code: "not-converged", Msg: "w1"}}}},
		Warnings: warn.List{{Code: "not-converged", Msg: "w1", Source: "approach 3"}, {Code: "duplicate-runs", Msg: "lines 2, 4"}}}
	var b bytes.Buffer
	if err := WriteFitCSV(&b, d); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range recs[1:] {
		if len(r) != 10 {
			t.Fatalf("ragged row %q", r)
		}
		count[r[3]]++
		if r[3] == "param" && r[5] == "E" && (r[6] != "1.8" || r[7] != "1.7" || r[8] != "1.9") {
			t.Errorf("E row %q", r)
		}
	}
	if count["param"] != 5 || count["exponent"] != 2 || count["allocation"] != 4 || count["warning"] != 2 {
		t.Errorf("rows by kind %v (the fit's own warning once, the duplicate-runs warning once)", count)
	}
}
