package report

import (
	"bytes"
	"html"
	"regexp"
	"strings"
)

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
