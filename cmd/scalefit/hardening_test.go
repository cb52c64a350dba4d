package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/scalefit/scalefit/internal/app"
)

// Hardening II (issue 20): hostile flag values are refused with exit 2 and a message naming
// the flag, never a panic, a silently dropped value, or NaN in the output.
func TestHostileFlagValuesExit2(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	for _, c := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		// D1: ranges whose STOP/START overflow, budgets outside [1, 1e40].
		{"D1 fit range overflow", []string{"fit", csv, "--approach", "3", "--compute", "1e-300:1e300:x10"}, "--compute"},
		{"D1 optimal range after a budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21,1e-200:1e200:x10"}, "START"},
		{"D1 optimal tiny budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "0.5"}, "want a positive number of FLOPs from 1 to 1e40"},
		{"D1 optimal huge budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e41"}, "from 1 to 1e40"},
		{"D1 optimal huge STOP", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21:1e300:x10"}, "STOP"},
		{"D1 compare range", []string{"compare", "--compute", "1e-300:1e300:x10"}, "--compute"},
		{"D1 report range", []string{"report", csv, "-o", t.TempDir(), "--compute", "1e-300:1e300:x1.0001"}, "--compute"},
		{"D1 too many budgets", []string{"optimal", "--law", "chinchilla2022", "--compute", "1:1e40:x1.01"}, "more than 1000"},
		// D8, D11: bootstrap caps.
		{"D8 compare bootstrap", []string{"compare", csv, "--bootstrap", "2000000000"}, "want 0 to 100000"},
		{"D8 fit bootstrap", []string{"fit", csv, "--bootstrap", "2000000000"}, "want 0 to 100000"},
		// D12: NaN and Inf flag values.
		{"D12 min-tokens-per-param NaN", []string{"fit", csv, "--min-tokens-per-param", "NaN"}, "finite"},
		{"D12 budget-tolerance NaN", []string{"fit", csv, "--budget-tolerance", "nan"}, "finite"},
		{"D12 delta Inf", []string{"fit", csv, "--delta", "+Inf"}, "finite"},
		{"D12 rd-star NaN", []string{"optimal", "--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "25B", "--rd-star", "NaN"}, "finite"},
		{"D12 rn-star Inf", []string{"predict", "--law", "muennighoff2023", "--params", "1B", "--tokens", "100B", "--unique-tokens", "10B", "--rn-star", "Inf"}, "finite"},
		{"D12 sigma NaN", []string{"check", "--fit", "fit.json", csv, "--sigma", "NaN"}, "finite"},
		{"D12 mfu NaN", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21", "--gpu", "h100-bf16", "--mfu", "NaN"}, "finite"},
		// D12, D4: counts and losses outside their ranges.
		{"D12 optimal params 1e-300", []string{"optimal", "--law", "chinchilla2022", "--params", "1e-300"}, "--params 1e-300"},
		{"D4 predict params 1e300", []string{"predict", "--law", "chinchilla2022", "--params", "1e300", "--tokens", "1e300"}, "--params 1e300"},
		{"D12 target loss 5e-324", []string{"optimal", "--law", "chinchilla2022", "--target-loss", "5e-324"}, "--target-loss"},
		{"D12 inference tokens 1e300", []string{"optimal", "--law", "chinchilla2022", "--target-loss", "2", "--inference-tokens", "1e300"}, "--inference-tokens"},
		{"D12 gpu-flops 1e-300", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21", "--gpu-flops", "1e-300"}, "--gpu-flops"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", c.args...)
			if code != 2 || !strings.Contains(errs, c.want) || strings.Contains(errs, "panic") {
				t.Errorf("exit %d, stderr %q (want exit 2 and %q)", code, errs, c.want)
			}
			if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
				t.Errorf("stdout has a non-finite value: %q", out)
			}
		})
	}
}

// The budgets of a range stay within the caps, and ranges near them still expand.
func TestParseComputeLimits(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		fail bool
	}{
		{"1:1e40:x10", 41, false},
		{"1e39:1e40:x3.16", 3, false},
		{"1e21,1e23", 2, false},
		{"0.999", 0, true},
		{"1e21,1e-200:1e200:x10", 0, true},
		{"1e40:1e40:x10", 1, false},
		{"1e21:1e20:x10", 0, true},
		{"1e21:1e25:xInf", 0, true},
		{"1e21:1e25:xNaN", 0, true},
	} {
		got, err := app.ParseCompute(c.in)
		if (err != nil) != c.fail || (!c.fail && len(got) != c.n) {
			t.Errorf("app.ParseCompute(%q) = %d budgets, %v; want %d, fail %v", c.in, len(got), err, c.n, c.fail)
		}
		for _, v := range got {
			if v < 1 || v > 1e40 {
				t.Errorf("app.ParseCompute(%q): budget %g outside [1, 1e40]", c.in, v)
			}
		}
	}
}

