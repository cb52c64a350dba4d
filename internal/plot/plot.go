// Package plot draws scalefit's figures with gonum/plot: IsoFLOP profiles, the
// compute-optimal frontier, loss against compute, loss curves, residuals and iso-loss
// contours. It is the only package that imports gonum.org/v1/plot.
//
// Every figure is a Figure: one or more panels side by side with a shared legend in a
// strip on the right, so the legend never covers data. Figures are written as PNG
// (192 DPI), SVG or PDF according to the output file's extension, atomically through
// safefile. Axes in N, D and C are logarithmic with labels such as 1M, 100M, 1B and 1e20;
// loss axes get ticks at round values (2, 2.5, 3) because plot.LogTicks labels only powers
// of ten. Curves are drawn from log-spaced points, and values <= 0 never reach a log axis.
package plot

import (
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/safefile"
)

// DPI is the resolution of PNG output: at 96 DPI text is blurry.
const DPI = 192

// Default figure geometry: a one-panel figure is PanelWidth × Height beside a legend strip
// LegendWidth wide: 9.2 × 5 inches (1766 × 960 px as PNG). Figures of several panels stack
// them vertically, StackedHeight each, so that every figure is 1766 px wide as PNG: between
// 1,000 and 2,000 px, readable on a screen without zooming out.
const (
	PanelWidth    = 6 * vg.Inch
	Height        = 5 * vg.Inch
	StackedHeight = 4.2 * vg.Inch
	LegendWidth   = 3.2 * vg.Inch
	// GridPanel is the side of one panel of a grid figure (Figure.Columns > 1).
	GridPanel = 2.6 * vg.Inch
)

// noteChars is how many characters of a note fit on one line of the legend strip (9 pt).
const noteChars = 50

// Figure is a rendered-to-be figure: panels side by side and a legend strip.
type Figure struct {
	Panels []*plot.Plot
	Legend plot.Legend
	// Notes are short lines drawn under the legend (e.g. "3 budgets rejected").
	Notes []string
	// OffCanvas counts the drawn points outside the panels' axes (a note says why).
	OffCanvas int
	// Columns > 1 lays the panels out in a grid of that many columns, each panel GridPanel
	// square, instead of stacking them.
	Columns int
	// extrapolated is true when a fitted line was drawn beyond its runs' compute range.
	extrapolated bool
	// pointsIn and pointsDrawn count the data points given to and drawn by thinLine and
	// thinScatter.
	pointsIn, pointsDrawn int
	// legend holds the texts of the legend entries added through add and legendAdd.
	legend []string
}

func newFigure(panels ...*plot.Plot) *Figure {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(9.5)
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = vg.Points(3)
	return &Figure{Panels: panels, Legend: l}
}

// Size returns the figure's width and height: the width is the same for every figure
// (panels stack vertically).
func (f *Figure) Size() (w, h vg.Length) {
	if f.Columns > 1 {
		rows := (len(f.Panels) + f.Columns - 1) / f.Columns
		return GridPanel*vg.Length(f.Columns) + LegendWidth, GridPanel * vg.Length(max(1, rows))
	}
	if len(f.Panels) <= 1 {
		return PanelWidth + LegendWidth, Height
	}
	return PanelWidth + LegendWidth, StackedHeight * vg.Length(len(f.Panels))
}

// Draw draws the figure onto c: panels stacked top to bottom, the legend strip on the
// right with the notes, word-wrapped, at its foot.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	w := c.Max.X - c.Min.X
	h := c.Max.Y - c.Min.Y
	if f.Columns > 1 {
		rows := (len(f.Panels) + f.Columns - 1) / f.Columns
		pw, ph := (w-LegendWidth)/vg.Length(f.Columns), h/vg.Length(max(1, rows))
		for i, p := range f.Panels {
			r, k := vg.Length(i/f.Columns), vg.Length(i%f.Columns)
			p.Draw(draw.Crop(c, k*pw, -(w - (k+1)*pw), h-(r+1)*ph, -r*ph))
		}
	} else {
		n := vg.Length(max(1, len(f.Panels)))
		plotH := h / n
		for i, p := range f.Panels {
			top := vg.Length(i) * plotH
			bottom := h - top - plotH
			p.Draw(draw.Crop(c, 0, -LegendWidth, bottom, -top))
		}
	}
	lc := draw.Crop(c, w-LegendWidth+vg.Points(8), 0, 0, -vg.Points(30))
	f.Legend.Draw(lc)
	if lines := wrapNotes(f.Notes, noteChars); len(lines) > 0 {
		sty := f.Legend.TextStyle
		sty.Font.Size = vg.Points(9)
		y := c.Min.Y + vg.Points(12)*vg.Length(len(lines)) + vg.Points(6)
		for _, n := range lines {
			c.FillText(sty, vg.Point{X: lc.Min.X, Y: y}, n)
			y -= vg.Points(12)
		}
	}
}

