package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"
)

// mplPoints reads the train curves of one model size of testdata/mpl_curves.csv (the
// step-24000 points of the 24,000-step runs dropped, as mplFiles does): run ids in first-seen
// order and each run's (step, loss) text.
func mplPoints(t *testing.T, size string) (order []string, pts map[string][][2]string) {
	t.Helper()
	recs := testutil.ReadCSV(t, "mpl_curves.csv")
	pts = map[string][][2]string{}
	for _, r := range recs[1:] {
		if r[0] != size || r[2] != "train" || (strings.HasSuffix(r[1], "_24000") && r[3] == "24000") {
			continue
		}
		if _, ok := pts[r[1]]; !ok {
			order = append(order, r[1])
		}
		pts[r[1]] = append(pts[r[1]], [2]string{r[3], r[4]})
	}
	return order, pts
}

// The curve commands read every layout of the runs reader: a JSON Lines log, a W&B wide
// export (with its __MIN/__MAX companions and blanks), a W&B long export (Name, _step,
// train_loss) and a folder of one file per run (run id = file stem) give the same fitted
// law as the plain CSV.
func TestCurveFitEveryLayout(t *testing.T) {
	_, _, meta := mplFiles(t, "25M")
	order, pts := mplPoints(t, "25M")
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var plain, jsonl, long strings.Builder
	plain.WriteString("run,step,loss\n")
	long.WriteString("Name,_step,train_loss\n")
	for _, run := range order {
		var one strings.Builder
		one.WriteString("step,loss\n")
		for _, p := range pts[run] {
			fmt.Fprintf(&plain, "%s,%s,%s\n", run, p[0], p[1])
			fmt.Fprintf(&jsonl, "{\"run\": %q, \"step\": %s, \"loss\": %s, \"tokens\": 0}\n", run, p[0], p[1])
			fmt.Fprintf(&long, "%s,%s,%s\n", run, p[0], p[1])
			fmt.Fprintf(&one, "%s,%s\n", p[0], p[1])
		}
		write(filepath.Join("perrun", run+".csv"), one.String())
	}
	// The wide export: one row per step, columns "<run> - loss" (and companions), blank
	// where a run logged nothing at that step.
	at := map[string]map[int]string{}
	steps := map[int]bool{}
	for _, run := range order {
		at[run] = map[int]string{}
		for _, p := range pts[run] {
			s, _ := strconv.Atoi(p[0])
			at[run][s], steps[s] = p[1], true
		}
	}
	var xs []int
	for s := range steps {
		xs = append(xs, s)
	}
	sort.Ints(xs)
	var wide strings.Builder
	wide.WriteString("Step")
	for _, run := range order {
		fmt.Fprintf(&wide, ",%s - train/loss,%s - train/loss__MIN,%s - train/loss__MAX", run, run, run)
	}
	wide.WriteString("\n")
	for _, s := range xs {
		wide.WriteString(strconv.Itoa(s))
		for _, run := range order {
			v := at[run][s]
			fmt.Fprintf(&wide, ",%s,%s,%s", v, v, v)
		}
		wide.WriteString("\n")
	}
	fit := func(args ...string) map[string]float64 {
		t.Helper()
		out, errs, code := runCLI(t, "", append(append([]string{"curve", "fit"}, args...), "--meta", meta, "--format", "json")...)
		var doc struct {
			Params map[string]float64 `json:"params"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Params) == 0 {
			t.Fatalf("curve fit %v: exit %d, %s", args, code, errs)
		}
		return doc.Params
	}
	want := fit(write("plain.csv", plain.String()))
	for name, args := range map[string][]string{
		"jsonl":        {write("log.jsonl", jsonl.String())},
		"wandb wide":   {write("wide.csv", wide.String())},
		"wandb long":   {write("long.csv", long.String())},
		"folder":       {filepath.Join(dir, "perrun")},
		"glob":         {filepath.Join(dir, "perrun", "*.csv")},
		"forced jsonl": {write("log.txt", jsonl.String()), "--input-format", "jsonl"},
	} {
		got := fit(args...)
		for k, v := range want {
			if math.Abs(got[k]-v) > 1e-9*math.Abs(v) {
				t.Errorf("%s: %s = %.10g, from the CSV %.10g", name, k, got[k], v)
			}
		}
	}
}

// The curve checks still name file:line whatever the layout, and the shared input flags
// apply: --skip-invalid skips an unreadable loss (with a warning), --run-pattern and --where
// read columns of the run id and filter points.
func TestCurveInputErrorsAnyLayout(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := "constant:warmup=10,steps=1000,peak=1e-3"
	lines := func(steps ...int) string {
		var b strings.Builder
		for i, s := range steps {
			fmt.Fprintf(&b, "{\"run\": \"a\", \"step\": %d, \"loss\": %g}\n", s, 3-0.01*float64(i))
		}
		return b.String()
	}
	nine := []int{100, 200, 300, 400, 500, 600, 700, 800, 900}
	cases := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"unsorted jsonl", []string{write("u.jsonl", lines(100, 300, 200, 400, 500, 600, 700, 800, 900, 950))}, "u.jsonl:3: run \"a\": step 200 after step 300", 2},
		{"duplicate jsonl", []string{write("d.jsonl", lines(100, 200, 200, 400, 500, 600, 700, 800, 900, 950))}, "d.jsonl:3: run \"a\": duplicate step 200", 2},
		{"few jsonl", []string{write("f.jsonl", lines(1, 2))}, "f.jsonl:1: run \"a\" has 2 points where the law is defined: want at least 3", 2},
		{"beyond jsonl", []string{write("b.jsonl", lines(append(nine, 1001)...))}, "b.jsonl:10: run \"a\": step 1001 is beyond the schedule", 2},
		{"bad loss", []string{write("l.jsonl", lines(nine...)+"{\"run\": \"a\", \"step\": 950, \"loss\": \"x\"}\n")}, "l.jsonl:10", 2},
		{"split run", []string{write("p1.csv", "run,step,loss\na,1,3\n"), write("p2.csv", "run,step,loss\na,2,3\n")}, "p2.csv:2: run \"a\" is also in", 2},
		{"drop-highest-loss", []string{write("ok.jsonl", lines(append(nine, 950)...)), "--drop-highest-loss", "5"}, "--drop-highest-loss", 2},
	}
	for _, c := range cases {
		_, errs, code := runCLI(t, "", append(append([]string{"curve", "fit"}, c.args...), "--schedule", spec)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d (want %d), stderr %q, want %q", c.name, code, c.code, errs, c.want)
		}
	}
	// --skip-invalid skips a bad loss with a warning (scored by a law: one curve cannot be fitted)
	skip := write("s.jsonl", lines(append(nine, 950)...)+"{\"run\": \"a\", \"step\": 960, \"loss\": \"x\"}\n")
	if _, errs, code := runCLI(t, "", "curve", "predict", "--law", "mpl2025-25m", "--against", skip, "--skip-invalid", "--schedule", spec); code != 0 || !strings.Contains(errs, "skipped-rows") {
		t.Errorf("bad loss skipped: exit %d, stderr %q", code, errs)
	}
}

// tasks reads every layout too: the OLMo ladder as JSON Lines files, one per run (the run id
// is the file stem) with params from --meta, gives the same step-1 and step-2 fits and
// predictions as the CSV; so does the folder of them.
func TestTasksFolderAndMeta(t *testing.T) {
	recs := testutil.ReadCSV(t, "olmo_ladder_tasks.csv")
	dir := t.TempDir()
	files := map[string]*strings.Builder{}
	params := map[string]string{}
	var order []string
	for _, r := range recs[1:] { // run,params,tokens,task,task_bpb,task_acc,acc_chance,acc_max
		if files[r[0]] == nil {
			files[r[0]] = &strings.Builder{}
			order = append(order, r[0])
		}
		params[r[0]] = r[1]
		fmt.Fprintf(files[r[0]], "{\"tokens\": %s, \"task\": %q, \"task_bpb\": %s, \"task_acc\": %s, \"acc_chance\": %s, \"acc_max\": %s}\n", r[2], r[3], r[4], r[5], r[6], r[7])
	}
	if err := os.Mkdir(filepath.Join(dir, "ladder"), 0o755); err != nil {
		t.Fatal(err)
	}
	var meta strings.Builder
	meta.WriteString("run,params\n")
	for _, run := range order {
		fmt.Fprintf(&meta, "%s,%s\n", run, params[run])
		if err := os.WriteFile(filepath.Join(dir, "ladder", run+".jsonl"), []byte(files[run].String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	metaPath := filepath.Join(dir, "meta.csv")
	if err := os.WriteFile(metaPath, []byte(meta.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, "", append(append([]string{"tasks"}, args...), "--task-col", "task", "--task-loss-col", "task_bpb", "--metric-col", "task_acc", "--holdout", "params>=5e9", "--format", "json")...)
		var doc struct {
			Tasks json.RawMessage `json:"tasks"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Tasks) < 100 {
			t.Fatalf("tasks %v: exit %d, %s", args, code, errs)
		}
		return string(doc.Tasks)
	}
	want := run(repoFile("testdata", "olmo_ladder_tasks.csv"))
	// The files in the CSV's order (a folder reads them by name, so the predictions would
	// be listed in another order); numbers are compared to 1e-9.
	var args []string
	for _, run := range order {
		args = append(args, filepath.Join(dir, "ladder", run+".jsonl"))
	}
	got := run(append(args, "--meta", metaPath)...)
	var a, b any
	if json.Unmarshal([]byte(got), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		t.Fatal("tasks JSON does not parse")
	}
	if d := jsonDiff("tasks", a, b); d != "" {
		t.Errorf("JSON Lines files with --meta give other fits than the CSV: %s", d)
	}
	if out, errs, code := runCLI(t, "", "tasks", filepath.Join(dir, "ladder"), "--meta", metaPath, "--task-col", "task", "--task-loss-col", "task_bpb", "--metric-col", "task_acc", "--holdout", "params>=5e9"); code != 0 || !strings.Contains(out, "mmlu_avg_test") {
		t.Errorf("tasks on the folder: exit %d, %s", code, errs)
	}
}

// jsonDiff names the first place where two decoded JSON values differ (numbers to 1e-9
// relative), "" when none.
func jsonDiff(at string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return at + ": different objects"
		}
		for k, v := range x {
			if d := jsonDiff(at+"."+k, v, y[k]); d != "" {
				return d
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return at + ": different arrays"
		}
		for i := range x {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", at, i), x[i], y[i]); d != "" {
				return d
			}
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-9*math.Max(math.Abs(x), math.Abs(y)) {
			return fmt.Sprintf("%s: %v, want %v", at, a, b)
		}
	default:
		if a != b {
			return fmt.Sprintf("%s: %v, want %v", at, a, b)
		}
	}
	return ""
}
