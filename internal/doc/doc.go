// Package doc is the block model of scalefit's documents: a command's result is a list of
// blocks (headings, paragraphs, tables, figures, warnings, a verdict) that is rendered to
// terminal text, Markdown or CSV here and to HTML and the CI job summary by internal/report,
// without any renderer parsing another's output. Cells and text are already formatted for
// people (internal/format); renderers escape them for where they land.
package doc

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// Block is one element of a document: *Heading, *Paragraph, *List, *Table, *Figure,
// *Warnings or *Verdict.
type Block interface{ block() }

// Heading is a section heading; Level 1 is the document's title, 2 a section, 3 a subsection.
type Heading struct {
	Level int
	Text  string
}

// Paragraph is plain text (no markup: renderers escape it), or rich text when Rich is set.
type Paragraph struct {
	Text string
	Rich Text
}

// Span is inline text with at most one style: bold, code, or a link to Link (a file beside
// the document). Renderers escape Text where it lands.
type Span struct {
	Text       string
	Bold, Code bool
	Link       string
}

// Text is a run of spans.
type Text []Span

// Plain is s as one unstyled span.
func Plain(s string) Text { return Text{{Text: s}} }

// String is the text without styles (terminal and CSV renderings).
func (t Text) String() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Markdown is the text in Markdown: **bold**, `code` and [text](link), the rest escaped.
func (t Text) Markdown() string {
	var b strings.Builder
	for _, s := range t {
		switch {
		case s.Bold:
			b.WriteString("**" + format.MarkdownText(s.Text) + "**")
		case s.Code:
			b.WriteString("`" + format.Terminal(s.Text) + "`")
		case s.Link != "":
			b.WriteString("[" + format.MarkdownText(s.Text) + "](" + s.Link + ")")
		default:
			b.WriteString(format.MarkdownText(s.Text))
		}
	}
	return b.String()
}

// List is a bulleted list.
type List struct{ Items []Text }

// Bullets is a list of plain items.
func Bullets(items ...string) *List {
	l := &List{}
	for _, s := range items {
		l.Items = append(l.Items, Plain(s))
	}
	return l
}

// Figure is an image written beside the document: File is its path relative to the
// document, Caption one or two sentences that say what to read in it.
type Figure struct {
	Name    string // short name, e.g. "frontier"
	File    string
	Caption string
}

// Warnings lists non-fatal findings; with None set, an empty list says "None." (a document
// section that always has its warnings heading).
type Warnings struct {
	List []warn.Warning
	None bool
}

// Verdict is the one-line answer a document opens with: OK false marks a "no" (a fit that
// did not converge, a gate that failed).
type Verdict struct {
	Text string
	OK   bool
}

func (*Heading) block()   {}
func (*Paragraph) block() {}
func (*List) block()      {}
func (*Table) block()     {}
func (*Figure) block()    {}
func (*Warnings) block()  {}
func (*Verdict) block()   {}

// Tables returns the blocks of ts, for documents that are tables only.
func Tables(ts []*Table) []Block {
	out := make([]Block, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// Render writes blocks in format f (Text, Markdown or CSV; JSON is each command's contract,
// not a rendering of blocks). Blocks are separated by blank lines; a Warnings block is
// written where it stands, under "warnings:" (text), "### Warnings" (Markdown) or a
// "# warnings" table (CSV), as RenderAll always wrote them.
func Render(w io.Writer, f format.Output, blocks []Block) error {
	var tables []*Table
	var b strings.Builder
	// sep separates a block from the one before by a blank line (a Markdown table ends
	// with one already).
	sep := func() {
		if s := b.String(); len(s) > 0 && !strings.HasSuffix(s, "\n\n") {
			b.WriteString("\n")
		}
	}
	flush := func() error {
		if len(tables) == 0 {
			return nil
		}
		sep()
		err := RenderAll(&b, f, tables, nil)
		tables = nil
		return err
	}
	for _, bl := range blocks {
		switch x := bl.(type) {
		case *Table:
			tables = append(tables, x)
			continue
		case *Warnings:
			if err := flush(); err != nil {
				return err
			}
			if f == format.Markdown {
				sep()
			}
			if len(x.List) == 0 && x.None && f == format.Markdown {
				b.WriteString("### Warnings\n\nNone.\n")
				continue
			}
			if err := writeWarnings(&b, f, x.List); err != nil {
				return err
			}
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		sep()
		writeBlock(&b, f, bl)
	}
	if err := flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeBlock(b *strings.Builder, f format.Output, bl Block) {
	switch x := bl.(type) {
	case *Heading:
		switch f {
		case format.Markdown:
			b.WriteString(strings.Repeat("#", max(1, x.Level)) + " " + format.MarkdownText(x.Text) + "\n")
		case format.CSV:
			b.WriteString("# " + x.Text + "\n")
		default:
			b.WriteString(format.Terminal(x.Text) + "\n")
		}
	case *Paragraph:
		text := x.Text
		if x.Rich != nil {
			text = x.Rich.String()
		}
		switch f {
		case format.Markdown:
			if x.Rich != nil {
				b.WriteString(x.Rich.Markdown() + "\n")
			} else {
				b.WriteString(format.MarkdownText(x.Text) + "\n")
			}
		case format.CSV:
			for _, l := range strings.Split(text, "\n") {
				b.WriteString("# " + l + "\n")
			}
		default:
			b.WriteString(format.TerminalLines(text) + "\n")
		}
	case *List:
		for _, it := range x.Items {
			switch f {
			case format.Markdown:
				b.WriteString("- " + it.Markdown() + "\n")
			case format.CSV:
				b.WriteString("# - " + it.String() + "\n")
			default:
				b.WriteString("- " + format.Terminal(it.String()) + "\n")
			}
		}
	case *Verdict:
		switch f {
		case format.Markdown:
			b.WriteString("**" + format.MarkdownText(x.Text) + "**\n")
		case format.CSV:
			b.WriteString("# verdict: " + x.Text + "\n")
		default:
			b.WriteString(format.Terminal(x.Text) + "\n")
		}
	case *Figure:
		switch f {
		case format.Markdown:
			b.WriteString("![" + format.MarkdownText(x.Name) + "](" + x.File + ")\n")
			if x.Caption != "" {
				b.WriteString("\n" + format.MarkdownText(x.Caption) + "\n")
			}
		case format.CSV:
			b.WriteString("# figure: " + x.File + "\n")
		default:
			b.WriteString("figure " + format.Terminal(x.File) + ": " + format.Terminal(x.Caption) + "\n")
		}
	}
}

// writeWarnings writes the warnings block of a rendering (nothing when there are none).
func writeWarnings(w io.Writer, f format.Output, ws []warn.Warning) error {
	warnings := warn.Strings(ws)
	if len(warnings) == 0 {
		return nil
	}
	var b strings.Builder
	switch f {
	case format.Markdown:
		b.WriteString("### Warnings\n\n")
		for _, s := range warnings {
			b.WriteString("- " + format.MarkdownText(s) + "\n")
		}
	case format.CSV:
		b.WriteString("\n# warnings\nwarning\n")
		cw := csv.NewWriter(&b)
		for _, s := range warnings {
			cw.Write([]string{s})
		}
		cw.Flush()
	default:
		b.WriteString("\nwarnings:\n")
		for _, s := range warnings {
			b.WriteString("  ! " + format.Terminal(s) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
