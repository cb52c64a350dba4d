package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/safefile"
)

// writeReportPages writes report.html (report.md with its figures inline as SVG, one file
// that opens offline) and summary.md (report.md without images, for a CI job summary) into
// dir, and returns their paths. figs are the figures report.md links.
func writeReportPages(dir, md string, in *plot.Input, figs []report.Figure, extra map[string][]byte) ([]string, error) {
	svgs := make(map[string][]byte, len(figs)+len(extra))
	for file, svg := range extra {
		svgs[file] = svg
	}
	for _, f := range figs {
		svg, err := plot.SVG(plot.Kind(f.Kind), in)
		if err != nil {
			return nil, fmt.Errorf("report.html: figure %s: %w", f.Kind, err)
		}
		svgs[filepath.ToSlash(f.File)] = svg
	}
	htmlPath := filepath.Join(dir, "report.html")
	if err := safefile.Write(htmlPath, func(w io.Writer) error {
		return report.HTMLReport(w, md, report.HTMLOptions{Figures: svgs})
	}); err != nil {
		return nil, err
	}
	sumPath := filepath.Join(dir, "summary.md")
	summary := report.JobSummary(md, "the report directory (upload it as a CI artefact)")
	if err := safefile.Write(sumPath, func(w io.Writer) error {
		_, err := io.WriteString(w, summary)
		return err
	}); err != nil {
		return nil, err
	}
	return []string{htmlPath, sumPath}, nil
}
