package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// The HTML report is report.md rendered as one self-contained page: every section that
// report.md has (fits, approaches, holdout, comparisons, tasks, curves, warnings) appears in
// the page without a second renderer to keep in step, and each figure report.md links by a
// relative path is replaced by the figure itself as inline SVG. The page fetches nothing:
// no scripts, no style sheets, no fonts, no images by URL, and links to local files become
// plain text (a browser opening the file from an e-mail or an artefact zip has no directory
// beside it). The output is well-formed XML (XHTML syntax served as HTML5), so that a strict
// XML parser can check it.

// HTMLOptions configure HTMLReport.
type HTMLOptions struct {
	// Title is the page title; "" uses the Markdown's first heading.
	Title string
	// Figures maps a figure file name as report.md links it (e.g. "isoflop.png") to the
	// figure drawn as SVG. A linked figure with no entry is named in words instead.
	Figures map[string][]byte
}

// HTMLReport renders the Markdown of a report (the subset report.md uses: ATX headings, pipe
// tables, bullet lists, fenced code, paragraphs, and inline code, bold, italics, links and
// images) as a self-contained HTML page.
func HTMLReport(w io.Writer, md string, o HTMLOptions) error {
	title := o.Title
	if title == "" {
		title = firstHeading(md)
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", esc(title), htmlStyle)
	r := &mdRenderer{b: &b, figures: o.Figures}
	if err := r.render(md); err != nil {
		return err
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// htmlStyle is the page's only styling: readable on a phone (fluid width, tables that scroll
// sideways instead of overflowing, figures as wide as the page but never narrower than
// 36rem, so their text stays legible and a phone scrolls them sideways as it does tables),
// printable, no web fonts.
const htmlStyle = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;background:#fff;line-height:1.45}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin-top:0.5rem}h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.1rem}
.table{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.92rem}
th,td{border:1px solid #d0d0d0;padding:.25rem .5rem;white-space:nowrap}th{background:#f3f3f3}
td.r,th.r{text-align:right}
figure{margin:1rem 0;overflow-x:auto}figure svg{width:100%;min-width:36rem;height:auto;display:block}
figcaption{font-size:.9rem;color:#444}
code{background:#f3f3f3;padding:0 .2rem;border-radius:3px;font-size:.9em}
pre{background:#f6f6f6;padding:.6rem;overflow-x:auto}
ul{padding-left:1.3rem}
.missing{color:#8a1c1c}
@media print{figure{break-inside:avoid}}
`

func esc(s string) string { return html.EscapeString(s) }

func firstHeading(md string) string {
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "# ") {
			return strings.TrimSpace(l[2:])
		}
	}
	return "scalefit report"
}

type mdRenderer struct {
	b       *strings.Builder
	figures map[string][]byte
	figN    int
	ids     map[string]int // heading ids used so far: each section's "Warnings" gets its own
}

var (
	reHeading = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	reBullet  = regexp.MustCompile(`^\s*[-*]\s+(.*)$`)
	reImage   = regexp.MustCompile(`^!\[([^\]]*)\]\(([^)\s]+)\)$`)
	reTableHR = regexp.MustCompile(`^\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?$`)
)

func (r *mdRenderer) render(md string) error {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			r.b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "```"):
			flush()
			r.b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				r.b.WriteString(esc(lines[i]) + "\n")
			}
			r.b.WriteString("</code></pre>\n")
		case reHeading.MatchString(t):
			flush()
			m := reHeading.FindStringSubmatch(t)
			n := len(m[1])
			fmt.Fprintf(r.b, "<h%d id=\"%s\">%s</h%d>\n", n, r.uniqueID(anchor(m[2])), inline(m[2]), n)
		case reImage.MatchString(t):
			flush()
			m := reImage.FindStringSubmatch(t)
			r.figure(m[1], m[2])
		case strings.HasPrefix(t, "|") && i+1 < len(lines) && reTableHR.MatchString(strings.TrimSpace(lines[i+1])):
			flush()
			j := i + 2
			for j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|") {
				j++
			}
			r.table(lines[i], lines[i+1], lines[i+2:j])
			i = j - 1
		case reBullet.MatchString(l):
			flush()
			r.b.WriteString("<ul>\n")
			for ; i < len(lines) && reBullet.MatchString(lines[i]); i++ {
				item := reBullet.FindStringSubmatch(lines[i])[1]
				// A continuation line indented under the item belongs to it.
				for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  ") && !reBullet.MatchString(lines[i+1]) && strings.TrimSpace(lines[i+1]) != "" {
					i++
					item += " " + strings.TrimSpace(lines[i])
				}
				r.b.WriteString("<li>" + inline(item) + "</li>\n")
			}
			i--
			r.b.WriteString("</ul>\n")
		default:
			para = append(para, t)
		}
	}
	flush()
	return nil
}

// uniqueID returns id, or id-2, id-3, ... when a heading before took it.
func (r *mdRenderer) uniqueID(id string) string {
	if r.ids == nil {
		r.ids = map[string]int{}
	}
	r.ids[id]++
	if n := r.ids[id]; n > 1 {
		return fmt.Sprintf("%s-%d", id, n)
	}
	return id
}

