package report

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
)

// D4: a non-finite number in an output document is an error naming its JSON path, in
// every format (WriteJSON and WritePlan check; commands check their documents before
// choosing a format).
func TestCheckFiniteNamesTheField(t *testing.T) {
	doc := &Document{SchemaVersion: 1, Fits: []Fit{
		{Law: "chinchilla", Approach: 3, Params: map[string]float64{"E": 1.8, "alpha": 0.34}},
		{Law: "chinchilla", Approach: 3, Allocations: []Allocation{{FLOPs: 1e21, NOpt: 1e9, DOpt: 2e10}, {FLOPs: 1e22, NOpt: 0, DOpt: math.Inf(1)}}},
	}}
	err := CheckFinite(doc)
	if err == nil || !strings.Contains(err.Error(), "fits[1].allocations[1].d_opt = +Inf") {
		t.Errorf("CheckFinite: %v", err)
	}
	var b strings.Builder
	if err := WriteJSON(&b, doc); err == nil || strings.Contains(err.Error(), "unsupported value") || b.Len() != 0 {
		t.Errorf("WriteJSON: %v, wrote %d bytes", err, b.Len())
	}
	doc.Fits[1].Allocations = nil
	doc.Fits[0].Params["alpha"] = math.NaN()
	if err := CheckFinite(doc); err == nil || !strings.Contains(err.Error(), "fits[0].params.alpha = NaN") {
		t.Errorf("CheckFinite map: %v", err)
	}
	doc.Fits[0].Params["alpha"] = 0.34
	if err := CheckFinite(doc); err != nil {
		t.Errorf("finite document: %v", err)
	}
	nan := math.NaN()
	plan := &PlanDocument{Rows: []PlanRow{{FLOPs: 1e21, Params: 1e9, Tokens: 2e10, Loss: &nan}}}
	for _, f := range []format.Output{format.Text, format.JSON, format.CSV, format.Markdown} {
		var w strings.Builder
		if err := WritePlan(&w, f, plan); err == nil || !strings.Contains(err.Error(), "rows[0].loss = NaN") {
			t.Errorf("WritePlan %v: %v", f, err)
		}
	}
}

// An unbounded interval end is an answer (null in JSON), not a degenerate number; NaN in an
// interval still is.
func TestCheckFiniteAllowsUnboundedIntervals(t *testing.T) {
	doc := &Document{SchemaVersion: 2, Fits: []Fit{{Law: "data-constrained", Params: map[string]float64{"R_N*": 9000},
		Intervals: map[string]fitfile.Interval{"R_N*": {12, math.Inf(1)}}}}}
	if err := CheckFinite(doc); err != nil {
		t.Errorf("unbounded end refused: %v", err)
	}
	doc.Fits[0].Intervals["R_N*"] = fitfile.Interval{math.NaN(), 3}
	if err := CheckFinite(doc); err == nil || !strings.Contains(err.Error(), "intervals.R_N*[0] = NaN") {
		t.Errorf("NaN end: %v", err)
	}
}
