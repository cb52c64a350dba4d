package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var tasksArgs = []string{"tasks", repoFile("testdata", "olmo_ladder_tasks.csv"), "--task-col", "task", "--task-loss-col", "task_bpb", "--metric-col", "task_acc"}

// tasks --format json follows DESIGN.md §6 and carries the warnings; the table names every
// target; figures are written with --plots.
func TestTasksJSONTableAndPlots(t *testing.T) {
	out, stderr, code := runCLI(t, "", append(tasksArgs, "--holdout", "params>=5e9", "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Tasks []struct {
			Task        string
			Predictions []struct {
				Run            string
				Params         float64
				Tokens         float64
				TaskLoss       float64  `json:"task_loss"`
				TaskLossActual *float64 `json:"task_loss_actual"`
				Metric         float64
				MetricInterval *[2]float64 `json:"metric_interval"`
				MetricActual   *float64    `json:"metric_actual"`
			}
		}
		Warnings []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tasks) != 8 || doc.Tasks[0].Task != "mmlu_avg_test" || len(doc.Tasks[0].Predictions) != 2 {
		t.Fatalf("tasks %+v", doc.Tasks)
	}
	p := doc.Tasks[0].Predictions[1]
	if p.Run != "13B-5T" || math.Abs(p.Metric-0.5127) > 0.001 || p.MetricActual == nil || math.Abs(*p.MetricActual-0.5161) > 0.001 ||
		p.TaskLossActual == nil || math.Abs(p.TaskLoss-0.7502) > 0.001 || p.MetricInterval != nil || math.Abs(p.Tokens/5e12-1) > 1e-4 {
		t.Errorf("13B MMLU %+v", p)
	}
	codes := map[string]bool{}
	for _, w := range doc.Warnings {
		codes[w.Code] = true
	}
	if !codes["metric-below-chance"] || !strings.Contains(stderr, "warning: mmlu_avg_test: metric-below-chance") {
		t.Errorf("warnings %v, stderr %q: want metric-below-chance in both", codes, stderr)
	}
	dir := t.TempDir()
	out, stderr, code = runCLI(t, "", append(tasksArgs, "--holdout", "params>=5e9", "--predict", "70B:15T")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	md, _, _ := runCLI(t, "", append(tasksArgs, "--holdout", "params>=5e9", "--format", "markdown", "--plots", dir)...)
	if !strings.Contains(md, "## Downstream tasks: olmo_ladder_tasks.csv") || !strings.Contains(md, "chained.png)") {
		t.Errorf("markdown section:\n%s", md)
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"7B-4T (held-out run)", "13B-5T (held-out run)", "70B:15T (projection)", "mean |error|", "csqa_val"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	for _, f := range []string{"task-mmlu_avg_test.png", "task-csqa_val.png", "chained.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Bad input and bad flags exit 2 with a message; nothing to predict is a usage error.
func TestTasksErrors(t *testing.T) {
	few := "run,params,tokens,task,bpb,acc\n" + "r1,1e8,1e9,a,1.2,0.3\nr2,2e8,2e9,a,1.1,0.35\nr1,1e8,2e9,a,1.15,0.31\nr2,2e8,4e9,a,1.05,0.36\n" + "big,1e10,1e11,a,0.9,0.5\n"
	cols := []string{"--task-col", "task", "--task-loss-col", "bpb", "--metric-col", "acc"}
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		msg   string
	}{
		{"few runs", few, append([]string{"tasks", "-", "--holdout", "params>=5e9"}, cols...), "task a has 2 ladder runs: want at least 5"},
		{"no target", "", append(append([]string{}, tasksArgs[:2]...), "--task-col", "task", "--task-loss-col", "task_bpb", "--metric-col", "task_acc"), "nothing to predict"},
		{"holdout matches nothing", "", append(append([]string{}, tasksArgs...), "--holdout", "params>1e15"), "matches no rows"},
		{"bad projection", "", append(append([]string{}, tasksArgs...), "--predict", "7B"), "want N:D pairs"},
		{"missing metric column", "", []string{"tasks", tasksArgs[1], "--task-col", "task", "--task-loss-col", "task_bpb", "--metric-col", "nope", "--holdout", "params>=5e9"}, `no column "nope"`},
		{"bad link", "", append(append([]string{}, tasksArgs...), "--holdout", "params>=5e9", "--link", "probit"), "want sigmoid or exp"},
	} {
		_, stderr, code := runCLI(t, c.stdin, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%s: exit %d, stderr %q: want 2 and %q", c.name, code, stderr, c.msg)
		}
	}
}
