package lawsource

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/dataconstrained"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/runs"
	"gonum.org/v1/gonum/stat"
)

// RunLaw is the law `scalefit check` predicts runs with: a fit.json's data-constrained entry
// when it has one (each run with its own unique tokens), else its Approach-3 law.
type RunLaw struct {
	Doc *fitfile.Document
	Fit *fitfile.Fit // the entry used
	// Name says which, for output: "chinchilla approach 3" or "data-constrained (recipe joint)".
	Name  string
	Law   chinchilla.Law // Approach 3's law, or the data-constrained base law
	Draws []chinchilla.Law
	// Data and DataDraws are the data-constrained law and its draws (nil without).
	Data      *plan.DataLaw
	DataDraws []plan.DataLaw
}

// ReadRunLaw reads the law of a fit.json for check; errors name the file.
func ReadRunLaw(path string) (*RunLaw, error) {
	doc, fit, dl, draws, err := ReadDataConstrained(path)
	if err != nil {
		return nil, err
	}
	if fit != nil {
		rl := &RunLaw{Doc: doc, Fit: fit, Name: DataConstrained, Law: dl.Law, Data: &dl, DataDraws: draws}
		if r, ok := fit.Extra["recipe"].(string); ok && r != "" {
			rl.Name += " (recipe " + r + ")"
		}
		for _, d := range draws {
			rl.Draws = append(rl.Draws, d.Law)
		}
		return rl, nil
	}
	doc, fit, l, cd, err := ReadApproach3(path)
	if err != nil {
		return nil, err
	}
	return &RunLaw{Doc: doc, Fit: fit, Name: "chinchilla approach 3", Law: l, Draws: cd}, nil
}

// Predict returns the loss (nats/token) of n parameters trained on d tokens drawn from u
// unique tokens (u NaN: unlimited unique data, the base law).
func (l *RunLaw) Predict(n, d, u float64) float64 {
	if l.Data == nil || math.IsNaN(u) {
		return l.Law.Loss(n, d)
	}
	return l.Data.Loss(n, d, u)
}

// Spread is the standard deviation of ln L̂ over the draws (0 with fewer than two).
func (l *RunLaw) Spread(n, d, u float64) float64 {
	if l.Data == nil || math.IsNaN(u) {
		return plan.LogSpread(l.Draws, n, d)
	}
	x := make([]float64, 0, len(l.DataDraws))
	for _, dl := range l.DataDraws {
		if p := dl.Loss(n, d, u); p > 0 && !math.IsInf(p, 0) {
			x = append(x, math.Log(p))
		}
	}
	if len(x) < 2 {
		return 0
	}
	return stat.StdDev(x, nil)
}

// UniqueTokens returns each run's unique tokens from the runs' unique-token column (the
// data-constrained family's name and aliases), NaN for every run when the law has no
// data-constrained entry or the runs no such column (note then says so). A cell that is not
// a positive count is an error naming the file and line.
func (l *RunLaw) UniqueTokens(set *runs.Set) (us []float64, note string, err error) {
	us = make([]float64, len(set.Runs))
	for i := range us {
		us[i] = math.NaN()
	}
	if l.Data == nil {
		return us, "", nil
	}
	col := dataconstrained.Family{}.Info().Columns[0]
	header, ok := set.FindHeader(append([]string{col.Name}, col.Aliases...)...)
	if !ok {
		return us, "the runs give no unique tokens (" + strings.Join(append([]string{col.Name}, col.Aliases...), ", ") +
			"): predicted with unlimited unique data (the data-constrained base law)", nil
	}
	for i := range set.Runs {
		r := &set.Runs[i]
		s, _ := r.Field(header)
		v, perr := runs.ParseQuantity(s)
		if perr != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, "", fmt.Errorf("%s:%d: %s %q: want a positive count of unique tokens", r.File(), r.Line, header, s)
		}
		us[i] = v
	}
	return us, "repetition: each run's " + header + " with the fit's R_D* and R_N*", nil
}
