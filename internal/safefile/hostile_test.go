//go:build linux

package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

func writeString(path, s string) error {
	return Write(path, func(w io.Writer) error { _, err := io.WriteString(w, s); return err })
}

// D6: a FIFO is written through, not replaced by a regular file.
func TestWriteThroughFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := writeString(fifo, "through"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through" {
		t.Errorf("reader got %q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %d entries", len(entries))
	}
}

// D6: /dev/full is written through and its ENOSPC is the error; the device stays.
func TestWriteDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	err := writeString("/dev/full", "x")
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("want ENOSPC, got %v", err)
	}
	if st, err := os.Stat("/dev/full"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/full is no longer a character device: %v", err)
	}
}

// D6: a symbolic link to a file stays a link; the file it points to gets the content.
func TestWriteKeepsSymlink(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	os.WriteFile(real, []byte("old"), 0o644)
	os.Symlink("real.json", link)
	if err := writeString(link, "new"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("target has %q", b)
	}
	if err := writeString(filepath.Join(dir, "dangling"), "x"); err != nil {
		t.Fatal(err)
	}
	os.Symlink("nowhere/x", filepath.Join(dir, "bad"))
	if err := writeString(filepath.Join(dir, "bad"), "x"); err == nil {
		t.Error("a dangling link: want an error")
	}
}

// D7: a target without write bits is refused by its mode (root included); an existing
// file keeps its mode; a new file honours the umask.
func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro.json")
	os.WriteFile(ro, []byte("old"), 0o444)
	os.Chmod(ro, 0o444)
	if err := writeString(ro, "new"); err == nil || !strings.Contains(err.Error(), "read-only (mode 0444)") {
		t.Errorf("read-only target: %v", err)
	}
	if b, _ := os.ReadFile(ro); string(b) != "old" {
		t.Errorf("read-only target replaced: %q", b)
	}
	rodir := filepath.Join(dir, "rodir")
	os.Mkdir(rodir, 0o555)
	os.Chmod(rodir, 0o555)
	if err := writeString(filepath.Join(rodir, "new.json"), "x"); err == nil || !strings.Contains(err.Error(), "directory is read-only") {
		t.Errorf("a file in a read-only directory: %v", err)
	}
	os.Chmod(rodir, 0o755)
	priv := filepath.Join(dir, "private.json")
	os.WriteFile(priv, []byte("old"), 0o600)
	os.Chmod(priv, 0o600)
	if err := writeString(priv, "new"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(priv); st.Mode().Perm() != 0o600 {
		t.Errorf("replaced file has mode %04o, want 0600", st.Mode().Perm())
	}
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	fresh := filepath.Join(dir, "fresh.json")
	if err := writeString(fresh, "x"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o600 {
		t.Errorf("new file under umask 077 has mode %04o, want 0600", st.Mode().Perm())
	}
	syscall.Umask(0o022)
	fresh2 := filepath.Join(dir, "fresh2.json")
	writeString(fresh2, "x")
	if st, _ := os.Stat(fresh2); st.Mode().Perm() != 0o644 {
		t.Errorf("new file under umask 022 has mode %04o, want 0644", st.Mode().Perm())
	}
}

func names(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return strings.Join(out, ",")
}

// D5: a directory of outputs is replaced all at once; a failed set leaves the old one and
// no temporary; the user's own files in it survive; stale files of the old set go.
func TestDirAllOldOrAllNew(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "rep")
	owned := func(name string) bool { return strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".png") }
	build := func(files map[string]string, fail bool) error {
		d, err := NewDir(out)
		if err != nil {
			return err
		}
		for name, s := range files {
			if err := writeString(filepath.Join(d.Path(), name), s); err != nil {
				d.Abort()
				return err
			}
		}
		if fail {
			d.Abort()
			return errors.New("failed")
		}
		return d.Commit(owned)
	}
	if err := build(map[string]string{"report.md": "v1", "loss.png": "v1"}, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "runs.csv"), []byte("mine"), 0o644)
	if err := build(map[string]string{"report.md": "v2", "contour.png": "v2"}, true); err == nil {
		t.Fatal("want the failure")
	}
	if got := names(t, out); got != "loss.png,report.md,runs.csv" {
		t.Errorf("after a failed set: %s", got)
	}
	if got := names(t, parent); got != "rep" {
		t.Errorf("temporaries left beside the directory: %s", got)
	}
	if err := build(map[string]string{"report.md": "v2", "contour.png": "v2"}, false); err != nil {
		t.Fatal(err)
	}
	if got := names(t, out); got != "contour.png,report.md,runs.csv" {
		t.Errorf("after a new set: %s (the stale loss.png must go, runs.csv stay)", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "runs.csv")); string(b) != "mine" {
		t.Errorf("user's file: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "report.md")); string(b) != "v2" {
		t.Errorf("report.md: %q", b)
	}
	if got := names(t, parent); got != "rep" {
		t.Errorf("temporaries left beside the directory: %s", got)
	}
	os.Mkdir(filepath.Join(out, "sub"), 0o755)
	if err := build(map[string]string{"report.md": "v3"}, false); err == nil || !strings.Contains(err.Error(), "sub") {
		t.Errorf("a foreign subdirectory: want an error naming it, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "report.md")); string(b) != "v2" || names(t, parent) != "rep" {
		t.Errorf("after a refused set: report.md %q, parent %s", b, names(t, parent))
	}
	file := filepath.Join(parent, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := NewDir(file); err == nil {
		t.Error("NewDir over a file: want an error")
	}
}

// D5: temporaries a killed run left (its process is gone) are removed by the next write of
// the same target; a running process's are kept.
func TestStaleTemporariesRemoved(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	dead, live := cmd.Process.Pid, os.Getppid()
	dir := t.TempDir()
	stale := []string{
		fmt.Sprintf(".fit.json.tmp-%d-abc-1", dead),
		fmt.Sprintf(".rep.tmp-%d-abc-2", dead),
		fmt.Sprintf(".rep.old-%d-abc-3", dead),
	}
	kept := []string{fmt.Sprintf(".fit.json.tmp-%d-abc-4", live), ".fit.json.tmp-notapid", "other.txt"}
	for _, n := range append(stale, kept...) {
		if strings.Contains(n, "rep.") {
			os.Mkdir(filepath.Join(dir, n), 0o755)
			os.WriteFile(filepath.Join(dir, n, "loss.png"), nil, 0o644)
		} else {
			os.WriteFile(filepath.Join(dir, n), nil, 0o644)
		}
	}
	if err := writeString(filepath.Join(dir, "fit.json"), "x"); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(filepath.Join(dir, "rep"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	want := append(append([]string{}, kept...), "fit.json", "rep")
	sort.Strings(want)
	if got := names(t, dir); got != strings.Join(want, ",") {
		t.Errorf("after cleanup: %s\nwant %s", got, strings.Join(want, ","))
	}
}
