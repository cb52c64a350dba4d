package versus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// minima are a group's IsoFLOP minima: the lowest loss (nats/token) at each accepted budget
// c (FLOPs), and the Approach-2 power laws N_opt = K C^A, D_opt = KD C^B through them.
type minima struct {
	c, loss []float64
	pl      chinchilla.PowerLaws
	diags   []warn.Warning
}

// minBudgets is the fewest accepted budgets a frontier E + K (C/6)^(−γ) is fitted to: three
// parameters need more than three points.
const minBudgets = 4

// isoMinima runs the IsoFLOP analysis (Approach 2) on the runs with a positive count
// (counts nil: all runs) and returns the accepted budgets' minima.
func isoMinima(g Group, counts []int, o chinchilla.IsoFLOPOptions) (*minima, error) {
	o.Bootstrap, o.Seed = 0, 0
	var pts []chinchilla.Point
	for i := range g.Loss {
		if counts != nil && counts[i] == 0 {
			continue
		}
		pts = append(pts, chinchilla.Point{Params: g.Params[i], Tokens: g.Tokens[i], FLOPs: g.FLOPs[i], Loss: g.Loss[i], Budget: g.Budget(i)})
	}
	r, err := chinchilla.IsoFLOP(pts, o)
	if err != nil {
		return nil, err
	}
	m := &minima{pl: r.PowerLaws, diags: r.Warnings}
	for _, b := range r.Budgets {
		if b.Accepted {
			m.c = append(m.c, b.FLOPs)
			m.loss = append(m.loss, b.Loss)
		}
	}
	if len(m.c) < minBudgets {
		return nil, fmt.Errorf("%d IsoFLOP budgets with a usable minimum: too few for the frontier E + K (C/6)^-gamma (want at least %d)", len(m.c), minBudgets)
	}
	return m, nil
}

// Budget returns run i's IsoFLOP budget (FLOPs), 0 when the group has none.
func (g Group) Budget(i int) float64 {
	if g.Budgets == nil {
		return 0
	}
	return g.Budgets[i]
}

// objective is the summed robust loss of ln L* − ln(E + K (C/6)^(−γ)) over the minima, in
// θ = (ln K, γ, ln E); with lnE not NaN, ln E is fixed there and the free vector is (ln K, γ).
func (m *minima) objective(loss fit.Loss, lnE float64) (*fit.LSE, error) {
	x := make([]float64, len(m.c))
	y := make([]float64, len(m.c))
	for i := range m.c {
		x[i] = math.Log(m.c[i] / 6)
		y[i] = math.Log(m.loss[i])
	}
	terms := []fit.Term{{Intercept: 0, Slope: 1, X: x}, {Intercept: 2, Slope: -1}}
	var mp fit.Mapping
	if !math.IsNaN(lnE) {
		mp = fit.Mapping{Src: []int{0, 1, -1}, Fixed: []float64{0, 0, lnE}}
	}
	return fit.NewLSE(y, terms, 3, loss, mp)
}

// fit fits E + K (C/6)^(−γ) to the minima from a grid of starts (plus warm, when not nil:
// (ln K, γ, ln E)) and returns the frontier with the Approach-2 exponents.
func (m *minima) fit(fo chinchilla.FitOptions, warm []float64) (Draw, bool, error) {
	obj, err := m.objective(fo.Loss, math.NaN())
	if err != nil {
		return Draw{}, false, err
	}
	lmin := slices.Min(m.loss)
	var starts [][]float64
	if warm != nil {
		starts = append(starts, warm)
	}
	for _, gam := range []float64{0.05, 0.1, 0.2, 0.3, 0.5} {
		for _, u := range []float64{0.05, 0.5, 0.8, 0.95} {
			e := lmin * u
			// K from the smallest budget's minimum
			lnK := math.Log(m.loss[0]-e) + gam*math.Log(m.c[0]/6)
			starts = append(starts, []float64{lnK, gam, math.Log(e)})
		}
	}
	ms, err := fit.MultiStart(obj, starts, fit.MultiStartOptions{LocalOptions: fo.Local, Workers: 1})
	if err != nil {
		return Draw{}, false, err
	}
	th := ms.X
	d := Draw{Frontier: Frontier{E: math.Exp(th[2]), K: math.Exp(th[0]), Gamma: th[1]},
		Exponents: [numExp]float64{math.NaN(), math.NaN(), m.pl.A, m.pl.B, th[1]}, NK: m.pl.K, NA: m.pl.A}
	return d, ms.Converged, nil
}

