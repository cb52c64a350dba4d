package plot

import (
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/curve"
)

// CurveSeries is one run for CurvesFigure: its logged points (may be empty), the law's
// curve at the steps of Model (solid when the law was fitted to the run, dashed when it
// predicts it) and its per-step learning rates.
type CurveSeries struct {
	Run        string
	Steps      []int
	Loss       []float64
	ModelSteps []int
	Model      []float64
	Fitted     bool
	LR         []float64
}

// ModelPath samples a law's curve under lr at about n steps from first to the last step.
func ModelPath(par curve.Params, lr []float64, first, n int) ([]int, []float64) {
	T := len(lr)
	var steps []int
	for k := 0; k <= n; k++ {
		s := first + (T-1-first)*k/n
		if s >= 1 && (len(steps) == 0 || s > steps[len(steps)-1]) {
			steps = append(steps, s)
		}
	}
	return steps, curve.Predict(par, lr, steps)
}

// CurvesFigure draws loss curves with the law's fitted (solid) or predicted (dashed) curves
// in the top panel and the learning-rate schedules under them.
func CurvesFigure(title string, series []CurveSeries) (*Figure, error) {
	if len(series) == 0 {
		return nil, &Unsupported{"curves", "no curves"}
	}
	p1 := newPanel(title, "step", "loss (nats/token)")
	p2 := newPanel("learning-rate schedules", "step", "learning rate")
	f := newFigure(p1, p2)
	lLo, lHi, xHi, lrHi := math.Inf(1), math.Inf(-1), 0.0, 0.0
	for i, s := range series {
		col := groupColour(i)
		var pts, mod, sch plotter.XYs
		for j, st := range s.Steps {
			pts = append(pts, plotter.XY{X: float64(st), Y: s.Loss[j]})
			lLo, lHi = math.Min(lLo, s.Loss[j]), math.Max(lHi, s.Loss[j])
		}
		for j, st := range s.ModelSteps {
			if !(s.Model[j] > 0) || math.IsInf(s.Model[j], 0) {
				continue
			}
			mod = append(mod, plotter.XY{X: float64(st), Y: s.Model[j]})
			lLo = math.Min(lLo, s.Model[j])
		}
		stride := max(1, len(s.LR)/400)
		for st := 0; st < len(s.LR); st += stride {
			sch = append(sch, plotter.XY{X: float64(st), Y: s.LR[st]})
			lrHi = math.Max(lrHi, s.LR[st])
		}
		if n := len(s.LR); n > 0 {
			sch = append(sch, plotter.XY{X: float64(n - 1), Y: s.LR[n-1]})
			xHi = math.Max(xHi, float64(n-1))
		}
		var dashes []vg.Length
		if !s.Fitted {
			dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		f.add(p1, s.Run, scatter(pts, col, 1.6, draw.CircleGlyph{}), line(mod, col, 1.6, dashes...))
		f.add(p2, "", line(sch, col, 1.4, dashes...))
	}
	if math.IsInf(lLo, 0) {
		return nil, &Unsupported{"curves", "no finite losses"}
	}
	pad := 0.05 * (lHi - lLo)
	setLinear(&p1.Y, lLo-pad, lHi+pad)
	setLinear(&p1.X, 0, xHi)
	setLinear(&p2.X, 0, xHi)
	setLinear(&p2.Y, 0, lrHi*1.05)
	f.Notes = append(f.Notes, "points: logged losses; solid: the law fitted to the run; dashed: predicted under the run's schedule")
	return f, nil
}

// ForecastFigure draws a run in flight: its partial curve, the forecast to the end of the
// schedule with its pointwise 95% bootstrap band, and the schedule under them.
func ForecastFigure(c *curve.Curve, fc *curve.Forecast) (*Figure, error) {
	if len(c.Steps) == 0 || len(fc.Path) == 0 {
		return nil, &Unsupported{"forecast", "no points"}
	}
	p1 := newPanel("forecast of "+c.Run, "step", "loss (nats/token)")
	p2 := newPanel("learning-rate schedule", "step", "learning rate")
	f := newFigure(p1, p2)
	var pts, fit, path, lo, hi, sch plotter.XYs
	lLo, lHi := math.Inf(1), math.Inf(-1)
	for i, s := range c.Steps {
		pts = append(pts, plotter.XY{X: float64(s), Y: c.Loss[i]})
		lLo, lHi = math.Min(lLo, c.Loss[i]), math.Max(lHi, c.Loss[i])
	}
	fitted := curve.Predict(fc.Params, c.LR, c.Steps)
	for i, s := range c.Steps {
		fit = append(fit, plotter.XY{X: float64(s), Y: fitted[i]})
	}
	for i, s := range fc.Path {
		path = append(path, plotter.XY{X: float64(s), Y: fc.PathLoss[i]})
		lo = append(lo, plotter.XY{X: float64(s), Y: fc.Band[i][0]})
		hi = append(hi, plotter.XY{X: float64(s), Y: fc.Band[i][1]})
		lLo = math.Min(lLo, fc.Band[i][0])
	}
	T := len(c.LR)
	lrHi := 0.0
	stride := max(1, T/400)
	for s := 0; s < T; s += stride {
		sch = append(sch, plotter.XY{X: float64(s), Y: c.LR[s]})
		lrHi = math.Max(lrHi, c.LR[s])
	}
	sch = append(sch, plotter.XY{X: float64(T - 1), Y: c.LR[T-1]})
	band := []vg.Length{vg.Points(2), vg.Points(2)}
	f.add(p1, "logged loss", scatter(pts, black, 1.6, draw.CircleGlyph{}))
	f.add(p1, "law fitted to the run", line(fit, fitColour, 1.6))
	f.add(p1, "forecast", line(path, red, 1.8, vg.Points(5), vg.Points(3)))
	f.add(p1, "95% band", line(lo, red, 0.8, band...), line(hi, red, 0.8, band...))
	f.add(p1, "", scatter(plotter.XYs{{X: float64(fc.Step), Y: fc.Loss}}, red, 3, draw.CircleGlyph{}))
	f.add(p2, "", line(sch, fitColour, 1.4))
	pad := 0.05 * (lHi - lLo)
	setLinear(&p1.Y, lLo-pad, lHi+pad)
	setLinear(&p1.X, 0, float64(T-1))
	setLinear(&p2.X, 0, float64(T-1))
	setLinear(&p2.Y, 0, lrHi*1.05)
	f.Notes = append(f.Notes, "the band reflects the noise of the logged curve, not the law's extrapolation error (README)")
	return f, nil
}
