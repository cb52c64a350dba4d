package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// The pages of a report are renderings of one list of blocks (internal/doc): report.md is
// doc.Render's Markdown; report.html and summary.md are rendered here, from the same blocks,
// so no renderer parses another's output.

// HTMLPage renders blocks as one self-contained HTML page: every figure inline as SVG
// (figures maps a figure's File to its SVG; one without is named in words), no scripts,
// style sheets, fonts or images by URL, and links to local files as plain text (a page
// opened from an e-mail or an artefact zip has no directory beside it). The output is
// well-formed XML (XHTML syntax served as HTML5).
func HTMLPage(w io.Writer, title string, blocks []doc.Block, figures map[string][]byte) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", esc(title), htmlStyle)
	h := &htmlWriter{b: &b, figures: figures, ids: map[string]int{}}
	for _, bl := range blocks {
		h.block(bl)
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type htmlWriter struct {
	b       *strings.Builder
	figures map[string][]byte
	figN    int
	ids     map[string]int // heading ids used so far: each section's "Warnings" gets its own
}

// heading writes an <hN> with a unique id.
func (h *htmlWriter) heading(level int, text string) {
	level = min(max(level, 1), 6)
	id := anchor(text)
	h.ids[id]++
	if n := h.ids[id]; n > 1 {
		id = fmt.Sprintf("%s-%d", id, n)
	}
	fmt.Fprintf(h.b, "<h%d id=\"%s\">%s</h%d>\n", level, id, text2html(text), level)
}

func (h *htmlWriter) list(items []doc.Text) {
	if len(items) == 0 {
		return
	}
	h.b.WriteString("<ul>\n")
	for _, it := range items {
		h.b.WriteString("<li>" + rich2html(it) + "</li>\n")
	}
	h.b.WriteString("</ul>\n")
}

func (h *htmlWriter) block(bl doc.Block) {
	switch x := bl.(type) {
	case *doc.Heading:
		h.heading(x.Level, x.Text)
	case *doc.Paragraph:
		t := x.Rich
		if t == nil {
			t = doc.Plain(x.Text)
		}
		h.b.WriteString("<p>" + rich2html(t) + "</p>\n")
	case *doc.List:
		h.list(x.Items)
	case *doc.Verdict:
		h.b.WriteString("<p><strong>" + text2html(x.Text) + "</strong></p>\n")
	case *doc.Warnings:
		h.heading(3, "Warnings")
		if len(x.List) == 0 {
			h.b.WriteString("<p>None.</p>\n")
		}
		h.list(plainItems(warn.Strings(x.List)))
	case *doc.Table:
		if x.Title != "" {
			h.heading(3, x.Title)
		}
		h.table(x)
		h.list(plainItems(x.Notes))
	case *doc.Figure:
		h.figN++
		svg, ok := h.figures[x.File]
		if !ok {
			fmt.Fprintf(h.b, "<p class=\"missing\">Figure %s (%s) is not embedded in this page.</p>\n", text2html(x.Name), esc(x.File))
			return
		}
		h.b.WriteString("<figure>\n")
		h.b.Write(inlineSVG(svg, fmt.Sprintf("f%d-", h.figN)))
		fmt.Fprintf(h.b, "\n<figcaption>%s</figcaption>\n</figure>\n", text2html(x.Caption))
	}
}

func (h *htmlWriter) table(t *doc.Table) {
	cell := func(tag string, k int, s string) string {
		cls := ""
		if k > 0 {
			cls = ` class="r"`
		}
		return "<" + tag + cls + ">" + text2html(s) + "</" + tag + ">"
	}
	h.b.WriteString("<div class=\"table\"><table>\n<thead><tr>")
	for k, c := range t.Header {
		h.b.WriteString(cell("th", k, c))
	}
	h.b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		h.b.WriteString("<tr>")
		for k, c := range row {
			h.b.WriteString(cell("td", k, c))
		}
		h.b.WriteString("</tr>\n")
	}
	h.b.WriteString("</tbody>\n</table></div>\n")
}

func plainItems(ss []string) []doc.Text {
	out := make([]doc.Text, len(ss))
	for i, s := range ss {
		out[i] = doc.Plain(s)
	}
	return out
}

// text2html escapes text from the input for HTML (control characters shown as escapes).
func text2html(s string) string { return esc(format.Terminal(s)) }

