// Package safefile writes output files atomically: the content goes to a temporary file in
// the destination's directory, which is synced and renamed over the destination only when
// writing succeeded, so a failed or killed run never leaves a half-written file behind.
//
// Targets that are not regular files are never replaced: a character device (/dev/null,
// /dev/full), a FIFO or a link to standard output (/dev/stdout, /proc/self/fd/1) is written
// through, so `-o /dev/full` fails with ENOSPC. A target whose mode has no write bits is
// refused (judged by the mode, since root may write anyway). A replaced file keeps its mode;
// a new file gets 0666 less the umask, as any other program's output.
package safefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Write creates path atomically with the bytes that write produces. On any error the
// temporary file is removed and path is left as it was.
func Write(path string, write func(w io.Writer) error) (err error) {
	target, through, mode, exists, err := resolve(path)
	if err != nil {
		return err
	}
	if through {
		return writeThrough(path, write)
	}
	// The temporary and the rename need the directory writable: judged by its mode too.
	if st, err := os.Stat(filepath.Dir(target)); err == nil && st.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("cannot write %s: its directory is read-only (mode %04o)", path, st.Mode().Perm())
	}
	removeStale(target)
	tmp, err := createTemp(target, 0o666)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if exists {
		// An existing file keeps its mode (the umask may have dropped bits from the temporary).
		if err = tmp.Chmod(mode); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	syncDir(filepath.Dir(target))
	return nil
}

// WriteBytes writes b to path atomically.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// resolve decides how to write path: the file to replace (a symbolic link's target, so the
// link survives), or through (a device, a FIFO, a link into /dev or /proc); mode is an
// existing file's permission bits.
func resolve(path string) (target string, through bool, mode fs.FileMode, exists bool, err error) {
	lst, lerr := os.Lstat(path)
	if errors.Is(lerr, fs.ErrNotExist) {
		return path, false, 0, false, nil
	}
	if lerr != nil {
		return "", false, 0, false, fmt.Errorf("cannot write %s: %w", path, lerr)
	}
	st := lst
	target = path
	if lst.Mode()&fs.ModeSymlink != 0 {
		if st, err = os.Stat(path); err != nil {
			return "", false, 0, false, fmt.Errorf("cannot write %s: a symbolic link to nothing (%w)", path, err)
		}
		abs, _ := filepath.Abs(path)
		real, rerr := filepath.EvalSymlinks(path)
		if rerr != nil || strings.HasPrefix(abs, "/proc/") || strings.HasPrefix(abs, "/dev/") {
			through = true // /dev/stdout, /proc/self/fd/1: whatever stdout is
		} else {
			target = real
		}
	}
	switch {
	case st.IsDir():
		return "", false, 0, false, fmt.Errorf("cannot write %s: it is a directory; give a file name", path)
	case st.Mode().Perm()&0o222 == 0:
		return "", false, 0, false, fmt.Errorf("cannot write %s: it is read-only (mode %04o); make it writable or choose another file", path, st.Mode().Perm())
	case !st.Mode().IsRegular():
		through = true // a device or a FIFO: replacing it would break whoever reads it
	}
	return target, through, st.Mode().Perm(), true, nil
}

// writeThrough writes into an existing node (device, FIFO, stdout) without replacing it.
func writeThrough(path string, write func(w io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

var tempSeq atomic.Uint64

// tempName is a hidden sibling of path: ".NAME.tmp-PID-NANOS-SEQ".
func tempName(path, kind string) string {
	n := tempSeq.Add(1)
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+kind+"-"+
		strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+"-"+strconv.FormatUint(n, 10))
}

// removeStale deletes the temporaries a killed run left beside path (".NAME.tmp-PID-..." and
// ".NAME.old-PID-..." whose process no longer exists); a running process's are kept.
func removeStale(path string) {
	base := "." + filepath.Base(path) + "."
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok {
			continue
		}
		kind, rest, ok := strings.Cut(rest, "-")
		if !ok || kind != "tmp" && kind != "old" {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(filepath.Dir(path), e.Name()))
	}
}

// createTemp creates a new file beside path with perm less the umask (os.CreateTemp would
// force 0600).
func createTemp(path string, perm fs.FileMode) (*os.File, error) {
	for i := 0; ; i++ {
		f, err := os.OpenFile(tempName(path, "tmp"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err == nil || !errors.Is(err, fs.ErrExist) || i == 100 {
			return f, err
		}
	}
}

// syncDir makes a rename in dir durable (best effort: not every file system can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
