package plot

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/versus"
)

// VersusRuns are one group's runs, drawn under its frontier.
type VersusRuns struct {
	Group       string
	FLOPs, Loss []float64
}

// VersusInput is what the comparison figure needs: the comparison and the runs.
type VersusInput struct {
	Result *versus.Result
	Runs   []VersusRuns
}

// frontierXYs samples a group's loss-optimal frontier at cs, split into the points inside
// its runs' compute range and those outside.
func frontierXYs(f versus.GroupFit, cs []float64) (in, out plotter.XYs) {
	for _, c := range cs {
		pt := plotter.XY{X: c, Y: f.Frontier.Loss(c)}
		if c >= f.FLOPsRange[0] && c <= f.FLOPsRange[1] {
			in = append(in, pt)
		} else {
			out = append(out, pt)
		}
	}
	return in, out
}

// Versus draws the comparison of groups: on the top panel each group's loss-optimal
// frontier L*(C) over the budgets with its runs; below, the compute multiplier of every
// group against the reference with its 95% band (when resampled), solid inside the groups'
// common compute range and dashed where extrapolated, and the line m = 1.
//
// The figure hides no group silently: at most limits.MaxFigureGroups groups are named and
// coloured apart (the reference and the compared groups at evenly spaced ranks of their
// multiplier, the extremes included); the others are drawn grey and counted in the notes.
// Names are shortened to limits.MaxLabelRunes. The multiplier axis spans the multipliers
// within [versus.MinSupported, versus.MaxSupported]; a group whose runs, frontier or
// multipliers fall off the axes is named in the notes with its count.
func Versus(in *VersusInput) (*Figure, error) {
	r := in.Result
	if r == nil || len(r.Fits) < 2 || len(r.Budgets) == 0 {
		return nil, errors.New("plot: the comparison has fewer than two fitted groups")
	}
	cLo, cHi := r.Budgets[0], r.Budgets[len(r.Budgets)-1]
	for _, f := range r.Fits {
		cLo = math.Min(cLo, f.FLOPsRange[0])
		cHi = math.Max(cHi, f.FLOPsRange[1])
	}
	cs := logspace(cLo, cHi, 160)
	ref := nameLabel(r.Reference)
	pf := newPanel("Loss-optimal frontiers", "training compute C (FLOPs)", "loss (nats/token)")
	pm := newPanel("Compute multiplier against "+ref, "compute of "+ref+" (FLOPs)", "multiplier m(C)")
	fig := newFigure(pf, pm)
	colour := versusColours(r)
	style := func(g string) (color.RGBA, bool) {
		if i, ok := colour[g]; ok {
			return groupColour(i), true
		}
		return unnamedGrey, false
	}
	runsOf := map[string]plotter.XYs{}
	for _, g := range in.Runs {
		for k := range g.FLOPs {
			runsOf[g.Group] = append(runsOf[g.Group], plotter.XY{X: g.FLOPs[k], Y: g.Loss[k]})
		}
	}

	// The loss axis: from the lowest loss drawn to 2.2x it, widened so that every group's
	// frontier shows where it is fitted (up to 4x: past it the loss ticks get too sparse to
	// read, and the notes name the groups off the axis).
	lLo, lHi, lowest := math.Inf(1), 0.0, 0.0
	frontiers := make([][2]plotter.XYs, len(r.Fits))
	for i, f := range r.Fits {
		fin, fout := frontierXYs(f, cs)
		frontiers[i] = [2]plotter.XYs{positive(fin, true, true), positive(fout, true, true)}
		gLo := math.Inf(1)
		for _, xy := range append(slices.Clone(frontiers[i][0]), frontiers[i][1]...) {
			lLo, lHi = math.Min(lLo, xy.Y), math.Max(lHi, xy.Y)
		}
		for _, xy := range frontiers[i][0] {
			gLo = math.Min(gLo, xy.Y)
		}
		if !math.IsInf(gLo, 0) {
			lowest = math.Max(lowest, gLo)
		}
		for _, xy := range positive(runsOf[f.Group], true, true) {
			lLo, lHi = math.Min(lLo, xy.Y), math.Max(lHi, xy.Y)
		}
	}
	if math.IsInf(lLo, 0) {
		return nil, errors.New("plot: no group has a positive frontier loss to draw")
	}
	yLo, yHi := lLo*0.97, math.Min(lHi, math.Max(lLo*2.2, math.Min(lowest*1.1, lLo*4)))*1.02
	xLo, xHi := cLo/1.3, cHi*1.3
	var offAxis []string
	// Grey groups first, so the named ones are drawn over them.
	for _, pass := range []bool{false, true} {
		for i, f := range r.Fits {
			col, named := style(f.Group)
			if named != pass {
				continue
			}
			fin, fout := frontiers[i][0], frontiers[i][1]
			pts := positive(runsOf[f.Group], true, true)
			if named {
				fig.add(pf, "", line(fout, col, 1.2, vg.Points(4), vg.Points(3)))
				fig.add(pf, nameLabel(f.Group), line(fin, col, 2), scatter(pts, col, 1.6, draw.CircleGlyph{}))
			} else {
				fig.add(pf, "", line(fin, col, 0.8), scatter(pts, col, 1, draw.CircleGlyph{}))
			}
			off := 0
			for _, xy := range pts {
				if xy.Y < yLo || xy.Y > yHi || xy.X < xLo || xy.X > xHi {
					off++
				}
			}
			off += len(runsOf[f.Group]) - len(pts)
			frontierOff := true
			for _, xy := range fin {
				if xy.Y >= yLo && xy.Y <= yHi {
					frontierOff = false
				}
			}
			switch {
			case off > 0 && frontierOff:
				offAxis = append(offAxis, fmt.Sprintf("%s: %d of %d runs and its frontier", nameLabel(f.Group), off, len(runsOf[f.Group])))
			case off > 0:
				offAxis = append(offAxis, fmt.Sprintf("%s: %d of %d runs", nameLabel(f.Group), off, len(runsOf[f.Group])))
			case frontierOff:
				offAxis = append(offAxis, nameLabel(f.Group)+": its frontier")
			}
		}
	}
	setLog(&pf.X, xLo, xHi, FLOPs)
	setLog(&pf.Y, yLo, yHi, Loss)

	// The multiplier axis: the multipliers and bands within the supported range.
	mLo, mHi := 1.0, 1.0
	within := func(v float64) bool { return v >= versus.MinSupported && v <= versus.MaxSupported }
	bs := logspace(r.Budgets[0], r.Budgets[len(r.Budgets)-1], 120)
	curves := make([][]versus.Point, len(r.Comparisons))
	for k, c := range r.Comparisons {
		curves[k] = r.Curve(c.Group, bs)
		for _, p := range append(slices.Clone(curves[k]), c.Multipliers...) {
			for _, v := range []float64{p.Value, ivLo(p.Interval), ivHi(p.Interval)} {
				if within(v) {
					mLo, mHi = math.Min(mLo, v), math.Max(mHi, v)
				}
			}
		}
	}
	mLo, mHi = math.Max(mLo/1.15, versus.MinSupported), math.Min(mHi*1.15, versus.MaxSupported)
	var offMult []string
	for _, pass := range []bool{false, true} {
		for k, c := range r.Comparisons {
			col, named := style(c.Group)
			if named != pass {
				continue
			}
			versusMultiplier(fig, pm, c, curves[k], r.Reference, col, named)
			var above, below, never int
			top := 0.0
			for _, p := range c.Multipliers {
				switch {
				case math.IsInf(p.Value, 1) || math.IsNaN(p.Value):
					never++
				case p.Value > mHi:
					above++
					top = math.Max(top, p.Value)
				case p.Value < mLo:
					below++
				}
			}
			var parts []string
			if above > 0 {
				parts = append(parts, fmt.Sprintf("%d of %d above, up to %s", above, len(c.Multipliers), format.Ratio(top)))
			}
			if below > 0 {
				parts = append(parts, fmt.Sprintf("%d of %d below", below, len(c.Multipliers)))
			}
			if never > 0 {
				parts = append(parts, fmt.Sprintf("%d of %d never reach %s's loss", never, len(c.Multipliers), ref))
			}
			if len(parts) > 0 {
				offMult = append(offMult, nameLabel(c.Group)+": "+strings.Join(parts, ", "))
			}
		}
	}
	fig.add(pm, "m = 1 (equal compute)", line(plotter.XYs{{X: bs[0], Y: 1}, {X: bs[len(bs)-1], Y: 1}}, grey, 1, vg.Points(2), vg.Points(2)))
	setLog(&pm.X, bs[0]/1.3, bs[len(bs)-1]*1.3, FLOPs)
	setLog(&pm.Y, mLo, mHi, Plain)

	if unnamed := len(r.Fits) - len(colour); unnamed > 0 {
		if l := line(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}}, unnamedGrey, 1.5); l != nil {
			fig.legendAdd(fmt.Sprintf("%d more groups (grey)", unnamed), l)
		}
		fig.Notes = append(fig.Notes, fmt.Sprintf("%d of %d groups drawn grey, unnamed (a figure names at most %d: the reference and the spread of multipliers); every group is in the tables", unnamed, len(r.Fits), limits.MaxFigureGroups))
	}
	if len(offAxis) > 0 {
		fig.Notes = append(fig.Notes, "runs or frontiers off the loss axis: "+listSome(offAxis))
	}
	if len(offMult) > 0 {
		fig.Notes = append(fig.Notes, "multipliers off the axis ("+format.Ratio(mLo)+" to "+format.Ratio(mHi)+"; past "+format.Ratio(versus.MaxSupported)+" unsupported): "+listSome(offMult))
	}
	fig.Notes = append(fig.Notes, "dashed: extrapolated", "band: 95% bootstrap interval")
	return fig, nil
}

