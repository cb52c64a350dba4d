package plot

import (
	"errors"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
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

// Versus draws the comparison of groups: on the left each group's loss-optimal frontier
// L*(C) over the budgets with its runs; on the right the compute multiplier of every group
// against the reference with its 95% band (when resampled), solid inside the groups'
// common compute range and dashed where extrapolated, and the line m = 1.
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
	pf := newPanel("Loss-optimal frontiers", "training compute C (FLOPs)", "loss (nats/token)")
	pm := newPanel("Compute multiplier against "+r.Reference, "compute of "+format.Terminal(r.Reference)+" (FLOPs)", "multiplier m(C)")
	fig := newFigure(pf, pm)
	colour := map[string]int{}
	lLo, lHi := math.Inf(1), 0.0
	for i, f := range r.Fits {
		colour[f.Group] = i
		in, out := frontierXYs(f, cs)
		for _, xy := range append(slices.Clone(in), out...) {
			if l := xy.Y; l > 0 && !math.IsInf(l, 0) {
				lLo, lHi = math.Min(lLo, l), math.Max(lHi, l)
			}
		}
		fig.add(pf, "", line(positive(out, true, true), groupColour(i), 1.2, vg.Points(4), vg.Points(3)))
		fig.add(pf, f.Group+" frontier", line(positive(in, true, true), groupColour(i), 2))
	}
	for _, g := range in.Runs {
		i, ok := colour[g.Group]
		if !ok {
			continue
		}
		var pts plotter.XYs
		for k := range g.FLOPs {
			pts = append(pts, plotter.XY{X: g.FLOPs[k], Y: g.Loss[k]})
			if g.Loss[k] > 0 {
				lLo = math.Min(lLo, g.Loss[k])
				lHi = math.Max(lHi, g.Loss[k])
			}
		}
		fig.add(pf, g.Group+" runs", scatter(positive(pts, true, true), groupColour(i), 1.6, draw.CircleGlyph{}))
	}
	setLog(&pf.X, cLo/1.3, cHi*1.3, FLOPs)
	setLog(&pf.Y, lLo*0.97, math.Min(lHi, lLo*2.2)*1.02, Loss)

	mLo, mHi := 1.0, 1.0
	bs := logspace(r.Budgets[0], r.Budgets[len(r.Budgets)-1], 120)
	for _, c := range r.Comparisons {
		i := colour[c.Group]
		pts := r.Curve(c.Group, bs)
		var band, lo, hi plotter.XYs
		// contiguous runs of in-range (solid) and extrapolated (dashed) points
		type seg struct {
			xys   plotter.XYs
			extra bool
		}
		var segs []seg
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
			if v := p.Value; v > 0 && !math.IsInf(v, 0) {
				mLo, mHi = math.Min(mLo, v), math.Max(mHi, v)
			}
		}
		lo, hi = positive(lo, true, true), positive(hi, true, true)
		if len(lo) == len(hi) && len(lo) > 1 {
			band = append(band, lo...)
			for k := len(hi) - 1; k >= 0; k-- {
				band = append(band, hi[k])
			}
			if poly, err := plotter.NewPolygon(band); err == nil {
				col := groupColour(i)
				poly.Color = color.NRGBA{R: col.R, G: col.G, B: col.B, A: 60}
				poly.LineStyle.Width = 0
				pm.Add(poly)
			}
			for k := range lo {
				mLo = math.Min(mLo, lo[k].Y)
				mHi = math.Max(mHi, hi[k].Y)
			}
		}
		named := false
		for _, sg := range segs {
			if sg.extra {
				fig.add(pm, "", line(positive(sg.xys, true, true), groupColour(i), 1.5, vg.Points(5), vg.Points(3)))
				continue
			}
			name := ""
			if !named {
				name, named = c.Group+" / "+r.Reference, true
			}
			fig.add(pm, name, line(positive(sg.xys, true, true), groupColour(i), 2))
		}
		if !named && len(segs) > 0 { // all extrapolated: still one legend entry
			fig.add(pm, c.Group+" / "+r.Reference+" (extrapolated)", line(positive(segs[0].xys, true, true), groupColour(i), 1.5, vg.Points(5), vg.Points(3)))
		}
		var marks plotter.XYs
		for _, p := range c.Multipliers {
			marks = append(marks, plotter.XY{X: p.FLOPs, Y: p.Value})
		}
		fig.add(pm, "", scatter(positive(marks, true, true), groupColour(i), 2.5, draw.CircleGlyph{}))
	}
	fig.add(pm, "m = 1 (equal compute)", line(plotter.XYs{{X: bs[0], Y: 1}, {X: bs[len(bs)-1], Y: 1}}, grey, 1, vg.Points(2), vg.Points(2)))
	// keep the band readable: clip at 100x either side of 1
	mLo, mHi = math.Max(mLo, 1e-2), math.Min(mHi, 1e2)
	setLog(&pm.X, bs[0]/1.3, bs[len(bs)-1]*1.3, FLOPs)
	setLog(&pm.Y, mLo/1.15, mHi*1.15, Plain)
	fig.Notes = append(fig.Notes, "dashed: extrapolated", "band: 95% bootstrap interval")
	return fig, nil
}
