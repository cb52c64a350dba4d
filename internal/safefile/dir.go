package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir builds a set of files (a report) that replaces a directory all at once: the files
// are written into a temporary sibling directory (Path), and Commit swaps it with the
// destination, so readers and a killed run see all the old files or all the new ones, never
// a mix. Abort (or a failed Commit) removes the temporary directory. A run killed with
// SIGKILL leaves its hidden sibling ".DIR.tmp-PID-..." behind; the next NewDir of the same
// destination removes it.
//
// The destination is followed when it is a symbolic link (the link stays, the directory it
// names gets the new files). The current directory and its ancestors are refused: swapping
// them would leave the caller's shell in a deleted directory. Commit keeps every file it
// was not told it owns, and refuses to replace or remove a read-only file, a directory or a
// special file of the same name, or one of the command's inputs.
type Dir struct {
	final  string // the destination, absolute, symbolic links resolved
	stage  string // the temporary sibling
	inputs []os.FileInfo
	names  []string // the inputs' paths as given, for messages
}

// NewDir starts a new set of files for dir (created, with its parents, if missing). dir
// must not be a file, the current directory or one of its ancestors. inputs are the
// command's input files: Commit refuses to replace or remove any of them.
func NewDir(dir string, inputs ...string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	if lst, err := os.Lstat(abs); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("cannot create %s: a symbolic link to nothing (%w)", dir, err)
		}
		abs = real
	} else if real, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(real, filepath.Base(abs))
	}
	if err := notCurrent(dir, abs); err != nil {
		return nil, err
	}
	perm := fs.FileMode(0o777) // less the umask
	if st, err := os.Stat(abs); err == nil {
		if !st.IsDir() {
			return nil, fmt.Errorf("cannot create %s: it is a file, not a directory", dir)
		}
		if st.Mode().Perm()&0o222 == 0 {
			return nil, fmt.Errorf("cannot write %s: it is read-only (mode %04o)", dir, st.Mode().Perm())
		}
		perm = st.Mode().Perm()
	}
	d := &Dir{final: abs}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		if st, err := os.Stat(in); err == nil && st.Mode().IsRegular() {
			d.inputs = append(d.inputs, st)
			d.names = append(d.names, in)
		}
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o777); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	removeStale(abs) // a killed run's half-built set
	for i := 0; ; i++ {
		stage := tempName(abs, "tmp")
		err := os.Mkdir(stage, 0o777)
		if err == nil {
			if perm != 0o777 {
				if st, err := os.Stat(abs); err == nil {
					os.Chmod(stage, st.Mode().Perm())
				}
			}
			d.stage = stage
			return d, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			return nil, fmt.Errorf("cannot create %s: %w", dir, err)
		}
	}
}

// notCurrent refuses a destination (abs, resolved) that is the current directory or holds
// it: the swap would move the caller's working directory away.
func notCurrent(dir, abs string) error {
	wd, err := os.Getwd()
	if err != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	switch {
	case wd == abs:
		return fmt.Errorf("cannot write into %s: it is the current directory, which the new set of files would replace; give a subdirectory (e.g. -o report)", dir)
	case abs == string(filepath.Separator) || strings.HasPrefix(wd, abs+string(filepath.Separator)):
		return fmt.Errorf("cannot write into %s: it holds the current directory, which the new set of files would replace; give a new or empty subdirectory", dir)
	}
	return nil
}

// Path is the temporary directory to write the new files into.
func (d *Dir) Path() string { return d.stage }

// Abort removes the temporary directory and whatever was written into it.
func (d *Dir) Abort() { os.RemoveAll(d.stage) }

// Commit replaces the destination with the new files. Files of the old directory for which
// owned reports true (the previous report's own files) go; any other file there (the user's)
// is carried over by a hard link. A subdirectory or other special entry that is not owned
// makes Commit fail, leaving the destination as it was. On any error the temporary
// directory is removed.
func (d *Dir) Commit(owned func(name string) bool) (err error) {
	defer func() {
		if err != nil {
			d.Abort()
		}
	}()
	old, err := os.ReadDir(d.final)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		syncDir(d.stage)
		if err := os.Rename(d.stage, d.final); err != nil {
			return fmt.Errorf("cannot create %s: %w", d.final, err)
		}
		syncDir(filepath.Dir(d.final))
		return nil
	case err != nil:
		return fmt.Errorf("cannot read %s: %w", d.final, err)
	}
	for _, e := range old {
		name := e.Name()
		_, lerr := os.Lstat(filepath.Join(d.stage, name))
		replaced := lerr == nil
		if replaced || owned(name) {
			// replaced, or a file of the old report that the new one does not have
			if err := d.mayRemove(name, e, replaced); err != nil {
				return err
			}
			continue
		}
		if err := carry(filepath.Join(d.final, name), filepath.Join(d.stage, name), e); err != nil {
			return fmt.Errorf("cannot replace %s: it holds %s, which is not a scalefit output (%v); give a new or empty directory", d.final, name, err)
		}
	}
	syncDir(d.stage)
	if err := exchange(d.stage, d.final); err != nil {
		// No atomic exchange here: move the old directory aside, the new one in, and back on failure.
		aside := tempName(d.final, "old")
		if err := os.Rename(d.final, aside); err != nil {
			return fmt.Errorf("cannot replace %s: %w", d.final, err)
		}
		if err := os.Rename(d.stage, d.final); err != nil {
			os.Rename(aside, d.final)
			return fmt.Errorf("cannot replace %s: %w", d.final, err)
		}
		d.stage = aside
	}
	syncDir(filepath.Dir(d.final))
	os.RemoveAll(d.stage) // now the old files
	return nil
}

// mayRemove refuses to replace (or, not replaced, to drop) the old entry name: a file with
// no write bits (as a single -o FILE refuses it), one of the command's inputs, or, replaced
// by a new file, anything but a regular file (a directory or link of the user's that happens
// to bear an output's name).
func (d *Dir) mayRemove(name string, e fs.DirEntry, replaced bool) error {
	path := filepath.Join(d.final, name)
	if replaced && !e.Type().IsRegular() {
		return fmt.Errorf("cannot replace %s: it is not a regular file, so not a scalefit output; move it or give another directory", path)
	}
	if !e.Type().IsRegular() {
		return nil
	}
	st, err := os.Lstat(path)
	if err != nil {
		return nil // gone meanwhile
	}
	if st.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("cannot replace %s: it is read-only (mode %04o); make it writable or give another directory", path, st.Mode().Perm())
	}
	if in, ok := sameAsInput(st, d.inputs, d.names); ok {
		return fmt.Errorf("cannot replace %s: it is the input %s; give another directory", path, in)
	}
	return nil
}

// carry puts an old directory entry that is not ours into the new directory: a hard link
// to a regular file (a copy where links are refused), the same target for a symbolic link.
func carry(from, to string, e fs.DirEntry) error {
	switch {
	case e.Type()&fs.ModeSymlink != 0:
		t, err := os.Readlink(from)
		if err != nil {
			return err
		}
		return os.Symlink(t, to)
	case e.Type().IsRegular():
		if os.Link(from, to) == nil {
			return nil
		}
		return copyFile(from, to)
	}
	return errors.New("a directory or special file")
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
