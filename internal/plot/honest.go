package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
)

// Figures hide nothing silently (issue 12): every run is on the canvas or a note says how
// many points are outside and why; a law that did not converge is drawn grey and dashed and
// labelled "(not converged)"; a fitted line beyond the compute range of its runs is drawn
// dotted and thinner; bootstrap draws give a shaded 95% band.

// notConvergedColour draws a law whose fit did not converge.
var notConvergedColour = color.RGBA{R: 140, G: 140, B: 140, A: 255}

// lawStyle is how the fitted law is drawn: its colour, width and dashes (solid), or grey
// and dashed for a fit that did not converge, with the label saying so.
func (in *Input) lawStyle(col color.Color, width float64) (color.Color, float64, []vg.Length, string) {
	label := in.lawLabel()
	if in.LawNotConverged {
		return notConvergedColour, width * 0.8, []vg.Length{vg.Points(5), vg.Points(3)}, label + " (not converged)"
	}
	return col, width, nil, label
}

// fitRange is the compute range (FLOPs) of the runs the law was fitted to (held-out runs
// excluded); ok is false without runs.
func (in *Input) fitRange() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, r := range in.Runs {
		if in.HeldOut != nil && i < len(in.HeldOut) && in.HeldOut[i] {
			continue
		}
		if r.FLOPs > 0 && !math.IsInf(r.FLOPs, 0) {
			lo, hi = math.Min(lo, r.FLOPs), math.Max(hi, r.FLOPs)
		}
	}
	return lo, hi, hi >= lo
}

// splitRange splits a line (points in increasing X) into the part within [lo, hi] and the
// parts outside it; the pieces share their boundary points so the line stays continuous.
func splitRange(xys plotter.XYs, lo, hi float64) (inside plotter.XYs, outside []plotter.XYs) {
	var cur plotter.XYs
	in := func(x float64) bool { return x >= lo*(1-1e-9) && x <= hi*(1+1e-9) }
	for i, p := range xys {
		if in(p.X) {
			if len(cur) > 0 {
				outside = append(outside, append(cur, p))
				cur = nil
			}
			inside = append(inside, p)
			continue
		}
		if len(cur) == 0 && i > 0 && in(xys[i-1].X) {
			cur = append(cur, xys[i-1])
		}
		cur = append(cur, p)
	}
	if len(cur) > 1 {
		outside = append(outside, cur)
	}
	return inside, outside
}

// addFitted draws a fitted line on p: solid (or the given dashes) within the compute range
// [lo, hi] of the runs it was fitted to, dotted and thinner beyond it; name labels the
// fitted part. It records that an extrapolation was drawn, for the legend.
func (f *Figure) addFitted(p *plot.Plot, name string, xys plotter.XYs, lo, hi float64, col color.Color, width float64, dashes ...vg.Length) {
	inside, outside := splitRange(xys, lo, hi)
	faded := fade(col)
	if len(inside) < 2 {
		// Entirely an extrapolation: draw it faded and dotted, still named.
		f.add(p, name, line(xys, faded, width*0.8, vg.Points(1), vg.Points(2.5)))
		f.extrapolated = true
		return
	}
	f.add(p, name, line(inside, col, width, dashes...))
	for _, o := range outside {
		if l := line(o, faded, width*0.8, vg.Points(1), vg.Points(2.5)); l != nil {
			p.Add(l)
			f.extrapolated = true
		}
	}
}

// finishLegend adds the legend entries every figure shares: what a dotted line means.
func (f *Figure) finishLegend() {
	if f.extrapolated {
		if l := line(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}}, fade(black), 1.2, vg.Points(1), vg.Points(2.5)); l != nil {
			f.Legend.Add("faded dots: beyond the fits' runs", l)
		}
	}
}

// fade mixes col halfway to white: the colour of a line's extrapolated part.
func fade(col color.Color) color.Color {
	r, g, b, _ := col.RGBA()
	mix := func(v uint32) uint8 { return uint8((v>>8 + 255) / 2) }
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 255}
}

// drawBand adds a shaded band between lo(x) and hi(x) at xs (increasing) to p; points where
// either bound is not positive and finite are left out.
func drawBand(p *plot.Plot, xs, lo, hi []float64, col color.RGBA) bool {
	var poly plotter.XYs
	for i := range xs {
		if lo[i] > 0 && hi[i] > 0 && !math.IsInf(hi[i], 0) {
			poly = append(poly, plotter.XY{X: xs[i], Y: lo[i]})
		}
	}
	n := len(poly)
	for i := len(xs) - 1; i >= 0; i-- {
		if lo[i] > 0 && hi[i] > 0 && !math.IsInf(hi[i], 0) {
			poly = append(poly, plotter.XY{X: xs[i], Y: hi[i]})
		}
	}
	if n < 2 {
		return false
	}
	pg, err := plotter.NewPolygon(poly)
	if err != nil {
		return false
	}
	col.A = 60
	pg.Color = col
	pg.LineStyle.Width = 0
	p.Add(pg)
	return true
}

// drawBands returns the 95% percentile band of q(law, x) over the bootstrap draws at each x
// (nil without at least 20 draws).
func drawBands(draws []chinchilla.Law, xs []float64, q func(l chinchilla.Law, x float64) float64) (lo, hi []float64) {
	if len(draws) < 20 {
		return nil, nil
	}
	lo, hi = make([]float64, len(xs)), make([]float64, len(xs))
	v := make([]float64, 0, len(draws))
	for i, x := range xs {
		v = v[:0]
		for _, d := range draws {
			if y := q(d, x); y > 0 && !math.IsInf(y, 0) && !math.IsNaN(y) {
				v = append(v, y)
			}
		}
		if iv, ok := stats.Central(v, 0.95); ok {
			lo[i], hi[i] = iv.Lo, iv.Hi
		}
	}
	return lo, hi
}

// noteOffCanvas counts the points xys (the runs a panel draws) that lie outside p's axes
// and, when there are some, says so in a note with why (reason, e.g. "the loss axis is cut at
// 1.8x the lowest loss to show the minima"). Call it after the axes are set.
func (f *Figure) noteOffCanvas(p *plot.Plot, xys plotter.XYs, what, reason string) {
	out := 0
	for _, xy := range xys {
		if xy.X < p.X.Min || xy.X > p.X.Max || xy.Y < p.Y.Min || xy.Y > p.Y.Max {
			out++
		}
	}
	if out == 0 {
		return
	}
	n := fmt.Sprintf("%d of %d %s lie outside the axes", out, len(xys), what)
	if reason != "" {
		n += ": " + reason
	}
	f.Notes = append(f.Notes, n)
	f.OffCanvas += out
}
