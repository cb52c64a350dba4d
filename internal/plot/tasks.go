package plot

import (
	"fmt"
	colorpkg "image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/tasks"
)

// TaskFigure draws one task of a `scalefit tasks` analysis as two panels: step 1 (the
// ladder runs' task loss against training tokens, the fitted law at each ladder size and
// at each target's size, the targets' predicted and actual task loss) and step 2 (the
// smoothed checkpoints coloured by model size, the fitted link, the targets' chained
// predictions with their intervals and their actual metric).
func TaskFigure(tr *tasks.TaskResult) (*Figure, error) {
	if len(tr.Ladder) == 0 {
		return nil, &Unsupported{"task", "no ladder runs"}
	}
	p1 := newPanel(tr.Task+": step 1, task loss", "training tokens D", "task loss")
	p2 := newPanel(tr.Task+": step 2, link", "task loss", "metric")
	f := newFigure(p1, p2)
	var ns []float64
	nLo, nHi := math.Inf(1), math.Inf(-1)
	for _, l := range tr.Ladder {
		nLo, nHi = math.Min(nLo, l.Params), math.Max(nHi, l.Params)
	}
	for _, tg := range tr.Predictions {
		nHi = math.Max(nHi, tg.Params)
	}
	colour := func(n float64) colorpkg.RGBA { return gradient(logPos(n, nLo, nHi)) }
	dLo, dHi := math.Inf(1), math.Inf(-1)
	lLo, lHi := math.Inf(1), math.Inf(-1)
	seen := map[float64]bool{}
	for _, l := range tr.Ladder {
		dLo, dHi = math.Min(dLo, l.Tokens), math.Max(dHi, l.Tokens)
		lLo, lHi = math.Min(lLo, l.TaskLoss), math.Max(lHi, l.TaskLoss)
		if !seen[l.Params] {
			seen[l.Params] = true
			ns = append(ns, l.Params)
		}
	}
	for _, p := range tr.Predictions {
		dHi = math.Max(dHi, p.Tokens)
		lLo = math.Min(lLo, p.TaskLoss)
		if !math.IsNaN(p.TaskLossActual) {
			lLo = math.Min(lLo, p.TaskLossActual)
		}
		if !seen[p.Params] {
			seen[p.Params] = true
			ns = append(ns, p.Params)
		}
	}
	dLo, dHi = dLo/1.5, dHi*1.5
	for _, n := range ns {
		var xys plotter.XYs
		for _, d := range logspace(dLo, dHi, 120) {
			xys = append(xys, plotter.XY{X: d, Y: tr.Step1.Loss(n, d)})
		}
		f.add(p1, "", line(positive(xys, true, true), colour(n), 1))
	}
	for _, l := range tr.Ladder {
		f.add(p1, "", scatter(plotter.XYs{{X: l.Tokens, Y: l.TaskLoss}}, colour(l.Params), 3, draw.CircleGlyph{}))
	}
	for i, p := range tr.Predictions {
		c := groupColour(i + 3)
		f.add(p1, p.Run+" predicted", scatter(plotter.XYs{{X: p.Tokens, Y: p.TaskLoss}}, c, 5, draw.RingGlyph{}))
		if !math.IsNaN(p.TaskLossActual) {
			f.add(p1, p.Run+" actual", scatter(plotter.XYs{{X: p.Tokens, Y: p.TaskLossActual}}, c, 5, draw.CrossGlyph{}))
		}
	}
	setLog(&p1.X, dLo, dHi, Counts)
	setLog(&p1.Y, lLo*0.95, lHi*1.05, Loss)
	// Step 2.
	var xs, ys []float64
	for i, x := range tr.Step2X {
		o := tr.Step2Run[i]
		if o < 0 {
			f.add(p2, "ideal point (0, max)", scatter(plotter.XYs{{X: x, Y: tr.Step2Y[i]}}, black, 4, draw.SquareGlyph{}))
			continue
		}
		xs = append(xs, x)
		ys = append(ys, tr.Step2Y[i])
		s := scatter(plotter.XYs{{X: x, Y: tr.Step2Y[i]}}, colour(tr.Ladder[o].Params), 1.2, draw.CircleGlyph{})
		f.add(p2, "", s)
	}
	xLo, xHi := 0.0, 0.0
	for _, x := range xs {
		xHi = math.Max(xHi, x)
	}
	for _, p := range tr.Predictions {
		xHi = math.Max(xHi, p.TaskLoss)
	}
	xHi *= 1.05
	var curve plotter.XYs
	for i := 0; i <= 200; i++ {
		x := xLo + (xHi-xLo)*float64(i)/200
		curve = append(curve, plotter.XY{X: x, Y: tr.Link.Metric(x)})
	}
	f.add(p2, string(tr.Link.Kind)+" link", line(curve, fitColour, 2))
	for i, p := range tr.Predictions {
		c := groupColour(i + 3)
		f.add(p2, "", scatter(plotter.XYs{{X: p.TaskLoss, Y: p.Metric}}, c, 5, draw.RingGlyph{}))
		if p.HasInterval {
			f.add(p2, "", line(plotter.XYs{{X: p.TaskLoss, Y: p.MetricInterval[0]}, {X: p.TaskLoss, Y: p.MetricInterval[1]}}, c, 1.5))
		}
		if !math.IsNaN(p.MetricActual) {
			f.add(p2, "", scatter(plotter.XYs{{X: p.TaskLossActual, Y: p.MetricActual}}, c, 5, draw.CrossGlyph{}))
		}
	}
	yLo, yHi := 1.0, 0.0
	for _, y := range ys {
		yLo, yHi = math.Min(yLo, y), math.Max(yHi, y)
	}
	yLo = math.Min(yLo, tr.Link.Metric(xHi))
	setLinear(&p2.X, xLo, xHi)
	setLinear(&p2.Y, math.Max(0, yLo-0.05), math.Min(1.05*tr.Max, tr.Max+0.05))
	f.Legend.Add(fmt.Sprintf("model size N %s to %s (colour)", label(nLo, Counts), label(nHi, Counts)))
	f.Notes = append(f.Notes, "o predicted, x actual", fmt.Sprintf("noise %.3f", tr.Noise))
	return f, nil
}

