package sft

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/scalefit/scalefit/internal/family"
)

// maxSeries caps the groups drawn, so the figure stays readable.
const maxSeries = 10

// Chart draws loss against fine-tuning examples, one series per group (base model and
// fine-tuning set) with its law's curve. Runs at D = 0 (the base models) have no place on the
// log axis; a note says so.
func (Family) Chart(fits []family.Fitted) (family.Chart, error) {
	if len(fits) == 0 {
		return family.Chart{}, errors.New(Name + ": no fit to draw")
	}
	c := family.Chart{Title: "Loss against fine-tuning examples (" + Name + ")", XLabel: "fine-tuning examples D", YLabel: "loss (nats/token)", LogX: true, LogY: true}
	zero := 0
	for k, f := range fits {
		if k == maxSeries {
			c.Notes = append(c.Notes, "first "+strconv.Itoa(maxSeries)+" of "+strconv.Itoa(len(fits))+" groups drawn")
			break
		}
		l, ok := f.Result.Law.(Law)
		if !ok {
			continue
		}
		ds := f.Input.Cols["sft_data_size"]
		name := f.Result.Group
		if name == "" {
			name = "runs"
		}
		ser := family.Series{Name: name}
		lo, hi := math.Inf(1), 0.0
		for i, d := range ds {
			if d == 0 {
				zero++
				continue
			}
			ser.X, ser.Y = append(ser.X, d), append(ser.Y, f.Input.Runs[i].Loss)
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
		if len(ser.X) == 0 {
			continue
		}
		for i := range 100 {
			x := lo / 2 * math.Pow(4*hi/lo, float64(i)/99)
			ser.LawX, ser.LawY = append(ser.LawX, x), append(ser.LawY, l.Loss(x))
		}
		c.Series = append(c.Series, ser)
	}
	if len(c.Series) == 0 {
		return family.Chart{}, errors.New(Name + ": no run with fine-tuning data to draw")
	}
	c.Notes = append(slices.Clone([]string{"points: runs; lines: each group's fitted law"}), c.Notes...)
	if zero > 0 {
		c.Notes = append(c.Notes, strconv.Itoa(zero)+" run(s) at D = 0 (the base model) not drawn on the log axis")
	}
	return c, nil
}

var _ family.Charter = Family{}

// OptimalKeys are the query flags of the family's optimal question (see Law.Keys).
func (Family) OptimalKeys() []family.Column { return Law{}.Keys() }
