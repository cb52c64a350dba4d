package plot

import (
	"bytes"
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/tasks"
)

func taskResult(actual float64) tasks.TaskResult {
	return tasks.TaskResult{Task: "mmlu", Max: 1, Step1: chinchilla.Law{E: 0.45, A: 38, B: 100, Alpha: 0.23, Beta: 0.24},
		Link:   tasks.Link{Kind: tasks.Sigmoid, Params: []float64{-0.74, 0.62, 4.8, 1}, Max: 1},
		Ladder: []tasks.LadderPoint{{Run: "a", Params: 1.9e8, Tokens: 4e9, TaskLoss: 1.2}, {Run: "b", Params: 1.3e9, Tokens: 2.6e10, TaskLoss: 0.95}},
		Step2X: []float64{1.3, 1.2, 1.0, 0.95, 0}, Step2Y: []float64{0.28, 0.3, 0.34, 0.37, 1}, Step2Run: []int{0, 0, 1, 1, -1},
		Predictions: []tasks.Prediction{{Run: "13B", Params: 13e9, Tokens: 5e12, TaskLoss: 0.75, TaskLossActual: actual, Metric: 0.51,
			MetricActual: actual, HasInterval: true, MetricInterval: [2]float64{0.43, 0.55}}}}
}

// A task figure draws both steps; the chained figure needs at least one actual value.
func TestTaskFigures(t *testing.T) {
	tr := taskResult(0.516)
	f, err := TaskFigure(&tr)
	if err != nil || len(f.Panels) != 2 {
		t.Fatalf("TaskFigure: %v", err)
	}
	var b bytes.Buffer
	if err := f.WriteTo(&b, "svg"); err != nil || !bytes.Contains(b.Bytes(), []byte("step 2")) {
		t.Errorf("svg: %v", err)
	}
	res := &tasks.Result{Targets: []tasks.Target{{Run: "13B"}}, Tasks: []tasks.TaskResult{tr}}
	if _, err := ChainedFigure(res); err != nil {
		t.Errorf("ChainedFigure: %v", err)
	}
	res.Tasks[0] = taskResult(math.NaN())
	if _, err := ChainedFigure(res); !IsUnsupported(err) {
		t.Errorf("ChainedFigure without actuals: err %v, want Unsupported", err)
	}
	dir := t.TempDir()
	files, err := TaskFigures(dir, res, "svg")
	if err != nil || len(files) != 1 {
		t.Errorf("TaskFigures: %v %v, want the task figure only", files, err)
	}
}
