package report

import (
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"

	"github.com/scalefit/scalefit/internal/warn"
)

// The verdict counts the fit's warnings and every section's, and says where they are.
func TestVerdictCountsSectionWarnings(t *testing.T) {
	w := func(n int) []warn.Warning {
		var ws []warn.Warning
		for i := 0; i < n; i++ {
			ws = append(ws, warn.Warning{Code: "x", Msg: "m"})
		}
		return ws
	}
	cases := []struct {
		name     string
		fit      int
		sections []Section
		want     string
	}{
		{"none", 0, []Section{{Name: "downstream tasks"}}, "- **Warnings:** none."},
		{"fit only", 3, []Section{{Name: "loss curves"}}, "- **Warnings:** 3, listed under Warnings below."},
		{"sections only", 0, []Section{{Name: "downstream tasks", Warnings: w(2)}, {Name: "loss curves", Warnings: w(1)}},
			"- **Warnings:** 3, in the sections they concern: downstream tasks 2, loss curves 1."},
		{"both", 4, []Section{{Name: "group comparison"}, {Name: "downstream tasks", Warnings: w(5)}},
			"- **Warnings:** 9: the fit's 4 listed under Warnings below, and downstream tasks 5 in their sections."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := doc.Render(&b, format.Markdown, verdictBlocks(&Document{Warnings: w(c.fit)}, c.sections)); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if !strings.Contains(got, c.want+"\n") {
				t.Errorf("verdict:\n%s\nwant the line %q", got, c.want)
			}
		})
	}
}

// Headings with the same text get distinct ids in report.html (each section's Warnings).
func TestHTMLHeadingIDsUnique(t *testing.T) {
	var b strings.Builder
	blocks := []doc.Block{&doc.Heading{Level: 1, Text: "R"}, &doc.Heading{Level: 2, Text: "Warnings"}, &doc.Heading{Level: 2, Text: "Tasks"},
		&doc.Warnings{None: true}, &doc.Warnings{None: true}}
	if err := HTMLPage(&b, "R", blocks, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{`id="warnings"`, `id="warnings-2"`, `id="warnings-3"`} {
		if strings.Count(b.String(), id) != 1 {
			t.Errorf("%s appears %d times in\n%s", id, strings.Count(b.String(), id), b.String())
		}
	}
}
