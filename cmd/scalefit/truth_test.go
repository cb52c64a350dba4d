package main

// Regression tests of issue 12, "say only what is true", on testdata/plateau_synthetic.csv:
// a sweep whose Approach-3 fit does not converge (plateaued small-budget runs, saturating
// repeated data). Each test fails on the behaviour the issue found.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

var plateau = repoFile("testdata", "plateau_synthetic.csv")

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Finding 1: fit --holdout printed (predicted - actual)/actual and check (actual -
// predicted)/predicted for the same run. Both now say (actual - predicted)/predicted, and
// agree run by run.
func TestTruthOneSignConvention(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := runCLI(t, "", "fit", plateau, "--approach", "3", "--holdout", "budget>=3e14", "--format", "json")
	if code != 0 {
		t.Fatalf("fit --holdout: exit %d: %s", code, errs)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	held := doc.Find("chinchilla", 3).Holdout
	if held == nil || len(held.Runs) != 7 {
		t.Fatalf("holdout %+v: want the 7 runs of budget 3e14", held)
	}
	if doc.HeldOut != 7 {
		t.Errorf("held_out %d, want 7", doc.HeldOut)
	}
	fitPath := filepath.Join(dir, "fit.json")
	if _, errs, code := runCLI(t, "", "fit", plateau, "--approach", "3", "--where", "budget<3e14", "-q", "-o", fitPath); code != 0 {
		t.Fatalf("fit -o: exit %d: %s", code, errs)
	}
	var b strings.Builder
	b.WriteString("params,tokens,loss\n")
	for _, r := range held.Runs {
		fmt.Fprintf(&b, "%v,%v,%v\n", r.Params, r.Tokens, r.Loss)
	}
	newRuns := writeFile(t, dir, "new.csv", b.String())
	out, _, _ = runCLI(t, "", "check", "--fit", fitPath, newRuns, "--format", "json")
	var chk report.CheckResult
	if err := json.Unmarshal([]byte(out), &chk); err != nil {
		t.Fatal(err)
	}
	if len(chk.Rows) != len(held.Runs) {
		t.Fatalf("check has %d rows, want %d", len(chk.Rows), len(held.Runs))
	}
	worse := 0
	for i, h := range held.Runs {
		c := chk.Rows[i]
		for _, r := range []struct {
			what                    string
			loss, predicted, relErr float64
		}{{"holdout", h.Loss, h.Predicted, h.RelError}, {"check", c.Loss, c.Predicted, c.RelError}} {
			if want := (r.loss - r.predicted) / r.predicted; math.Abs(r.relErr-want) > 1e-12 {
				t.Errorf("%s run %d: relative_error %v, want (loss - predicted)/predicted = %v", r.what, i, r.relErr, want)
			}
		}
		if math.Abs(h.RelError-c.RelError) > 1e-9 {
			t.Errorf("run %d: holdout says %+.4f, check says %+.4f for the same law and run", i, h.RelError, c.RelError)
		}
		if h.Loss > h.Predicted {
			worse++
			if h.RelError <= 0 {
				t.Errorf("run %d is worse than the law (loss %v > %v) but its error %v is not positive", i, h.Loss, h.Predicted, h.RelError)
			}
		}
	}
	if worse == 0 || worse == len(held.Runs) {
		t.Logf("note: %d of %d held-out runs worse than the law", worse, len(held.Runs))
	}
}

// Finding 2: report --strict exited 0 on a fit that did not converge. Every command that
// fits now writes its full output, then exits 1.
func TestTruthStrictOnEveryCommandThatFits(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		args  []string
		files []string // written before the exit
	}{
		{"fit", []string{"fit", plateau, "--strict", "-o", filepath.Join(dir, "fit.json")}, []string{"fit.json"}},
		{"report", []string{"report", plateau, "--strict", "-o", filepath.Join(dir, "rep")}, []string{"rep/report.md", "rep/fit.json", "rep/summary.md", "rep/isoflop.png"}},
		{"plot", []string{"plot", plateau, "--kind", "loss", "--strict", "-o", filepath.Join(dir, "loss.svg")}, []string{"loss.svg"}},
		{"compare", []string{"compare", plateau, "--strict", "--law", "chinchilla2022"}, nil},
		{"optimal", []string{"optimal", plateau, "--strict", "--compute", "1e15"}, nil},
		{"predict", []string{"predict", plateau, "--strict", "--params", "1M", "--tokens", "20M"}, nil},
	} {
		out, errs, code := runCLI(t, "", tt.args...)
		if code != exitNo {
			t.Errorf("%s --strict on a non-converged fit: exit %d, want 1\n%s", tt.name, code, errs)
		}
		if !strings.Contains(errs, "--strict") || !strings.Contains(errs, "did not converge") {
			t.Errorf("%s --strict: stderr does not say which fit did not converge:\n%s", tt.name, errs)
		}
		if strings.TrimSpace(out) == "" {
			t.Errorf("%s --strict: no output before the exit", tt.name)
		}
		for _, f := range tt.files {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s --strict: %s not written", tt.name, f)
			}
		}
		// Without --strict the same command succeeds.
		var args []string
		for _, a := range tt.args {
			if a != "--strict" {
				args = append(args, a)
			}
		}
		if _, errs, code := runCLI(t, "", args...); code != 0 {
			t.Errorf("%s without --strict: exit %d: %s", tt.name, code, errs)
		}
	}
}

