package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/runs"
)

// Kind names a figure.
type Kind string

// The figure kinds, in the order RenderAll draws them.
const (
	KindIsoFLOP   Kind = "isoflop"   // loss against N per budget, fitted profiles and minima (Approach 2)
	KindFrontier  Kind = "frontier"  // N_opt and D_opt against compute: Approaches 1-3, Kaplan, Chinchilla
	KindLoss      Kind = "loss"      // loss against compute coloured by N, with the law's frontier loss
	KindCurves    Kind = "curves"    // loss against tokens per run of a loss-curve file
	KindResiduals Kind = "residuals" // log-loss residuals against compute and N, held-out runs marked
	KindContour   Kind = "contour"   // iso-loss contours of L(N, D), compute-optimal and iso-FLOP lines
)

// Kinds lists every figure kind.
var Kinds = []Kind{KindIsoFLOP, KindFrontier, KindLoss, KindCurves, KindResiduals, KindContour}

// ParseKind checks a --kind value.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown figure kind %q: want isoflop, frontier, loss, curves, residuals, contour or all", s)
}

// Input is what figures are drawn from. Only Runs is required; each figure uses what it
// needs and reports, as an *Unsupported error, what it lacks.
type Input struct {
	// Title names the data in figure titles (e.g. the CSV's base name).
	Title string
	// Runs are the runs (or loss-curve points) as loaded.
	Runs []runs.Run
	// Grouped colours runs by Run.Group (--group).
	Grouped bool
	// HeldOut, when not nil, is parallel to Runs: true for runs held out of the fit.
	HeldOut []bool
	// Curves says Runs are points along loss curves identified by Run.ID.
	Curves bool
	// Law is the Chinchilla law to draw (a fit, or a published law); nil for none.
	Law *chinchilla.Law
	// LawLabel names Law in legends, e.g. "Approach 3 fit" or "chinchilla2022".
	LawLabel string
	// LawNotConverged marks a fitted Law whose fit did not converge: it is drawn grey and
	// dashed, labelled "(not converged)".
	LawNotConverged bool
	// LawDraws are the bootstrap draws of the fitted Law (nil without): figures shade their
	// 95% band.
	LawDraws []chinchilla.Law
	// IsoFLOP is the Approach 2 result, or nil.
	IsoFLOP *chinchilla.IsoFLOPResult
	// IsoFLOPRuns are the runs IsoFLOP was computed from, in the order it was given them
	// (its budgets' Points index them); nil means Runs.
	IsoFLOPRuns []runs.Run
	// Envelope is the Approach 1 result, or nil.
	Envelope *chinchilla.EnvelopeResult
}

// isoFLOPRuns returns the runs IsoFLOP's budget indices refer to.
func (in *Input) isoFLOPRuns() []runs.Run {
	if in.IsoFLOPRuns != nil {
		return in.IsoFLOPRuns
	}
	return in.Runs
}

// Unsupported reports that the data cannot support a figure.
type Unsupported struct {
	Kind   Kind
	Reason string
}

func (u *Unsupported) Error() string { return fmt.Sprintf("%s figure: %s", u.Kind, u.Reason) }

// MinDrawable and MaxDrawable bound the values of runs a figure draws: its axes pad the data
// (x30 for contours) and multiply it (C = 6ND), which must stay finite and positive.
const (
	MinDrawable = 1e-100
	MaxDrawable = 1e100
)

// Build draws the figure of kind from in.
func Build(kind Kind, in *Input) (*Figure, error) {
	if len(in.Runs) == 0 {
		return nil, &Unsupported{kind, "no runs"}
	}
	for _, r := range in.Runs {
		for _, v := range [...]float64{r.Params, r.Tokens, r.FLOPs, r.Loss} {
			// Values <= 0 are left out of each log axis; tiny or huge ones cannot be drawn.
			if v > 0 && !(v >= MinDrawable && v <= MaxDrawable) || math.IsNaN(v) {
				return nil, &Unsupported{kind, fmt.Sprintf("a run (line %d) has a value of %g: log axes draw %g to %g, and padding or 6ND would overflow beyond", r.Line, v, MinDrawable, MaxDrawable)}
			}
		}
	}
	f, err := build(kind, in)
	if f != nil {
		f.noteThinned()
	}
	return f, err
}

func build(kind Kind, in *Input) (*Figure, error) {
	switch kind {
	case KindIsoFLOP:
		return isoflopFigure(in)
	case KindFrontier:
		return frontierFigure(in)
	case KindLoss:
		return lossFigure(in)
	case KindCurves:
		return curvesFigure(in)
	case KindResiduals:
		return residualsFigure(in)
	case KindContour:
		return contourFigure(in)
	}
	return nil, fmt.Errorf("unknown figure kind %q", kind)
}

// IsUnsupported reports whether err says the data cannot support a figure.
func IsUnsupported(err error) bool {
	var u *Unsupported
	return errors.As(err, &u)
}

func (in *Input) title(s string) string {
	if in.Title == "" {
		return s
	}
	return s + ": " + in.Title
}

func (in *Input) lawLabel() string {
	if in.LawLabel == "" {
		return "law"
	}
	return in.LawLabel
}

// groupIndex maps each group to its colour index, in first-seen order.
func groupIndex(rs []runs.Run) ([]string, map[string]int) {
	// The names only, in first-seen order: runs.Groups would copy every run.
	var names []string
	idx := map[string]int{}
	for i := range rs {
		g := rs[i].Group
		if _, ok := idx[g]; !ok {
			idx[g] = len(names)
			names = append(names, g)
		}
	}
	return names, idx
}