// failWriter fails every write as /dev/full does.
type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("no space left on device") }

// D14: a result that cannot be written to stdout is an error (exit 2) for every command.
func TestStdoutWriteErrorExit2(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	for _, args := range [][]string{
		{"laws"},
		{"optimal", "--law", "chinchilla2022", "--compute", "1e21"},
		{"predict", "--law", "chinchilla2022", "--params", "1B", "--tokens", "20B"},
		{"compare", "--format", "json"},
		{"fit", csv, "--approach", "3", "--format", "markdown"},
		{"plot", csv, "--kind", "loss", "-o", t.TempDir() + "/loss.svg"},
		{"report", csv, "--approach", "3", "-o", t.TempDir()},
	} {
		var errb strings.Builder
		code := run(args, strings.NewReader(""), failWriter{}, &errb)
		if code != 2 || !strings.Contains(errb.String(), "cannot write the output") {
			t.Errorf("%v > /dev/full: exit %d, stderr %q; want 2", args, code, errb.String())
		}
	}
}

// D6, D7: -o never replaces what is not a regular file, refuses read-only targets and keeps
// an existing file's mode.
func TestOutputTargets(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	dir := t.TempDir()
	fit := func(out string) (string, int) {
		_, errs, code := runCLI(t, "", "fit", csv, "--approach", "3", "-q", "-o", out)
		return errs, code
	}
	ro := filepath.Join(dir, "ro.json")
	os.WriteFile(ro, []byte("old"), 0o444)
	os.Chmod(ro, 0o444)
	if errs, code := fit(ro); code != 2 || !strings.Contains(errs, "read-only") {
		t.Errorf("read-only target: exit %d, %q", code, errs)
	}
	if b, _ := os.ReadFile(ro); string(b) != "old" {
		t.Error("read-only target replaced")
	}
	priv := filepath.Join(dir, "priv.json")
	os.WriteFile(priv, []byte("old"), 0o600)
	os.Chmod(priv, 0o600)
	if errs, code := fit(priv); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, _ := os.Stat(priv); st.Mode().Perm() != 0o600 {
		t.Errorf("a 0600 fit.json became %04o", st.Mode().Perm())
	}
	if _, err := os.Stat("/dev/full"); err == nil {
		if errs, code := fit("/dev/full"); code != 2 || !strings.Contains(errs, "no space left") {
			t.Errorf("-o /dev/full: exit %d, %q", code, errs)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err == nil {
		got := make(chan int)
		go func() { b, _ := os.ReadFile(fifo); got <- len(b) }()
		if errs, code := fit(fifo); code != 0 {
			t.Errorf("-o FIFO: exit %d, %q", code, errs)
		}
		if n := <-got; n == 0 {
			t.Error("the FIFO's reader got nothing")
		}
		if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
			t.Error("-o FIFO replaced the FIFO with a file")
		}
	}
}

// D5: report -o DIR is all-old-or-all-new: a report that fails leaves the old one whole and
// no temporaries; a new one keeps the user's other files and drops the old report's stale
// figures.
func TestReportDirAllOldOrAllNew(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	parent := t.TempDir()
	out := filepath.Join(parent, "rep")
	if _, errs, code := runCLI(t, "", "report", csv, "--approach", "3", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	before, _ := os.ReadFile(filepath.Join(out, "report.md"))
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(out, "curves.png"), []byte("stale"), 0o644)
	os.Mkdir(filepath.Join(out, "sub"), 0o755)
	if _, errs, code := runCLI(t, "", "report", csv, "--approach", "3", "--drop-highest-loss", "5", "-o", out); code != 2 || !strings.Contains(errs, "sub") {
		t.Errorf("a directory with a foreign subdirectory: exit %d, %q", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "report.md")); string(after) != string(before) {
		t.Error("a failed report changed report.md")
	}
	if es, _ := os.ReadDir(parent); len(es) != 1 {
		t.Errorf("temporaries left beside the report: %d entries", len(es))
	}
	os.Remove(filepath.Join(out, "sub"))
	if _, errs, code := runCLI(t, "", "report", csv, "--approach", "3", "--drop-highest-loss", "5", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "notes.txt")); string(b) != "mine" {
		t.Error("the user's file in the report directory was lost")
	}
	if _, err := os.Stat(filepath.Join(out, "curves.png")); err == nil {
		t.Error("a stale figure of the old report stayed beside the new one")
	}
	if after, _ := os.ReadFile(filepath.Join(out, "report.md")); string(after) == string(before) {
		t.Error("report.md not replaced")
	}
	if es, _ := os.ReadDir(parent); len(es) != 1 {
		t.Errorf("temporaries left beside the report: %d entries", len(es))
	}
}