// Finding 5: warnings went only to stdout for fit, optimal, predict, compare and report.
// Now every command sends them to stderr in every format, and JSON carries them too.
func TestTruthWarningsOnStderrInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	fitPath := filepath.Join(dir, "fit.json")
	if _, errs, code := runCLI(t, "", "fit", plateau, "-q", "-o", fitPath); code != 0 {
		t.Fatal(errs)
	}
	newRuns := writeFile(t, dir, "new.csv", "params,tokens,loss\n4e5,1.25e8,1.7\n")
	for _, cmd := range [][]string{
		{"fit", plateau},
		{"optimal", plateau, "--compute", "1e15"},
		{"predict", plateau, "--params", "1M", "--tokens", "20M"},
		{"compare", plateau, "--law", "chinchilla2022"},
		{"check", "--fit", fitPath, newRuns, "--tolerance", "50%"},
	} {
		for _, format := range []string{"table", "json", "csv", "markdown"} {
			args := append(append([]string(nil), cmd...), "--format", format)
			out, errs, code := runCLI(t, "", args...)
			if code != 0 {
				t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errs)
				continue
			}
			if !strings.Contains(errs, "scalefit: warning:") || !strings.Contains(errs, "converge") {
				t.Errorf("%s: the non-convergence warning is not on stderr:\n%s", strings.Join(args, " "), errs)
			}
			if format == "json" {
				var v struct {
					Warnings warn.List `json:"warnings"`
				}
				if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Warnings) == 0 {
					t.Errorf("%s: JSON has no warnings (%v)", strings.Join(args, " "), err)
				}
			}
			if format == "table" && (strings.Contains(out, "\nwarnings:") || strings.Contains(out, "not-converged:")) {
				t.Errorf("%s: the warning is printed twice (stdout and stderr)", strings.Join(args, " "))
			}
		}
	}
	_, errs, _ := runCLI(t, "", "report", plateau, "-o", filepath.Join(dir, "rep"))
	if !strings.Contains(errs, "scalefit: warning:") {
		t.Errorf("report: no warnings on stderr:\n%s", errs)
	}
}

