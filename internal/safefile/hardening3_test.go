//go:build unix

package safefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// D10: an output that is one of the inputs (the same file by device and inode, however it
// is spelled) is refused; other outputs, new files and devices pass.
func TestD10OutputIsAnInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "runs.csv")
	os.WriteFile(in, []byte("params,tokens,loss\n"), 0o644)
	hard := filepath.Join(dir, "hard.csv")
	os.Link(in, hard)
	sym := filepath.Join(dir, "sym.csv")
	os.Symlink("runs.csv", sym)
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("x"), 0o644)
	t.Chdir(dir)
	for _, c := range []struct {
		out    string
		inputs []string
		refuse bool
	}{
		{in, []string{in}, true},
		{"runs.csv", []string{in}, true},
		{"./sub/../runs.csv", []string{"-", in}, true},
		{hard, []string{in}, true},
		{sym, []string{in}, true},
		{in, []string{sym}, true},
		{other, []string{in}, false},
		{filepath.Join(dir, "new.json"), []string{in}, false},
		{"/dev/null", []string{"/dev/null"}, false},
		{in, []string{"-", "", filepath.Join(dir, "missing")}, false},
	} {
		os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
		err := NotInput(c.out, c.inputs...)
		if (err != nil) != c.refuse {
			t.Errorf("NotInput(%q, %q) = %v; want refused %v", c.out, c.inputs, err, c.refuse)
		}
		if err != nil && !strings.Contains(err.Error(), "input") {
			t.Errorf("message does not say why: %v", err)
		}
	}
	if b, _ := os.ReadFile(in); string(b) != "params,tokens,loss\n" {
		t.Errorf("the input changed: %q", b)
	}
}

// D11: a report directory keeps what is not scalefit's: a read-only output, a directory or
// link of the user's bearing an output's name and the command's inputs are never replaced;
// a symbolic link to a directory stays a link (the directory gets the files); the current
// directory and its ancestors are refused.
func TestD11ReportDirKeepsForeignFiles(t *testing.T) {
	owned := func(name string) bool {
		return strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".png") || name == "fit.json"
	}
	build := func(dir string, inputs ...string) error {
		d, err := NewDir(dir, inputs...)
		if err != nil {
			return err
		}
		for _, name := range []string{"report.md", "fit.json"} {
			if err := writeString(filepath.Join(d.Path(), name), "new"); err != nil {
				d.Abort()
				return err
			}
		}
		return d.Commit(owned)
	}
	parent := t.TempDir()

	t.Run("read-only output", func(t *testing.T) {
		rep := filepath.Join(parent, "ro")
		if err := build(rep); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(rep, "fit.json"), []byte("mine"), 0o644)
		os.Chmod(filepath.Join(rep, "fit.json"), 0o444)
		err := build(rep)
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("a 0444 fit.json: want a refusal saying read-only, got %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(rep, "fit.json")); string(b) != "mine" {
			t.Errorf("the read-only fit.json was replaced: %q", b)
		}
	})

	t.Run("user's directory with an output's name", func(t *testing.T) {
		rep := filepath.Join(parent, "sub")
		os.MkdirAll(filepath.Join(rep, "report.md"), 0o755)
		os.WriteFile(filepath.Join(rep, "report.md", "mine"), []byte("x"), 0o644)
		if err := build(rep); err == nil {
			t.Error("a directory named report.md was replaced")
		}
		if _, err := os.Stat(filepath.Join(rep, "report.md", "mine")); err != nil {
			t.Errorf("the user's file is gone: %v", err)
		}
	})

	t.Run("an input in the directory", func(t *testing.T) {
		rep := filepath.Join(parent, "in")
		if err := build(rep); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(rep, "fit.json"), []byte("the input"), 0o644)
		err := build(rep, filepath.Join(rep, "fit.json"))
		if err == nil || !strings.Contains(err.Error(), "input") {
			t.Errorf("replacing an input: want a refusal, got %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(rep, "fit.json")); string(b) != "the input" {
			t.Errorf("the input was replaced: %q", b)
		}
	})

	t.Run("symbolic link to a directory", func(t *testing.T) {
		real := filepath.Join(parent, "real")
		os.Mkdir(real, 0o755)
		os.WriteFile(filepath.Join(real, "notes.txt"), []byte("mine"), 0o644)
		link := filepath.Join(parent, "link")
		os.Symlink("real", link)
		if err := build(link); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the link was replaced by a directory: %v", err)
		}
		for _, name := range []string{"notes.txt", "report.md", "fit.json"} {
			if _, err := os.Stat(filepath.Join(real, name)); err != nil {
				t.Errorf("%s not in the linked directory: %v", name, err)
			}
		}
		if err := build(link); err != nil { // a second run replaces through the link again
			t.Fatal(err)
		}
		if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
			t.Error("the second run replaced the link")
		}
	})

	t.Run("current directory and its ancestors", func(t *testing.T) {
		cwd := filepath.Join(parent, "cwd", "deep")
		os.MkdirAll(cwd, 0o755)
		os.WriteFile(filepath.Join(cwd, "mine.txt"), []byte("x"), 0o644)
		t.Chdir(cwd)
		for _, dir := range []string{".", cwd, "..", "../..", "/"} {
			if d, err := NewDir(dir); err == nil {
				d.Abort()
				t.Errorf("NewDir(%q) from %s: want a refusal", dir, cwd)
			} else if !strings.Contains(err.Error(), "current directory") {
				t.Errorf("NewDir(%q): %v does not say why", dir, err)
			}
		}
		if err := build("out"); err != nil { // a subdirectory is fine
			t.Fatal(err)
		}
		if got := names(t, cwd); got != "mine.txt,out" {
			t.Errorf("the current directory holds %s", got)
		}
	})
}