// D15: group names with ANSI escapes, HTML, Markdown links or "|" reach neither the terminal
// (table output, warnings on stderr) nor report.md, summary.md and report.html raw.
func TestInputTextEscaped(t *testing.T) {
	src, err := os.ReadFile(repoFile("testdata", "chinchilla.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	names := []string{"\x1b[31mred", "<script>x</script>", "[click](http://evil)", "a|b"}
	var b strings.Builder
	b.WriteString("group," + lines[0] + "\n")
	for i, l := range lines[1:] {
		b.WriteString(`"` + names[i%len(names)] + `",` + l + "\n")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "esc.csv")
	os.WriteFile(in, []byte(b.String()), 0o644)
	out, errs, code := runCLI(t, "", "fit", in, "--group", "group", "--approach", "3")
	if code != 0 {
		t.Fatalf("fit: exit %d: %s", code, errs)
	}
	if strings.Contains(out, "\x1b") || strings.Contains(errs, "\x1b") {
		t.Errorf("raw ESC on the terminal: stdout %q", out)
	}
	if _, errs, code := runCLI(t, "", "report", in, "--group", "group", "--approach", "3", "-o", filepath.Join(dir, "rep")); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	for _, f := range []string{"report.md", "summary.md", "report.html"} {
		body, err := os.ReadFile(filepath.Join(dir, "rep", f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(body)
		bads := []string{"\x1b", "<script>", "](http://evil)"}
		if f == "report.html" { // escaped text may show "[click](...)"; no link, tag or ESC
			bads = []string{"\x1b", "<script>", "href=\"http://evil"}
		}
		for _, bad := range bads {
			if strings.Contains(s, bad) {
				t.Errorf("%s has %q raw", f, bad)
			}
		}
		if f != "report.html" && strings.Contains(s, "| a|b") {
			t.Errorf("%s: a | in a group name splits a table row", f)
		}
	}
}

// D4: a degenerate input (constant losses) is the same error, naming why, in table and
// JSON, never "json: unsupported value: NaN" in one format and +Inf with exit 0 in another.
func TestDegenerateInputSameExitEveryFormat(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,loss\n")
	for _, n := range []string{"1e8", "3e8", "1e9", "3e9"} {
		for _, d := range []string{"1e9", "1e10", "1e11"} {
			b.WriteString(n + "," + d + ",2.5\n")
		}
	}
	for _, f := range []string{"table", "json", "csv", "markdown"} {
		out, errs, code := runCLI(t, b.String(), "fit", "-", "--format", f)
		if strings.Contains(errs, "unsupported value") || strings.Contains(out, "Inf") || strings.Contains(out, "NaN") {
			t.Errorf("--format %s: exit %d, stdout %q, stderr %q", f, code, out, errs)
		}
		if code != 2 || !strings.Contains(errs, "same loss") {
			t.Errorf("--format %s: exit %d, stderr %q; want 2 and the reason", f, code, errs)
		}
	}
}

// D13: an error that lists a file's headers lists at most 50 and counts the rest (a header
// of 10^6 columns made a 12.9 MB error line); D9: a line over 1 MiB is refused at the cap.
func TestHugeHeadersShortErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,loss")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, ",c%d", i)
	}
	b.WriteString("\n1e8,2e9,3" + strings.Repeat(",1", 100000) + "\n")
	_, errs, code := runCLI(t, b.String(), "fit", "-", "--where", "nosuch>1")
	if code != 2 || len(errs) > 2000 || !strings.Contains(errs, "more") {
		t.Errorf("exit %d, %d bytes of error: %.300q", code, len(errs), errs)
	}
	_, errs, code = runCLI(t, "params,tokens,loss\n1e8,2e9,"+strings.Repeat("7", 2<<20)+"\n", "fit", "-")
	if code != 2 || len(errs) > 500 || !strings.Contains(errs, "longer than") {
		t.Errorf("a 2 MB line: exit %d, %.300q", code, errs)
	}
}

// D11: the bootstrap cap is on the total over groups (200 groups x 100k resamples made a
// 340 MB fit.json): two groups of 60,000 are refused before any fitting.
func TestBootstrapCapAcrossGroups(t *testing.T) {
	src, err := os.ReadFile(repoFile("testdata", "chinchilla.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	var b strings.Builder
	b.WriteString("arch," + lines[0] + "\n")
	for i, l := range lines[1:] {
		fmt.Fprintf(&b, "g%d,%s\n", i%2, l)
	}
	for _, cmd := range []string{"fit", "compare"} {
		_, errs, code := runCLI(t, b.String(), cmd, "-", "--group", "arch", "--bootstrap", "60000")
		if code != 2 || !strings.Contains(errs, "120000 resamples") || !strings.Contains(errs, "at most 50000 per group") {
			t.Errorf("%s: exit %d, %q", cmd, code, errs)
		}
	}
}