// Finding 7: check failed a run 13% better than predicted and had no one-sided gate; a
// band that cannot fail came with no warning.
func TestTruthCheckOneSided(t *testing.T) {
	dir := t.TempDir()
	law := epochLaw(t)
	fitPath := writeFit(t, law, 0.01, nil)
	n, d := 1e9, 2e10
	l := law.Loss(n, d)
	better := writeFile(t, dir, "better.csv", fmt.Sprintf("params,tokens,loss\n%g,%g,%g\n", n, d, l*0.87))
	worse := writeFile(t, dir, "worse.csv", fmt.Sprintf("params,tokens,loss\n%g,%g,%g\n", n, d, l*1.13))
	for _, tt := range []struct {
		file  string
		flags []string
		code  int
	}{
		{better, nil, exitNo},
		{worse, nil, exitNo},
		{better, []string{"--worse-only"}, exitOK},
		{worse, []string{"--worse-only"}, exitNo},
		{better, []string{"--side", "worse"}, exitOK},
		{worse, []string{"--side", "worse"}, exitNo},
		{better, []string{"--side", "better"}, exitNo},
		{worse, []string{"--side", "better"}, exitOK},
		{better, []string{"--side", "both"}, exitNo},
		{better, []string{"--side", "sideways"}, exitError},
		{better, []string{"--worse-only", "--side", "better"}, exitError},
	} {
		args := append([]string{"check", "--fit", fitPath, tt.file}, tt.flags...)
		out, errs, code := runCLI(t, "", args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", strings.Join(args[3:], " "), code, tt.code, out, errs)
		}
		if code == exitOK && tt.file == better && !strings.Contains(out, "better (not gated)") {
			t.Errorf("%s: the better run is not marked:\n%s", strings.Join(args[3:], " "), out)
		}
	}
	// A wide band warns that the gate can hardly fail.
	_, errs, code := runCLI(t, "", "check", "--fit", fitPath, better, "--tolerance", "40%")
	if code != 0 || !strings.Contains(errs, "wide-band") {
		t.Errorf("--tolerance 40%%: exit %d, want 0 and a wide-band warning:\n%s", code, errs)
	}
	_, errs, _ = runCLI(t, "", "check", "--fit", fitPath, better, "--tolerance", "15%")
	if strings.Contains(errs, "wide-band") {
		t.Errorf("--tolerance 15%%: no wide-band warning wanted:\n%s", errs)
	}
}