// ChainedFigure draws every (task, target) pair's chained prediction against the actual
// metric, with the bootstrap interval as a vertical bar and the diagonal y = x; pairs
// without an actual are left out.
func ChainedFigure(res *tasks.Result) (*Figure, error) {
	p := newPanel("Chained prediction against actual", "actual metric", "predicted metric")
	f := newFigure(p)
	lo, hi := 1.0, 0.0
	n := 0
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}}
	shapeOf := map[string]draw.GlyphDrawer{}
	for i, tg := range res.Targets {
		shapeOf[tg.Run] = shapes[i%len(shapes)]
	}
	for ti, t := range res.Tasks {
		c := groupColour(ti)
		for _, pr := range t.Predictions {
			if math.IsNaN(pr.MetricActual) {
				continue
			}
			n++
			shape := shapeOf[pr.Run]
			if shape == nil {
				shape = draw.CircleGlyph{}
			}
			name := ""
			if pr.Run == t.Predictions[0].Run {
				name = t.Task
			}
			f.add(p, name, scatter(plotter.XYs{{X: pr.MetricActual, Y: pr.Metric}}, c, 4, shape))
			lo, hi = math.Min(lo, math.Min(pr.MetricActual, pr.Metric)), math.Max(hi, math.Max(pr.MetricActual, pr.Metric))
			if pr.HasInterval {
				f.add(p, "", line(plotter.XYs{{X: pr.MetricActual, Y: pr.MetricInterval[0]}, {X: pr.MetricActual, Y: pr.MetricInterval[1]}}, c, 1.2))
				lo, hi = math.Min(lo, pr.MetricInterval[0]), math.Max(hi, pr.MetricInterval[1])
			}
		}
	}
	if n == 0 {
		return nil, &Unsupported{"chained", "no target has an actual metric (projections only)"}
	}
	lo, hi = math.Max(0, lo-0.03), math.Min(1, hi+0.03)
	f.add(p, "y = x", line(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}, grey, 1, vg.Points(4), vg.Points(3)))
	setLinear(&p.X, lo, hi)
	setLinear(&p.Y, lo, hi)
	for i, tg := range res.Targets {
		if i < len(shapes) {
			s := scatter(plotter.XYs{{X: -1, Y: -1}}, grey, 4, shapes[i])
			f.Legend.Add("target "+format.Terminal(tg.Run), s)
		}
	}
	f.Notes = append(f.Notes, "bars: 95% bootstrap intervals")
	return f, nil
}

// NamedFigure is a figure with the file name (without extension) it is saved under.
type NamedFigure struct {
	Name string // e.g. "task-hellaswag" or "chained"
	*Figure
}

// TaskFigureList draws task-<name> per task (step 1 and step 2 side by side) and, when the
// targets have actual metrics to compare with, chained.
func TaskFigureList(res *tasks.Result) ([]NamedFigure, error) {
	var out []NamedFigure
	for i := range res.Tasks {
		f, err := TaskFigure(&res.Tasks[i])
		if err != nil {
			return nil, err
		}
		out = append(out, NamedFigure{"task-" + safeName(res.Tasks[i].Task), f})
	}
	f, err := ChainedFigure(res)
	if err != nil {
		if IsUnsupported(err) {
			return out, nil
		}
		return nil, err
	}
	return append(out, NamedFigure{"chained", f}), nil
}

// TaskFigures writes task-<name>.<ext> per task and chained.<ext> into dir (ext "png",
// "svg" or "pdf"; "" means png) and returns the files written.
func TaskFigures(dir string, res *tasks.Result, ext string) ([]string, error) {
	if ext == "" {
		ext = "png"
	}
	if _, err := Format("x." + ext); err != nil {
		return nil, fmt.Errorf("figure format %q: want png, svg or pdf", ext)
	}
	figs, err := TaskFigureList(res)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range figs {
		path := filepath.Join(dir, f.Name+"."+ext)
		if err := f.Save(path); err != nil {
			return out, err
		}
		out = append(out, path)
	}
	return out, nil
}

// safeName keeps letters, digits, '-', '_' and '.' of a task name for a file name.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// SafeName is a name made safe for a file name: letters, digits, '-', '_' and '.' kept,
// anything else '_'.
func SafeName(s string) string { return safeName(s) }
