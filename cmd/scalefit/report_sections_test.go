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

// tasksJSON saves the OLMo ladder's downstream predictions (the 7B and 13B runs held out) as
// scalefit tasks --format json writes them, for report --tasks.
func tasksJSON(t testing.TB) string {
	t.Helper()
	out, errOut, code := runCLIB(t, "tasks", repoFile("testdata", "olmo_ladder_tasks.csv"), "--task-col", "task", "--task-loss-col", "task_bpb",
		"--metric-col", "task_acc", "--holdout", "params>=5e9", "--format", "json")
	if code != 0 {
		t.Fatalf("tasks: exit %d: %s", code, errOut)
	}
	p := filepath.Join(t.TempDir(), "tasks.json")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCLIB is runCLI for tests and benchmarks.
func runCLIB(t testing.TB, args ...string) (string, string, int) {
	var out, errb strings.Builder
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// report --tasks tasks.json gathers the downstream-task section (its tables and warnings)
// into report.md, and through it into report.html and summary.md; the verdict counts the
// fit's and the tasks' warnings; the compare section is always there.
func TestReportSections(t *testing.T) {
	if testing.Short() {
		t.Skip("fits the Chinchilla runs and the OLMo ladder")
	}
	tasks := tasksJSON(t)
	dir := filepath.Join(t.TempDir(), "out")
	_, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir, "--tasks", tasks)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	page := readFile(t, filepath.Join(dir, "report.html"))
	summary := readFile(t, filepath.Join(dir, "summary.md"))
	// report.html: one inline SVG per figure report.md links.
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if n := strings.Count(page, "<svg"); n != len(links) || n < 5 {
		t.Errorf("report.html inlines %d SVG figures; report.md links %d, want >= 5", n, len(links))
	}
	if strings.Contains(page, `class="missing"`) {
		t.Error("report.html names a figure it does not embed")
	}
	for _, want := range []string{">Downstream tasks: olmo_ladder_tasks.csv</h2>", ">7B-4T (held-out run): N = 6.89B, D = 3.95T</h3>",
		">OpenAI vs DeepMind allocation</h2>", ">Compute-optimal scaling per 10x compute (C = 6ND)</h3>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Count(page, `id="warnings"`) != 1 {
		t.Error("report.html repeats the heading id warnings")
	}
	for _, want := range []string{"## Downstream tasks: olmo_ladder_tasks.csv", "| hellaswag_val |", "## OpenAI vs DeepMind allocation", "| kaplan2020-allocation | published | 0.730 |",
		"The figures are in the report directory", "`fit.json`"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	if strings.Contains(summary, "![") || strings.Contains(summary, ".png)") || strings.Contains(summary, "](fit.json)") {
		t.Error("summary.md links images or local files")
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

// Section files that are not the contracts they should be are errors naming the file, before
// anything is fitted.
func TestReportSectionFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	csv := repoFile("testdata", "chinchilla.csv")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"tasks not JSON", []string{"--tasks", csv}, "not a tasks document"},
		{"tasks missing", []string{"--tasks", filepath.Join(dir, "none.json")}, "--tasks:"},
		{"curves not a contract", []string{"--curves", repoFile("internal", "fitfile", "testdata", "fit-v2.json")}, "want a curve.json"},
		{"bad image format", []string{"--image-format", "gif"}, `--image-format "gif"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", append([]string{"report", csv, "-o", dir}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q: want 2 and %q", code, errOut, c.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Error("a report directory was written")
			}
		})
	}
}

// curveContracts saves the 25M curve fit of mpl_curves.csv (curve fit -o) and, with a
// forecast, the forecast of the first half of its cosine run under that fit.
func curveContracts(t testing.TB, forecast bool, extra ...string) []string {
	t.Helper()
	train, _, meta := mplFiles(t, "25M")
	tmp := t.TempDir()
	fit := filepath.Join(tmp, "curve.json")
	if _, errOut, code := runCLIB(t, append([]string{"curve", "fit", train, "--meta", meta, "-o", fit, "-q"}, extra...)...); code != 0 {
		t.Fatalf("curve fit: exit %d: %s", code, errOut)
	}
	if !forecast {
		return []string{fit}
	}
	var flight strings.Builder
	flight.WriteString("run,step,loss\n")
	for _, l := range strings.Split(readFileB(t, train), "\n") {
		f := strings.Split(l, ",")
		if len(f) == 3 && f[0] == "cosine_24000" {
			if step, _ := strconv.Atoi(f[1]); step <= 12000 {
				flight.WriteString(l + "\n")
			}
		}
	}
	inFlight := filepath.Join(tmp, "flight.csv")
	if err := os.WriteFile(inFlight, []byte(flight.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLIB(t, "curve", "forecast", inFlight, "--meta", meta, "--fit", fit, "--format", "json")
	if code != 0 {
		t.Fatalf("curve forecast: exit %d: %s", code, errOut)
	}
	fc := filepath.Join(tmp, "forecast.json")
	if err := os.WriteFile(fc, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{fit, fc}
}

func readFileB(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// report --curves takes a saved curve fit and forecast: the "Loss curves" section, the law
// drawn over its runs' schedules (inline SVG in report.html) and the forecast's row reach
// report.md, report.html and summary.md.
func TestReportCurves(t *testing.T) {
	if testing.Short() {
		t.Skip("fits curves and the Chinchilla runs")
	}
	files := curveContracts(t, true)
	dir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--curves", strings.Join(files, ","))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	page := readFile(t, filepath.Join(dir, "report.html"))
	summary := readFile(t, filepath.Join(dir, "summary.md"))
	curves := md[strings.Index(md, "## Loss curves"):]
	if !strings.Contains(curves, "](curve-fit.png)") || !strings.Contains(out, filepath.Join(dir, "curve-fit.png")+"\n") {
		t.Error("report.md or stdout lacks curve-fit.png")
	}
	readFile(t, filepath.Join(dir, "curve-fit.png"))
	if !regexp.MustCompile(`\| tissue \| L0 \|`).MatchString(curves) || !strings.Contains(curves, "converged true") {
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
	if testing.Short() {
		t.Skip("fits curves and the Chinchilla runs")
	}
	files := curveContracts(t, false, "--law", "mpl", "--recipe", "mpl2025")
	dir := filepath.Join(t.TempDir(), "out")
	_, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir, "--curves", files[0], "--strict")
	if code != 1 || !strings.Contains(errOut, "--strict: the mpl curve fit did not converge") {
		t.Errorf("exit %d, stderr %q: want 1 naming the curve fit", code, errOut)
	}
	if md := readFile(t, filepath.Join(dir, "report.md")); !strings.Contains(md, "## Loss curves") || !strings.Contains(md, "converged false") {
		t.Error("report.md lacks the unconverged curve law")
	}
}

// BenchmarkReportSections is report on the Chinchilla runs alone, then with each section:
// the OLMo ladder's tasks, the 25M curves of mpl_curves.csv with a run in flight, and both
// (the sections' contracts saved once, outside the timing).
func BenchmarkReportSections(b *testing.B) {
	tasks := []string{"--tasks", tasksJSON(b)}
	curves := []string{"--curves", strings.Join(curveContracts(b, true), ",")}
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
