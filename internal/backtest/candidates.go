package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/runs"
)

// Candidate names: the registry name of the family and the variant (the recipe).
const (
	FamilyChinchilla = "chinchilla"
	FamilyKaplan     = "kaplan"

	VariantA3Huber    = "approach3-huber"
	VariantA3MSE      = "approach3-mse"
	VariantA2Akima    = "approach2-akima"
	VariantA2Parabola = "approach2-parabola"
	VariantKaplan     = "L(N,D)"
)

// Extra is a registered law family to backtest beside the built-in candidates: a family
// whose law predicts each run's loss from its columns (Info.Auto, e.g. the data-constrained
// law when the runs give unique tokens), or a frontier family (Info.Frontier, e.g. the
// broken power law), which needs IsoFLOP budgets.
type Extra struct {
	Family family.Family
	// Cols are the family's columns, one value per run in the order of the runs given to
	// Run (see family.Input.Cols).
	Cols map[string][]float64
	// Options are the family's options (defaults filled in).
	Options map[string]string
}

// model is a candidate fitted at one cut.
type model interface {
	// loss predicts run i's loss (nats/token); ok false for a frontier-only law.
	loss(i int) (float64, bool)
	// frontier is the compute-optimal loss L* at c FLOPs; ok false when the law has none.
	frontier(c float64) (float64, bool)
	converged() bool
	// nOpt is the compute-optimal parameter count at c FLOPs; ok false when undefined.
	nOpt(c float64) (float64, bool)
}

// candidate fits one law at a cut. warm is the model of the previous cut (nil at the first).
type candidate struct {
	family, variant string
	nParams         int
	frontierOnly    bool
	// fit fits the law to the runs train; warm is its model at the cut before (nil at the
	// first) and last is true at the largest cut.
	fit func(ctx context.Context, train []int, warm model, last bool) (model, error)
}

// a3Model is a Chinchilla Approach-3 law.
type a3Model struct {
	r  *chinchilla.FitResult
	rs []runs.Run
}

func (m a3Model) loss(i int) (float64, bool) {
	return m.r.Law.Loss(m.rs[i].Params, m.rs[i].Tokens), true
}
func (m a3Model) frontier(c float64) (float64, bool) {
	_, _, l := m.r.Law.Optimal(c)
	return l, finite(l)
}
func (m a3Model) converged() bool                { return m.r.Converged }
func (m a3Model) nOpt(c float64) (float64, bool) { v := m.r.Law.NOpt(c); return v, finite(v) && v > 0 }
func (m kaplanModel) nOpt(c float64) (float64, bool) {
	v := m.r.Law.NOpt(c)
	return v, finite(v) && v > 0
}

// kaplanModel is Kaplan's joint law.
type kaplanModel struct {
	r  *kaplan.FitResult
	rs []runs.Run
}

func (m kaplanModel) loss(i int) (float64, bool) {
	return m.r.Law.Loss(m.rs[i].Params, m.rs[i].Tokens), true
}
func (m kaplanModel) frontier(c float64) (float64, bool) {
	_, _, l := m.r.Law.Optimal(c)
	return l, finite(l)
}
func (m kaplanModel) converged() bool { return m.r.Converged }

// a2Model is Approach 2: N_opt ∝ C^a through the budgets' minima, and the single power law
// L* = E + K·C^−γ through their losses (Approach 2 has no loss law of its own).
type a2Model struct {
	iso *chinchilla.IsoFLOPResult
	f   *bpl.Result
}

func (m a2Model) loss(int) (float64, bool)           { return 0, false }
func (m a2Model) frontier(c float64) (float64, bool) { return m.f.Law.Loss(c), true }
func (m a2Model) converged() bool                    { return m.f.Converged }
func (m a2Model) nOpt(c float64) (float64, bool) {
	if m.iso == nil || m.iso.K == 0 {
		return 0, false
	}
	return m.iso.NOpt(c), true
}

// familyModel is a registered family's law.
type familyModel struct {
	res      family.Result
	rs       []runs.Run
	cols     map[string][]float64
	frontOnl bool
}

func (m familyModel) loss(i int) (float64, bool) {
	if m.frontOnl {
		return 0, false
	}
	x := map[string]float64{"params": m.rs[i].Params, "tokens": m.rs[i].Tokens, "flops": m.rs[i].FLOPs}
	for k, v := range m.cols {
		x[k] = v[i]
	}
	l, err := m.res.Law.Predict(x)
	return l, err == nil && finite(l)
}
func (m familyModel) frontier(c float64) (float64, bool) {
	if !m.frontOnl {
		return 0, false
	}
	l, err := m.res.Law.Predict(map[string]float64{"flops": c})
	return l, err == nil && finite(l)
}
func (m familyModel) converged() bool              { return m.res.Converged }
func (m familyModel) nOpt(float64) (float64, bool) { return 0, false }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// errNotApplicable marks a frontier candidate at a cut whose runs have too few minima.
var errFewMinima = errors.New("too few IsoFLOP minima")