// groupName labels a group in a legend; control characters in it (ANSI escapes) are shown
// escaped, as on the terminal.
func groupName(g string) string {
	if g == "" {
		return "(no group)"
	}
	return format.Terminal(g)
}

// glyphs are marker shapes, for groups where colour is taken.
var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}}

func rangeOf(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	return lo, hi
}

// ---- isoflop -------------------------------------------------------------------------

// budgetPoints returns, per budget of r, the runs IsoFLOP assigned to it (r's own
// assignment, BudgetOptimum.Points, so the scatter, the profile and the minimum of a budget
// come from the same runs). isoRuns are the runs r was computed from, in order.
func budgetPoints(isoRuns []runs.Run, r *chinchilla.IsoFLOPResult) [][]runs.Run {
	out := make([][]runs.Run, len(r.Budgets))
	for i, b := range r.Budgets {
		for _, k := range b.Points {
			if k < len(isoRuns) {
				out[i] = append(out[i], isoRuns[k])
			}
		}
	}
	return out
}

// profile samples, log-evenly over the budget's sampled sizes, the curve of ln L in ln N
// on which IsoFLOP located the budget's minimum (chinchilla's own knots and method, so the
// drawn valley goes through the minimum it marks).
func profile(b chinchilla.BudgetOptimum) plotter.XYs {
	f := b.Profile()
	xs, ys := b.LnN, b.LnLoss
	if f == nil || len(xs) < 3 {
		return nil
	}
	// Akima through noisy, closely spaced sizes can overshoot wildly; keep the profile
	// within the band of its data so one spike does not stretch the panel.
	yLo, yHi := floats.Min(ys), floats.Max(ys)
	margin := 0.5 * (yHi - yLo)
	ns := logspace(math.Exp(xs[0]), math.Exp(xs[len(xs)-1]), 120)
	out := make(plotter.XYs, 0, len(ns))
	for i, n := range ns {
		x := math.Log(n)
		if i == len(ns)-1 {
			x = xs[len(xs)-1]
		}
		if y := f(x); y >= yLo-margin && y <= yHi+margin {
			out = append(out, plotter.XY{X: n, Y: math.Exp(y)})
		}
	}
	return out
}

