package app

import (
	"fmt"
	"io"
	"os"

	"github.com/scalefit/scalefit/internal/arch"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

// LawsResult is `scalefit laws`: every built-in published law (the names --law accepts),
// the curve laws and the hyper-parameter laws.
type LawsResult struct{ all []*laws.Law }

// Laws lists the built-in laws.
func Laws() *LawsResult { return &LawsResult{all: laws.All()} }

// Contract is the laws' JSON.
func (r *LawsResult) Contract() any { return report.LawsJSON(r.all) }

// Blocks are the tables of scaling, curve and hyper-parameter laws.
func (r *LawsResult) Blocks(f format.Output) []doc.Block {
	return doc.Tables(append(report.LawsTables(r.all, f), report.CurveLawsTable(f), report.HparamLawsTable(f)))
}

// Warnings are none.
func (r *LawsResult) Warnings() []warn.Warning { return nil }

// NotConverged is empty.
func (r *LawsResult) NotConverged() []string { return nil }

// FlopsRequest is `scalefit flops`: count a decoder-only transformer's parameters and its
// training FLOPs per token under each convention (or Conventions only). The shape is Arch,
// or the rows of an architecture table at Path ("-" is Stdin).
type FlopsRequest struct {
	Arch        *arch.Arch
	Path        string
	Stdin       io.Reader
	Conventions []arch.Convention
}

// FlopsResult is the count.
type FlopsResult struct{ Doc *report.FlopsDocument }

// Contract is the count's JSON.
func (r *FlopsResult) Contract() any { return r.Doc }

// Blocks are the count's tables.
func (r *FlopsResult) Blocks(format.Output) []doc.Block { return doc.Tables(report.FlopsTables(r.Doc)) }

// Warnings are none.
func (r *FlopsResult) Warnings() []warn.Warning { return nil }

// NotConverged is empty.
func (r *FlopsResult) NotConverged() []string { return nil }

// WriteCSV writes one row per architecture and convention.
func (r *FlopsResult) WriteCSV(w io.Writer) error { return report.WriteRowsCSV(w, r.Doc.Rows) }

// Flops counts the architectures.
func Flops(r FlopsRequest) (*FlopsResult, error) {
	if r.Arch != nil {
		if err := r.Arch.Validate(); err != nil {
			return nil, err
		}
		return &FlopsResult{Doc: report.Flops("", []report.ArchInput{{Arch: *r.Arch}}, r.Conventions)}, nil
	}
	var rows []arch.Row
	var err error
	if r.Path == "-" {
		rows, err = arch.ReadCSV(r.Stdin, "<stdin>")
	} else {
		f, ferr := os.Open(r.Path)
		if ferr != nil {
			return nil, fmt.Errorf("cannot read architectures: %w", ferr)
		}
		defer f.Close()
		rows, err = arch.ReadCSV(f, r.Path)
	}
	if err != nil {
		return nil, err
	}
	var in []report.ArchInput
	for _, row := range rows {
		in = append(in, report.ArchInput{Name: row.Name, Line: row.Line, Arch: row.Arch})
	}
	return &FlopsResult{Doc: report.Flops(r.Path, in, r.Conventions)}, nil
}
