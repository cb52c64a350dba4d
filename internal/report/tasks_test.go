package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/tasks"
	"github.com/scalefit/scalefit/internal/warn"
)

func tasksResult() *tasks.Result {
	tr := tasks.TaskResult{Task: "mmlu", Chance: 0.25, Max: 1, Step1: chinchilla.Law{E: 0.45, A: 38, B: 100, Alpha: 0.23, Beta: 0.24},
		Step1Converged: true, Link: tasks.Link{Kind: tasks.Sigmoid, Params: []float64{-0.74, 0.62, 4.8, 1}, Max: 1, SSE: 0.01},
		Step2X: []float64{1, 0.9, 0}, Step2Y: []float64{0.3, 0.35, 1}, Step2Run: []int{0, 0, -1}, Noise: 0.0015,
		Ladder:   []tasks.LadderPoint{{Run: "190M", Params: 1.9e8, Tokens: 4e9, TaskLoss: 1, Metric: 0.3}},
		Warnings: []warn.Warning{{Code: "within-noise", Msg: "13B: small change", Group: "mmlu"}},
		Predictions: []tasks.Prediction{
			{Run: "13B", Params: 13.2e9, Tokens: 5e12, TaskLoss: 0.7502, TaskLossActual: 0.7488, Metric: 0.5127, MetricActual: 0.5161, MetricStep2: 0.51,
				HasInterval: true, MetricInterval: [2]float64{0.433, 0.550}, TaskLossInterval: [2]float64{0.74, 0.76}},
			{Run: "70B:15T", Params: 70e9, Tokens: 15e12, TaskLoss: 0.7, TaskLossActual: math.NaN(), Metric: 0.56, MetricActual: math.NaN(), MetricStep2: math.NaN()},
		}}
	return &tasks.Result{Source: "dir/ladder.csv", Options: tasks.Options{Last: 5, Skip: 0.1, Smooth: 5, Link: tasks.Sigmoid, Bootstrap: 1000, Seed: 1, Level: 0.95},
		Targets: []tasks.Target{{Run: "13B"}, {Run: "70B:15T", Hypothetical: true}}, Tasks: []tasks.TaskResult{tr}, Warnings: tr.Warnings}
}

// The document omits unknown actual values (NaN) instead of failing to encode them; the
// tables show the error only where an actual exists; the Markdown section is
// self-contained (heading, recipe, tables, figures, qualified warnings).
func TestTasksDocumentTablesMarkdown(t *testing.T) {
	doc := TasksDocumentFrom(tasksResult())
	var js bytes.Buffer
	if err := WriteJSON(&js, doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"task": "mmlu"`, `"metric_interval": [`, `"metric_actual": 0.5161`, `"hypothetical": true`, `"metric_interval": null`, `"code": "within-noise"`} {
		if !strings.Contains(js.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, js.String())
		}
	}
	if strings.Count(js.String(), `"metric_actual"`) != 1 {
		t.Errorf("metric_actual should appear once (the projection has none):\n%s", js.String())
	}
	var tb bytes.Buffer
	if err := RenderAll(&tb, format.Text, TasksTables(doc), doc.Warnings); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"13B (held-out run): N = 13.2B, D = 5.00T", "[0.433, 0.550]", "-0.003", "70B:15T (projection)", "mean |error| 0.003 over 1 tasks"} {
		if !strings.Contains(tb.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, tb.String())
		}
	}
	var csv bytes.Buffer
	if err := WriteRowsCSV(&csv, TasksRows(doc)); err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(csv.String(), "\n", 2)[0]; !strings.HasPrefix(first, "task,run,params,tokens") || !strings.Contains(first, "metric_interval_lo") {
		t.Errorf("CSV header %q", first)
	}
}