func isoflopFigure(in *Input) (*Figure, error) {
	r := in.IsoFLOP
	if r == nil || len(r.Budgets) == 0 {
		return nil, &Unsupported{KindIsoFLOP, "no IsoFLOP budgets (needs runs grouped by compute: a budget column or runs at shared FLOPs)"}
	}
	accepted := 0
	for _, b := range r.Budgets {
		if b.Accepted {
			accepted++
		}
	}
	if accepted == 0 {
		return nil, &Unsupported{KindIsoFLOP, "no usable IsoFLOP budget (every budget was rejected)"}
	}
	p := newPanel(in.title("IsoFLOP profiles"), "parameters N", "loss (nats/token)")
	f := newFigure(p)
	per := budgetPoints(in.isoFLOPRuns(), r)
	cLo, cHi := r.Budgets[0].FLOPs, r.Budgets[len(r.Budgets)-1].FLOPs
	_, gidx := groupIndex(in.Runs)
	var nAll, lAll []float64
	var drawn plotter.XYs
	lAccHi := 0.0 // the highest loss of an accepted budget: always on the canvas
	rejected, nRejected := 0, len(r.Budgets)-accepted
	// Many budgets: near-identical swatches cannot be matched to lines, so each profile is
	// labelled directly at its left end and the legend explains the colour scale.
	manyBudgets := len(r.Budgets) > 8
	var labelXY plotter.XYs
	var labels []string
	for i, b := range r.Budgets {
		col := gradient(logPos(b.FLOPs, cLo, cHi) * 0.92)
		pts := per[i]
		name := "C = " + format.Sci(b.FLOPs)
		if manyBudgets {
			name = ""
		}
		shapes := map[int]plotter.XYs{}
		var left plotter.XY
		for _, run := range pts {
			if b.Accepted {
				lAccHi = math.Max(lAccHi, run.Loss)
			}
			drawn = append(drawn, plotter.XY{X: run.Params, Y: run.Loss})
			if left.X == 0 || run.Params < left.X {
				left = plotter.XY{X: run.Params, Y: run.Loss}
			}
			g := 0
			if in.Grouped {
				g = gidx[run.Group]
			}
			shapes[g] = append(shapes[g], plotter.XY{X: run.Params, Y: run.Loss})
			nAll, lAll = append(nAll, run.Params), append(lAll, run.Loss)
		}
		var ps []plot.Plotter
		for g := 0; g < len(glyphs); g++ {
			xy, ok := shapes[g]
			if !ok {
				continue
			}
			shape := glyphs[g%len(glyphs)]
			if !b.Accepted && g == 0 {
				shape = draw.RingGlyph{}
			}
			ps = append(ps, scatter(positive(xy, true, true), col, 2.5, shape))
		}
		if manyBudgets && left.X > 0 {
			labelXY = append(labelXY, left)
			labels = append(labels, format.Sci(b.FLOPs))
		}
		if !b.Accepted {
			rejected++
			name += " (rejected: " + b.Reason + ")"
			if nRejected > 6 || manyBudgets {
				// Many rejected budgets: one legend entry for them all (below).
				name = ""
			}
			f.add(p, name, ps...)
			continue
		}
		if prof := profile(b); prof != nil {
			ps = append(ps, line(positive(prof, true, true), col, 1.5))
		}
		f.add(p, name, ps...)
		if star := scatter(plotter.XYs{{X: b.NOpt, Y: b.Loss}}, red, 5, draw.CrossGlyph{}); star != nil {
			p.Add(star)
		}
	}
	if nRejected > 6 {
		if s := scatter(plotter.XYs{{X: 1, Y: 1}}, grey, 2.5, draw.RingGlyph{}); s != nil {
			f.Legend.Add(fmt.Sprintf("%d rejected budgets", nRejected), s)
		}
	}
	// One legend entry for the minima.
	if m := scatter(plotter.XYs{{X: 1, Y: 1}}, red, 5, draw.CrossGlyph{}); m != nil {
		f.Legend.Add("minimum per budget", m)
	}
	// Minima line connecting accepted budgets' optima.
	var opt plotter.XYs
	for _, b := range r.Budgets {
		if b.Accepted {
			opt = append(opt, plotter.XY{X: b.NOpt, Y: b.Loss})
		}
	}
	f.add(p, "", line(opt, red, 0.8, vg.Points(3), vg.Points(3)))
	nLo, nHi := rangeOf(nAll)
	lLo, lHi := rangeOf(lAll)
	setLog(&p.X, nLo/1.3, nHi*1.3, Counts)
	// The loss axis stops at 1.8x the lowest loss so that the minima stay readable, but never
	// below the highest loss of an accepted budget: a budget the fit uses is always shown.
	top := math.Max(math.Min(lHi, lLo*1.8), lAccHi) * 1.02
	setLog(&p.Y, lLo*0.98, top, Loss)
	if manyBudgets {
		if lab, err := plotter.NewLabels(plotter.XYLabels{XYs: labelXY, Labels: labels}); err == nil {
			for i := range lab.TextStyle {
				lab.TextStyle[i].Font.Size = vg.Points(7)
				lab.TextStyle[i].Color = color.RGBA{90, 90, 90, 255}
				lab.TextStyle[i].XAlign = draw.XRight
			}
			lab.Offset = vg.Point{X: -vg.Points(4)}
			p.Add(lab)
		}
		f.Legend.Add(fmt.Sprintf("colour: budget C, %s (dark) to %s (yellow)", format.Sci(cLo), format.Sci(cHi)))
		f.Legend.Add("each profile labelled with its C")
	}
	f.noteOffCanvas(p, drawn, "runs", fmt.Sprintf("the loss axis stops at %s (1.8x the lowest loss) to keep the minima readable; rejected budgets' runs above it are not shown", format.Short(top, 3)))
	if n := len(in.Runs) - len(drawn); n > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d of %d runs fall in no budget and are not drawn", n, len(in.Runs)))
	}
	if in.Grouped {
		names, _ := groupIndex(in.Runs)
		for i, n := range names {
			if i >= len(glyphs) {
				break
			}
			if s := scatter(plotter.XYs{{X: 1, Y: 1}}, grey, 3, glyphs[i]); s != nil {
				f.Legend.Add("group "+groupName(n), s)
			}
		}
	}
	f.Notes = append(f.Notes, fmt.Sprintf("%d budgets, %d rejected", len(r.Budgets), rejected))
	if r.A != 0 {
		f.Notes = append(f.Notes, "N_opt ~ C^"+format.Short(r.A, 3))
	}
	f.finishLegend()
	return f, nil
}

// ---- frontier ------------------------------------------------------------------------

