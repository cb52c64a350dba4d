package bpl

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/stats"
)

// Name is the family's registry name and fits[].law; Variant names its one recipe (the
// frontier of IsoFLOP minima).
const (
	Name    = "broken-power-law"
	Variant = "frontier"
)

// Family is the broken power law as a registered law family.
type Family struct{}

// Info describes the family.
func (Family) Info() family.Info {
	return family.Info{
		Name:     Name,
		Title:    "Broken power law of the compute-optimal frontier",
		Citation: "Caballero et al. 2022, \"Broken Neural Scaling Laws\", arXiv:2210.14891 (one smooth break), fitted to the loss minima of IsoFLOP budgets",
		Form:     "L*(C) = E + K C^-gamma (1 + (C/C_b)^(1/s))^(-delta_gamma s)",
		Params: []family.Param{
			{Name: "E", Unit: "nats/token", Doc: "irreducible loss"},
			{Name: "K", Unit: "nats/token FLOP^gamma", Doc: "scale of the reducible loss"},
			{Name: "gamma", Doc: "exponent of the reducible loss below the break"},
			{Name: "delta_gamma", Doc: "change of the exponent across the break (negative: scaling slows)"},
			{Name: "C_b", Unit: "FLOPs", Doc: "compute of the break"},
			{Name: "s", Unit: "decades", Doc: "smoothness of the break (fixed by --smoothness, not fitted)"},
		},
		Options: []family.Option{
			{Flag: "smoothness", Default: strconv.FormatFloat(DefaultSmoothness, 'g', -1, 64),
				Usage: "broken power law: decades of compute over which the exponent changes (fixed)"},
			{Flag: "vertex", Default: string(DefaultVertex), Usage: "minimum of each IsoFLOP budget: parabola, akima or auto"},
		},
		Frontier: true,
	}
}

// Law rebuilds a law from its constants.
func (Family) Law(p map[string]float64) (family.Law, error) {
	if err := family.Validate(Family{}.Info(), p); err != nil {
		return nil, err
	}
	l := lawOf(p)
	switch {
	case !(l.E >= 0):
		return nil, fmt.Errorf("%s: E = %g: want a non-negative loss", Name, l.E)
	case !(l.K > 0), !(l.Cb > 0), !(l.S > 0):
		return nil, fmt.Errorf("%s: K = %g, C_b = %g, s = %g: want positive numbers", Name, l.K, l.Cb, l.S)
	}
	return l, nil
}

func lawOf(p map[string]float64) Law {
	return Law{E: p["E"], K: p["K"], Gamma: p["gamma"], DeltaGamma: p["delta_gamma"], Cb: p["C_b"], S: p["s"]}
}

// Fit fits the law to the minima of the runs' IsoFLOP budgets (the runs' budget column,
// else FLOPs clustered as Approach 2 does), with bootstrap intervals when asked.
func (Family) Fit(ctx context.Context, in family.Input) ([]family.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := DefaultSmoothness
	if v, ok := in.Options["smoothness"]; ok && v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("--smoothness %q: want a positive number of decades such as 0.3", v)
		}
		s = x
	}
	vertex := DefaultVertex
	if v, ok := in.Options["vertex"]; ok && v != "" {
		switch m := chinchilla.VertexMethod(v); m {
		case chinchilla.VertexAuto, chinchilla.VertexAkima, chinchilla.VertexParabola:
			vertex = m
		default:
			return nil, fmt.Errorf("--vertex %q: want parabola, akima or auto", v)
		}
	}
	pts := make([]chinchilla.Point, len(in.Runs))
	for i, r := range in.Runs {
		pts[i] = chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget}
	}
	o := RunsOptions{Options: Options{Smoothness: s, Workers: in.Workers}, Bootstrap: in.Bootstrap, Seed: in.Seed,
		IsoFLOP: chinchilla.IsoFLOPOptions{Vertex: vertex}}
	if in.Warm != nil {
		w := lawOf(in.Warm)
		o.Warm = &w
	}
	r, err := FitRuns(pts, o)
	if err != nil {
		return nil, err
	}
	res := family.Result{Family: Name, Variant: Variant, Law: r.Law, Params: r.Law.Params(), Converged: r.Converged,
		Status: r.Status, Objective: r.Objective, Starts: r.Starts, AtBest: r.StartsAtBest, Runs: len(in.Runs),
		Free: r.Free, Warnings: r.Warnings, Extra: map[string]any{"minima": r.Vertices, "rmse_log_loss": r.RMSE}}
	if len(r.Draws) > 0 {
		res.Draws = map[string][]float64{}
		for _, d := range r.Draws {
			for k, v := range d.Params() {
				res.Draws[k] = append(res.Draws[k], v)
			}
		}
		res.Intervals = map[string]family.Interval{}
		for k, v := range res.Draws {
			if k == "s" {
				continue
			}
			if iv, ok := stats.Central(v, stats.Level95); ok {
				res.Intervals[k] = family.Interval{iv.Lo, iv.Hi}
			}
		}
	}
	return []family.Result{res}, nil
}
