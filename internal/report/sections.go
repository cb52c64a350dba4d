package report

import (
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// WarningsMarkdown is a section's warnings as a level-3 "Warnings" list ("None." when there
// are none), for sections whose renderer does not list them.
func WarningsMarkdown(ws []warn.Warning) string {
	var b strings.Builder
	b.WriteString("### Warnings\n\n")
	if len(ws) == 0 {
		b.WriteString("None.\n")
	}
	for _, w := range ws {
		b.WriteString("- " + format.MarkdownText(w.Qualified()) + "\n")
	}
	return b.String()
}