// figure inlines the SVG drawn for a linked figure file, or names the figure in words.
func (r *mdRenderer) figure(alt, src string) {
	r.figN++
	svg, ok := r.figures[src]
	if !ok || isRemote(src) {
		fmt.Fprintf(r.b, "<p class=\"missing\">Figure %s (%s) is not embedded in this page.</p>\n", esc(alt), esc(src))
		return
	}
	r.b.WriteString("<figure>\n")
	r.b.Write(inlineSVG(svg, fmt.Sprintf("f%d-", r.figN)))
	fmt.Fprintf(r.b, "\n<figcaption>%s</figcaption>\n</figure>\n", esc(alt))
}

func (r *mdRenderer) table(head, rule string, rows []string) {
	align := splitRow(rule)
	right := make([]bool, len(align))
	for k, a := range align {
		right[k] = strings.HasSuffix(strings.TrimSpace(a), ":")
	}
	cell := func(tag string, k int, s string) string {
		cls := ""
		if k < len(right) && right[k] {
			cls = ` class="r"`
		}
		return "<" + tag + cls + ">" + inline(s) + "</" + tag + ">"
	}
	r.b.WriteString("<div class=\"table\"><table>\n<thead><tr>")
	for k, c := range splitRow(head) {
		r.b.WriteString(cell("th", k, c))
	}
	r.b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range rows {
		r.b.WriteString("<tr>")
		for k, c := range splitRow(row) {
			r.b.WriteString(cell("td", k, c))
		}
		r.b.WriteString("</tr>\n")
	}
	r.b.WriteString("</tbody>\n</table></div>\n")
}

// splitRow splits a pipe-table row into its cells; `\|` is a literal bar inside a cell.
func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		if row[i] == '\\' && i+1 < len(row) && row[i+1] == '|' {
			cur.WriteByte('|')
			i++
			continue
		}
		if row[i] == '|' {
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteByte(row[i])
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

var (
	reCode   = regexp.MustCompile("`([^`]+)`")
	reLink   = regexp.MustCompile(`!?\[([^\]]*)\]\(([^)\s]+)\)`)
	reBold   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	reItalic = regexp.MustCompile(`(^|[\s(])_([^_]+)_([\s).,;:]|$)`)
	reEscape = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|<>])`)
)

// inline renders inline Markdown in s as HTML. Code spans are protected first; everything is
// escaped; links to http(s) URLs stay links, other targets (local files) become plain text.
func inline(s string) string {
	var codes []string
	s = reCode.ReplaceAllStringFunc(s, func(m string) string {
		codes = append(codes, "<code>"+esc(m[1:len(m)-1])+"</code>")
		return fmt.Sprintf("\x00%d\x00", len(codes)-1)
	})
	var links []string
	s = reLink.ReplaceAllStringFunc(s, func(m string) string {
		sm := reLink.FindStringSubmatch(m)
		text, target := unescapeMD(sm[1]), sm[2]
		var h string
		switch {
		case strings.HasPrefix(m, "!"):
			h = "[figure " + esc(text) + "]"
		case isRemote(target):
			h = "<a href=\"" + esc(target) + "\">" + esc(text) + "</a>"
		case strings.HasPrefix(target, "#"):
			h = "<a href=\"" + esc(target) + "\">" + esc(text) + "</a>"
		default:
			h = esc(text)
			if text != target {
				h += " (<code>" + esc(target) + "</code>)"
			}
		}
		links = append(links, h)
		return fmt.Sprintf("\x01%d\x01", len(links)-1)
	})
	s = esc(unescapeMD(s))
	s = reBold.ReplaceAllString(s, "<strong>$1</strong>")
	s = reItalic.ReplaceAllString(s, "$1<em>$2</em>$3")
	s = restore(s, "\x01", links)
	return restore(s, "\x00", codes)
}

// unescapeMD undoes Markdown's backslash escapes, and the entities MarkdownText writes for
// a "<" that would open a tag and a "]" that would close a link's text.
func unescapeMD(s string) string {
	return strings.NewReplacer("&lt;", "<", "&#93;", "]").Replace(reEscape.ReplaceAllString(s, "$1"))
}

func restore(s, mark string, parts []string) string {
	for k, p := range parts {
		s = strings.Replace(s, fmt.Sprintf("%s%d%s", mark, k, mark), p, 1)
	}
	return s
}

func isRemote(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// anchor makes a heading's id: lower case letters and digits joined by hyphens.
func anchor(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "s"
	}
	return b.String()
}

var (
	reXMLDecl = regexp.MustCompile(`(?s)^\s*<\?xml.*?\?>\s*`)
	reDoctype = regexp.MustCompile(`(?s)^\s*<!DOCTYPE[^>]*>\s*`)
	reSVGID   = regexp.MustCompile(`\bid="([^"]+)"`)
)

