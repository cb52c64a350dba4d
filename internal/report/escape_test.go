package report

import (
	"strings"
	"testing"
)

func TestTerminalEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain group":            "plain group",
		"\x1b[31mred\x1b[0m":     `\x1b[31mred\x1b[0m`,
		"bell\a":                 `bell\x07`,
		"tab\there":              "tab here",
		"line\nbreak":            `line\x0abreak`,
		"c1\u009bcsi":            `c1\x9bcsi`,
		"bidi\u202egnp.exe":      `bidi\u202egnp.exe`,
		"unicode α β 7.02B ≥ 2x": "unicode α β 7.02B ≥ 2x",
	} {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	if got := TerminalStream("\rbootstrap 3/10\x1b[K\x1b]0;title\x07\n"); got != "\rbootstrap 3/10\x1b[K\\x1b]0;title\\x07\n" {
		t.Errorf("TerminalStream = %q", got)
	}
}

func TestMarkdownTextEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"<script>x</script>":          `&lt;script>x&lt;/script>`,
		"[click](http://evil)":        `[click&#93;(http://evil)`,
		"![img](x.png)":               `![img&#93;(x.png)`,
		"a|b":                         `a\|b`,
		"\x1b[31mred":                 `\x1b[31mred`,
		"two\nlines":                  "two lines",
		"gradient norm < 1e-10":       "gradient norm < 1e-10",
		"R_D* 15.39, [4.85e+19 (2x)]": "R_D* 15.39, [4.85e+19 (2x)]",
		"<http://autolink>":           `&lt;http://autolink>`,
	} {
		if got := MarkdownText(in); got != want {
			t.Errorf("MarkdownText(%q) = %q, want %q", in, got, want)
		}
	}
}

// D15: tables quote group names as data: no raw escape sequence on a terminal, no HTML,
// link or extra column in Markdown.
func TestTablesEscapeInput(t *testing.T) {
	tab := &Table{Title: "fits \x1b[2J", Header: []string{"group", "alpha"}}
	tab.AddRow("\x1b[31mred", "0.34")
	tab.AddRow("<script>alert(1)</script>", "0.35")
	tab.AddRow("[x](http://evil)|y", "0.36")
	tab.Notes = []string{"note <img src=x onerror=alert(1)>"}
	var text, md strings.Builder
	if err := RenderAll(&text, Text, []*Table{tab}, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\x1b") {
		t.Errorf("text table has a raw ESC:\n%s", text.String())
	}
	if err := RenderAll(&md, Markdown, []*Table{tab}, nil); err != nil {
		t.Fatal(err)
	}
	m := md.String()
	for _, bad := range []string{"\x1b", "<script", "<img"} {
		if strings.Contains(m, bad) {
			t.Errorf("markdown has %q raw:\n%s", bad, m)
		}
	}
	for _, bad := range []string{"](http"} {
		if strings.Contains(m, bad) {
			t.Errorf("markdown has %q raw:\n%s", bad, m)
		}
	}
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "| [x]") && strings.Count(line, "|")-strings.Count(line, `\|`) != 3 {
			t.Errorf("a | in a cell split the row: %q", line)
		}
	}
}
