package vocab

import (
	"errors"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/format"
)

// Chart draws the unigram-normalised loss against the vocabulary size, one series per
// non-vocabulary size at that size's longest training (most characters), with the fitted
// law's curve at that size, embedding dimension and characters (the first fit's; a grouped
// fit draws its first group).
func (Family) Chart(fits []family.Fitted) (family.Chart, error) {
	if len(fits) == 0 {
		return family.Chart{}, errors.New(Name + ": no fit to draw")
	}
	f := fits[0]
	l, ok := f.Result.Law.(Law)
	if !ok {
		return family.Chart{}, errors.New(Name + ": the fit has no law")
	}
	nn, vs, ds, hs := f.Input.Cols["non_vocab_params"], f.Input.Cols["vocab_size"], f.Input.Cols["embed_dim"], f.Input.Cols["characters"]
	c := family.Chart{Title: "Unigram-normalised loss against vocabulary (" + Name + ")", XLabel: "vocabulary size V",
		YLabel: "Lu (nats/token)", LogX: true}
	if f.Result.Group != "" {
		c.Title += ": " + f.Result.Group
	}
	// Sizes are matched within 3% (sweeps may jitter N_nv slightly between vocabularies).
	var sizes []float64
	for _, n := range nn {
		found := false
		for _, s := range sizes {
			found = found || math.Abs(n/s-1) < 0.03
		}
		if !found {
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	vLo, vHi := slices.Min(vs), slices.Max(vs)
	for _, s := range sizes {
		var idx []int
		hMax, d := 0.0, 0.0
		for i, n := range nn {
			if math.Abs(n/s-1) < 0.03 {
				idx = append(idx, i)
				if hs[i] > hMax {
					hMax, d = hs[i], ds[i]
				}
			}
		}
		ser := family.Series{Name: "N_nv " + format.Count(s) + ", H " + format.Count(hMax)}
		for _, i := range idx {
			if hs[i] >= hMax*(1-1e-9) {
				ser.X, ser.Y = append(ser.X, vs[i]), append(ser.Y, f.Input.Runs[i].Loss)
			}
		}
		for i := range 100 {
			v := vLo / 1.5 * math.Pow(2.25*vHi/vLo, float64(i)/99)
			ser.LawX, ser.LawY = append(ser.LawX, v), append(ser.LawY, l.Loss(s, v, d, hMax))
		}
		c.Series = append(c.Series, ser)
	}
	c.Notes = append(c.Notes, "points: each size's runs with the most characters; lines: the fitted law there")
	return c, nil
}

var _ family.Charter = Family{}
