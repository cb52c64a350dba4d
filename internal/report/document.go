package report

import (
	"encoding/json"
	"io"

	"github.com/scalefit/scalefit/internal/fitfile"
)

// The fit.json contract lives in internal/fitfile; these names keep code written against
// report compiling while it moves.
//
// Deprecated: use the fitfile names.
type (
	Document   = fitfile.Document
	Range      = fitfile.Range
	Skip       = fitfile.Skip
	Fit        = fitfile.Fit
	Allocation = fitfile.Allocation
	Budget     = fitfile.Budget
	Holdout    = fitfile.Holdout
	Residual   = fitfile.Residual
)

// SchemaVersion is the version of the JSON contracts scalefit writes (fitfile.SchemaVersion).
const SchemaVersion = fitfile.SchemaVersion

// F returns a pointer to v, for the optional numeric fields.
func F(v float64) *float64 { return &v }

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	if err := CheckFinite(v); err != nil {
		return err // a named field, not "json: unsupported value: NaN"
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ReadDocument reads a fit.json written by `scalefit fit -o`.
//
// Deprecated: use fitfile.Read.
func ReadDocument(path string) (*Document, error) { return fitfile.Read(path) }
