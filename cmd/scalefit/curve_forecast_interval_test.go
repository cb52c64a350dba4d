package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/report"
)

// curve forecast's JSON carries the bootstrap's interval and the backtest's error rate next to
// the interval; on a run that drifts away from its prior law, the interval contains the
// bootstrap's and is wider, and --no-backtest gives the bootstrap's alone.
func TestCurveForecastBacktestJSON(t *testing.T) {
	dir := t.TempDir()
	law := curve.Params{Law: curve.LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5, Lambda: curve.DefaultLambda}
	spec := "cosine:warmup=500,steps=10000,peak=3e-4,final=3e-5"
	sc, _ := curve.Parse(spec)
	var steps []int
	for s := 600; s <= 5000; s += 50 {
		steps = append(steps, s)
	}
	loss := curve.Predict(law, sc.LRs(), steps)
	var sb strings.Builder
	sb.WriteString("run,step,loss\n")
	for i, s := range steps {
		// 1% higher per e-fold of steps beyond 600: a drift the law does not have
		fmt.Fprintf(&sb, "r,%d,%.6f\n", s, loss[i]*(1+0.01*logRatio(s, 600)))
	}
	run := filepath.Join(dir, "run.csv")
	os.WriteFile(run, []byte(sb.String()), 0o644)
	b, _ := json.Marshal(report.CurveDocument{SchemaVersion: 1, Kind: "curve-fit", CurveFit: &report.CurveFit{Law: law.Law, Params: law.Map()}})
	prior := filepath.Join(dir, "curve.json")
	os.WriteFile(prior, b, 0o644)
	type out struct {
		Forecast  float64    `json:"forecast"`
		Interval  [2]float64 `json:"interval"`
		Bootstrap [2]float64 `json:"bootstrap_interval"`
		Rate      float64    `json:"backtest_error_rate"`
	}
	get := func(extra ...string) out {
		stdout, errs, code := runCLI(t, "", append([]string{"curve", "forecast", run, "--schedule", spec, "--fit", prior, "--format", "json", "--bootstrap", "30"}, extra...)...)
		var o out
		if err := json.Unmarshal([]byte(stdout), &o); err != nil || code != 0 {
			t.Fatalf("exit %d, %v: %s", code, err, errs)
		}
		return o
	}
	with := get()
	if !(with.Rate > 0) || !(with.Interval[0] < with.Bootstrap[0] && with.Bootstrap[1] < with.Interval[1]) ||
		!(with.Interval[0] <= with.Forecast && with.Forecast <= with.Interval[1]) {
		t.Errorf("with the backtest: %+v; want a positive error rate and the interval around the bootstrap's", with)
	}
	without := get("--no-backtest")
	if without.Rate != 0 || without.Bootstrap != with.Bootstrap || without.Interval[0] > without.Bootstrap[0] || without.Interval[1] < without.Bootstrap[1] ||
		without.Interval[1]-without.Interval[0] >= with.Interval[1]-with.Interval[0] {
		t.Errorf("--no-backtest: %+v; want the bootstrap's interval %v (with the prior's own error, if known), narrower than with the backtest", without, with.Bootstrap)
	}
}

func logRatio(a, b int) float64 {
	r := float64(a) / float64(b)
	if r <= 1 {
		return 0
	}
	return math.Log(r)
}
