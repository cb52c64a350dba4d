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

// Thinning keeps figures linear in rows (a million curve points draw in about a second): a
// curve keeps at most maxCurvePoints points, the lowest and highest loss in each of
// maxCurvePoints/2 log-spaced buckets of x, so its drawn envelope is unchanged at the
// figure's resolution; a scatter of more than thinScatterAbove points keeps one point per
// colour and cell of a gridCells × gridCells grid over its log range. A note says how many
// points were drawn of how many.
const (
	maxCurvePoints   = 800
	thinScatterAbove = 20000
	gridCells        = 1000
)

// thinLine returns xys (increasing X, all positive) with at most maxCurvePoints points.
func (f *Figure) thinLine(xys plotter.XYs) plotter.XYs {
	f.pointsIn += len(xys)
	if len(xys) <= maxCurvePoints {
		f.pointsDrawn += len(xys)
		return xys
	}
	buckets := maxCurvePoints / 2
	lo, hi := math.Log(xys[0].X), math.Log(xys[len(xys)-1].X)
	out := make(plotter.XYs, 0, maxCurvePoints+2)
	bucket := func(x float64) int {
		if !(hi > lo) {
			return 0
		}
		return min(buckets-1, int(float64(buckets)*(math.Log(x)-lo)/(hi-lo)))
	}
	start := 0
	for start < len(xys) {
		b := bucket(xys[start].X)
		end := start
		iMin, iMax := start, start
		for end < len(xys) && bucket(xys[end].X) == b {
			if xys[end].Y < xys[iMin].Y {
				iMin = end
			}
			if xys[end].Y > xys[iMax].Y {
				iMax = end
			}
			end++
		}
		first, second := min(iMin, iMax), max(iMin, iMax)
		out = append(out, xys[first])
		if second != first {
			out = append(out, xys[second])
		}
		start = end
	}
	// Keep the curve's true ends.
	if out[0] != xys[0] {
		out = append(plotter.XYs{xys[0]}, out...)
	}
	if out[len(out)-1] != xys[len(xys)-1] {
		out = append(out, xys[len(xys)-1])
	}
	f.pointsDrawn += len(out)
	return out
}

// thinScatter keeps one point per colour and grid cell (in log x and log y over the points'
// own range) when there are more than thinScatterAbove points; cols is parallel to xys.
func (f *Figure) thinScatter(xys plotter.XYs, cols []color.RGBA) (plotter.XYs, []color.RGBA) {
	f.pointsIn += len(xys)
	if len(xys) <= thinScatterAbove {
		f.pointsDrawn += len(xys)
		return xys, cols
	}
	xLo, xHi, yLo, yHi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range xys {
		if p.X > 0 && p.Y > 0 {
			xLo, xHi = math.Min(xLo, math.Log(p.X)), math.Max(xHi, math.Log(p.X))
			yLo, yHi = math.Min(yLo, math.Log(p.Y)), math.Max(yHi, math.Log(p.Y))
		}
	}
	cell := func(v, lo, hi float64) int {
		if !(hi > lo) || !(v > 0) {
			return 0
		}
		return int(float64(gridCells-1) * (math.Log(v) - lo) / (hi - lo))
	}
	type key struct {
		x, y int
		c    color.RGBA
	}
	seen := make(map[key]bool, gridCells*4)
	var out plotter.XYs
	var oc []color.RGBA
	for i, p := range xys {
		var c color.RGBA
		if cols != nil {
			c = cols[i]
		}
		k := key{cell(p.X, xLo, xHi), cell(p.Y, yLo, yHi), c}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
		if cols != nil {
			oc = append(oc, c)
		}
	}
	f.pointsDrawn += len(out)
	return out, oc
}

// noteThinned says, when points were thinned, how many were drawn.
func (f *Figure) noteThinned() {
	if f.pointsDrawn < f.pointsIn {
		f.Notes = append(f.Notes, fmt.Sprintf("%d of %d points drawn: the others overlap them at this resolution", f.pointsDrawn, f.pointsIn))
	}
}
