package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
)

// FitDocument converts an analysis into the JSON contract.
//
// Deprecated: use analysis.Encode.
func FitDocument(res *analysis.Result, withDraws bool) *Document {
	return analysis.Encode(res, withDraws)
}

// FitTables lays out a fit document for people: the runs, each approach's estimates with
// intervals and diagnostics, allocations at budgets, the approaches side by side (like
// Hoffmann et al.'s Table 2), IsoFLOP budgets, holdout and outliers.
func FitTables(res *analysis.Result, doc *Document) []*Table {
	tables := []*Table{SummaryTable(res.Set)}
	if res.LeftOut > 0 {
		tables[0].Notes = append(tables[0].Notes, fmt.Sprintf("%d runs left out by --min-tokens-per-param", res.LeftOut))
	}
	if doc.HeldOut > 0 {
		fitted := 0
		for _, g := range res.Groups {
			fitted += len(g.Runs)
		}
		tables[0].Notes = append(tables[0].Notes, fmt.Sprintf("%d runs held out by --holdout (predicted, not fitted): the fits use %d", doc.HeldOut, fitted))
	}
	if res.CurvesReduced {
		tables[0].Notes = append(tables[0].Notes, "Approaches 2 and 3 use each run's last point (the finished run); Approach 1 uses the whole curves")
	}
	for _, f := range doc.Fits {
		if f.Law != "chinchilla" {
			continue // Kaplan's below; a family's fit (e.g. data-constrained) has its own table
		}
		title := func(s string) string {
			if f.Group != "" {
				return fmt.Sprintf("[%s] %s", f.Group, s)
			}
			return s
		}
		switch f.Approach {
		case 3:
			tables = append(tables, approach3Table(&f, title("Chinchilla Approach 3: L(N, D) = E + A/N^alpha + B/D^beta")))
			tables = append(tables, allocationTable(&f, title("Compute-optimal allocation (Approach 3, C = 6ND)")))
			if f.Holdout != nil {
				tables = append(tables, holdoutTable(&f, title("Holdout: predicted vs actual loss of runs matching "+f.Holdout.Expr)))
			}
			if len(f.Outliers) > 0 {
				t := residualTable(f.Outliers, title("Runs with outsized residuals (beyond 3 robust SDs)"))
				t.Notes = append(t.Notes, "under-trained or mis-tuned runs pull a law off: leave them out with --where or --min-tokens-per-param and compare the holdout error")
				tables = append(tables, t)
			}
		case 2:
			tables = append(tables, budgetTable(&f, title("Approach 2: IsoFLOP minima per budget")))
		}
	}
	for _, g := range res.Groups {
		for _, r := range []*kaplan.FitResult{g.Kaplan, g.KaplanN} {
			if r == nil {
				continue
			}
			t := KaplanFitTable(r)
			if g.Name != "" {
				t.Title = fmt.Sprintf("[%s] %s", g.Name, t.Title)
			}
			if r.Form == kaplan.ParamsOnly {
				t.Notes = append(t.Notes, "fitted to each model size's lowest loss, standing in for Kaplan et al.'s models trained to convergence")
			}
			tables = append(tables, t)
		}
	}
	if len(doc.Fits) > 0 {
		tables = append(tables, comparisonTable(res, doc))
	}
	return tables
}

