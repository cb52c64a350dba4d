package plot

import (
	"errors"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
)

// SlopeInput is the local exponent of a fitted frontier along compute: the curve with its
// 95% band at FLOPs (log-spaced), the total exponent, the budgets' values as markers and the
// break with its interval when there is one.
type SlopeInput struct {
	Title string
	// FLOPs, Exponent, Lo, Hi and Total sample −d ln(L* − E)/d ln C, its band and
	// −d ln L*/d ln C along compute (FLOPs ascending).
	FLOPs, Exponent, Lo, Hi, Total []float64
	// Budgets and AtBudgets are the budgets' compute and their local exponents.
	Budgets, AtBudgets []float64
	Break              *SlopeBreak
	// Caption is the answer in words, drawn under the legend.
	Caption string
}

// SlopeBreak is the break of the frontier: C_b and its 95% interval, FLOPs.
type SlopeBreak struct{ FLOPs, Lo, Hi float64 }

// Slope draws the local exponent against compute: the band, the curve, the total
// exponent dashed, the budgets as dots, and the break as a red line over its shaded
// interval.
func Slope(in *SlopeInput) (*Figure, error) {
	if in == nil || len(in.FLOPs) < 2 {
		return nil, errors.New("plot: no local exponent to draw (the runs have no IsoFLOP budgets, or the frontier could not be fitted)")
	}
	p := newPanel(in.Title, "training compute C (FLOPs)", "local exponent")
	fig := newFigure(p)
	blue := groupColour(0)
	yLo, yHi := math.Inf(1), math.Inf(-1)
	track := func(vs ...float64) {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				yLo, yHi = math.Min(yLo, v), math.Max(yHi, v)
			}
		}
	}
	for i := range in.FLOPs {
		track(in.Lo[i], in.Hi[i], in.Exponent[i])
		if i < len(in.Total) {
			track(in.Total[i])
		}
	}
	pad := 0.08 * (yHi - yLo + 1e-3)
	yMin, yMax := math.Min(0, yLo-pad), yHi+pad
	var band plotter.XYs
	for i, c := range in.FLOPs {
		band = append(band, plotter.XY{X: c, Y: in.Lo[i]})
	}
	for i := len(in.FLOPs) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: in.FLOPs[i], Y: in.Hi[i]})
	}
	if pg, err := plotter.NewPolygon(positive(band, true, false)); err == nil {
		pg.Color = color.NRGBA{R: blue.R, G: blue.G, B: blue.B, A: 60}
		pg.LineStyle.Width = 0
		p.Add(pg)
	}
	if in.Break != nil {
		// the break's interval as a shaded span, its estimate as a dashed line
		lo, hi := math.Max(in.Break.Lo, in.FLOPs[0]), math.Min(in.Break.Hi, in.FLOPs[len(in.FLOPs)-1])
		if hi > lo {
			span := plotter.XYs{{X: lo, Y: yMin}, {X: hi, Y: yMin}, {X: hi, Y: yMax}, {X: lo, Y: yMax}}
			if pg, err := plotter.NewPolygon(span); err == nil {
				pg.Color = color.NRGBA{R: red.R, G: red.G, B: red.B, A: 40}
				pg.LineStyle.Width = 0
				p.Add(pg)
			}
		}
		fig.add(p, "break at "+format.Sci(in.Break.FLOPs)+" FLOPs (shaded: 95% interval)",
			line(plotter.XYs{{X: in.Break.FLOPs, Y: yMin}, {X: in.Break.FLOPs, Y: yMax}}, red, 1.5, vg.Points(4), vg.Points(3)))
	}
	var cur, tot plotter.XYs
	for i, c := range in.FLOPs {
		cur = append(cur, plotter.XY{X: c, Y: in.Exponent[i]})
		if i < len(in.Total) {
			tot = append(tot, plotter.XY{X: c, Y: in.Total[i]})
		}
	}
	fig.add(p, "-d ln(L* - E) / d ln C (band: 95% bootstrap)", line(positive(cur, true, false), blue, 2))
	fig.add(p, "-d ln L* / d ln C", line(positive(tot, true, false), grey, 1.2, vg.Points(5), vg.Points(3)))
	var marks plotter.XYs
	for i, c := range in.Budgets {
		marks = append(marks, plotter.XY{X: c, Y: in.AtBudgets[i]})
	}
	fig.add(p, "budgets", scatter(positive(marks, true, false), blue, 2.5, draw.CircleGlyph{}))
	setLog(&p.X, in.FLOPs[0]/1.3, in.FLOPs[len(in.FLOPs)-1]*1.3, FLOPs)
	setLinear(&p.Y, yMin, yMax)
	if in.Caption != "" {
		fig.Notes = append(fig.Notes, in.Caption)
	}
	return fig, nil
}