func frontierFigure(in *Input) (*Figure, error) {
	hasA2 := in.IsoFLOP != nil && in.IsoFLOP.K > 0
	hasA1 := in.Envelope != nil && in.Envelope.K > 0
	if !hasA2 && !hasA1 && in.Law == nil {
		return nil, &Unsupported{KindFrontier, "no fitted frontier (Approach 1, 2 or 3) and no --law"}
	}
	_, _, cs, _ := runs.Columns(in.Runs)
	cLo, cHi := rangeOf(cs)
	cLo, cHi = cLo/2, cHi*100
	cgrid := logspace(cLo, cHi, 200)
	pn := newPanel("compute-optimal parameters", "compute C (FLOPs)", "N_opt (parameters)")
	pd := newPanel("compute-optimal tokens", "compute C (FLOPs)", "D_opt (tokens)")
	pn.Title.Text = in.title(pn.Title.Text)
	f := newFigure(pn, pd)
	var nAll, dAll []float64
	curve := func(fn func(c float64) (n, d float64)) (plotter.XYs, plotter.XYs) {
		var xn, xd plotter.XYs
		for _, c := range cgrid {
			n, d := fn(c)
			xn = append(xn, plotter.XY{X: c, Y: n})
			xd = append(xd, plotter.XY{X: c, Y: d})
			nAll, dAll = append(nAll, n), append(dAll, d)
		}
		return positive(xn, true, true), positive(xd, true, true)
	}
	both := func(name string, col color.Color, width float64, fn func(c float64) (n, d float64), dashes ...vg.Length) {
		xn, xd := curve(fn)
		f.add(pn, name, line(xn, col, width, dashes...))
		f.add(pd, "", line(xd, col, width, dashes...))
	}
	// fitted draws a fit to the runs: as both does within [lo, hi] FLOPs (the compute of the
	// runs behind it), dotted beyond.
	fitted := func(name string, col color.Color, width float64, lo, hi float64, fn func(c float64) (n, d float64), dashes ...vg.Length) {
		xn, xd := curve(fn)
		f.addFitted(pn, name, xn, lo, hi, col, width, dashes...)
		f.addFitted(pd, "", xd, lo, hi, col, width, dashes...)
	}
	a2col := color.RGBA{31, 119, 180, 255}
	a1col := color.RGBA{148, 103, 189, 255}
	var frontierPoints plotter.XYs // the data's optima on the N panel, for the off-canvas note
	if hasA1 {
		var xn, xd plotter.XYs
		for _, e := range in.Envelope.Points {
			xn = append(xn, plotter.XY{X: e.C, Y: e.N})
			xd = append(xd, plotter.XY{X: e.C, Y: e.D})
		}
		frontierPoints = append(frontierPoints, xn...)
		f.add(pn, "Approach 1 envelope", scatter(positive(xn, true, true), a1col, 1.5, draw.CircleGlyph{}))
		f.add(pd, "", scatter(positive(xd, true, true), a1col, 1.5, draw.CircleGlyph{}))
		e := in.Envelope
		eLo, eHi := rangeOf(func() []float64 {
			var cs []float64
			for _, p := range e.Points {
				cs = append(cs, p.C)
			}
			return cs
		}())
		fitted("Approach 1 fit: N ~ C^"+format.Short(e.A, 3), a1col, 1.2, eLo, eHi, func(c float64) (float64, float64) { return e.NOpt(c), e.DOpt(c) }, vg.Points(6), vg.Points(3))
	}
	if hasA2 {
		var xn, xd, rn, rd plotter.XYs
		for _, b := range in.IsoFLOP.Budgets {
			if b.Accepted {
				xn = append(xn, plotter.XY{X: b.FLOPs, Y: b.NOpt})
				xd = append(xd, plotter.XY{X: b.FLOPs, Y: b.DOpt})
			} else if b.NOpt > 0 {
				rn = append(rn, plotter.XY{X: b.FLOPs, Y: b.NOpt})
				rd = append(rd, plotter.XY{X: b.FLOPs, Y: b.DOpt})
			}
		}
		frontierPoints = append(append(frontierPoints, xn...), rn...)
		f.add(pn, "Approach 2 budget minima", scatter(positive(xn, true, true), a2col, 3.5, draw.CircleGlyph{}))
		f.add(pd, "", scatter(positive(xd, true, true), a2col, 3.5, draw.CircleGlyph{}))
		f.add(pn, "", scatter(positive(rn, true, true), grey, 3.5, draw.RingGlyph{}))
		f.add(pd, "", scatter(positive(rd, true, true), grey, 3.5, draw.RingGlyph{}))
		r := in.IsoFLOP
		aLo, aHi := rangeOf(func() []float64 {
			var cs []float64
			for _, x := range xn {
				cs = append(cs, x.X)
			}
			return cs
		}())
		fitted("Approach 2 fit: N ~ C^"+format.Short(r.A, 3), a2col, 1.5, aLo, aHi, func(c float64) (float64, float64) { return r.NOpt(c), r.DOpt(c) }, vg.Points(2), vg.Points(2))
	}
	if in.Law != nil {
		l := *in.Law
		col, width, dashes, label := in.lawStyle(fitColour, 2)
		fLo, fHi, ok := in.fitRange()
		if !ok {
			fLo, fHi = cLo, cHi
		}
		if lo, hi := drawBands(in.LawDraws, cgrid, func(d chinchilla.Law, c float64) float64 { return d.NOpt(c) }); lo != nil {
			drawBand(pn, cgrid, lo, hi, color.RGBA{20, 20, 20, 255})
			lo, hi = drawBands(in.LawDraws, cgrid, func(d chinchilla.Law, c float64) float64 { return d.DOpt(c) })
			drawBand(pd, cgrid, lo, hi, color.RGBA{20, 20, 20, 255})
			f.Legend.Add(fmt.Sprintf("shaded: 95%% band over %d bootstrap draws", len(in.LawDraws)))
		}
		fitted(label+": N ~ C^"+format.Short(l.ExponentA(), 3), col, width, fLo, fHi, func(c float64) (float64, float64) { return l.NOpt(c), l.DOpt(c) }, dashes...)
	}
	// The data's fits decide the axes; the published laws are drawn over them.
	nLo, nHi := rangeOf(nAll)
	dLo, dHi := rangeOf(dAll)
	if k, err := laws.Lookup("kaplan2020-allocation"); err == nil {
		both("Kaplan 2020 allocation (N ~ C^0.73)", kaplanColour, 1.5, func(c float64) (float64, float64) { n, d, _ := k.Optimal(c); return n, d }, vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3))
	}
	if ch, err := laws.Lookup("chinchilla2022"); err == nil {
		both("Chinchilla 2022 (Approach 3)", chinchillaColour, 1.5, func(c float64) (float64, float64) { n, d, _ := ch.Optimal(c); return n, d }, vg.Points(1), vg.Points(3))
	}
	setLog(&pn.X, cLo, cHi, FLOPs)
	setLog(&pd.X, cLo, cHi, FLOPs)
	// Let the published lines extend the range a little but not swamp the data.
	lo, hi := rangeOf(nAll)
	setLog(&pn.Y, math.Max(lo, nLo/10), math.Min(hi, nHi*10), Counts)
	lo, hi = rangeOf(dAll)
	setLog(&pd.Y, math.Max(lo, dLo/10), math.Min(hi, dHi*10), Counts)
	f.Notes = append(f.Notes, "C = 6ND; points: data, lines: fits")
	f.noteOffCanvas(pn, frontierPoints, "fitted optima", "the N axis spans the fits' range")
	f.finishLegend()
	return f, nil
}