// wrapNotes breaks each note into lines of at most width characters at spaces, indenting
// continuation lines by two spaces.
func wrapNotes(notes []string, width int) []string {
	var out []string
	for _, n := range notes {
		line := ""
		for _, word := range strings.Fields(n) {
			switch {
			case line == "":
				line = word
			case len([]rune(line))+1+len([]rune(word)) <= width:
				line += " " + word
			default:
				out = append(out, line)
				line = "  " + word
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Format returns the output format of a file name: "png", "svg" or "pdf".
func Format(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		return "png", nil
	case ".svg":
		return "svg", nil
	case ".pdf":
		return "pdf", nil
	default:
		return "", fmt.Errorf("%s: unknown figure format %q: want .png, .svg or .pdf", path, ext)
	}
}

// WriteTo writes the figure in format ("png", "svg" or "pdf") to w.
func (f *Figure) WriteTo(w io.Writer, format string) (err error) {
	// gonum/plot panics on values it cannot place (a log axis at 0); that is an error of
	// this figure, not a crash of the program.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot draw the figure: %v", r)
		}
	}()
	width, height := f.Size()
	var (
		c  vg.CanvasWriterTo
		vc vg.CanvasSizer
	)
	switch format {
	case "png":
		img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))
		f.Draw(draw.New(img))
		// Flat-colour figures compress well at BestSpeed, at ~half the encoding time.
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(w, img.Image())
	case "svg":
		s := vgsvg.New(width, height)
		c, vc = s, s
	case "pdf":
		p := vgpdf.New(width, height)
		c, vc = p, p
	default:
		return fmt.Errorf("unknown figure format %q: want png, svg or pdf", format)
	}
	f.Draw(draw.New(vc))
	_, err = c.WriteTo(w)
	return err
}

// Save writes the figure to path atomically, in the format its extension names.
func (f *Figure) Save(path string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	return safefile.Write(path, func(w io.Writer) error { return f.WriteTo(w, format) })
}

// newPanel returns a plot with scalefit's styling.
func newPanel(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = format.Terminal(title) // titles and labels may quote the input (file, group names)
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = format.Terminal(xlabel)
	p.Y.Label.Text = format.Terminal(ylabel)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(11)
		a.Tick.Label.Font.Size = vg.Points(10)
	}
	p.X.Padding, p.Y.Padding = vg.Points(4), vg.Points(4)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	grid.Vertical.Width = vg.Points(0.5)
	grid.Horizontal.Width = vg.Points(0.5)
	p.Add(grid)
	return p
}

// Quantity names how an axis is labelled.
type Quantity int

// Axis quantities.
const (
	Counts Quantity = iota // parameters, tokens: 1M, 100M, 1B
	FLOPs                  // compute: 1e20
	Loss                   // loss in nats/token: 2, 2.5, 3
	Plain                  // residuals and other linear quantities
	Epochs                 // passes over the unique data: 1, 10, 100, 1000
)

// setLog makes a a log axis over [lo, hi] (both > 0) with readable ticks.
func setLog(a *plot.Axis, lo, hi float64, q Quantity) {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		lo, hi = guardRange(lo, hi)
	}
	a.Scale = plot.LogScale{}
	a.Min, a.Max = lo, hi
	switch q {
	case Loss:
		a.Tick.Marker = lossTicker{}
	default:
		a.Tick.Marker = logTicker{q: q}
	}
}

