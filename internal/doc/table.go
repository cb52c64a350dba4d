package doc

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// Table is a titled table of already formatted cells, with notes printed under it.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string
}

// AddRow appends a row.
func (t *Table) AddRow(cells ...string) { t.Rows = append(t.Rows, cells) }

// Render writes the table in format f (Text, Markdown or CSV).
func (t *Table) Render(w io.Writer, f format.Output) error {
	switch f {
	case format.Markdown:
		return t.markdown(w)
	case format.CSV:
		return t.csv(w)
	}
	return t.text(w)
}

func (t *Table) text(w io.Writer) error {
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(format.Terminal(t.Title) + "\n")
	}
	width := make([]int, len(t.Header))
	// Cells quote the input (group names, headers): escape what a terminal would obey.
	all := make([][]string, 0, len(t.Rows)+1)
	for _, r := range append([][]string{t.Header}, t.Rows...) {
		esc := make([]string, len(r))
		for i, c := range r {
			esc[i] = format.Terminal(c)
		}
		all = append(all, esc)
	}
	for _, r := range all {
		for i, c := range r {
			if i < len(width) && utf8.RuneCountInString(c) > width[i] {
				width[i] = utf8.RuneCountInString(c)
			}
		}
	}
	for _, r := range all {
		line := ""
		for i, c := range r {
			if i > 0 {
				line += "  "
			}
			pad := 0
			if i < len(width) {
				pad = width[i] - utf8.RuneCountInString(c)
			}
			if i == 0 {
				line += c + strings.Repeat(" ", pad)
			} else {
				line += strings.Repeat(" ", pad) + c
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for _, n := range t.Notes {
		b.WriteString("  " + format.Terminal(n) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (t *Table) markdown(w io.Writer) error {
	var b strings.Builder
	if t.Title != "" {
		b.WriteString("### " + format.MarkdownText(t.Title) + "\n\n")
	}
	esc := format.MarkdownText
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if i == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.Notes {
			b.WriteString("- " + format.MarkdownText(n) + "\n")
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (t *Table) csv(w io.Writer) error {
	cw := csv.NewWriter(w)
	if t.Title != "" {
		if _, err := fmt.Fprintf(w, "# %s\n", t.Title); err != nil {
			return err
		}
	}
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// RenderAll writes tables one after another, separated by blank lines, then warnings.
func RenderAll(w io.Writer, f format.Output, tables []*Table, ws []warn.Warning) error {
	for i, t := range tables {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if err := t.Render(w, f); err != nil {
			return err
		}
	}
	return writeWarnings(w, f, ws)
}