// versusMultiplier draws one group's multiplier curve against the reference on pm: its band,
// solid in-range and dashed extrapolated segments, and the table's points; named groups get
// a legend entry.
func versusMultiplier(fig *Figure, pm *plot.Plot, c versus.Comparison, pts []versus.Point, reference string, col color.RGBA, named bool) {
	var lo, hi plotter.XYs
	type seg struct {
		xys   plotter.XYs
		extra bool
	}
	var segs []seg // contiguous runs of in-range (solid) and extrapolated (dashed) points
	for k, p := range pts {
		xy := plotter.XY{X: p.FLOPs, Y: p.Value}
		if k == 0 || p.Extrapolated != pts[k-1].Extrapolated {
			if k > 0 { // join the segments at their boundary
				segs[len(segs)-1].xys = append(segs[len(segs)-1].xys, xy)
			}
			segs = append(segs, seg{extra: p.Extrapolated})
		}
		segs[len(segs)-1].xys = append(segs[len(segs)-1].xys, xy)
		if p.Interval != nil {
			lo = append(lo, plotter.XY{X: p.FLOPs, Y: p.Interval.Lo})
			hi = append(hi, plotter.XY{X: p.FLOPs, Y: p.Interval.Hi})
		}
	}
	lo, hi = positive(lo, true, true), positive(hi, true, true)
	if named && len(lo) == len(hi) && len(lo) > 1 {
		band := slices.Clone(lo)
		for k := len(hi) - 1; k >= 0; k-- {
			band = append(band, hi[k])
		}
		if poly, err := plotter.NewPolygon(band); err == nil {
			poly.Color = color.NRGBA{R: col.R, G: col.G, B: col.B, A: 60}
			poly.LineStyle.Width = 0
			pm.Add(poly)
		}
	}
	width := 2.0
	if !named {
		width = 0.8
	}
	name := ""
	if named {
		name = nameLabel(c.Group) + " / " + nameLabel(reference)
	}
	drawnNamed := false
	for _, sg := range segs {
		if sg.extra {
			fig.add(pm, "", line(positive(sg.xys, true, true), col, width*0.75, vg.Points(5), vg.Points(3)))
			continue
		}
		n := ""
		if !drawnNamed {
			n, drawnNamed = name, true
		}
		fig.add(pm, n, line(positive(sg.xys, true, true), col, width))
	}
	var marks plotter.XYs
	for _, p := range c.Multipliers {
		marks = append(marks, plotter.XY{X: p.FLOPs, Y: p.Value})
	}
	glyph := scatter(positive(marks, true, true), col, width*1.25, draw.CircleGlyph{})
	if name != "" && !drawnNamed { // all extrapolated or never reached: still one legend entry
		thumb := line(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}}, col, 1.5, vg.Points(5), vg.Points(3))
		fig.add(pm, "", glyph)
		if thumb != nil {
			fig.legendAdd(name+" (extrapolated)", thumb)
		}
		return
	}
	fig.add(pm, "", glyph)
}

