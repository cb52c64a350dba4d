package moe

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/format"
)

// Chart draws loss against the expert count, one series per dense size, with the fitted
// law's curve from 1 expert to twice the most fitted (the first fit's law; a grouped fit
// draws its first group).
func (Family) Chart(fits []family.Fitted) (family.Chart, error) {
	if len(fits) == 0 {
		return family.Chart{}, errors.New(Name + ": no fit to draw")
	}
	f := fits[0]
	l, ok := f.Result.Law.(Law)
	if !ok {
		return family.Chart{}, errors.New(Name + ": the fit has no law")
	}
	n, e := f.Input.Cols["params"], f.Input.Cols["experts"]
	sizes := slices.Clone(n)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	maxE := slices.Max(e)
	c := family.Chart{Title: "Loss against experts (" + Name + ")", XLabel: "experts E", YLabel: "loss (nats/token)", LogX: true, LogY: true}
	if f.Result.Group != "" {
		c.Title += ": " + f.Result.Group
	}
	grid := make([]float64, 100)
	for i := range grid {
		grid[i] = math.Exp(math.Log(2*maxE) * float64(i) / float64(len(grid)-1))
	}
	for _, s := range sizes {
		ser := family.Series{Name: "N " + format.Count(s)}
		for i := range f.Input.Runs {
			if n[i] == s {
				ser.X, ser.Y = append(ser.X, e[i]), append(ser.Y, f.Input.Runs[i].Loss)
			}
		}
		for _, x := range grid {
			ser.LawX, ser.LawY = append(ser.LawX, x), append(ser.LawY, l.Loss(s, x))
		}
		c.Series = append(c.Series, ser)
	}
	c.Notes = append(c.Notes, "points: runs; lines: the fitted law at each dense size",
		"E_start "+format.Float(l.EStart, 3)+", E_max "+format.Float(l.EMax, 3))
	if nc, ok := l.Cutoff(); ok {
		c.Notes = append(c.Notes, "experts stop helping above N_cutoff "+format.Count(nc))
	}
	if len(fits) > 1 {
		c.Notes = append(c.Notes, "first of "+strconv.Itoa(len(fits))+" groups drawn")
	}
	return c, nil
}

var _ family.Charter = Family{}

// OptimalKeys are the query flags of the family's optimal question (see Law.Keys).
func (Family) OptimalKeys() []family.Column { return Law{}.Keys() }