// inlineSVG prepares a standalone SVG document for inlining: it drops the XML declaration and
// doctype, and prefixes every id (and the url(#...) and href="#..." references to it) so that
// two figures' clip paths or glyphs cannot collide in one page.
func inlineSVG(svg []byte, prefix string) []byte {
	s := reXMLDecl.ReplaceAll(svg, nil)
	s = reDoctype.ReplaceAll(s, nil)
	ids := map[string]bool{}
	for _, m := range reSVGID.FindAllSubmatch(s, -1) {
		ids[string(m[1])] = true
	}
	if len(ids) == 0 {
		return bytes.TrimSpace(s)
	}
	out := string(s)
	for id := range ids {
		out = strings.ReplaceAll(out, `id="`+id+`"`, `id="`+prefix+id+`"`)
		out = strings.ReplaceAll(out, `url(#`+id+`)`, `url(#`+prefix+id+`)`)
		out = strings.ReplaceAll(out, `href="#`+id+`"`, `href="#`+prefix+id+`"`)
	}
	return []byte(strings.TrimSpace(out))
}

// SummaryMaxBytes keeps a job summary under GitHub's limit for one step's summary (1 MiB),
// with room for the lines a workflow appends.
const SummaryMaxBytes = 1000 * 1000

// JobSummary turns a report's Markdown into a job summary (GitHub's $GITHUB_STEP_SUMMARY):
// the same verdict, tables and warnings, with no images (a job summary cannot show files
// from the workspace): the Figures section becomes one line saying where the figures are,
// image links anywhere become their alt text, links to local files become code spans, and
// the text is cut at a line boundary, with a note, to stay under SummaryMaxBytes.
func JobSummary(md, artefact string) string {
	lines := collapseFigureBlocks(strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n"))
	var b strings.Builder
	inFigures := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if m := reHeading.FindStringSubmatch(t); m != nil {
			if len(m[1]) <= 2 {
				inFigures = strings.EqualFold(strings.TrimSpace(m[2]), "figures")
				if inFigures {
					b.WriteString(l + "\n\n")
					fmt.Fprintf(&b, "The figures are in %s (report.html shows them inline; the image files sit beside it).\n\n", artefact)
					continue
				}
			}
		}
		if inFigures {
			if strings.HasPrefix(t, "- skipped:") {
				b.WriteString(l + "\n")
			}
			continue
		}
		l = reLink.ReplaceAllStringFunc(l, func(m string) string {
			sm := reLink.FindStringSubmatch(m)
			switch {
			case strings.HasPrefix(m, "!"):
				return "(figure: " + sm[1] + ")"
			case isRemote(sm[2]) || strings.HasPrefix(sm[2], "#"):
				return m
			}
			return "`" + sm[2] + "`"
		})
		b.WriteString(l + "\n")
	}
	s := strings.TrimRight(b.String(), "\n") + "\n"
	if len(s) <= SummaryMaxBytes {
		return s
	}
	const note = "\n\n… the summary is cut here to stay under GitHub's 1 MiB job-summary limit; report.md has the rest.\n"
	cut := strings.LastIndex(s[:SummaryMaxBytes-len(note)], "\n")
	return s[:cut] + note
}

// collapseFigureBlocks replaces, outside the Figures section, each run of consecutive
// figure-only subsections (a level-3+ heading, one image, at most a caption paragraph, as a
// section's figures are laid out) by one line naming the figures: a job summary cannot
// show them, and a heading per missing figure is noise.
func collapseFigureBlocks(lines []string) []string {
	// block returns the end (exclusive) of the figure-only subsection starting at i, its
	// image's alt text, and whether it is one.
	block := func(i int) (int, string, bool) {
		m := reHeading.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil || len(m[1]) < 3 {
			return 0, "", false
		}
		alt, images, paras := "", 0, 0
		inPara := false
		j := i + 1
		for ; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if reHeading.MatchString(t) {
				break
			}
			switch {
			case t == "":
				inPara = false
			case reImage.MatchString(t):
				alt = reImage.FindStringSubmatch(t)[1]
				images++
			case strings.HasPrefix(t, "|") || reBullet.MatchString(lines[j]) || strings.HasPrefix(t, "```"):
				return 0, "", false
			default:
				if !inPara {
					paras++
					inPara = true
				}
			}
		}
		return j, alt, images == 1 && paras <= 1
	}
	var out []string
	inFigures := false
	for i := 0; i < len(lines); i++ {
		if m := reHeading.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil && len(m[1]) <= 2 {
			inFigures = strings.EqualFold(strings.TrimSpace(m[2]), "figures")
		}
		if inFigures {
			out = append(out, lines[i])
			continue
		}
		var names []string
		j := i
		for j < len(lines) {
			end, alt, ok := block(j)
			if !ok {
				break
			}
			names = append(names, alt)
			j = end
		}
		if len(names) == 0 {
			out = append(out, lines[i])
			continue
		}
		out = append(out, "Figures not shown here (report.html has them, and the image files are beside it): "+strings.Join(names, ", ")+".", "")
		i = j - 1
	}
	return out
}