// setLinear makes a a linear axis over [lo, hi] with ticks at round values.
func setLinear(a *plot.Axis, lo, hi float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsInf(hi-lo, 0) {
		lo, hi = -1, 1
	}
	if !(hi > lo) {
		lo, hi = lo-1, hi+1
	}
	a.Min, a.Max = lo, hi
	a.Tick.Marker = lossTicker{}
}

// guardRange returns a positive, non-empty range for a log axis.
func guardRange(lo, hi float64) (float64, float64) {
	if !(lo > 0) || math.IsInf(lo, 0) {
		lo = 1
	}
	if !(hi > lo) || math.IsInf(hi, 0) {
		hi = lo * 10
	}
	return lo, hi
}

// label formats a tick value.
func label(x float64, q Quantity) string {
	switch q {
	case FLOPs:
		return format.Sci(x)
	case Counts:
		return trimZeros(format.Count(x))
	case Epochs:
		return format.Short(x, 6)
	}
	return format.Short(x, 3)
}

// trimZeros drops trailing zeros of a formatted mantissa: "1.00M" -> "1M", "2.50B" -> "2.5B".
func trimZeros(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r != '.' && r != '-' && (r < '0' || r > '9') })
	num, suf := s, ""
	if i >= 0 {
		num, suf = s[:i], s[i:]
	}
	if strings.Contains(num, ".") && !strings.ContainsAny(suf, "e") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + suf
}

// logTicker labels powers of ten, and 2 and 5 times them when the axis spans less than
// three decades; minor ticks at the other integers times powers of ten.
type logTicker struct{ q Quantity }

func (t logTicker) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) {
		min, max = guardRange(min, max)
	}
	// Integer exponents: a float counter at ±Inf never moves. Finite positive bounds keep
	// the loop within float64's ~630 decades.
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	decades := float64(hi - lo)
	step := 1
	if decades > 8 {
		step = int(math.Ceil(decades / 7))
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, float64(e))
		major := (e-lo)%step == 0
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			switch {
			case m == 1 && major:
				ticks = append(ticks, plot.Tick{Value: v, Label: label(v, t.q)})
			case decades <= 3 && (m == 2 || m == 5):
				ticks = append(ticks, plot.Tick{Value: v, Label: label(v, t.q)})
			case decades <= 8:
				ticks = append(ticks, plot.Tick{Value: v})
			case m == 1:
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	if countLabels(ticks) < 2 {
		// A narrow range: fall back to round linear ticks.
		return lossTicker{q: t.q}.Ticks(min, max)
	}
	return ticks
}

func countLabels(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// maxTicks bounds the ticks of one axis.
const maxTicks = 1000

// lossTicker puts 4 to 10 labelled ticks at round values (1, 2 or 5 times a power of ten)
// with minor ticks between; it suits loss axes, linear or logarithmic.
type lossTicker struct{ q Quantity }

func (t lossTicker) Ticks(min, max float64) []plot.Tick {
	span := max - min
	if !(max > min) || math.IsInf(span, 0) || math.IsNaN(span) || span == 0 {
		return []plot.Tick{{Value: min, Label: label(min, t.q)}}
	}
	var step float64
	for _, s := range []float64{1, 2, 5} {
		for e := math.Floor(math.Log10(span)) - 2; e <= math.Ceil(math.Log10(span)); e++ {
			st := s * math.Pow(10, e)
			if n := span / st; n <= 8 && (step == 0 || st < step) {
				step = st
			}
		}
	}
	minor := step / 5
	if s := step / math.Pow(10, math.Floor(math.Log10(step))); math.Abs(s-2) < 1e-9 {
		minor = step / 4
	}
	// Count the ticks with an integer: v += minor stops moving once minor is below v's
	// precision (a span of 100 at 1e17), and an infinite span never ends.
	start := math.Ceil(min/minor) * minor
	n := math.Floor((max+minor*1e-6-start)/minor) + 1
	if !(n >= 0) || n > maxTicks {
		return []plot.Tick{{Value: min, Label: label(min, t.q)}, {Value: max, Label: label(max, t.q)}}
	}
	var ticks []plot.Tick
	for i := 0; i < int(n); i++ {
		v := start + float64(i)*minor
		r := math.Round(v/minor) * minor
		if math.Abs(r/step-math.Round(r/step)) < 1e-6 {
			x := math.Round(r/step) * step
			if x == 0 {
				x = 0 // no "-0"
			}
			ticks = append(ticks, plot.Tick{Value: x, Label: label(x, t.q)})
		} else {
			ticks = append(ticks, plot.Tick{Value: r})
		}
	}
	return ticks
}

// logspace returns n points spaced evenly in log between lo and hi (both > 0).
func logspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	a, b := math.Log(lo), math.Log(hi)
	for i := range out {
		out[i] = math.Exp(a + (b-a)*float64(i)/float64(n-1))
	}
	return out
}

