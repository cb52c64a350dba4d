package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/versus"
)

func TestVersusVerdict(t *testing.T) {
	iv := &versus.Interval{Lo: 0.55, Hi: 0.70}
	inf := math.Inf(1)
	for _, tt := range []struct {
		c    versus.Comparison
		want string
	}{
		{versus.Comparison{Group: "B", Trend: "narrowing", Multipliers: []versus.Point{
			{FLOPs: 1e19, Value: 0.5}, {FLOPs: 1e21, Value: 0.62, Interval: iv}, {FLOPs: 1e23, Value: 0.8, Extrapolated: true}}},
			"B needs 0.62x [0.550, 0.700] the compute of A at 1e21, narrowing with scale; no crossover below 1e25"},
		{versus.Comparison{Group: "C", Trend: "crossing", Multipliers: []versus.Point{{FLOPs: 1e19, Value: 2, Extrapolated: true}},
			Crossover: &versus.Crossover{FLOPs: 3e23, Interval: &versus.Interval{Lo: 1e23, Hi: inf}, BetterAbove: "C", Extrapolated: true}},
			"C needs 2.00x the compute of A at 1e19 (extrapolated), reversing with scale; crossover at 3e23 (extrapolated) [1e23, inf], C better above it"},
		{versus.Comparison{Group: "D", Trend: "widening", Multipliers: []versus.Point{{FLOPs: 1e21, Value: inf, Extrapolated: true}}},
			"D never reaches the loss A reaches at 1e21 (extrapolated), widening with scale; no crossover below 1e25"},
	} {
		r := &versus.Result{Reference: "A", CrossoverMax: 1e25, Comparisons: []versus.Comparison{tt.c}}
		if got := VersusVerdict(r, tt.c); got != tt.want {
			t.Errorf("verdict\n got %q\nwant %q", got, tt.want)
		}
		// JSON has no infinities: they are null
		var b bytes.Buffer
		if err := WriteJSON(&b, VersusDoc(r, "x.csv")); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(b.Bytes(), &d); err != nil {
			t.Fatalf("%v: %s", err, b.String())
		}
		if strings.Contains(b.String(), "Inf") {
			t.Errorf("JSON holds an infinity: %s", b.String())
		}
	}
}
