package app

import (
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/report"
)

// MarkExtrapolation applies the one extrapolation rule (lawsource.Source.Extrapolated) to
// every row of a plan: each row records how far its compute lies beyond the fitted runs,
// and a row whose compute, parameters or tokens lie more than 10x beyond them gets an
// "extrapolated" warning naming the quantity and the factor. Laws without a fitted range
// (built-in published laws) mark nothing.
func MarkExtrapolation(src *lawsource.Source, d *report.PlanDocument) {
	for i := range d.Rows {
		r := &d.Rows[i]
		f, w := src.Extrapolated(r.FLOPs, r.Params, r.Tokens)
		if f > 0 {
			r.Extrapolation = ptr(f)
		}
		if w != nil {
			d.Warnings = append(d.Warnings, *w)
		}
	}
}
