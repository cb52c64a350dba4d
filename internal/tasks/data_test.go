package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/runs"
)

// TestD19TasksLoader (issue 26, D19): --skip-invalid skips a row whose metric is "n/a"
// (it failed the whole input), and a checkpoint given twice, or a chance level outside
// [0, max), is refused naming the line (both were accepted).
func TestD19TasksLoader(t *testing.T) {
	cols := Columns{Task: "task", TaskLoss: "bpb", Metric: "acc"}
	const head = "run,params,tokens,task,bpb,acc\n"
	good := "a,1e8,1e9,t,1.2,0.3\na,1e8,2e9,t,1.1,0.32\n"
	na := head + good + "a,1e8,3e9,t,1.0,n/a\n"
	if _, err := LoadFiles([]string{write(t, "na.csv", na)}, nil, runs.Options{}, cols, ""); err == nil || !strings.Contains(err.Error(), `na.csv:4:6: metric "n/a"`) {
		t.Errorf("n/a metric: %v, want an error at 4:6", err)
	}
	d, err := LoadFiles([]string{write(t, "na.csv", na)}, nil, runs.Options{SkipInvalid: true}, cols, "")
	codes := ""
	if d != nil {
		for _, w := range d.Warnings {
			codes += w.Code + " "
		}
	}
	if err != nil || d.Skipped != 1 || len(d.Tasks[0].Ladder[0].Checkpoints) != 2 || !strings.Contains(codes, "skipped-rows") {
		t.Errorf("n/a metric with --skip-invalid: %+v, %v: want the row skipped and a skipped-rows warning", d, err)
	}
	dup := head + good + "a,1e8,2e9,t,1.05,0.33\n"
	if _, err := LoadFiles([]string{write(t, "dup.csv", dup)}, nil, runs.Options{}, cols, ""); err == nil || !strings.Contains(err.Error(), "dup.csv:4: run \"a\" has a checkpoint at 2e+09 tokens on task \"t\" twice (also line 3)") {
		t.Errorf("a checkpoint twice: %v", err)
	}
	for _, c := range []string{"-5", "0.9"} {
		in := "run,params,tokens,task,bpb,acc,acc_chance,acc_max\na,1e8,1e9,t,1.2,0.3," + c + ",0.8\n"
		if _, err := LoadFiles([]string{write(t, "chance.csv", in)}, nil, runs.Options{}, cols, ""); err == nil || !strings.Contains(err.Error(), "chance level "+c) {
			t.Errorf("chance %s with maximum 0.8: %v, want it refused", c, err)
		}
	}
}

// write writes text to a file of the test's temporary directory and returns its path.
func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