// positive keeps the points whose coordinates are finite and > 0 (for log axes).
func positive(xys plotter.XYs, logX, logY bool) plotter.XYs {
	out := xys[:0:0]
	for _, p := range xys {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			continue
		}
		if (logX && p.X <= 0) || (logY && p.Y <= 0) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// line returns a line plotter through xys (nil when fewer than two usable points).
func line(xys plotter.XYs, c color.Color, width float64, dashes ...vg.Length) *plotter.Line {
	if len(xys) < 2 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil
	}
	l.Color = c
	l.Width = vg.Points(width)
	l.Dashes = dashes
	return l
}

// scatter returns a scatter plotter of xys (nil when empty).
func scatter(xys plotter.XYs, c color.Color, radius float64, shape draw.GlyphDrawer) *plotter.Scatter {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(radius), Shape: shape}
	return s
}

// add adds the non-nil plotters to p and, when name is not empty, a legend entry to f.
func (f *Figure) add(p *plot.Plot, name string, ps ...plot.Plotter) {
	var thumbs []plot.Thumbnailer
	for _, x := range ps {
		switch v := x.(type) {
		case *plotter.Line:
			if v == nil {
				continue
			}
			p.Add(v)
			thumbs = append(thumbs, v)
		case *plotter.Scatter:
			if v == nil {
				continue
			}
			p.Add(v)
			thumbs = append(thumbs, v)
		case nil:
		default:
			p.Add(v)
		}
	}
	if name != "" && len(thumbs) > 0 {
		f.legendAdd(name, thumbs...)
	}
}

// legendAdd adds a legend entry (its name escaped) and records its text.
func (f *Figure) legendAdd(name string, thumbs ...plot.Thumbnailer) {
	name = format.Terminal(name)
	f.Legend.Add(name, thumbs...)
	f.legend = append(f.legend, name)
}

// Colours.
var (
	black     = color.RGBA{A: 255}
	grey      = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	fitColour = color.RGBA{R: 20, G: 20, B: 20, A: 255}
	red       = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	// kaplanColour and chinchillaColour draw the published laws.
	kaplanColour     = color.RGBA{R: 230, G: 120, B: 0, A: 255}
	chinchillaColour = color.RGBA{R: 44, G: 160, B: 44, A: 255}
)

// categorical is Tableau's 10-colour palette, for groups.
var categorical = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// groupColour returns the colour of the i-th group.
func groupColour(i int) color.RGBA { return categorical[i%len(categorical)] }

// viridisStops are anchor colours of the viridis map.
var viridisStops = []color.RGBA{
	{68, 1, 84, 255}, {59, 82, 139, 255}, {33, 145, 140, 255}, {94, 201, 98, 255}, {220, 210, 30, 255},
}

// gradient returns the viridis colour at t ∈ [0, 1] (t is clamped).
func gradient(t float64) color.RGBA {
	if math.IsNaN(t) {
		t = 0
	}
	t = math.Max(0, math.Min(1, t))
	x := t * float64(len(viridisStops)-1)
	i := int(math.Floor(x))
	if i >= len(viridisStops)-1 {
		return viridisStops[len(viridisStops)-1]
	}
	f := x - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(u, v uint8) uint8 { return uint8(math.Round(float64(u) + f*(float64(v)-float64(u)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

// logPos returns where x lies in [lo, hi] on a log scale, in [0, 1].
func logPos(x, lo, hi float64) float64 {
	if !(hi > lo) || !(x > 0) || !(lo > 0) {
		return 0
	}
	return math.Log(x/lo) / math.Log(hi/lo)
}
