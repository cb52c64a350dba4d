package plot

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalefit/scalefit/internal/format"
)

// RepetitionRun is one run of a data-constrained sweep: N parameters, D tokens drawn from U
// unique tokens, its loss (nats/token).
type RepetitionRun struct {
	Params, Tokens, Unique, Loss float64
}

// RepetitionInput is what the repeated-data figure needs.
type RepetitionInput struct {
	Title string
	Runs  []RepetitionRun
	// Law is the fitted data-constrained law's loss of N parameters trained on D tokens from
	// U unique tokens.
	Law func(n, d, u float64) float64
	// LawLabel names the law in the legend, e.g. "data-constrained fit".
	LawLabel string
	// Series caps the (N, U) series drawn; 0 means 6.
	Series int
}

// repSeries is the runs of one (N, U).
type repSeries struct {
	n, u float64
	runs []RepetitionRun
}

// Repetition draws loss against epochs (D/U, log scale) for the (N, U) series with the most
// epochs values (at least 3), each with the law's curve over the series' epochs: where the
// curve flattens, repeated tokens have stopped paying. Runs that saw fewer tokens than their
// pool are at one epoch.
func Repetition(in *RepetitionInput) (*Figure, error) {
	if in.Law == nil {
		return nil, errors.New("plot: no law for the repetition figure")
	}
	by := map[[2]float64]*repSeries{}
	var all []*repSeries
	for _, r := range in.Runs {
		k := [2]float64{round6(r.Params), round6(r.Unique)}
		s, ok := by[k]
		if !ok {
			s = &repSeries{n: r.Params, u: r.Unique}
			by[k] = s
			all = append(all, s)
		}
		s.runs = append(s.runs, r)
	}
	var keep []*repSeries
	for _, s := range all {
		if distinctEpochs(s.runs) >= 3 {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return nil, errors.New("plot: no model size and unique-data pool has runs at 3 or more epochs")
	}
	// most epochs values first, then smaller models; the cap keeps the figure readable
	sort.SliceStable(keep, func(i, j int) bool {
		a, b := distinctEpochs(keep[i].runs), distinctEpochs(keep[j].runs)
		if a != b {
			return a > b
		}
		return keep[i].n < keep[j].n
	})
	max := in.Series
	if max <= 0 {
		max = 6
	}
	if len(keep) > max {
		keep = keep[:max]
	}
	sort.SliceStable(keep, func(i, j int) bool {
		if keep[i].n != keep[j].n {
			return keep[i].n < keep[j].n
		}
		return keep[i].u < keep[j].u
	})
	title := "Loss against epochs of repeated data"
	if in.Title != "" {
		title += ": " + in.Title
	}
	p := newPanel(title, "epochs (tokens / unique tokens)", "loss (nats/token)")
	fig := newFigure(p)
	eLo, eHi, lLo, lHi := math.Inf(1), 0.0, math.Inf(1), 0.0
	label := in.LawLabel
	if label == "" {
		label = "law"
	}
	for i, s := range keep {
		var pts plotter.XYs
		hi := 1.0
		for _, r := range s.runs {
			ep := r.Tokens / math.Min(r.Unique, r.Tokens)
			pts = append(pts, plotter.XY{X: ep, Y: r.Loss})
			hi = math.Max(hi, ep)
			eLo, eHi = math.Min(eLo, ep), math.Max(eHi, ep)
			lLo, lHi = math.Min(lLo, r.Loss), math.Max(lHi, r.Loss)
		}
		var curve plotter.XYs
		for _, ep := range logspace(1, hi*1.15, 120) {
			l := in.Law(s.n, ep*s.u, s.u)
			if l > 0 && !math.IsInf(l, 0) {
				curve = append(curve, plotter.XY{X: ep, Y: l})
				lLo, lHi = math.Min(lLo, l), math.Max(lHi, l)
			}
		}
		name := fmt.Sprintf("N %s, U %s", trimZeros(format.Count(s.n)), trimZeros(format.Count(s.u)))
		fig.add(p, "", line(positive(curve, true, true), groupColour(i), 1.6))
		fig.add(p, name, scatter(positive(pts, true, true), groupColour(i), 2.2, draw.CircleGlyph{}))
	}
	setLog(&p.X, math.Min(eLo, 1)/1.15, eHi*1.3, Epochs)
	setLog(&p.Y, lLo*0.97, lHi*1.03, Loss)
	fig.Notes = append(fig.Notes, "lines: "+label+" at each run's N and U", "points: the runs")
	return fig, nil
}

func round6(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	e := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*e) / e
}

func distinctEpochs(rs []RepetitionRun) int {
	seen := map[float64]bool{}
	for _, r := range rs {
		seen[round6(r.Tokens/math.Min(r.Unique, r.Tokens))] = true
	}
	return len(seen)
}
