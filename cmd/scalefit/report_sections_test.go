package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// reportTasksArgs is a report of the Chinchilla runs that also predicts the OLMo ladder's
// downstream tasks (the 7B and 13B runs held out).
func reportTasksArgs(dir string) []string {
	return []string{"report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir,
		"--tasks", repoFile("testdata", "olmo_ladder_tasks.csv"), "--task-col", "task", "--task-loss-col", "task_bpb",
		"--metric-col", "task_acc", "--tasks-holdout", "params>=5e9"}
}

// report --tasks gathers the downstream-task section (tables, a step-1/step-2 figure per
// task, the chained figure, its warnings) into report.md, and through it into report.html
// (the figures inline as SVG) and summary.md (the tables, no images); the verdict counts
// the fit's and the tasks' warnings; the compare section is always there.
func TestReportSections(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := runCLI(t, "", reportTasksArgs(dir)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	page := readFile(t, filepath.Join(dir, "report.html"))
	summary := readFile(t, filepath.Join(dir, "summary.md"))

	tasks := []string{"mmlu_avg_test", "hellaswag_val", "arc_challenge_test", "arc_easy_test", "piqa_val", "csqa_val", "socialiqa_val", "openbookqa_test"}
	var figs []string
	for _, task := range tasks {
		figs = append(figs, "task-"+task+".png")
	}
	figs = append(figs, "chained.png")
	for _, f := range figs {
		if !strings.Contains(md, "]("+f+")") {
			t.Errorf("report.md does not link %s", f)
		}
		if !strings.Contains(out, filepath.Join(dir, f)+"\n") {
			t.Errorf("stdout does not list %s", f)
		}
		readFile(t, filepath.Join(dir, f)) // written
	}
	// report.html: one inline SVG per figure report.md links, the task figures among them.
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if n := strings.Count(page, "<svg"); n != len(links) || n < 5+len(figs) {
		t.Errorf("report.html inlines %d SVG figures; report.md links %d, want >= %d", n, len(links), 5+len(figs))
	}
	if strings.Contains(page, `class="missing"`) {
		t.Error("report.html names a figure it does not embed")
	}
	for _, want := range []string{">Downstream tasks: olmo_ladder_tasks.csv</h2>", ">7B-4T (held-out run): N = 6.89B, D = 3.95T</h3>", ">task-hellaswag_val</h3>",
		">OpenAI vs DeepMind allocation</h2>", ">Compute-optimal scaling per 10x compute (C = 6ND)</h3>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Count(page, `id="warnings"`) != 1 {
		t.Error("report.html repeats the heading id warnings")
	}
	for _, want := range []string{"## Downstream tasks: olmo_ladder_tasks.csv", "| hellaswag_val |", "## OpenAI vs DeepMind allocation", "| kaplan2020-allocation | published | 0.730 |"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	if strings.Contains(summary, "![") || strings.Contains(summary, ".png)") {
		t.Error("summary.md links images")
	}
	// A job summary cannot show the figures: one line names them instead of a heading each.
	if strings.Contains(summary, "### task-hellaswag_val") || !strings.Contains(summary, "Figures not shown here (report.html has them, and the image files are beside it): task-mmlu_avg_test, ") ||
		!strings.Contains(summary, ", chained.\n") {
		t.Error("summary.md does not name the task figures in one line")
	}

	// The verdict counts every warning on stderr: the fit's and the tasks'.
	m := regexp.MustCompile(`\*\*Warnings:\*\* (\d+): the fit's (\d+) listed under Warnings below, and downstream tasks (\d+) in their sections`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("verdict does not count the sections' warnings:\n%s", md[:min(len(md), 1200)])
	}
	total, _ := strconv.Atoi(m[1])
	fitN, _ := strconv.Atoi(m[2])
	tasksN, _ := strconv.Atoi(m[3])
	if stderrN := strings.Count(errOut, "scalefit: warning:"); total != stderrN || total != fitN+tasksN || tasksN == 0 {
		t.Errorf("verdict counts %d = %d + %d warnings, stderr has %d", total, fitN, tasksN, stderrN)
	}
	if n := strings.Count(strings.Split(md, "## Downstream tasks")[1], "metric-below-chance"); n == 0 {
		t.Error("the tasks section does not list its warnings")
	}
}

// A section's flags without its file, or a tasks section without what tasks needs, are
// usage errors naming report's flags.
func TestReportSectionFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"tasks flag without --tasks", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--tasks-holdout", "params>=5e9"}, "--tasks-holdout needs --tasks FILE"},
		{"no task columns", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--tasks", repoFile("testdata", "olmo_ladder_tasks.csv"), "--tasks-holdout", "params>=5e9"}, "--task-col, --task-loss-col and --metric-col are required"},
		{"nothing to predict", reportTasksArgs(dir)[:len(reportTasksArgs(dir))-2], "give --tasks-holdout EXPR (runs in the file) or --tasks-predict N:D"},
		{"bad projection", append(reportTasksArgs(dir), "--tasks-predict", "7B"), `--tasks-predict "7B": want N:D pairs`},
		{"bad smooth", append(reportTasksArgs(dir), "--tasks-smooth", "0"), "--tasks-smooth 0: want 1 (none) or more points"},
		{"curve flag without --curves", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--curves-meta", "m.csv"}, "--curves-meta needs --curves FILE"},
		{"bad curve law", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--curves", "c.csv", "--curves-law", "mpl2025-400m"}, `--curves-law "mpl2025-400m": want tissue or mpl`},
		{"forecast with an inferred schedule", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--curves", "c.csv", "--curves-forecast", "f.csv", "--infer-schedule", "cosine"}, "a partial curve does not show its schedule's length"},
		{"forecast without --curves", []string{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--curves-forecast", "f.csv"}, "--curves-forecast needs --curves FILE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", c.args...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q: want 2 and %q", code, errOut, c.want)
			}
		})
	}
}

// report --curves fits the curve law as curve fit does and --curves-forecast forecasts a run
// in flight under it; the "Loss curves" section, its figures (inline SVG in report.html) and
// the forecast's row reach report.md, report.html and summary.md.
func TestReportCurves(t *testing.T) {
	train, _, meta := mplFiles(t, "25M")
	// The run in flight: the first half of the 25M cosine run (its schedule is in meta).
	var flight strings.Builder
	flight.WriteString("run,step,loss\n")
	for _, l := range strings.Split(readFile(t, train), "\n") {
		f := strings.Split(l, ",")
		if len(f) == 3 && f[0] == "cosine_24000" {
			if step, _ := strconv.Atoi(f[1]); step <= 12000 {
				flight.WriteString(l + "\n")
			}
		}
	}
	inFlight := filepath.Join(t.TempDir(), "flight.csv")
	if err := os.WriteFile(inFlight, []byte(flight.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "-o", dir,
		"--curves", train, "--curves-meta", meta, "--curves-forecast", inFlight)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	page := readFile(t, filepath.Join(dir, "report.html"))
	summary := readFile(t, filepath.Join(dir, "summary.md"))
	curves := md[strings.Index(md, "## Loss curves"):]
	for _, f := range []string{"curve-fit.png", "curve-forecast-cosine_24000.png"} {
		if !strings.Contains(curves, "]("+f+")") || !strings.Contains(out, filepath.Join(dir, f)+"\n") {
			t.Errorf("report.md or stdout lacks %s", f)
		}
		readFile(t, filepath.Join(dir, f))
	}
	if !regexp.MustCompile(`Law \*\*tissue\*\* .*converged true`).MatchString(curves) {
		t.Errorf("the section does not give the fitted law:\n%s", curves)
	}
	// The forecast from half the schedule: the 25M cosine run ends near 3.3 nats/token.
	m := regexp.MustCompile(`\| cosine_24000 \| \d+ \([0-9.]+%\) \| 23999 \| ([0-9.]+) \|`).FindStringSubmatch(curves)
	if m == nil {
		t.Fatalf("no forecast row:\n%s", curves)
	}
	if v, _ := strconv.ParseFloat(m[1], 64); v < 3.1 || v > 3.5 {
		t.Errorf("forecast %v nats/token, want about 3.3", v)
	}
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if n := strings.Count(page, "<svg"); n != len(links) || strings.Contains(page, `class="missing"`) {
		t.Errorf("report.html inlines %d SVG figures, report.md links %d", n, len(links))
	}
	if !strings.Contains(page, ">Loss curves</h2>") || !strings.Contains(summary, "## Loss curves") || !strings.Contains(summary, "| cosine_24000 |") {
		t.Error("report.html or summary.md lacks the loss-curve section")
	}
	if strings.Contains(summary, "![") {
		t.Error("summary.md links images")
	}
}

// --strict counts a curve law that did not converge (the mpl2025 recipe stops early by
// design): the whole report is written, then exit 1 naming the curve fit.
func TestReportCurvesStrict(t *testing.T) {
	train, _, meta := mplFiles(t, "25M")
	dir := filepath.Join(t.TempDir(), "out")
	_, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir,
		"--curves", train, "--curves-meta", meta, "--curves-recipe", "mpl2025", "--strict")
	if code != 1 || !strings.Contains(errOut, "--strict: the mpl fit did not converge") {
		t.Errorf("exit %d, stderr %q: want 1 naming the curve fit", code, errOut)
	}
	if md := readFile(t, filepath.Join(dir, "report.md")); !strings.Contains(md, "## Loss curves") || !strings.Contains(md, "converged false") {
		t.Error("report.md lacks the unconverged curve law")
	}
}

// BenchmarkReportSections is report on the Chinchilla runs alone, then with each section:
// the OLMo ladder's tasks, the 25M curves of mpl_curves.csv with a run in flight, and both.
func BenchmarkReportSections(b *testing.B) {
	train, _, meta := mplFiles(b, "25M")
	var flight strings.Builder
	flight.WriteString("run,step,loss\n")
	src, err := os.ReadFile(train)
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(src), "\n") {
		if f := strings.Split(l, ","); len(f) == 3 && f[0] == "cosine_24000" {
			if step, _ := strconv.Atoi(f[1]); step <= 12000 {
				flight.WriteString(l + "\n")
			}
		}
	}
	inFlight := filepath.Join(b.TempDir(), "flight.csv")
	if err := os.WriteFile(inFlight, []byte(flight.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	tasks := reportTasksArgs("")[6:]
	curves := []string{"--curves", train, "--curves-meta", meta, "--curves-forecast", inFlight}
	for _, c := range []struct {
		name  string
		extra []string
	}{{"fit", nil}, {"tasks", tasks}, {"curves", curves}, {"all", append(append([]string{}, tasks...), curves...)}} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				args := append([]string{"report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", filepath.Join(dir, strconv.Itoa(i))}, c.extra...)
				if code := run(args, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
