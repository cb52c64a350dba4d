package limits

import (
	"bytes"
	"fmt"
	"io"
)

// Input tracks one input as it is read, chunk by chunk, and fails once it exceeds
// MaxInputBytes or holds a line longer than MaxLineBytes (an unbounded read of /dev/zero or
// a 100 MB line is refused at the cap, in bounded memory). The zero value is ready.
type Input struct {
	// AnyLineLength leaves lines unchecked (a JSON array may be one line): only the size is
	// capped.
	AnyLineLength bool

	bytes   int64
	line    int // 1-based line being read
	lineLen int // bytes of that line so far
}

// TooLarge is the error of an input over MaxInputBytes.
func TooLarge() error {
	return fmt.Errorf("more than %d MiB: inputs are capped at %d MiB (split the runs over several files)", MaxInputBytes>>20, MaxInputBytes>>20)
}

// Add accounts for the next chunk of the input.
func (in *Input) Add(p []byte) error {
	if in.line == 0 {
		in.line = 1
	}
	in.bytes += int64(len(p))
	if in.bytes > MaxInputBytes {
		return TooLarge()
	}
	if in.AnyLineLength {
		return nil
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			in.lineLen += len(p)
			break
		}
		in.lineLen += i
		if err := in.checkLine(); err != nil {
			return err
		}
		in.line++
		in.lineLen = 0
		p = p[i+1:]
	}
	return in.checkLine()
}

func (in *Input) checkLine() error {
	if in.lineLen > MaxLineBytes {
		return &LineError{Line: in.line, Max: MaxLineBytes}
	}
	return nil
}

// LineError is a line over MaxLineBytes.
type LineError struct{ Line, Max int }

func (e *LineError) Error() string {
	return fmt.Sprintf("line %d is longer than %d KiB: not a table of runs (is it binary, or one huge line?)", e.Line, e.Max>>10)
}

// Reader returns r with Input's caps: reads fail once r exceeds them.
func Reader(r io.Reader) io.Reader { return &capped{r: r} }

// SizeReader returns r with the size cap only: reads fail once r exceeds MaxInputBytes.
func SizeReader(r io.Reader) io.Reader { return &capped{r: r, in: Input{AnyLineLength: true}} }

type capped struct {
	r  io.Reader
	in Input
}

func (c *capped) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if cerr := c.in.Add(p[:n]); cerr != nil {
		return 0, cerr
	}
	return n, err
}
