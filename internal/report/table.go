package report

import (
	"io"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// Table is doc.Table: report builds its documents from the block model's tables.
type Table = doc.Table

// RenderAll is doc.RenderAll.
func RenderAll(w io.Writer, f format.Output, tables []*Table, ws []warn.Warning) error {
	return doc.RenderAll(w, f, tables, ws)
}