// isoBootstrap resamples the group's runs k times, recomputes the IsoFLOP minima and refits
// the frontier; resamples with too few usable budgets are left out.
func isoBootstrap(g Group, m *minima, full Draw, k int, seed uint64, opts Options) []Draw {
	warm := []float64{math.Log(full.Frontier.K), full.Frontier.Gamma, math.Log(full.Frontier.E)}
	out := make([]*Draw, k)
	stats.ParallelFor(k, opts.Fit.Workers, func(j int) {
		counts := stats.Counts(rand.New(rand.NewPCG(seed, uint64(j))), len(g.Loss))
		mm, err := isoMinima(g, counts, opts.IsoFLOP)
		if err != nil {
			return
		}
		d, _, err := mm.fit(opts.Fit, warm)
		if err != nil {
			return
		}
		out[j] = &d
	})
	var ds []Draw
	for _, d := range out {
		if d != nil {
			ds = append(ds, *d)
		}
	}
	return ds
}

// fitSharedIso fits the IsoFLOP frontiers of all groups with one E, and bootstraps.
func fitSharedIso(gs []Group, fits []GroupFit, opts Options, res *Result) error {
	solve := func(ms []*minima, guesses []float64, from [][]float64, scan bool) (sharedFit, error) {
		p := &sharedProblem{groups: len(ms), local: opts.Fit.Local, maxLnE: math.Inf(1)}
		for i, m := range ms {
			p.maxLnE = math.Min(p.maxLnE, math.Log(slices.Min(m.loss)))
			f := fits[i].Frontier
			p.starts = append(p.starts, [][]float64{{math.Log(f.K), f.Gamma}})
		}
		p.build = func(g int, lnE float64) (*fit.LSE, error) { return ms[g].objective(opts.Fit.Loss, lnE) }
		return p.solve(guesses, from, scan)
	}
	draw := func(s sharedFit, ms []*minima) []Draw {
		out := make([]Draw, len(ms))
		for i, x := range s.x {
			f := Frontier{E: math.Exp(s.lnE), K: math.Exp(x[0]), Gamma: x[1]}
			out[i] = Draw{Frontier: f, Exponents: [numExp]float64{math.NaN(), math.NaN(), ms[i].pl.A, ms[i].pl.B, x[1]}, NK: ms[i].pl.K, NA: ms[i].pl.A}
		}
		return out
	}
	ms := make([]*minima, len(gs))
	var guesses []float64
	for i, g := range gs {
		m, err := isoMinima(g, nil, opts.IsoFLOP)
		if err != nil {
			return fmt.Errorf("versus: group %q: %w", g.Name, err)
		}
		ms[i] = m
		guesses = append(guesses, math.Log(fits[i].Frontier.E))
	}
	sf, err := solve(ms, guesses, nil, true)
	if err != nil {
		return err
	}
	res.E = math.Exp(sf.lnE)
	for i, d := range draw(sf, ms) {
		fits[i].set(d)
		fits[i].Converged, fits[i].Draws = sf.converged, nil
	}
	if opts.Bootstrap == 0 {
		return nil
	}
	draws := make([][]Draw, opts.Bootstrap)
	stats.ParallelFor(opts.Bootstrap, opts.Fit.Workers, func(k int) {
		mk := make([]*minima, len(gs))
		for g := range gs {
			m, err := isoMinima(gs[g], resample(opts.Seed, g, k, len(gs[g].Loss)), opts.IsoFLOP)
			if err != nil {
				return
			}
			mk[g] = m
		}
		s, err := solve(mk, []float64{sf.lnE}, sf.x, false)
		if err != nil {
			return
		}
		draws[k] = draw(s, mk)
	})
	return collectShared(draws, fits, opts, res)
}
