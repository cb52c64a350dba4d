package main

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// emitWarnings writes each warning to stderr as "scalefit: warning: ...", whatever the
// output format: stdout stays a clean result for pipes, and a warning is never lost in a
// table scrolled past or a JSON file nobody opens. The structured outputs carry them too
// (JSON "warnings", fit CSV's kind=warning rows, report.md and Markdown tables).
func emitWarnings(e *env, warnings []warn.Warning) {
	for _, w := range warnings {
		fmt.Fprintln(e.stderr, "scalefit: warning:", w.Qualified())
	}
}

// stdoutWarnings are the warnings a format rendered by report.RenderAll carries on stdout:
// Markdown is a document (kept whole in a file or a job summary) and CSV is structured, so
// both keep them; the table format leaves them to stderr, so a terminal does not show them
// twice.
func stdoutWarnings(f format.Output, warnings []warn.Warning) []warn.Warning {
	if f == format.Markdown || f == format.CSV {
		return warnings
	}
	return nil
}

// strictErr is --strict's answer, the same on every command that fits: called after the
// command has written all its output, it returns exit 1 (answerNo) when any of the named
// fits did not converge, and says which on stderr.
func strictErr(e *env, strict bool, notConverged []string) error {
	if !strict || len(notConverged) == 0 {
		return nil
	}
	msg := "--strict: " + strings.Join(notConverged, ", ") + " did not converge"
	fmt.Fprintln(e.stderr, "scalefit:", msg)
	return &app.NoError{Msg: msg}
}