// rich2html renders spans: bold and code as themselves; a link to an http(s) URL stays a
// link, a link to a local file becomes its text with the file name in code.
func rich2html(t doc.Text) string {
	var b strings.Builder
	for _, s := range t {
		switch {
		case s.Bold:
			b.WriteString("<strong>" + text2html(s.Text) + "</strong>")
		case s.Code:
			b.WriteString("<code>" + text2html(s.Text) + "</code>")
		case s.Link != "" && isRemote(s.Link):
			b.WriteString("<a href=\"" + esc(s.Link) + "\">" + text2html(s.Text) + "</a>")
		case s.Link != "":
			b.WriteString(text2html(s.Text))
			if s.Text != s.Link {
				b.WriteString(" (<code>" + text2html(s.Link) + "</code>)")
			}
		default:
			b.WriteString(text2html(s.Text))
		}
	}
	return b.String()
}

// SummaryMaxBytes keeps a job summary under GitHub's limit for one step's summary (1 MiB),
// with room for the lines a workflow appends.
const SummaryMaxBytes = 1000 * 1000

// FiguresHeading is the heading of a report's main figure section: the job summary replaces
// it with one line saying where the figures are.
const FiguresHeading = "Figures"

// JobSummaryBlocks turns a report's blocks into a job summary's (GitHub's
// $GITHUB_STEP_SUMMARY): the same verdict, tables and warnings, with no images (a job
// summary cannot show files from the workspace). The main Figures section becomes one line
// saying where the figures are (artefact), keeping its list of skipped figures; elsewhere a
// run of figures (each maybe under its own level-3 heading) becomes one line naming them;
// links to local files become code spans.
func JobSummaryBlocks(blocks []doc.Block, artefact string) []doc.Block {
	var out []doc.Block
	inFigures := false
	for i := 0; i < len(blocks); i++ {
		bl := blocks[i]
		if hd, ok := bl.(*doc.Heading); ok && hd.Level <= 2 {
			inFigures = hd.Text == FiguresHeading
			out = append(out, hd)
			if inFigures {
				out = append(out, &doc.Paragraph{Text: "The figures are in " + artefact + " (report.html shows them inline; the image files sit beside it)."})
			}
			continue
		}
		if inFigures {
			if l, ok := bl.(*doc.List); ok {
				out = append(out, l) // the figures skipped, and why
			}
			continue
		}
		var names []string
		j := i
		for j < len(blocks) {
			if hd, ok := blocks[j].(*doc.Heading); ok && hd.Level >= 3 && j+1 < len(blocks) {
				if f, ok := blocks[j+1].(*doc.Figure); ok {
					names = append(names, f.Name)
					j += 2
					continue
				}
			}
			if f, ok := blocks[j].(*doc.Figure); ok {
				names = append(names, f.Name)
				j++
				continue
			}
			break
		}
		if len(names) > 0 {
			out = append(out, &doc.Paragraph{Text: "Figures not shown here (report.html has them, and the image files are beside it): " + strings.Join(names, ", ") + "."})
			i = j - 1
			continue
		}
		out = append(out, codeLinks(bl))
	}
	return out
}

// codeLinks returns bl with its links to local files as code spans.
func codeLinks(bl doc.Block) doc.Block {
	fix := func(t doc.Text) doc.Text {
		var out doc.Text
		for _, s := range t {
			if s.Link != "" && !isRemote(s.Link) {
				s = doc.Span{Text: s.Link, Code: true}
			}
			out = append(out, s)
		}
		return out
	}
	switch x := bl.(type) {
	case *doc.Paragraph:
		if x.Rich != nil {
			return &doc.Paragraph{Rich: fix(x.Rich)}
		}
	case *doc.List:
		l := &doc.List{}
		for _, it := range x.Items {
			l.Items = append(l.Items, fix(it))
		}
		return l
	}
	return bl
}

// JobSummary renders a job summary's blocks as Markdown, cut at a line boundary, with a
// note, to stay under SummaryMaxBytes.
func JobSummary(w io.Writer, blocks []doc.Block) error {
	var b strings.Builder
	if err := doc.Render(&b, format.Markdown, blocks); err != nil {
		return err
	}
	s := strings.TrimRight(b.String(), "\n") + "\n"
	if len(s) > SummaryMaxBytes {
		const note = "\n\n… the summary is cut here to stay under GitHub's 1 MiB job-summary limit; report.md has the rest.\n"
		cut := strings.LastIndex(s[:SummaryMaxBytes-len(note)], "\n")
		s = s[:cut] + note
	}
	_, err := io.WriteString(w, s)
	return err
}
