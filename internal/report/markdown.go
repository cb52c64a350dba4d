package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/warn"
)

// Figure is a figure file of a report, relative to the report's directory.
type Figure struct {
	Kind, File, Caption string
}

// ReportMarkdown writes report.md: the fit tables, the approaches side by side, allocations
// at budgets, the figures it links and the warnings. The line starting "Generated" carries
// the version and timing; everything else is deterministic for a given input.
func ReportMarkdown(w io.Writer, res *analysis.Result, doc *Document, figures []Figure, skipped []string, generated string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scaling-law report: %s\n\n", filepath.Base(res.Set.Source))
	fmt.Fprintf(&b, "Generated %s\n\n", generated)
	fmt.Fprintf(&b, "Conventions: N counts parameters as the input does; D training tokens; C training FLOPs (%s); losses in nats per token. Intervals are 95%% bootstrap percentiles where shown.\n\n", flopsConvention(doc))
	if err := RenderAll(&b, Markdown, FitTables(res, doc), nil); err != nil {
		return err
	}
	if len(figures) > 0 || len(skipped) > 0 {
		b.WriteString("## Figures\n\n")
		for _, f := range figures {
			fmt.Fprintf(&b, "### %s\n\n![%s](%s)\n\n%s\n\n", f.Kind, f.Kind, filepath.ToSlash(f.File), f.Caption)
		}
		for _, s := range skipped {
			fmt.Fprintf(&b, "- skipped: %s\n", s)
		}
		if len(skipped) > 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString("## Warnings\n\n")
	if len(doc.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for _, s := range warn.Strings(doc.Warnings) {
		b.WriteString("- " + s + "\n")
	}
	b.WriteString("\nThe fit with its bootstrap draws is in [fit.json](fit.json): `scalefit optimal --fit fit.json`, `scalefit predict --fit fit.json` and `scalefit check --fit fit.json` reuse it.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func flopsConvention(doc *Document) string {
	switch doc.Derived {
	case "flops":
		return "derived as 6ND"
	case "tokens":
		return "as given; tokens derived as C/(6N)"
	}
	return "as given"
}

// FigureCaptions says what each figure kind shows.
var FigureCaptions = map[string]string{
	"isoflop":   "Loss against parameters per compute budget, the fitted profiles and their minima (Approach 2).",
	"frontier":  "Compute-optimal parameters and tokens against compute: the approaches' estimates, the fitted law, and the published Kaplan and Chinchilla allocations.",
	"loss":      "Loss against compute, coloured by model size, with the fitted law's compute-optimal loss.",
	"curves":    "Loss against tokens for each training run.",
	"residuals": "Residuals of log-loss against compute and against parameters; held-out runs marked.",
	"contour":   "Iso-loss contours of the fitted L(N, D) with the compute-optimal line and iso-FLOP lines.",
}
