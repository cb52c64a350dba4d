package plot

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/hparams"
)

// maxBasinPanels caps the panels of the basin figure (groups beyond are left out, with a note).
const maxBasinPanels = 48

// HparamsFigures draws a hyper-parameter fit: hparams-basins (one panel per (N, D) group:
// loss against the learning rate, the runs coloured by batch size, the fitted bowl's slice
// at each batch size tried and the located optimum) and hparams-laws (the optimal lr against
// N, one colour per D, and the optimal batch against D, one colour per N, with the fitted
// laws). rs are the fitted runs (batch in tokens).
func HparamsFigures(fit *hparams.Result, rs []hparams.Run) ([]NamedFigure, error) {
	if len(fit.Optima) == 0 {
		return nil, &Unsupported{"hparams", "no (N, D) groups"}
	}
	b, err := basinFigure(fit, rs)
	if err != nil {
		return nil, err
	}
	return []NamedFigure{{"hparams-basins", b}, {"hparams-laws", lawsFigure(fit)}}, nil
}

func basinFigure(fit *hparams.Result, rs []hparams.Run) (*Figure, error) {
	type key struct{ n, d float64 }
	byGroup := map[key][]hparams.Run{}
	for _, r := range rs {
		k := key{r.Params, r.Tokens}
		byGroup[k] = append(byGroup[k], r)
	}
	ds := map[float64]bool{}
	for _, o := range fit.Optima {
		ds[o.Tokens] = true
	}
	opts := fit.Optima
	f := newFigure()
	if len(opts) > maxBasinPanels {
		f.Notes = append(f.Notes, fmt.Sprintf("the first %d of %d groups are drawn", maxBasinPanels, len(opts)))
		opts = opts[:maxBasinPanels]
	}
	f.Columns = len(ds)
	if f.Columns > 6 || f.Columns*8 < len(opts) {
		f.Columns = int(math.Ceil(math.Sqrt(float64(len(opts)))))
	}
	f.Columns = max(f.Columns, 2)
	bLo, bHi := math.Inf(1), math.Inf(-1)
	for _, r := range rs {
		bLo, bHi = math.Min(bLo, r.Batch), math.Max(bHi, r.Batch)
	}
	off := 0
	for _, o := range opts {
		runs := byGroup[key{o.Params, o.Tokens}]
		title := "N " + trimZeros(format.Count(o.Params)) + ", D " + trimZeros(format.Count(o.Tokens))
		if o.AtEdge() {
			title += " (edge)"
		}
		p := newPanel(title, "peak lr", "loss")
		p.Title.TextStyle.Font.Size = vg.Points(10)
		p.X.Label.TextStyle.Font.Size = vg.Points(9)
		p.Y.Label.TextStyle.Font.Size = vg.Points(9)
		lLo, lHi := o.BestLoss, o.BestLoss
		for _, r := range runs {
			lHi = math.Max(lHi, r.Loss)
		}
		// The loss axis stops 30% above the best run, so a diverged run does not flatten the basin.
		top := math.Min(lHi, o.BestLoss*1.3)
		top = math.Max(top, o.BestLoss*1.01)
		batches := map[float64]bool{}
		for _, r := range runs {
			batches[r.Batch] = true
		}
		var bs []float64
		for b := range batches {
			bs = append(bs, b)
		}
		sort.Float64s(bs)
		lrLo, lrHi := o.LRRange[0]/1.3, o.LRRange[1]*1.3
		for _, b := range bs {
			c := gradient(logPos(b, bLo, bHi))
			var curve plotter.XYs
			for _, lr := range logspace(lrLo, lrHi, 60) {
				if y := o.Bowl.Loss(lr, b); y <= top {
					curve = append(curve, plotter.XY{X: lr, Y: y})
				}
			}
			f.add(p, "", line(curve, c, 0.8))
			var pts plotter.XYs
			for _, r := range runs {
				if r.Batch == b {
					pts = append(pts, plotter.XY{X: r.LR, Y: r.Loss})
					if r.Loss > top {
						off++
					}
				}
			}
			f.add(p, "", scatter(pts, c, 2, draw.CircleGlyph{}))
		}
		if o.LRLocated {
			bOpt := o.Batch
			if !o.BatchLocated {
				bOpt = o.BestBatch
			}
			var curve plotter.XYs
			for _, lr := range logspace(lrLo, lrHi, 80) {
				if y := o.Bowl.Loss(lr, bOpt); y <= top {
					curve = append(curve, plotter.XY{X: lr, Y: y})
				}
			}
			f.add(p, "", line(curve, black, 1.4, vg.Points(4), vg.Points(2)))
			f.add(p, "", scatter(plotter.XYs{{X: o.LR, Y: o.Loss}}, red, 4.5, draw.CrossGlyph{}))
			lLo = math.Min(lLo, o.Loss)
		}
		setLog(&p.X, lrLo, lrHi, Plain)
		p.X.Tick.Marker = rateTicker{}
		setLinear(&p.Y, lLo-0.02*(top-lLo), top)
		f.Panels = append(f.Panels, p)
	}
	f.Legend.Add("runs, and the bowl at each batch size:", scatter(plotter.XYs{{X: 1, Y: 1}}, gradient(0.5), 2, draw.CircleGlyph{}))
	f.Legend.Add(fmt.Sprintf("  batch %s tokens", trimZeros(format.Count(bLo))), line(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, gradient(0), 1.5))
	f.Legend.Add(fmt.Sprintf("  batch %s tokens", trimZeros(format.Count(bHi))), line(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, gradient(1), 1.5))
	f.Legend.Add("bowl at the optimal batch", line(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, black, 1.4, vg.Points(4), vg.Points(2)))
	f.Legend.Add("optimum (the bowl's vertex)", scatter(plotter.XYs{{X: 1, Y: 1}}, red, 4.5, draw.CrossGlyph{}))
	f.Notes = append(f.Notes, "one panel per (N, D) group; \"(edge)\": the optimum is at the edge of the values tried and left out of the law")
	if off > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d runs lie above their panel's loss axis (30%% above the group's best run)", off))
	}
	return f, nil
}

