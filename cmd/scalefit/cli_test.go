package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// repoFile returns the path of a file relative to the repository root.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// runCLI runs scalefit in-process and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// golden compares got with testdata/golden/NAME, or rewrites it with -update. With a
// stderr, it pins that too, in NAME.stderr beside it (temporary directories and the
// repository's testdata path normalised), so a warning that appears, changes or goes is
// seen.
func golden(t *testing.T, name, got string, stderr ...string) {
	t.Helper()
	for _, s := range stderr {
		s = tempPath.ReplaceAllString(strings.ReplaceAll(s, repoFile("testdata"), "testdata"), "TMP/")
		goldenFile(t, name+".stderr", s)
	}
	goldenFile(t, name, got)
}

// tempPath matches a test's temporary directory in output.
var tempPath = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/[^\s:'"]*/`)

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := repoFile("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/scalefit -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/scalefit -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	out, _, code := runCLI(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "scalefit version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, _, code := runCLI(t, "", "completion", sh)
		if code != 0 || !strings.Contains(out, "scalefit") {
			t.Errorf("completion %s: exit %d", sh, code)
		}
	}
	// Every command has an example in its help.
	for _, c := range []string{"fit", "optimal", "predict", "compare", "laws", "plot", "report", "check"} {
		out, _, code := runCLI(t, "", c, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "scalefit "+c) {
			t.Errorf("%s --help: exit %d, no example", c, code)
		}
	}
	if _, errs, code := runCLI(t, "", "fit", "x.csv", "--no-such-flag"); code != 2 || !strings.Contains(errs, "--help") {
		t.Errorf("unknown flag: exit %d, %q", code, errs)
	}
}

// Flags that would be silently ignored are refused.
func TestIgnoredFlagsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"predict", "--law", "chinchilla2022", "--params", "1B", "--tokens", "20B", "--group", "arch"},
		{"optimal", "--law", "chinchilla2022", "--compute", "1e21", "--where", "loss<3"},
		{"check", "--fit", "fit.json", "new.csv", "--group", "arch"},
	} {
		if _, errs, code := runCLI(t, "", args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Start-up is lazy: each registered name builds the subcommand of that name (so running
// it builds nothing else), and the whole tree has every subcommand.
func TestLazySubcommands(t *testing.T) {
	e := &env{}
	all := newRootCmd(nil, io.Discard, io.Discard, nil)
	if len(all.Commands()) < len(subcommands) {
		t.Fatalf("the whole tree has %d commands, want at least %d", len(all.Commands()), len(subcommands))
	}
	for _, sc := range subcommands {
		if got := sc.build(e).Name(); got != sc.name {
			t.Errorf("registered as %q, the command is %q", sc.name, got)
		}
		root := newRootCmd(nil, io.Discard, io.Discard, []string{sc.name, "--help"})
		if n := len(root.Commands()); n != 1 {
			t.Errorf("%s: %d subcommands built, want 1", sc.name, n)
		}
	}
}