func approach3Table(f *Fit, title string) *Table {
	t := &Table{Title: title, Header: []string{"parameter", "estimate", "95% interval"}}
	if len(f.Intervals) == 0 {
		t.Header = t.Header[:2]
	}
	for _, k := range []string{"E", "A", "B", "alpha", "beta"} {
		iv := ""
		if v, ok := f.Intervals[k]; ok {
			iv = format.Interval(v, func(x float64) string { return format.Float(x, 4) })
		}
		t.AddRow(k, format.Float(f.Params[k], 5), iv)
		t.Rows[len(t.Rows)-1] = t.Rows[len(t.Rows)-1][:len(t.Header)]
	}
	for _, k := range []string{"a", "b"} {
		v := *f.A
		if k == "b" {
			v = *f.B
		}
		iv := ""
		if x, ok := f.Intervals[k]; ok {
			iv = format.Interval(x, func(x float64) string { return format.Float(x, 3) })
		}
		label := map[string]string{"a": "a = beta/(alpha+beta)", "b": "b = alpha/(alpha+beta)"}[k]
		t.AddRow(label, format.Float(v, 4), iv)
		t.Rows[len(t.Rows)-1] = t.Rows[len(t.Rows)-1][:len(t.Header)]
	}
	conv := "yes"
	if f.Converged != nil && !*f.Converged {
		conv = "NO"
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("objective %s (sum of %s over %d runs); RMSE of log-loss %s", format.Float(*f.Objective, 8), objectiveLabel(f), f.Runs, format.Float(*f.RMSE, 4)),
		fmt.Sprintf("converged: %s (%s, gradient norm %s); %d of %d starts reached the best objective (within 1e-6); %d evaluations",
			conv, f.Status, gradNorm(*f.GradNorm), f.StartsAtBest, f.Starts, f.Evaluations))
	if len(f.Intervals) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("intervals: 95%% bootstrap percentiles over %d resamples", f.Resamples))
	}
	return t
}

func allocationTable(f *Fit, title string) *Table {
	t := &Table{Title: title, Header: []string{"compute C", "N_opt", "D_opt", "tokens/param", "loss"}}
	far := 0
	for _, a := range f.Allocations {
		n, d, l := format.Count(a.NOpt), format.Count(a.DOpt), format.Float(a.Loss, 4)
		if a.NInterval != nil {
			n += " " + format.Interval(*a.NInterval, format.Count)
			d += " " + format.Interval(*a.DInterval, format.Count)
			l += " " + format.Interval(*a.LossInterval, func(x float64) string { return format.Float(x, 4) })
		}
		c := format.Sci(a.FLOPs)
		if a.Extrapolation != nil && *a.Extrapolation > analysis.FarOutside {
			c += " †"
			far++
		}
		t.AddRow(c, n, d, format.Float(a.TokensPerParam, 3), l)
	}
	if far > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("† more than %dx beyond the largest fitted run's compute: an extrapolation", analysis.FarOutside))
	}
	return t
}

func holdoutTable(f *Fit, title string) *Table {
	t := residualTable(f.Holdout.Runs, title)
	t.Notes = append(t.Notes, fmt.Sprintf("mean absolute relative error %s, max %s, over %d held-out runs (fit on the rest)",
		format.Percent(f.Holdout.MeanAbsRE), format.Percent(f.Holdout.MaxAbsRE), len(f.Holdout.Runs)))
	return t
}

func residualTable(rs []Residual, title string) *Table {
	first := "line"
	for _, r := range rs {
		if r.ID != "" {
			first = "run"
		}
	}
	t := &Table{Title: title, Header: []string{first, "params", "tokens", "flops", "loss", "predicted", "error"}}
	for _, r := range rs {
		line := fmt.Sprint(r.Line)
		if r.ID != "" {
			line = r.ID
		}
		t.AddRow(line, format.Count(r.Params), format.Count(r.Tokens), format.Sci(r.FLOPs), format.Float(r.Loss, 4), format.Float(r.Predicted, 4), signedPercent(r.RelError))
	}
	t.Notes = append(t.Notes, SignConvention)
	return t
}

// SignConvention is the note every table of relative errors carries: scalefit's one sign
// convention (fit.RelativeError).
const SignConvention = "error = (actual - predicted) / predicted; > 0 is worse than the law"

func signedPercent(x float64) string {
	s := format.Percent(x)
	if x >= 0 {
		s = "+" + s
	}
	return s
}

