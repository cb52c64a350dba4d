package runs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/scalefit/scalefit/internal/limits"
)

// An input is opened once and may then be read several times (a delimited file is read in
// two passes): a regular file through its handle (one open, rewound between passes); a
// small file whole; a stream (stdin, a pipe, a FIFO, `<(cat runs.csv)`) copied as it is
// read, into memory while it is small and then into an unlinked temporary file, under the
// input cap, so that a stream near 1 GiB costs disk, not memory.

const (
	// smallInput: a file this small is read whole at once (a folder of many per-run files
	// then holds no open handles).
	smallInput = 256 << 10
	// streamMemory: a stream up to this size stays in memory; beyond it, on disk.
	streamMemory = 8 << 20
)

// input is one opened input.
type input struct {
	name  string
	rs    io.ReadSeeker
	ra    io.ReaderAt // the same bytes for random access (Parquet)
	size  int64
	close func() error // releases the handle; nil for memory
}

// rewind returns the input's reader at its start.
func (in *input) rewind() (io.Reader, error) {
	if _, err := in.rs.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return in.rs, nil
}

// release closes the input's handle once (reading is over, or failed).
func (in *input) release() {
	if in.close != nil {
		in.close()
		in.close = nil
	}
}

func memInput(name string, data []byte) *input {
	r := bytes.NewReader(data)
	return &input{name: name, rs: r, ra: r, size: int64(len(data))}
}

// openPath opens a named input once.
func openPath(path, name string) (*input, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	switch {
	case fi.IsDir():
		fh.Close()
		return nil, fmt.Errorf("is a directory: want a file of runs")
	case !fi.Mode().IsRegular(): // a FIFO, a pipe, a device: read once, as it comes
		defer fh.Close()
		return openStream(fh, name)
	case fi.Size() > limits.MaxInputBytes:
		fh.Close()
		return nil, limits.TooLarge()
	case fi.Size() <= smallInput:
		defer fh.Close()
		data, err := readAll(fh)
		if err != nil {
			return nil, err
		}
		return memInput(name, data), nil
	}
	return &input{name: name, rs: fh, ra: fh, size: fi.Size(), close: fh.Close}, nil
}

// openReader opens an input given as a reader: one that can seek is read in place (from
// its current offset), any other as a stream.
func openReader(r io.Reader, name string) (*input, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if end, err := rs.Seek(0, io.SeekEnd); err == nil {
				if _, err := rs.Seek(pos, io.SeekStart); err != nil {
					return nil, err
				}
				if end-pos > limits.MaxInputBytes {
					return nil, limits.TooLarge()
				}
				if pos == 0 {
					in := &input{name: name, rs: rs, size: end}
					in.ra, _ = r.(io.ReaderAt)
					return in, nil
				}
				sr := io.NewSectionReader(readerAt{rs}, pos, end-pos)
				return &input{name: name, rs: sr, ra: sr, size: end - pos}, nil
			}
		}
	}
	return openStream(r, name)
}

// readerAt reads a ReadSeeker at offsets (for a reader given at an offset other than 0).
type readerAt struct{ rs io.ReadSeeker }

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.rs, p)
}

// openStream copies a stream under the size cap: into memory up to streamMemory, then into
// an unlinked temporary file.
func openStream(r io.Reader, name string) (*input, error) {
	// Lines are capped as they come (an endless stream without newlines stops at 1 MiB),
	// unless the stream is a JSON array or Parquet, whose "lines" may be of any length.
	caps := &limits.Input{}
	capped := readFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		if cerr := caps.Add(p[:n]); cerr != nil {
			return 0, cerr
		}
		return n, err
	})
	buf := make([]byte, 0, 64<<10)
	first := true
	for len(buf) < streamMemory {
		if first && len(buf) > 0 {
			first = false
			if f := Detect(buf); f == FormatJSON || f == FormatParquet {
				caps.AnyLineLength = true
			}
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := capped.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return memInput(name, buf), nil
		}
		if err != nil {
			return nil, err
		}
	}
	f, err := os.CreateTemp("", "scalefit-input-*")
	if err != nil {
		return nil, fmt.Errorf("a stream over %d MiB is copied to a temporary file: %w", streamMemory>>20, err)
	}
	os.Remove(f.Name()) // gone when closed, even if the process is killed
	fail := func(err error) (*input, error) {
		f.Close()
		return nil, err
	}
	if _, err := f.Write(buf); err != nil {
		return fail(err)
	}
	n, err := io.Copy(f, capped)
	if err != nil {
		return fail(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return &input{name: name, rs: f, ra: f, size: int64(len(buf)) + n, close: f.Close}, nil
}

// head returns the input's first bytes (headSize at most, a byte-order mark removed) and
// rewinds it.
func (in *input) head() ([]byte, error) {
	r, err := in.rewind()
	if err != nil {
		return nil, err
	}
	h := make([]byte, min(in.size+1, headSize))
	n, err := io.ReadFull(r, h)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && err != io.EOF {
		return nil, err
	}
	if _, err := in.rewind(); err != nil {
		return nil, err
	}
	return bytes.TrimPrefix(h[:n], bom), nil
}

// readFunc is a Read method as a function.
type readFunc func(p []byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
