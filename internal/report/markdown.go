package report

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// Figure is a figure file of a report, relative to the report's directory.
type Figure struct {
	Kind, File, Caption string
}

// Section is the section of one more analysis that a report gathers after the fit's (the
// comparison of published allocations, groups, downstream tasks, loss curves): its blocks,
// a level-2 heading and what follows, with its own figures and warnings; Warnings are
// counted in the verdict block.
type Section struct {
	// Name is what the verdict and the Warnings section call it, e.g. "downstream tasks".
	Name     string
	Blocks   []doc.Block
	Warnings []warn.Warning
}

// ReportBlocks is report.md as blocks: the verdict, the fit tables, the approaches side by
// side, allocations at budgets, the figures it links and the warnings, then the sections in
// order. The paragraph starting "Generated" carries the version and timing; everything else
// is deterministic for a given input.
func ReportBlocks(res *analysis.Result, d *Document, figures []Figure, skipped []string, generated string, sections ...Section) []doc.Block {
	out := []doc.Block{&doc.Heading{Level: 1, Text: "Scaling-law report: " + filepath.Base(res.Set.Source)},
		&doc.Paragraph{Text: "Generated " + generated}}
	out = append(out, verdictBlocks(d, sections)...)
	intervals := ""
	if HasIntervals(d) {
		intervals = " Intervals are 95% bootstrap percentiles."
	}
	out = append(out, &doc.Paragraph{Text: fmt.Sprintf("Conventions: N counts parameters as the input does; D training tokens; C training FLOPs (%s); losses in nats per token; relative error = (actual - predicted) / predicted, > 0 is worse than the law.%s", flopsConvention(d), intervals)})
	out = append(out, doc.Tables(FitTables(res, d))...)
	if len(figures) > 0 || len(skipped) > 0 {
		out = append(out, &doc.Heading{Level: 2, Text: FiguresHeading})
		for _, f := range figures {
			out = append(out, &doc.Heading{Level: 3, Text: f.Kind}, &doc.Figure{Name: f.Kind, File: filepath.ToSlash(f.File), Caption: f.Caption})
		}
		if len(skipped) > 0 {
			l := &doc.List{}
			for _, s := range skipped {
				l.Items = append(l.Items, doc.Plain("skipped: "+s))
			}
			out = append(out, l)
		}
	}
	out = append(out, &doc.Heading{Level: 2, Text: "Warnings"})
	if len(d.Warnings) == 0 {
		out = append(out, &doc.Paragraph{Text: "None."})
	} else {
		out = append(out, doc.Bullets(warn.Strings(d.Warnings)...))
	}
	if n := sectionWarnings(sections); n > 0 {
		out = append(out, &doc.Paragraph{Text: "The other sections list their own warnings: " + sectionCounts(sections) + "."})
	}
	out = append(out, &doc.Paragraph{Rich: doc.Text{{Text: "The fit with its bootstrap draws is in "}, {Text: "fit.json", Link: "fit.json"}, {Text: ": "},
		{Text: "scalefit optimal --fit fit.json", Code: true}, {Text: ", "}, {Text: "scalefit predict --fit fit.json", Code: true}, {Text: " and "},
		{Text: "scalefit check --fit fit.json", Code: true}, {Text: " reuse it."}}})
	for _, s := range sections {
		out = append(out, s.Blocks...)
	}
	return out
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
			parts = append(parts, fmt.Sprintf("%s %d", s.Name, len(s.Warnings)))
		}
	}
	return strings.Join(parts, ", ")
}

// verdictBlocks is the verdict a report opens with, counting the fit's warnings and the
// sections'.
func verdictBlocks(d *Document, sections []Section) []doc.Block {
	v := VerdictOf(d)
	item := func(label, text string) doc.Text { return doc.Text{{Text: label, Bold: true}, {Text: text}} }
	l := &doc.List{}
	if len(v.NotConverged) == 0 {
		l.Items = append(l.Items, item("Converged:", " yes, every fit."))
	} else {
		l.Items = append(l.Items, item("Converged: NO", fmt.Sprintf(" — %s did not converge: do not act on %s numbers without checking the warnings below.",
			strings.Join(v.NotConverged, ", "), map[bool]string{true: "its", false: "their"}[len(v.NotConverged) == 1])))
	}
	var ex []string
	for _, e := range v.Exponents {
		ex = append(ex, fmt.Sprintf("%s a = %s", e.Name, format.Float(e.Value, 3)))
	}
	switch {
	case len(v.Exponents) < 2:
		l.Items = append(l.Items, item("Approaches agree:", " only one approach could run, so there is nothing to cross-check."))
	case v.Agree:
		l.Items = append(l.Items, item("Approaches agree:", fmt.Sprintf(" yes (%s).", strings.Join(ex, ", "))))
	default:
		l.Items = append(l.Items, item("Approaches agree: NO", fmt.Sprintf(" (%s): the compute-optimal exponent depends on the method.", strings.Join(ex, ", "))))
	}
	if v.HeldOut > 0 {
		l.Items = append(l.Items, item("Holdout:", fmt.Sprintf(" mean |relative error| %s over %d held-out runs.", format.Percent(v.Holdout), v.HeldOut)))
	} else {
		l.Items = append(l.Items, item("Holdout:", " none (no --holdout): the law was not tested on runs it was not fitted to."))
	}
	switch other := sectionWarnings(sections); {
	case v.Warnings+other == 0:
		l.Items = append(l.Items, item("Warnings:", " none."))
	case other == 0:
		l.Items = append(l.Items, item("Warnings:", fmt.Sprintf(" %d, listed under Warnings below.", v.Warnings)))
	case v.Warnings == 0:
		l.Items = append(l.Items, item("Warnings:", fmt.Sprintf(" %d, in the sections they concern: %s.", other, sectionCounts(sections))))
	default:
		l.Items = append(l.Items, item("Warnings:", fmt.Sprintf(" %d: the fit's %d listed under Warnings below, and %s in their sections.", v.Warnings+other, v.Warnings, sectionCounts(sections))))
	}
	return []doc.Block{&doc.Heading{Level: 2, Text: "Verdict"}, l}
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
