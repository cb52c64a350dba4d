package plot

import (
	"errors"
	"math"
	"strconv"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/family"
)

// FamilyChart draws a law family's chart (family.Charter): each series' runs as points and
// the law's curve as a line of the same colour, on the chart's log or linear axes. Values a
// log axis cannot hold (≤ 0, non-finite) are left out and counted in a note.
func FamilyChart(c family.Chart) (*Figure, error) {
	if len(c.Series) == 0 {
		return nil, errors.New("plot: the family's chart has no series")
	}
	p := newPanel(c.Title, c.XLabel, c.YLabel)
	fig := newFigure(p)
	xLo, xHi, yLo, yHi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	dropped := 0
	grow := func(xys plotter.XYs) {
		for _, q := range xys {
			xLo, xHi = math.Min(xLo, q.X), math.Max(xHi, q.X)
			yLo, yHi = math.Min(yLo, q.Y), math.Max(yHi, q.Y)
		}
	}
	for i, s := range c.Series {
		var pts, law plotter.XYs
		for j := range s.X {
			pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
		}
		for j := range s.LawX {
			law = append(law, plotter.XY{X: s.LawX[j], Y: s.LawY[j]})
		}
		n := len(pts)
		pts, law = positive(pts, c.LogX, c.LogY), positive(law, c.LogX, c.LogY)
		dropped += n - len(pts)
		grow(pts)
		grow(law)
		col := groupColour(i)
		if len(law) > 1 {
			fig.add(p, "", line(law, col, 1.6))
		}
		fig.add(p, s.Name, scatter(pts, col, 2.2, draw.CircleGlyph{}))
	}
	if math.IsInf(xLo, 0) || math.IsInf(yLo, 0) {
		return nil, errors.New("plot: the family's chart has no point to draw")
	}
	if c.LogX {
		setLog(&p.X, xLo/1.15, xHi*1.15, Counts)
	} else {
		pad := 0.04 * (xHi - xLo)
		setLinear(&p.X, xLo-pad, xHi+pad)
	}
	if c.LogY {
		setLog(&p.Y, yLo*0.97, yHi*1.03, Loss)
	} else {
		pad := 0.05 * (yHi - yLo)
		setLinear(&p.Y, yLo-pad, yHi+pad)
	}
	fig.Notes = append(fig.Notes, c.Notes...)
	if dropped > 0 {
		fig.Notes = append(fig.Notes, strconv.Itoa(dropped)+" run(s) off the log axes left out")
	}
	return fig, nil
}
