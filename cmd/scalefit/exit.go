package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
)

// Exit codes, as diff and grep use them. This is the one place they are mapped.
const (
	exitOK    = 0 // success
	exitNo    = 1 // the answer is "no": check found runs outside the prediction; --strict and a fit did not converge
	exitError = 2 // an error: bad input, bad flags, I/O
)

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var no *app.NoError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &no):
		return exitNo
	}
	return exitError
}

// run executes scalefit with args and returns the exit code; the whole program is testable
// in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &stickyWriter{w: stdout}
	stderr = escapingWriter{stderr}
	root := newRootCmd(stdin, out, stderr, args)
	root.SetArgs(args)
	err := root.Execute()
	if out.err != nil {
		// A result that did not reach stdout (a full disk, /dev/full, a closed pipe) is an
		// I/O error whatever the command concluded.
		err = fmt.Errorf("cannot write the output: %w", out.err)
	}
	if err != nil {
		var no *app.NoError
		if !errors.As(err, &no) {
			msg := err.Error()
			if !strings.HasPrefix(msg, "scalefit") {
				msg = "scalefit: " + msg
			}
			fmt.Fprintln(stderr, msg)
			if app.IsUsage(err) {
				fmt.Fprintln(stderr, "Run 'scalefit --help' for usage.")
			}
		}
	}
	return exitCode(err)
}

// stickyWriter remembers the first write error on stdout, so that commands which print with
// fmt.Fprintln and ignore its error still exit 2 when their output was lost; after an
// error it writes nothing more.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// escapingWriter shows the control characters of what goes to stderr (warnings and errors
// quote group names, headers and file names from the input) as escapes, so that input
// cannot drive the terminal (ANSI sequences, bidirectional overrides).
type escapingWriter struct{ w io.Writer }

func (e escapingWriter) Write(p []byte) (int, error) {
	s := format.TerminalStream(string(p))
	if _, err := io.WriteString(e.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