// versusColours picks the groups the figure names and their colour indices: every group
// when there are at most limits.MaxFigureGroups, else the reference and compared groups at
// evenly spaced ranks of their typical multiplier (the lowest and highest included), in
// the order of r.Fits.
func versusColours(r *versus.Result) map[string]int {
	pick := map[string]bool{}
	if len(r.Fits) <= limits.MaxFigureGroups {
		for _, f := range r.Fits {
			pick[f.Group] = true
		}
	} else {
		pick[r.Reference] = true
		type ranked struct {
			group string
			m     float64
		}
		var rs []ranked
		for _, c := range r.Comparisons {
			var logs []float64
			for _, p := range c.Multipliers {
				if p.Value > 0 && !math.IsInf(p.Value, 0) {
					logs = append(logs, math.Log(p.Value))
				}
			}
			m := math.Inf(1) // never reaches the reference: the far end
			if len(logs) > 0 {
				slices.Sort(logs)
				m = logs[len(logs)/2]
			}
			rs = append(rs, ranked{c.Group, m})
		}
		slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(a.m, b.m) })
		k := limits.MaxFigureGroups - 1
		for j := 0; j < k && len(rs) > 0; j++ {
			pick[rs[j*(len(rs)-1)/max(1, k-1)].group] = true
		}
	}
	out := map[string]int{}
	for _, f := range r.Fits {
		if pick[f.Group] {
			out[f.Group] = len(out)
		}
	}
	return out
}

// unnamedGrey draws the groups a figure does not name.
var unnamedGrey = color.RGBA{R: 195, G: 195, B: 195, A: 255}

// nameLabel is a name from the input as a figure shows it: control characters escaped, and
// past limits.MaxLabelRunes shortened in the middle, so that a long name leaves room for the
// panels.
func nameLabel(name string) string {
	s := []rune(format.Terminal(name))
	if len(s) <= limits.MaxLabelRunes {
		return string(s)
	}
	head := limits.MaxLabelRunes * 2 / 3
	tail := limits.MaxLabelRunes - head - 1
	return string(s[:head]) + "…" + string(s[len(s)-tail:])
}

// listSome joins at most four items and counts the rest.
func listSome(items []string) string {
	const n = 4
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more groups", len(items)-n)
}

func ivLo(iv *versus.Interval) float64 {
	if iv == nil {
		return math.NaN()
	}
	return iv.Lo
}

func ivHi(iv *versus.Interval) float64 {
	if iv == nil {
		return math.NaN()
	}
	return iv.Hi
}