// Finding 9: report.md had no verdict at the top, said "37 runs used, 0 excluded" with 3
// held out, and spoke of intervals without a bootstrap.
func TestTruthReportOpensWithVerdict(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := runCLI(t, "", "report", plateau, "--holdout", "budget>=3e14", "-o", dir); code != 0 {
		t.Fatal(errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	head := strings.Join(strings.SplitN(md, "\n", 16)[:15], "\n")
	for _, want := range []string{"## Verdict", "Converged: NO", "Approach 3 did not converge", "Approaches agree", "over 7 held-out runs", "**Warnings:**"} {
		if !strings.Contains(head, want) {
			t.Errorf("report.md's first 15 lines lack %q:\n%s", want, head)
		}
	}
	if !strings.Contains(md, "7 runs held out by --holdout") {
		t.Errorf("report.md does not count the held-out runs")
	}
	if strings.Contains(strings.ToLower(md), "interval") {
		t.Errorf("report.md mentions intervals without a bootstrap")
	}
	if !strings.Contains(md, "actual - predicted) / predicted") {
		t.Errorf("report.md does not state the sign convention")
	}
}

// Finding 10: the README's install line (go install ...@latest) fails, the module being
// unpublished; the report's help piped report.md (relative images) into the job summary.
func TestTruthInstallFromAClone(t *testing.T) {
	b, err := os.ReadFile(repoFile("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, "go install ./cmd/scalefit") {
		t.Error("README has no install that works from a clone (go install ./cmd/scalefit)")
	}
	if strings.Contains(readme, "scalefit/cmd/scalefit@latest") {
		t.Error("README still installs scalefit with go install ...@latest, which fails")
	}
	ci, err := os.ReadFile(repoFile("docs", "scalefit-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(ci), "\n") {
		code := strings.TrimSpace(l)
		if strings.HasPrefix(code, "#") {
			continue // comments may explain why @latest does not work
		}
		if strings.Contains(code, "cmd/scalefit@latest") || strings.Contains(code, "report.md >>") {
			t.Errorf("docs/scalefit-ci.yml: %q (go install @latest fails; report.md's relative images do not render in a job summary)", code)
		}
	}
	out, _, _ := runCLI(t, "", "report", "--help")
	if strings.Contains(out, "report.md >>") || !strings.Contains(out, "summary.md >>") {
		t.Errorf("report --help sends report.md (with relative images) to the job summary:\n%s", out)
	}
}

// Finding 3: compare's verdict came from the Approach-3 fit that did not converge, and its
// default budgets ran to 1e25 on a sweep ending at 3e14. Now it rests on the approach the
// data support best, names it and the passed-over fit, and budgets follow the runs.
func TestTruthCompareVerdictFromATrustworthyFit(t *testing.T) {
	out, errs, code := runCLI(t, "", "compare", plateau, "--law", "chinchilla2022", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c report.Comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Verdict, "Approach 2 (IsoFLOP minima of 2 budgets) has a = 0.627") ||
		!strings.Contains(c.Verdict, "Approach 3 did not converge") || !strings.Contains(c.Verdict, "only 2 budgets") {
		t.Errorf("verdict %q: want it to rest on Approach 2 and say Approach 3 did not converge", c.Verdict)
	}
	want := []float64{1e14, 1e15, 1e16, 1e17}
	if len(c.Budgets) != len(want) {
		t.Fatalf("budgets %v, want %v (decades from the largest run, 3e14, up)", c.Budgets, want)
	}
	for i := range want {
		if c.Budgets[i] != want[i] {
			t.Errorf("budgets %v, want %v", c.Budgets, want)
		}
	}
	var names []string
	for _, l := range c.Laws {
		names = append(names, l.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "your fit: chinchilla A3 (not converged)") {
		t.Errorf("entries %v: the non-converged fit is not marked", names)
	}
	// --compute still wins over the default.
	out, _, _ = runCLI(t, "", "compare", plateau, "--law", "chinchilla2022", "--compute", "1e21", "--format", "json")
	if err := json.Unmarshal([]byte(out), &c); err != nil || len(c.Budgets) != 1 || c.Budgets[0] != 1e21 {
		t.Errorf("--compute 1e21: budgets %v (%v)", c.Budgets, err)
	}
	// Only a non-converged fit: the verdict says so in its first words.
	out, _, _ = runCLI(t, "", "compare", plateau, "--law", "chinchilla2022", "--where", "budget>=1e14", "--format", "json")
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if c.Verdict == "" {
		t.Fatal("no verdict")
	}
	t.Logf("two budgets: %s", c.Verdict)
}

// Finding 6: --where 'loss<2' also removed held-out runs, so the holdout set silently
// changed. Decision: --where selects the runs to fit only; --holdout takes its runs from the
// input before --where (and a warning says when that adds runs --where left out).
func TestTruthWhereSelectsTheFitSetOnly(t *testing.T) {
	heldLines := func(stdin string, args ...string) ([]int, string) {
		t.Helper()
		out, errs, code := runCLI(t, stdin, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc report.Document
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, r := range doc.Find("chinchilla", 3).Holdout.Runs {
			lines = append(lines, r.Line)
		}
		return lines, errs
	}
	base := []string{"fit", plateau, "--approach", "3", "--holdout", "budget>=3e14", "--format", "json"}
	all, _ := heldLines("", base...)
	where, errs := heldLines("", append(base, "--where", "loss<2.5")...)
	if fmt.Sprint(all) != fmt.Sprint(where) || len(all) != 7 {
		t.Errorf("held-out lines %v without --where, %v with --where 'loss<2.5': want the same 7", all, where)
	}
	if !strings.Contains(errs, "holdout-before-where") || !strings.Contains(errs, "of which 2") {
		t.Errorf("no holdout-before-where warning naming the 2 runs --where left out:\n%s", errs)
	}
	b, err := os.ReadFile(plateau)
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := heldLines(string(b), "fit", "-", "--approach", "3", "--holdout", "budget>=3e14", "--where", "loss<2.5", "--format", "json")
	if fmt.Sprint(stdin) != fmt.Sprint(all) {
		t.Errorf("from stdin: held-out lines %v, want %v", stdin, all)
	}
	// plot marks all 7 held-out runs too, from standard input.
	svg := filepath.Join(t.TempDir(), "res.svg")
	if _, errs, code := runCLI(t, string(b), "plot", "-", "--kind", "residuals", "--holdout", "budget>=3e14", "--where", "loss<2.5", "-o", svg); code != 0 {
		t.Fatalf("plot: exit %d: %s", code, errs)
	}
	if fig, err := os.ReadFile(svg); err != nil || !strings.Contains(string(fig), "held out (7 runs)") {
		t.Errorf("the residuals figure does not mark the 7 held-out runs (%v)", err)
	}
	// A --where that keeps every held-out run says nothing.
	_, errs = heldLines("", append(base, "--where", "loss<9")...)
	if strings.Contains(errs, "holdout-before-where") {
		t.Errorf("a warning although --where removed no held-out run:\n%s", errs)
	}
}