func lawsFigure(fit *hparams.Result) *Figure {
	pl := newPanel("Optimal peak learning rate", "non-embedding parameters N", "optimal lr")
	pb := newPanel("Optimal batch size", "training tokens D", "optimal batch (tokens)")
	f := newFigure(pl, pb)
	distinctOf := func(get func(o *hparams.Optimum) float64) []float64 {
		m := map[float64]bool{}
		for i := range fit.Optima {
			m[get(&fit.Optima[i])] = true
		}
		var out []float64
		for v := range m {
			out = append(out, v)
		}
		sort.Float64s(out)
		return out
	}
	ns := distinctOf(func(o *hparams.Optimum) float64 { return o.Params })
	ds := distinctOf(func(o *hparams.Optimum) float64 { return o.Tokens })
	nLo, nHi := ns[0]/1.6, ns[len(ns)-1]*1.6
	dLo, dHi := ds[0]/1.6, ds[len(ds)-1]*1.6
	yl := [2]float64{math.Inf(1), math.Inf(-1)}
	yb := yl
	grow := func(r *[2]float64, v float64) {
		if v > 0 && !math.IsInf(v, 0) {
			r[0], r[1] = math.Min(r[0], v), math.Max(r[1], v)
		}
	}
	for i, d := range ds {
		c := groupColour(i)
		var curve plotter.XYs
		for _, n := range logspace(nLo, nHi, 40) {
			y := fit.LR.At(n, d, 0)
			curve = append(curve, plotter.XY{X: n, Y: y})
			grow(&yl, y)
		}
		var used, left plotter.XYs
		for _, o := range fit.Optima {
			if o.Tokens != d || !o.LRLocated {
				continue
			}
			grow(&yl, o.LR)
			if o.UsedInLR {
				used = append(used, plotter.XY{X: o.Params, Y: o.LR})
			} else {
				left = append(left, plotter.XY{X: o.Params, Y: o.LR})
			}
		}
		f.add(pl, "lr: D "+trimZeros(format.Count(d)), line(curve, c, 1.5), scatter(used, c, 3.5, draw.CircleGlyph{}))
		f.add(pl, "", scatter(left, c, 3.5, draw.RingGlyph{}))
	}
	for i, n := range ns {
		c := groupColour(i + len(ds))
		var curve plotter.XYs
		for _, d := range logspace(dLo, dHi, 40) {
			y := fit.Batch.At(n, d, 0)
			curve = append(curve, plotter.XY{X: d, Y: y})
			grow(&yb, y)
		}
		var used, left plotter.XYs
		for _, o := range fit.Optima {
			if o.Params != n || !o.BatchLocated {
				continue
			}
			grow(&yb, o.Batch)
			if o.UsedInBatchLaw {
				used = append(used, plotter.XY{X: o.Tokens, Y: o.Batch})
			} else {
				left = append(left, plotter.XY{X: o.Tokens, Y: o.Batch})
			}
		}
		f.add(pb, "batch: N "+trimZeros(format.Count(n)), line(curve, c, 1.5), scatter(used, c, 3.5, draw.CircleGlyph{}))
		f.add(pb, "", scatter(left, c, 3.5, draw.RingGlyph{}))
	}
	setLog(&pl.X, nLo, nHi, Counts)
	setLog(&pl.Y, yl[0]/1.3, yl[1]*1.3, Plain)
	setLog(&pb.X, dLo, dHi, Counts)
	setLog(&pb.Y, yb[0]/1.3, yb[1]*1.3, Counts)
	f.Legend.Add("open: optimum at the grid's edge (not fitted)", scatter(plotter.XYs{{X: 1, Y: 1}}, grey, 3.5, draw.RingGlyph{}))
	f.Notes = append(f.Notes, "lr = "+fit.LR.Form(), "batch = "+fit.Batch.Form()+" tokens", "lines: the fitted laws; points: each group's located optimum")
	return f
}

// rateTicker labels a learning-rate axis sparsely (narrow grid panels): 1 and 3 times powers
// of ten in short scientific notation (3e-4), minor ticks at the other integers.
type rateTicker struct{}

func (rateTicker) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) {
		min, max = guardRange(min, max)
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	if hi-lo > 40 {
		return logTicker{q: Plain}.Ticks(min, max)
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (m == 3 && hi-lo <= 3) {
				t.Label = format.Sci(v)
			}
			ticks = append(ticks, t)
		}
	}
	if countLabels(ticks) < 2 {
		return lossTicker{q: Plain}.Ticks(min, max)
	}
	return ticks
}
