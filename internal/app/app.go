// Package app holds scalefit's verbs as values. Each verb is one file here: a Request that
// knows nothing of cobra or flags (validated by its Validate method, which returns usage
// errors), and Run(ctx, Request) (Result, error). A Result is a value that can say its
// stable JSON contract, its document blocks, its warnings and what did not converge;
// cmd/scalefit turns flags into a Request, runs it and renders the Result once, identically
// for every verb and format (Write), and report composes Results into documents.
//
// Verbs share one package so that they share law resolution (LawSpec) and input loading, and
// so that report can run the verbs it needs without import cycles. The numerics live in the
// family and engine packages (chinchilla, kaplan, fit, stats, ...); a verb only wires them.
// Verbs never print: they return values and errors.
package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

// Result is what every verb's Run returns.
type Result interface {
	// Contract is the value `--format json` writes: the verb's stable JSON contract (fields
	// are added, never renamed; warnings are objects; schema_version where it has one).
	Contract() any
	// Blocks is the document of the result in format f (Text, Markdown or CSV): its tables,
	// paragraphs and verdict. Warnings are not among them (see Write).
	Blocks(f format.Output) []doc.Block
	// Warnings are the non-fatal findings, each with a catalogued code.
	Warnings() []warn.Warning
	// NotConverged names the fits that did not converge (what --strict exits 1 on).
	NotConverged() []string
}

// Answerer is implemented by Results that answer yes or no (check): Answer is nil for yes
// and a *NoError saying why for no (exit 1, after the result was written).
type Answerer interface {
	Answer() error
}

// CSVWriter is implemented by Results whose CSV is not their blocks' tables (machine-readable
// rows at full precision, e.g. one row per allocation).
type CSVWriter interface {
	WriteCSV(w io.Writer) error
}

// Write renders res on w in format f: JSON is the contract (indented, full precision, every
// number finite or an error); CSV is WriteCSV's rows when res has them, else the blocks; text
// and Markdown are the blocks. Markdown and CSV carry the warnings at their end unless the
// blocks place them (a document kept whole, structured rows); text leaves them to stderr, where the caller writes them for
// every format. A result with a non-finite number is the same error in every format.
func Write(w io.Writer, f format.Output, res Result) error {
	c := res.Contract()
	if err := report.CheckFinite(c); err != nil {
		return err
	}
	switch f {
	case format.JSON:
		return report.WriteJSON(w, c)
	case format.CSV:
		if cw, ok := res.(CSVWriter); ok {
			return cw.WriteCSV(w)
		}
	}
	blocks := res.Blocks(f)
	if (f == format.Markdown || f == format.CSV) && !hasWarnings(blocks) {
		if ws := res.Warnings(); len(ws) > 0 {
			blocks = append(blocks, &doc.Warnings{List: ws})
		}
	}
	return doc.Render(w, f, blocks)
}

// hasWarnings reports whether the blocks place the warnings themselves.
func hasWarnings(blocks []doc.Block) bool {
	for _, b := range blocks {
		if _, ok := b.(*doc.Warnings); ok {
			return true
		}
	}
	return false
}

// UsageError marks an error in the command line itself (a flag value, a missing flag, flags
// that conflict): the CLI shows a pointer to --help for these only. Exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// NoError is a verb's answer "no" (exit 1): check found runs outside the prediction, a gate
// failed, --strict and a fit did not converge. The result has been written in full; Msg says
// why on stderr.
type NoError struct{ Msg string }

func (e *NoError) Error() string { return e.Msg }