// ---- loss ------------------------------------------------------------------------------

// sizeLegend adds legend entries for the model sizes of params, coloured on the log
// gradient over [lo, hi]: every size when there are at most 10, else 5 log-spaced ones.
func sizeLegend(f *Figure, params []float64, lo, hi float64, asLine bool) {
	sizes := map[float64]bool{}
	for _, n := range params {
		if n > 0 {
			sizes[n] = true
		}
	}
	var ns []float64
	prefix := "N = "
	if len(sizes) <= 10 {
		for n := range sizes {
			ns = append(ns, n)
		}
		sort.Float64s(ns)
	} else {
		ns, prefix = logspace(lo, hi, 5), "N ~ "
	}
	for _, n := range ns {
		col := gradient(logPos(n, lo, hi))
		if asLine {
			if l := line(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}}, col, 2); l != nil {
				f.Legend.Add(prefix+trimZeros(format.Count(n)), l)
			}
		} else if s := scatter(plotter.XYs{{X: 1, Y: 1}}, col, 3, draw.CircleGlyph{}); s != nil {
			f.Legend.Add(prefix+trimZeros(format.Count(n)), s)
		}
	}
}

// runColours returns each run's colour: its group's, or its size on a log gradient.
func runColours(in *Input, rs []runs.Run) []color.RGBA {
	out := make([]color.RGBA, len(rs))
	var gidx map[string]int
	if in.Grouped {
		_, gidx = groupIndex(in.Runs)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range in.Runs {
		if x := in.Runs[i].Params; x > 0 && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	for i, r := range rs {
		if in.Grouped {
			out[i] = groupColour(gidx[r.Group])
		} else {
			out[i] = gradient(logPos(r.Params, lo, hi))
		}
	}
	return out
}

// colouredScatter draws runs with per-run colours (one scatter per colour).
func colouredScatter(f *Figure, p *plot.Plot, xys plotter.XYs, cols []color.RGBA, radius float64, shape draw.GlyphDrawer) {
	xys, cols = f.thinScatter(xys, cols)
	by := map[color.RGBA]plotter.XYs{}
	var order []color.RGBA
	for i, xy := range xys {
		if _, ok := by[cols[i]]; !ok {
			order = append(order, cols[i])
		}
		by[cols[i]] = append(by[cols[i]], xy)
	}
	for _, c := range order {
		if s := scatter(by[c], c, radius, shape); s != nil {
			p.Add(s)
		}
	}
}

func groupLegend(f *Figure, in *Input) {
	names, _ := groupIndex(in.Runs)
	for i, n := range names {
		if s := scatter(plotter.XYs{{X: 1, Y: 1}}, groupColour(i), 3, draw.CircleGlyph{}); s != nil {
			f.Legend.Add(groupName(n), s)
		}
	}
}

func lossFigure(in *Input) (*Figure, error) {
	p := newPanel(in.title("Loss against compute"), "compute C (FLOPs)", "loss (nats/token)")
	f := newFigure(p)
	var xys plotter.XYs
	var kept []runs.Run // the runs drawn; curves are drawn from in.Runs, not copied
	for i := range in.Runs {
		if r := &in.Runs[i]; r.FLOPs > 0 && r.Loss > 0 {
			xys = append(xys, plotter.XY{X: r.FLOPs, Y: r.Loss})
			if !in.Curves {
				kept = append(kept, *r)
			}
		}
	}
	if len(xys) == 0 {
		return nil, &Unsupported{KindLoss, "no runs with positive compute and loss"}
	}
	if in.Curves {
		// Loss curves: one line per run, a dot at its end.
		drawCurves(f, p, in, in.Runs, func(r runs.Run) float64 { return r.FLOPs })
	} else {
		colouredScatter(f, p, xys, runColours(in, kept), 2.5, draw.CircleGlyph{})
	}
	if in.Grouped {
		groupLegend(f, in)
	} else {
		ps, _, _, _ := runs.Columns(in.Runs)
		lo, hi := rangeOf(ps)
		sizeLegend(f, ps, lo, hi, in.Curves)
	}
	cs, ls := make([]float64, len(xys)), make([]float64, len(xys))
	for i, xy := range xys {
		cs[i], ls[i] = xy.X, xy.Y
	}
	cLo, cHi := rangeOf(cs)
	lLo, lHi := rangeOf(ls)
	if in.Law != nil {
		l := *in.Law
		var fr plotter.XYs
		cs := logspace(cLo/1.5, cHi*1.5, 200)
		for _, c := range cs {
			_, _, loss := l.Optimal(c)
			fr = append(fr, plotter.XY{X: c, Y: loss})
		}
		if lo, hi := drawBands(in.LawDraws, cs, func(d chinchilla.Law, c float64) float64 { _, _, x := d.Optimal(c); return x }); lo != nil {
			drawBand(p, cs, lo, hi, color.RGBA{20, 20, 20, 255})
			f.Legend.Add(fmt.Sprintf("shaded: 95%% band over %d bootstrap draws", len(in.LawDraws)))
		}
		col, width, dashes, label := in.lawStyle(fitColour, 2)
		fLo, fHi, ok := in.fitRange()
		if !ok {
			fLo, fHi = cLo, cHi
		}
		f.addFitted(p, label+": optimal loss", positive(fr, true, true), fLo, fHi, col, width, dashes...)
		ee := plotter.XYs{{X: cLo / 1.5, Y: l.E}, {X: cHi * 1.5, Y: l.E}}
		if l.E > lLo*0.8 {
			f.add(p, "irreducible loss E = "+format.Short(l.E, 3), line(ee, grey, 1, vg.Points(4), vg.Points(3)))
			lLo = math.Min(lLo, l.E)
		}
	}
	if in.Envelope != nil {
		var env plotter.XYs
		for _, e := range in.Envelope.Points {
			env = append(env, plotter.XY{X: e.C, Y: e.Loss})
		}
		f.add(p, "Approach 1 envelope (lowest loss)", line(positive(env, true, true), red, 1.5, vg.Points(4), vg.Points(2)))
	}
	if in.IsoFLOP != nil {
		var opt plotter.XYs
		for _, b := range in.IsoFLOP.Budgets {
			if b.Accepted {
				opt = append(opt, plotter.XY{X: b.FLOPs, Y: b.Loss})
			}
		}
		f.add(p, "Approach 2 budget minima", scatter(positive(opt, true, true), red, 5, draw.CrossGlyph{}))
	}
	setLog(&p.X, cLo/1.5, cHi*1.5, FLOPs)
	top := math.Min(lHi, lLo*2.2) * 1.02
	setLog(&p.Y, lLo*0.97, top, Loss)
	what := "runs"
	if in.Curves {
		what = "curve points"
	}
	f.noteOffCanvas(p, xys, what, fmt.Sprintf("the loss axis stops at %s (2.2x the lowest loss) to keep the frontier readable", format.Short(top, 3)))
	f.finishLegend()
	return f, nil
}

// ---- curves ----------------------------------------------------------------------------

func curvesFigure(in *Input) (*Figure, error) {
	if !in.Curves {
		return nil, &Unsupported{KindCurves, "no run column (loss curves need a run id per row: --run-col)"}
	}
	if ids, _ := curves(in.Runs); len(ids) == 0 || len(ids) == len(in.Runs) {
		return nil, &Unsupported{KindCurves, "every run id has a single row: no loss curves"}
	}
	p := newPanel(in.title("Loss curves"), "tokens D", "loss (nats/token)")
	f := newFigure(p)
	ps, ts, _, ls := runs.Columns(in.Runs)
	tLo, tHi := rangeOf(ts)
	finals := drawCurves(f, p, in, in.Runs, func(r runs.Run) float64 { return r.Tokens })
	if in.Grouped {
		groupLegend(f, in)
	} else {
		nLo, nHi := rangeOf(ps)
		sizeLegend(f, ps, nLo, nHi, true)
	}
	lLo, lHi := rangeOf(ls)
	fLo, fHi := rangeOf(finals)
	// Early steps have losses far above the end of training; keep the interesting part.
	top := math.Min(lHi, fHi+1.5*(fHi-fLo)+0.3*fLo)
	setLog(&p.X, tLo, tHi*1.1, Counts)
	setLog(&p.Y, lLo*0.98, top, Loss)
	f.Notes = append(f.Notes, fmt.Sprintf("%d runs; dot: end of training", len(finals)))
	var pts plotter.XYs
	for i := range ts {
		pts = append(pts, plotter.XY{X: ts[i], Y: ls[i]})
	}
	f.noteOffCanvas(p, pts, "curve points", fmt.Sprintf("early-training losses above %s are cut to keep the ends of training readable", format.Short(top, 3)))
	return f, nil
}

// curves splits loss-curve points by run id, in first-seen order.
func curves(rs []runs.Run) ([]string, map[string][]int) {
	// Indices into rs, not copies: a million-row curve file stays one copy in memory.
	var ids []string
	by := map[string][]int{}
	for i := range rs {
		id := rs[i].ID
		if _, ok := by[id]; !ok {
			ids = append(ids, id)
		}
		by[id] = append(by[id], i)
	}
	return ids, by
}

// drawCurves draws each run's loss against x(run) as a line with a dot at its end, and
// returns the final losses.
func drawCurves(f *Figure, p *plot.Plot, in *Input, rs []runs.Run, x func(runs.Run) float64) []float64 {
	ids, by := curves(rs)
	firsts := make([]runs.Run, len(ids))
	for i, id := range ids {
		firsts[i] = rs[by[id][0]]
	}
	cols := runColours(in, firsts) // once: a lookup per run rescans every run
	var finals []float64
	for i, id := range ids {
		idx := by[id]
		sort.Slice(idx, func(a, b int) bool { return rs[idx[a]].Tokens < rs[idx[b]].Tokens })
		xy := make(plotter.XYs, 0, len(idx))
		for _, j := range idx {
			xy = append(xy, plotter.XY{X: x(rs[j]), Y: rs[j].Loss})
		}
		pts := []runs.Run{rs[idx[len(idx)-1]]}
		col := cols[i]
		f.add(p, "", line(f.thinLine(positive(xy, true, true)), col, 1.1))
		if last := pts[len(pts)-1]; last.Loss > 0 && x(last) > 0 {
			finals = append(finals, last.Loss)
			if s := scatter(plotter.XYs{{X: x(last), Y: last.Loss}}, col, 2.5, draw.CircleGlyph{}); s != nil {
				p.Add(s)
			}
		}
	}
	return finals
}

// ---- residuals -------------------------------------------------------------------------

func residualsFigure(in *Input) (*Figure, error) {
	if in.Law == nil {
		return nil, &Unsupported{KindResiduals, "no fitted law (Approach 3 needs runs with params, tokens and loss)"}
	}
	l := *in.Law
	// One sign convention (issue 12): relative error = (actual - predicted) / predicted,
	// positive = worse than the law, as in every table and JSON.
	pc := newPanel(in.title("Residuals"), "compute C (FLOPs)", "(actual - predicted) / predicted")
	pn := newPanel("", "parameters N", "(actual - predicted) / predicted")
	pn.Title.Text = " " // keep panel heights aligned with the titled panel
	f := newFigure(pc, pn)
	var cf, nf, ch, nh plotter.XYs
	var colsFit []color.RGBA
	var rs []float64
	var cs, ns []float64
	var sumsq float64
	var nfit int
	var fitted []runs.Run // coloured once at the end: a colour lookup per run rescans every run
	idx := make([]int, len(in.Runs))
	for i := range idx {
		idx[i] = i
	}
	if in.Curves {
		// Mid-training checkpoints are not trained to their token count's schedule: the
		// law describes final losses, so show the last point of each run.
		idx = runs.FinalIndex(in.Runs)
	}
	for _, i := range idx {
		r := in.Runs[i]
		pred := l.Loss(r.Params, r.Tokens)
		if !(r.Loss > 0) || !(pred > 0) || !(r.FLOPs > 0) || !(r.Params > 0) {
			continue
		}
		res := (r.Loss - pred) / pred
		rs = append(rs, res)
		cs, ns = append(cs, r.FLOPs), append(ns, r.Params)
		if in.HeldOut != nil && i < len(in.HeldOut) && in.HeldOut[i] {
			ch = append(ch, plotter.XY{X: r.FLOPs, Y: res})
			nh = append(nh, plotter.XY{X: r.Params, Y: res})
			continue
		}
		cf = append(cf, plotter.XY{X: r.FLOPs, Y: res})
		nf = append(nf, plotter.XY{X: r.Params, Y: res})
		sumsq += res * res
		nfit++
		if in.Grouped {
			fitted = append(fitted, r)
		} else {
			colsFit = append(colsFit, color.RGBA{31, 119, 180, 255})
		}
	}
	if in.Grouped {
		colsFit = runColours(in, fitted)
	}
	if len(rs) == 0 {
		return nil, &Unsupported{KindResiduals, "no runs with positive params, tokens, compute and loss"}
	}
	colouredScatter(f, pc, cf, colsFit, 2.3, draw.CircleGlyph{})
	colouredScatter(f, pn, nf, colsFit, 2.3, draw.CircleGlyph{})
	if in.Grouped {
		groupLegend(f, in)
	} else if nfit > 0 {
		if s := scatter(plotter.XYs{{X: 1, Y: 1}}, color.RGBA{31, 119, 180, 255}, 2.5, draw.CircleGlyph{}); s != nil {
			f.Legend.Add("fitted runs", s)
		}
	}
	if len(ch) > 0 {
		f.add(pc, fmt.Sprintf("held out (%d runs)", len(ch)), scatter(ch, red, 3.5, draw.TriangleGlyph{}))
		f.add(pn, "", scatter(nh, red, 3.5, draw.TriangleGlyph{}))
	}
	cLo, cHi := rangeOf(cs)
	nLo, nHi := rangeOf(ns)
	zcol, zwidth, zdashes, zeroLabel := in.lawStyle(black, 1)
	zero := func(lo, hi float64) *plotter.Line {
		return line(plotter.XYs{{X: lo, Y: 0}, {X: hi, Y: 0}}, zcol, zwidth, zdashes...)
	}
	f.add(pc, "zero: "+zeroLabel, zero(cLo/1.5, cHi*1.5))
	f.add(pn, "", zero(nLo/1.5, nHi*1.5))
	lim := 0.0
	for _, r := range rs {
		lim = math.Max(lim, math.Abs(r))
	}
	lim = math.Max(lim*1.1, 0.005)
	setLog(&pc.X, cLo/1.5, cHi*1.5, FLOPs)
	setLog(&pn.X, nLo/1.5, nHi*1.5, Counts)
	setLinear(&pc.Y, -lim, lim)
	setLinear(&pn.Y, -lim, lim)
	if nfit > 0 {
		f.Notes = append(f.Notes, "rms relative error (fitted runs) "+format.Short(math.Sqrt(sumsq/float64(nfit)), 3))
	}
	if len(ch) > 0 {
		var ss float64
		for _, p := range ch {
			ss += p.Y * p.Y
		}
		f.Notes = append(f.Notes, "rms relative error (held out) "+format.Short(math.Sqrt(ss/float64(len(ch))), 3))
	}
	f.Notes = append(f.Notes, "> 0: worse (higher loss) than the law")
	if in.LawNotConverged {
		f.Notes = append(f.Notes, "the law's fit did not converge: residuals against it may mislead")
	}
	return f, nil
}

// ---- contour ---------------------------------------------------------------------------

// decades returns the integer exponents e with lo <= 10^e <= hi, or an empty range
// (lo > hi) when either bound is not a positive finite number.
func decades(lo, hi float64) (int, int) {
	a, b := math.Ceil(math.Log10(lo)), math.Floor(math.Log10(hi))
	if !(lo > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsNaN(a) || math.IsNaN(b) {
		return 1, 0
	}
	return int(a), int(b)
}

func contourFigure(in *Input) (*Figure, error) {
	if in.Law == nil {
		return nil, &Unsupported{KindContour, "no fitted law (Approach 3 needs runs with params, tokens and loss)"}
	}
	l := *in.Law
	ps, ts, _, _ := runs.Columns(in.Runs)
	nLo, nHi := rangeOf(ps)
	dLo, dHi := rangeOf(ts)
	nLo, nHi = nLo/3, nHi*30
	dLo, dHi = dLo/3, dHi*30
	p := newPanel(in.title("Iso-loss contours of L(N, D)"), "parameters N", "tokens D")
	f := newFigure(p)
	// Runs, faint.
	var xys plotter.XYs
	var kept []runs.Run // for group colours only
	for i := range in.Runs {
		if r := &in.Runs[i]; r.Params > 0 && r.Tokens > 0 {
			xys = append(xys, plotter.XY{X: r.Params, Y: r.Tokens})
			if in.Grouped {
				kept = append(kept, *r)
			}
		}
	}
	if in.Grouped {
		colouredScatter(f, p, xys, runColours(in, kept), 1.8, draw.CircleGlyph{})
		groupLegend(f, in)
	} else {
		thin, _ := f.thinScatter(xys, nil)
		f.add(p, "runs", scatter(thin, color.RGBA{120, 120, 120, 255}, 1.6, draw.CircleGlyph{}))
	}
	// Iso-FLOP lines D = C/(6N) at powers of ten.
	cMin, cMax := 6*nLo*dLo, 6*nHi*dHi
	first := true
	// Integer exponents over a finite span: ranges that underflow to 0 or overflow to +Inf
	// (params 5e-324, or 1e155 x 1e150) draw no iso-FLOP lines instead of looping forever.
	eLo, eHi := decades(cMin, cMax)
	for e := eLo; e <= eHi; e++ {
		c := math.Pow(10, float64(e))
		if e%2 != 0 && eHi-eLo > 10 {
			continue
		}
		var xy plotter.XYs
		for _, n := range logspace(nLo, nHi, 50) {
			if d := c / (6 * n); d >= dLo && d <= dHi {
				xy = append(xy, plotter.XY{X: n, Y: d})
			}
		}
		name := ""
		if first {
			name = "iso-FLOP lines (C = 6ND)"
			first = false
		}
		ln := line(xy, color.RGBA{170, 170, 170, 255}, 0.8, vg.Points(3), vg.Points(3))
		f.add(p, name, ln)
		if len(xy) >= 2 {
			mid := xy[len(xy)/2]
			if lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{mid}, Labels: []string{format.Sci(c)}}); err == nil {
				lab.TextStyle[0].Font.Size = vg.Points(8)
				lab.TextStyle[0].Color = color.RGBA{110, 110, 110, 255}
				p.Add(lab)
			}
		}
	}
	// Iso-loss lines: D(N) = (B / (L − E − A/N^α))^(1/β).
	// Levels spaced geometrically in L − E between the losses at the data's corners, rounded
	// to 0.05 nats so that the legend reads 2.2, 2.35, 2.6, ...
	lMin, lMax := l.Loss(nHi/30, dHi/30), l.Loss(nLo*3, dLo*3)
	var levels []float64
	if lMin > l.E && lMax > lMin {
		for k := 0; k < 9; k++ {
			lv := l.E + (lMin-l.E)*math.Pow((lMax-l.E)/(lMin-l.E), float64(k)/8)
			lv = math.Round(lv*20) / 20
			if lv > l.E && (len(levels) == 0 || lv > levels[len(levels)-1]) {
				levels = append(levels, lv)
			}
		}
	}
	for i, lv := range levels {
		var xy plotter.XYs
		for _, n := range logspace(nLo, nHi, 400) {
			rest := lv - l.E - l.A/math.Pow(n, l.Alpha)
			if rest <= 0 {
				continue
			}
			d := math.Pow(l.B/rest, 1/l.Beta)
			if d >= dLo/2 && d <= dHi*2 {
				xy = append(xy, plotter.XY{X: n, Y: d})
			}
		}
		col := gradient(float64(i) / math.Max(1, float64(len(levels)-1)) * 0.9)
		f.add(p, "L = "+format.Short(lv, 3), line(positive(xy, true, true), col, 1.6))
	}
	var opt plotter.XYs
	for _, c := range logspace(cMin, cMax, 200) {
		n, d := l.NOpt(c), l.DOpt(c)
		if n >= nLo && n <= nHi && d >= dLo && d <= dHi {
			opt = append(opt, plotter.XY{X: n, Y: d})
		}
	}
	col, width, dashes, label := in.lawStyle(red, 2.2)
	if fLo, fHi, ok := in.fitRange(); ok && l.NOpt(fHi) > l.NOpt(fLo) {
		// Solid over the fitted runs' compute, dotted beyond (N_opt grows with C).
		f.addFitted(p, "compute-optimal ("+label+")", opt, l.NOpt(fLo), l.NOpt(fHi), col, width, dashes...)
	} else {
		f.add(p, "compute-optimal ("+label+")", line(opt, col, width, dashes...))
	}
	f.finishLegend()
	setLog(&p.X, nLo, nHi, Counts)
	setLog(&p.Y, dLo, dHi, Counts)
	return f, nil
}
