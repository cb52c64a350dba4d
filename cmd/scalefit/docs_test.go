package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// An example in the README or docs/ is a fenced code block whose first line starts with
// "$ scalefit ": each "$ " line is a command, run in-process in a fresh directory that holds
// the repository's testdata (commands of one block share it, so fit -o fit.json feeds the
// next line), and the lines after it are its expected stdout. With no "..." line, stdout must
// equal them; "..." marks lines left out, and each run of lines between the marks must appear
// in stdout, in order, as consecutive lines. A command must exit 0, or the code a trailing
// "# exit N" names.
type docExample struct {
	file string
	line int
	cmds []docCommand
}

type docCommand struct {
	args []string
	exit int
	want []string
}

func docExamples(t *testing.T) []docExample {
	t.Helper()
	files := []string{repoFile("README.md")}
	pages, _ := filepath.Glob(repoFile("docs", "*.md"))
	files = append(files, pages...)
	var out []docExample
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			if !strings.HasPrefix(lines[i], "```") || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "$ scalefit ") {
				continue
			}
			ex := docExample{file: filepath.Base(f), line: i + 2}
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				l := lines[i]
				if cmd, ok := strings.CutPrefix(l, "$ scalefit "); ok {
					c := docCommand{}
					if body, code, ok := strings.Cut(cmd, "# exit "); ok {
						cmd = body
						c.exit = int(code[0] - '0')
					}
					c.args = splitArgs(cmd)
					ex.cmds = append(ex.cmds, c)
					continue
				}
				if n := len(ex.cmds); n > 0 {
					ex.cmds[n-1].want = append(ex.cmds[n-1].want, l)
				}
			}
			out = append(out, ex)
		}
	}
	return out
}

// splitArgs splits a command line on spaces, keeping single-quoted arguments whole.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '\'':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// matchShown reports whether got shows want: equal without "...", else every run of lines
// between "..." marks found in order as consecutive lines of got.
func matchShown(got string, want []string) bool {
	g := strings.Split(strings.TrimRight(got, "\n"), "\n")
	for len(want) > 0 && strings.TrimSpace(want[len(want)-1]) == "" {
		want = want[:len(want)-1]
	}
	var chunks [][]string
	cur := []string{}
	elided := false
	for _, w := range want {
		if strings.TrimSpace(w) == "..." {
			elided = true
			chunks, cur = append(chunks, cur), []string{}
			continue
		}
		cur = append(cur, w)
	}
	chunks = append(chunks, cur)
	if !elided {
		return strings.Join(g, "\n") == strings.Join(want, "\n")
	}
	pos := 0
	for _, c := range chunks {
		if len(c) == 0 {
			continue
		}
		found := false
		for ; pos+len(c) <= len(g); pos++ {
			if slicesEqual(g[pos:pos+len(c)], c) {
				pos += len(c)
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDocsExamples(t *testing.T) {
	exs := docExamples(t)
	if len(exs) < 2 {
		t.Fatalf("found %d examples in README.md and docs/: want the README's quick tour at least", len(exs))
	}
	td, err := filepath.Abs(repoFile("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		t.Run(ex.file+":"+strconv.Itoa(ex.line), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink(td, filepath.Join(dir, "testdata")); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			for _, c := range ex.cmds {
				var out, errb bytes.Buffer
				code := run(c.args, strings.NewReader(""), &out, &errb)
				if code != c.exit {
					t.Fatalf("scalefit %s: exit %d, want %d\n%s", strings.Join(c.args, " "), code, c.exit, errb.String())
				}
				if !matchShown(out.String(), c.want) {
					t.Errorf("scalefit %s: stdout does not show what %s:%d shows\ngot:\n%s\nwant:\n%s", strings.Join(c.args, " "), ex.file, ex.line, out.String(), strings.Join(c.want, "\n"))
				}
			}
		})
	}
}

func TestMatchShown(t *testing.T) {
	got := "a\nb\nc\nd\n"
	for _, tt := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"a", "b", "c", "d"}, true},
		{[]string{"a", "b", "c"}, false},
		{[]string{"...", "b", "c", "..."}, true},
		{[]string{"a", "...", "d"}, true},
		{[]string{"...", "c", "b"}, false},
		{[]string{"...", "b", "d"}, false},
	} {
		if got := matchShown(got, tt.want); got != tt.ok {
			t.Errorf("matchShown(%q) = %v, want %v", tt.want, got, tt.ok)
		}
	}
	if a := splitArgs(`fit x.csv --where 'flops>=1e19 and loss<4' -q`); len(a) != 5 || a[3] != "flops>=1e19 and loss<4" {
		t.Errorf("splitArgs: %q", a)
	}
}
