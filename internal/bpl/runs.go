package bpl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// RunsOptions configure FitRuns.
type RunsOptions struct {
	Options
	// IsoFLOP locates each budget's minimum (zero value: Approach 2's defaults with the
	// vertex DefaultVertex).
	IsoFLOP chinchilla.IsoFLOPOptions
	// Bootstrap is the number of resamples (0: none): runs are resampled within their
	// budgets, the minima located again and the law refitted, warm-started from the full
	// data's optimum. Seed seeds them.
	Bootstrap int
	Seed      uint64
}

// RunsResult is the law fitted to runs' IsoFLOP minima.
type RunsResult struct {
	*Result
	// IsoFLOP is the per-budget table the minima came from.
	IsoFLOP *chinchilla.IsoFLOPResult
	// Draws holds the law of each bootstrap resample that could be fitted, in resample order.
	Draws []Law
	// Failed counts resamples that could not be fitted (too few minima left).
	Failed   int
	Warnings []warn.Warning
}

// Vertices returns the accepted minima of an IsoFLOP table.
func Vertices(r *chinchilla.IsoFLOPResult) []Vertex {
	var out []Vertex
	if r == nil {
		return nil
	}
	for _, b := range r.Budgets {
		if b.Accepted {
			out = append(out, Vertex{FLOPs: b.FLOPs, Loss: b.Loss})
		}
	}
	return out
}

// DefaultVertex locates the minimum of each budget for the frontier: the vertex of the
// least-squares parabola of ln L in ln N, which averages the noise of every size of the
// budget, where an Akima spline runs through the noisy sizes near the minimum (Approach 2's
// choice for locating N_opt). A parabola's bias on a wide profile is the same fraction of
// the reducible loss at every budget when the profiles share their shape, which K absorbs.
// Chosen on the development sweeps of internal/backtest's TestBreakRuleDevelopment, where
// Akima minima decided breaks worse (seeds 11-60); reported on other seeds in
// docs/backtest.md.
const DefaultVertex = chinchilla.VertexParabola

// bootstrapGrid is how many of the best grid starts (by objective value) a resample
// polishes beside the warm start.
const bootstrapGrid = 3

// FitRuns locates the loss minimum of each IsoFLOP budget of pts (Point.Budget, or FLOPs
// clustered as Approach 2 does) and fits the law to them.
func FitRuns(pts []chinchilla.Point, o RunsOptions) (*RunsResult, error) {
	if o.IsoFLOP.Vertex == "" {
		o.IsoFLOP.Vertex = DefaultVertex
	}
	iso, err := chinchilla.IsoFLOP(pts, o.IsoFLOP)
	if iso == nil {
		return nil, err
	}
	vs := Vertices(iso)
	res, err := Fit(vs, o.Options)
	if err != nil {
		return nil, err
	}
	out := &RunsResult{Result: res, IsoFLOP: iso, Warnings: append([]warn.Warning(nil), iso.Warnings...)}
	if !res.Converged {
		out.Warnings = append(out.Warnings, warn.New(warn.CodeNotConverged, "the broken power law's best start did not converge (%s, gradient %.3g)", res.Status, res.GradNorm))
	}
	if o.Bootstrap <= 0 {
		return out, nil
	}
	type draw struct {
		law Law
		ok  bool
	}
	bo := o.IsoFLOP
	bo.Bootstrap = 0
	draws := stats.Replicates(o.Bootstrap, stats.BootstrapOptions{Seed: o.Seed, Workers: o.Workers}, func(_ int, rng *rand.Rand) draw {
		var rs []chinchilla.Point
		for _, b := range iso.Budgets {
			for range b.Points {
				p := pts[b.Points[rng.IntN(len(b.Points))]]
				p.Budget = b.FLOPs
				rs = append(rs, p)
			}
		}
		ri, _ := chinchilla.IsoFLOP(rs, bo)
		if ri == nil {
			return draw{}
		}
		r, err := refit(Vertices(ri), o.Options, res.Law, bootstrapGrid)
		if err != nil || !r.Law.finite() {
			return draw{}
		}
		return draw{r.Law, true}
	})
	for _, d := range draws {
		if d.ok {
			out.Draws = append(out.Draws, d.law)
		} else {
			out.Failed++
		}
	}
	if out.Failed > 0 {
		out.Warnings = append(out.Warnings, warn.New(warn.CodeBootstrapFailures, "%d of %d bootstrap resamples of the broken power law could not be fitted (too few IsoFLOP minima left)", out.Failed, o.Bootstrap))
	}
	return out, nil
}

// Interval is the central 95% interval of q over the draws (ok false with fewer than 2).
func (r *RunsResult) Interval(q func(Law) float64) (stats.Interval, bool) {
	if len(r.Draws) < 2 {
		return stats.Interval{}, false
	}
	return stats.CentralOf(r.Draws, stats.Level95, q)
}

// String describes the law in one line.
func (l Law) String() string {
	if !l.Broken() {
		return fmt.Sprintf("L*(C) = %.4g + %.4g·C^-%.4g", l.E, l.K, l.Gamma)
	}
	return fmt.Sprintf("L*(C) = %.4g + %.4g·C^-%.4g·(1 + (C/%.3g)^(1/%.3g))^(-%.4g·%.3g)", l.E, l.K, l.Gamma, l.Cb, l.S, l.DeltaGamma, l.S)
}

// finite reports whether every constant of l is finite.
func (l Law) finite() bool {
	for _, v := range []float64{l.E, l.K, l.Gamma, l.DeltaGamma, l.Cb, l.S} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