// candidates lists the candidates that apply to the runs, in the order tables show them.
func (b *engine) candidates() []candidate {
	var out []candidate
	a3 := func(variant string, loss fit.Loss) candidate {
		return candidate{family: FamilyChinchilla, variant: variant, nParams: 5, fit: func(ctx context.Context, train []int, warm model, last bool) (model, error) {
			n, d, l := b.columns(train)
			o := chinchilla.FitOptions{Loss: loss, Workers: b.opts.Workers}
			if w, ok := warm.(a3Model); ok && !last {
				// the largest cut runs fit's own default search, so that it is exactly
				// `scalefit fit --approach 3` on its runs
				o.Warm = w.r.Theta[:]
			}
			r, err := chinchilla.Fit(n, d, l, o)
			if err != nil {
				return nil, err
			}
			return a3Model{r, b.rs}, nil
		}}
	}
	out = append(out, a3(VariantA3Huber, fit.Loss{Kind: fit.Huber, Delta: fit.DefaultDelta}), a3(VariantA3MSE, fit.Loss{Kind: fit.Squared}))
	if b.split.iso {
		for _, v := range []struct {
			variant string
			method  chinchilla.VertexMethod
		}{{VariantA2Akima, chinchilla.VertexAkima}, {VariantA2Parabola, chinchilla.VertexParabola}} {
			method := v.method
			out = append(out, candidate{family: FamilyChinchilla, variant: v.variant, nParams: 3, frontierOnly: true,
				fit: func(ctx context.Context, train []int, warm model, last bool) (model, error) {
					iso, _ := chinchilla.IsoFLOP(b.points(train), chinchilla.IsoFLOPOptions{Vertex: method})
					vs := bpl.Vertices(iso)
					o := bpl.Options{Single: true, Workers: b.opts.Workers}
					if w, ok := warm.(a2Model); ok {
						o.Warm = &w.f.Law
					}
					f, err := bpl.Fit(vs, o)
					if err != nil {
						return nil, err
					}
					return a2Model{iso, f}, nil
				}})
		}
	}
	out = append(out, candidate{family: FamilyKaplan, variant: VariantKaplan, nParams: 4, fit: func(ctx context.Context, train []int, warm model, last bool) (model, error) {
		n, d, l := b.columns(train)
		o := kaplan.FitOptions{Workers: b.opts.Workers}
		if w, ok := warm.(kaplanModel); ok {
			o.Warm = w.r.X
		}
		r, err := kaplan.Fit(n, d, l, o)
		if err != nil {
			return nil, err
		}
		return kaplanModel{r, b.rs}, nil
	}})
	for _, x := range b.opts.Families {
		x := x
		info := x.Family.Info()
		if info.Frontier && !b.split.iso {
			continue
		}
		if !info.Frontier && !info.Auto {
			continue
		}
		out = append(out, candidate{family: info.Name, nParams: len(info.Params), frontierOnly: info.Frontier,
			fit: func(ctx context.Context, train []int, warm model, last bool) (model, error) {
				in := family.Input{Source: b.opts.Source, Cols: map[string][]float64{}, Options: b.familyOptions(x), Workers: b.opts.Workers}
				for _, i := range train {
					r := b.rs[i]
					if info.Frontier {
						// the engine's budgets, so that the family's minima are the ones scored
						r.Budget = 0
						if k := b.split.of[i]; k >= 0 {
							r.Budget = b.split.budgets[k].FLOPs
						} else {
							continue
						}
					}
					in.Runs = append(in.Runs, r)
					for k, v := range x.Cols {
						in.Cols[k] = append(in.Cols[k], v[i])
					}
				}
				if w, ok := warm.(familyModel); ok {
					in.Warm = w.res.Params
				}
				fits, err := x.Family.Fit(ctx, in)
				if err != nil {
					return nil, err
				}
				if len(fits) == 0 {
					return nil, fmt.Errorf("%s: no fit", info.Name)
				}
				return familyModel{res: fits[0], rs: b.rs, cols: x.Cols, frontOnl: info.Frontier}, nil
			}})
	}
	return out
}

// familyOptions are an extra family's options, with the backtest's vertex and smoothness for
// a family that takes them (the broken power law), so that its minima are the ones scored.
func (b *engine) familyOptions(x Extra) map[string]string {
	out := map[string]string{}
	for k, v := range x.Options {
		out[k] = v
	}
	for _, o := range x.Family.Info().Options {
		switch {
		case o.Flag == "vertex":
			out[o.Flag] = string(b.opts.Vertex)
		case o.Flag == "smoothness" && b.opts.Smoothness > 0:
			out[o.Flag] = strconv.FormatFloat(b.opts.Smoothness, 'g', -1, 64)
		}
	}
	return out
}
