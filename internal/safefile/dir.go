package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir builds a set of files (a report) that replaces a directory all at once: the files
// are written into a temporary sibling directory (Path), and Commit swaps it with the
// destination, so readers and a killed run see all the old files or all the new ones, never
// a mix. Abort (or a failed Commit) removes the temporary directory.
type Dir struct {
	final string // the destination, absolute
	stage string // the temporary sibling
}

// NewDir starts a new set of files for dir (created, with its parents, if missing). dir
// must not be a file.
func NewDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
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
			return &Dir{final: abs, stage: stage}, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			return nil, fmt.Errorf("cannot create %s: %w", dir, err)
		}
	}
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
		if _, err := os.Lstat(filepath.Join(d.stage, name)); err == nil || owned(name) {
			continue // replaced, or a file of the old report that the new one does not have
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