func budgetTable(f *Fit, title string) *Table {
	t := &Table{Title: title, Header: []string{"budget C", "sizes", "N_opt", "D_opt", "loss", "used"}}
	for _, b := range f.Budgets {
		used := "yes"
		if !b.Accepted {
			used = "no: " + b.Reason
		}
		n, d, l := "", "", ""
		if b.NOpt > 0 {
			n, d, l = format.Count(b.NOpt), format.Count(b.DOpt), format.Float(b.Loss, 4)
		}
		t.AddRow(format.Sci(b.FLOPs), fmt.Sprint(b.Sizes), n, d, l, used)
	}
	return t
}

// comparisonTable sets the approaches side by side, like Hoffmann et al. Table 2.
func comparisonTable(res *analysis.Result, doc *Document) *Table {
	ref := 0.0
	if len(res.Budgets) > 0 {
		ref = res.Budgets[0]
	}
	t := &Table{Title: "Approaches side by side (Hoffmann et al. Table 2: a = 0.50, 0.49, 0.46; Kaplan 0.73)",
		Header: []string{"approach", "a (N_opt ∝ C^a)", "b (D_opt ∝ C^b)", "tokens/param @ " + format.Sci(ref), "N_opt @ " + format.Sci(ref)}}
	row := func(name string, f *Fit) {
		if f.Group != "" {
			name = f.Group + ": " + name
		}
		exp := func(v float64, key string) string {
			s := format.Float(v, 3)
			if iv, ok := f.Intervals[key]; ok {
				s += " " + format.Interval(iv, func(x float64) string { return format.Float(x, 3) })
			}
			return s
		}
		tpp, n := "", ""
		for _, al := range f.Allocations {
			if al.FLOPs == ref {
				tpp, n = format.Float(al.TokensPerParam, 3), format.Count(al.NOpt)
			}
		}
		t.AddRow(name, exp(*f.A, "a"), exp(*f.B, "b"), tpp, n)
	}
	names := map[int]string{1: "1 loss-curve envelope", 2: "2 IsoFLOP profiles", 3: "3 parametric fit"}
	for _, a := range []int{1, 2, 3} {
		for i := range doc.Fits {
			if f := &doc.Fits[i]; f.Law == "chinchilla" && f.Approach == a && f.A != nil {
				row(names[a], f)
			}
		}
	}
	for i := range doc.Fits {
		if f := &doc.Fits[i]; f.Law == "kaplan" && f.A != nil {
			row("Kaplan L(N,D) frontier", f)
		}
	}
	for _, g := range res.Groups {
		if note := g.Agreement(); note != "" {
			if g.Name != "" {
				note = g.Name + ": " + note
			}
			t.Notes = append(t.Notes, note)
		}
	}
	// One note per distinct skip, naming every group it applies to.
	var order []string
	groups := map[string][]string{}
	for _, s := range doc.Skipped {
		note := fmt.Sprintf("approach %d skipped: %s", s.Approach, s.Reason)
		if s.Approach == 0 {
			note = "skipped: " + s.Reason
		}
		if _, ok := groups[note]; !ok {
			order = append(order, note)
		}
		if s.Group != "" {
			groups[note] = append(groups[note], s.Group)
		} else {
			groups[note] = append(groups[note], "")
		}
	}
	for _, note := range order {
		gs := groups[note]
		if len(gs) == 1 && gs[0] == "" {
			t.Notes = append(t.Notes, note)
			continue
		}
		t.Notes = append(t.Notes, strings.Join(gs, ", ")+": "+note)
	}
	if len(t.Rows) == 0 {
		t.Notes = append(t.Notes, "no approach produced exponents")
	}
	return t
}

// gradNorm shows a gradient norm; below 1e-10 (the default convergence threshold) its
// digits are rounding noise, so it is shown as a bound (JSON keeps the value).
func gradNorm(g float64) string {
	if g < 1e-10 {
		return "< 1e-10"
	}
	return format.Float(g, 3)
}

func objectiveLabel(f *Fit) string {
	if f.Loss == "mse" {
		return "squared log-loss residuals"
	}
	return "Huber(delta " + format.Short(f.Delta, 6) + ") of log-loss residuals"
}
