package doc

import (
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/format"
)

// D15: tables quote group names as data: no raw escape sequence on a terminal, no HTML,
// link or extra column in Markdown.
func TestTablesEscapeInput(t *testing.T) {
	tab := &Table{Title: "fits \x1b[2J", Header: []string{"group", "alpha"}}
	tab.AddRow("\x1b[31mred", "0.34")
	tab.AddRow("<script>alert(1)</script>", "0.35")
	tab.AddRow("[x](http://evil)|y", "0.36")
	tab.Notes = []string{"note <img src=x onerror=alert(1)>"}
	var text, md strings.Builder
	if err := RenderAll(&text, format.Text, []*Table{tab}, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\x1b") {
		t.Errorf("text table has a raw ESC:\n%s", text.String())
	}
	if err := RenderAll(&md, format.Markdown, []*Table{tab}, nil); err != nil {
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
