package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// Figure is a figure file of a report, relative to the report's directory.
type Figure struct {
	Kind, File, Caption string
}

// Section is the section of one more analysis that report.md gathers after the fit's (the
// comparison of published allocations, groups, downstream tasks, loss curves): its Markdown,
// a level-2 heading and what follows, with its own figures and warnings; Warnings are
// counted in the verdict block.
type Section struct {
	// Name is what the verdict and the Warnings section call it, e.g. "downstream tasks".
	Name     string
	Markdown string
	Warnings []warn.Warning
}

// ReportMarkdown writes report.md: the fit tables, the approaches side by side, allocations
// at budgets, the figures it links and the warnings, then the sections in order. The line
// starting "Generated" carries the version and timing; everything else is deterministic for
// a given input.
func ReportMarkdown(w io.Writer, res *analysis.Result, doc *Document, figures []Figure, skipped []string, generated string, sections ...Section) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scaling-law report: %s\n\n", format.MarkdownText(filepath.Base(res.Set.Source)))
	fmt.Fprintf(&b, "Generated %s\n\n", generated)
	b.WriteString(verdictMarkdown(doc, sections))
	intervals := ""
	if HasIntervals(doc) {
		intervals = " Intervals are 95% bootstrap percentiles."
	}
	fmt.Fprintf(&b, "Conventions: N counts parameters as the input does; D training tokens; C training FLOPs (%s); losses in nats per token; relative error = (actual - predicted) / predicted, > 0 is worse than the law.%s\n\n", flopsConvention(doc), intervals)
	if err := RenderAll(&b, format.Markdown, FitTables(res, doc), nil); err != nil {
		return err
	}
	if len(figures) > 0 || len(skipped) > 0 {
		b.WriteString("## Figures\n\n")
		for _, f := range figures {
			fmt.Fprintf(&b, "### %s\n\n![%s](%s)\n\n%s\n\n", f.Kind, f.Kind, filepath.ToSlash(f.File), f.Caption)
		}
		for _, s := range skipped {
			fmt.Fprintf(&b, "- skipped: %s\n", format.MarkdownText(s))
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
		b.WriteString("- " + format.MarkdownText(s) + "\n")
	}
	if n := sectionWarnings(sections); n > 0 {
		fmt.Fprintf(&b, "\nThe other sections list their own warnings: %s.\n", sectionCounts(sections))
	}
	b.WriteString("\nThe fit with its bootstrap draws is in [fit.json](fit.json): `scalefit optimal --fit fit.json`, `scalefit predict --fit fit.json` and `scalefit check --fit fit.json` reuse it.\n")
	for _, s := range sections {
		b.WriteString("\n" + strings.TrimRight(s.Markdown, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// HasIntervals reports whether any fit of doc has bootstrap intervals.
func HasIntervals(doc *Document) bool {
	for _, f := range doc.Fits {
		if len(f.Intervals) > 0 {
			return true
		}
	}
	return false
}

// Verdict is what a reader needs before acting on a fit: whether the fits converged,
// whether the approaches agree, how well the law predicted held-out runs, how many
// warnings there are.
type Verdict struct {
	// NotConverged names the fits that did not converge (empty: all converged).
	NotConverged []string
	// Exponents are the approaches' a (N_opt ∝ C^a) by label ("Approach 2"), in order.
	Exponents []NamedValue
	// Agree is false when the exponents a differ by more than DisagreementThreshold.
	Agree bool
	// Holdout is the mean |relative error| over HeldOut held-out runs (NaN-free; only
	// when HeldOut > 0).
	Holdout float64
	HeldOut int
	// Warnings counts the document's warnings.
	Warnings int
}

// NamedValue is a labelled number.
type NamedValue struct {
	Name  string
	Value float64
}

// DisagreementThreshold is the spread of a across approaches beyond which they disagree
// (the same threshold as the approaches-disagree warning of internal/analysis).
const DisagreementThreshold = 0.1

// VerdictOf reads the verdict off a fit document.
func VerdictOf(doc *Document) Verdict {
	v := Verdict{Agree: true, Warnings: len(doc.Warnings), HeldOut: doc.HeldOut}
	var sum float64
	var n int
	for _, f := range doc.Fits {
		name := f.Law
		if f.Law == "chinchilla" {
			name = fmt.Sprintf("Approach %d", f.Approach)
		} else if f.Form != "" && f.Law == "kaplan" {
			name += " " + f.Form
		}
		if f.Group != "" {
			name += " [" + f.Group + "]"
		}
		if f.Converged != nil && !*f.Converged {
			v.NotConverged = append(v.NotConverged, name)
		}
		if f.Law == "chinchilla" && f.A != nil {
			v.Exponents = append(v.Exponents, NamedValue{name, *f.A})
		}
		if h := f.Holdout; h != nil {
			for _, r := range h.Runs {
				sum += math.Abs(r.RelError)
				n++
			}
		}
	}
	// Approaches agree within each group.
	byGroup := map[string][]float64{}
	for _, f := range doc.Fits {
		if f.Law == "chinchilla" && f.A != nil {
			byGroup[f.Group] = append(byGroup[f.Group], *f.A)
		}
	}
	for _, as := range byGroup {
		lo, hi := as[0], as[0]
		for _, a := range as {
			lo, hi = math.Min(lo, a), math.Max(hi, a)
		}
		if hi-lo > DisagreementThreshold {
			v.Agree = false
		}
	}
	if n > 0 {
		v.Holdout = sum / float64(n)
	}
	return v
}

// VerdictMarkdown is the verdict block report.md opens with.
func VerdictMarkdown(doc *Document) string { return verdictMarkdown(doc, nil) }

func sectionWarnings(sections []Section) int {
	n := 0
	for _, s := range sections {
		n += len(s.Warnings)
	}
	return n
}

// sectionCounts says how many warnings each section with warnings has: "downstream tasks 5,
// loss curves 1".
func sectionCounts(sections []Section) string {
	var parts []string
	for _, s := range sections {
		if len(s.Warnings) > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", format.MarkdownText(s.Name), len(s.Warnings)))
		}
	}
	return strings.Join(parts, ", ")
}

// verdictMarkdown is the verdict block, counting the fit's warnings and the sections'.
func verdictMarkdown(doc *Document, sections []Section) string {
	v := VerdictOf(doc)
	var b strings.Builder
	b.WriteString("## Verdict\n\n")
	if len(v.NotConverged) == 0 {
		b.WriteString("- **Converged:** yes, every fit.\n")
	} else {
		fmt.Fprintf(&b, "- **Converged: NO** — %s did not converge: do not act on %s numbers without checking the warnings below.\n",
			format.MarkdownText(strings.Join(v.NotConverged, ", ")), map[bool]string{true: "its", false: "their"}[len(v.NotConverged) == 1])
	}
	var ex []string
	for _, e := range v.Exponents {
		ex = append(ex, fmt.Sprintf("%s a = %s", format.MarkdownText(e.Name), format.Float(e.Value, 3))) // names carry group names
	}
	switch {
	case len(v.Exponents) < 2:
		b.WriteString("- **Approaches agree:** only one approach could run, so there is nothing to cross-check.\n")
	case v.Agree:
		fmt.Fprintf(&b, "- **Approaches agree:** yes (%s).\n", strings.Join(ex, ", "))
	default:
		fmt.Fprintf(&b, "- **Approaches agree: NO** (%s): the compute-optimal exponent depends on the method.\n", strings.Join(ex, ", "))
	}
	if v.HeldOut > 0 {
		fmt.Fprintf(&b, "- **Holdout:** mean |relative error| %s over %d held-out runs.\n", format.Percent(v.Holdout), v.HeldOut)
	} else {
		b.WriteString("- **Holdout:** none (no --holdout): the law was not tested on runs it was not fitted to.\n")
	}
	switch other := sectionWarnings(sections); {
	case v.Warnings+other == 0:
		b.WriteString("- **Warnings:** none.\n\n")
	case other == 0:
		fmt.Fprintf(&b, "- **Warnings:** %d, listed under Warnings below.\n\n", v.Warnings)
	case v.Warnings == 0:
		fmt.Fprintf(&b, "- **Warnings:** %d, in the sections they concern: %s.\n\n", other, sectionCounts(sections))
	default:
		fmt.Fprintf(&b, "- **Warnings:** %d: the fit's %d listed under Warnings below, and %s in their sections.\n\n", v.Warnings+other, v.Warnings, sectionCounts(sections))
	}
	return b.String()
}

func flopsConvention(doc *Document) string {
	switch doc.Derived {
	case "flops":
		return "derived as 6ND"
	case "tokens":
		return "as given; tokens derived as C/(6N)"
	case "params":
		return "as given; params derived as C/(6D)"
	}
	return "as given"
}

// FigureCaptions says what each figure kind shows.
var FigureCaptions = map[string]string{
	"isoflop":   "Loss against parameters per compute budget, the fitted profiles and their minima (Approach 2).",
	"frontier":  "Compute-optimal parameters and tokens against compute: the approaches' estimates, the fitted law, and the published Kaplan and Chinchilla allocations.",
	"loss":      "Loss against compute, coloured by model size, with the fitted law's compute-optimal loss.",
	"curves":    "Loss against tokens for each training run.",
	"residuals": "Relative errors (actual - predicted) / predicted against compute and against parameters (> 0: worse than the law); held-out runs marked.",
	"contour":   "Iso-loss contours of the fitted L(N, D) with the compute-optimal line and iso-FLOP lines.",
}
