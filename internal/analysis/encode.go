package analysis

import (
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/kaplan"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Encode converts an analysis into the JSON contract. withDraws keeps the bootstrap
// draws (fit.json always keeps them; `--format json` on stdout leaves them out).
func Encode(res *Result, withDraws bool) *fitfile.Document {
	set := res.Set
	sum := set.Summarize()
	doc := &fitfile.Document{
		SchemaVersion: fitfile.SchemaVersion,
		Source:        set.Source,
		Runs:          len(set.Runs) - res.LeftOut,
		Excluded:      set.Excluded + res.LeftOut,
		Derived:       set.Derived,
		InputNotes:    set.Notes,
		Fits:          []fitfile.Fit{},
		Range:         &fitfile.Range{Params: sum.Params, Tokens: sum.Tokens, FLOPs: sum.FLOPs, Loss: sum.Loss},
	}
	for _, g := range res.Groups {
		doc.HeldOut += len(g.Held)
		for _, s := range g.Skipped {
			law := "chinchilla"
			if s.Approach == 0 {
				law = "kaplan"
			}
			doc.Skipped = append(doc.Skipped, fitfile.Skip{Law: law, Approach: s.Approach, Group: g.Name, Reason: s.Reason})
		}
		if r := g.A3; r != nil {
			f := fitfile.Fit{
				Law: "chinchilla", Approach: 3, Form: "L = E + A/N^alpha + B/D^beta", Group: g.Name,
				Params:    fitfile.LawParams(r.Law),
				A:         fitfile.F(r.Law.ExponentA()),
				B:         fitfile.F(r.Law.ExponentB()),
				Objective: fitfile.F(r.Objective), Converged: &r.Converged, Status: r.Status, GradNorm: fitfile.F(r.GradNorm),
				Starts: r.Starts, StartsAtBest: r.StartsAtBest, Evaluations: r.Evaluations,
				RMSE: fitfile.F(r.RMSE), Runs: r.Runs, Loss: LossName(r.Loss), Delta: LossDelta(r.Loss),
				Warnings: r.Warnings,
			}
			if len(r.Intervals) > 0 {
				f.Resamples = len(r.Draws)
				f.Intervals = pairs(r.Intervals)
			}
			if withDraws {
				for _, d := range r.Draws {
					f.Bootstrap = append(f.Bootstrap, d[:])
				}
			}
			f.Allocations = Allocations(r.Law, res.Budgets, r.DrawLaws())
			if h := g.Holdout; h != nil {
				f.Holdout = &fitfile.Holdout{Expr: h.Expr, MeanAbsRE: h.MeanAbsRE, MaxAbsRE: h.MaxAbsRE}
				for i, run := range g.Held {
					f.Holdout.Runs = append(f.Holdout.Runs, fitfile.Residual{Line: run.Line, ID: run.ID, Params: run.Params, Tokens: run.Tokens,
						FLOPs: run.FLOPs, Loss: run.Loss, Predicted: h.Predicted[i], RelError: h.RelErrors[i]})
				}
			}
			for _, i := range g.Outliers {
				run := g.Runs[i]
				pred := run.Loss / math.Exp(r.Residuals[i])
				f.Outliers = append(f.Outliers, fitfile.Residual{Line: run.Line, ID: run.ID, Params: run.Params, Tokens: run.Tokens,
					FLOPs: run.FLOPs, Loss: run.Loss, Predicted: pred, RelError: fit.RelativeError(pred, run.Loss)})
			}
			doc.Fits = append(doc.Fits, f)
		}
		for _, r := range []*kaplan.FitResult{g.Kaplan, g.KaplanN} {
			if r == nil {
				continue
			}
			f := KaplanFit(r, res.Budgets)
			f.Group = g.Name
			if !withDraws {
				f.Bootstrap = nil
			}
			doc.Fits = append(doc.Fits, f)
		}
		if r := g.A2; r != nil {
			f := powerLawFit(2, "N_opt = k C^a (IsoFLOP minima)", g.Name, &r.PowerLaws, res.Budgets, r.Warnings)
			f.Vertex = string(r.Options.Vertex)
			for _, b := range r.Budgets {
				f.Budgets = append(f.Budgets, fitfile.Budget{FLOPs: b.FLOPs, NOpt: b.NOpt, DOpt: b.DOpt, Loss: b.Loss, Sizes: b.Sizes,
					Vertex: string(b.Method), Accepted: b.Accepted, Reason: b.Reason})
			}
			doc.Fits = append(doc.Fits, f)
		}
		if r := g.A1; r != nil {
			f := powerLawFit(1, "N_opt = k C^a (loss-curve envelope)", g.Name, &r.PowerLaws, res.Budgets, r.Warnings)
			for _, p := range r.Points {
				f.Envelope = append(f.Envelope, [4]float64{p.C, p.N, p.D, p.Loss})
			}
			doc.Fits = append(doc.Fits, f)
		}
	}
	doc.Warnings = res.AllWarnings()
	if w, ok := markExtrapolated(doc); ok {
		doc.Warnings = append(doc.Warnings, w)
	}
	return doc
}

// powerLawFit is the JSON of Approach 1's or 2's power laws, with allocations at budgets.
func powerLawFit(approach int, form, group string, p *chinchilla.PowerLaws, budgets []float64, ws []warn.Warning) fitfile.Fit {
	f := fitfile.Fit{Law: "chinchilla", Approach: approach, Form: form, Group: group,
		A: fitfile.F(p.A), B: fitfile.F(p.B), Params: map[string]float64{"k": p.K, "k_d": p.KD, "r2": p.R2A}}
	if ivs := p.Intervals(); ivs != nil {
		f.Intervals = pairs(ivs)
		f.Resamples = p.BootstrapOK
	}
	f.Allocations = Allocations(p, budgets, nil)
	f.Warnings = ws
	return f
}

// Allocations is the compute-optimal allocation of l at each budget (FLOPs): N_opt, D_opt,
// D/N and the loss when l predicts one, with 95% intervals over the bootstrap draws when
// there are any.
func Allocations(l interface {
	Optimal(c float64) (n, d, loss float64)
}, budgets []float64, draws []chinchilla.Law) []fitfile.Allocation {
	var out []fitfile.Allocation
	for _, c := range budgets {
		n, d, loss := l.Optimal(c)
		a := fitfile.Allocation{FLOPs: c, NOpt: n, DOpt: d, TokensPerParam: d / n}
		if !math.IsNaN(loss) {
			a.Loss = loss
		}
		if iv, ok := plan.OptimalIntervals(draws, c); ok {
			n, d, l := iv.Params.Pair(), iv.Tokens.Pair(), iv.Loss.Pair()
			a.NInterval, a.DInterval, a.LossInterval = &n, &d, &l
		}
		out = append(out, a)
	}
	return out
}

// pairs converts intervals to the [lo, hi] pairs of the JSON contract.
func pairs(ivs map[string]stats.Interval) map[string]fitfile.Interval {
	out := make(map[string]fitfile.Interval, len(ivs))
	for k, iv := range ivs {
		out[k] = iv.Pair()
	}
	return out
}

// KaplanFit converts a Kaplan fit to the JSON contract's fitfile.Fit ({"law": "kaplan", "form":
// "L(N,D)", "params": {"Nc", "Dc", "alpha_N", "alpha_D"}, ...}); a and b and the
// allocations at budgets (FLOPs) are set for the joint law, which has a frontier.
func KaplanFit(r *kaplan.FitResult, budgets []float64) fitfile.Fit {
	f := fitfile.Fit{Law: "kaplan", Form: r.Form.String(), Params: r.Params(), DrawNames: r.ParamNames(), Objective: fitfile.F(r.Objective),
		Loss: LossName(r.Loss), Delta: LossDelta(r.Loss), Converged: &r.Converged, Status: r.Status,
		GradNorm: fitfile.F(r.GradNorm), Starts: r.Starts, StartsAtBest: r.StartsAtBest, Evaluations: r.Evaluations,
		RMSE: fitfile.F(r.RMSE), Runs: r.Runs, Warnings: r.Warnings, Bootstrap: r.Draws}
	if len(r.Intervals) > 0 {
		f.Intervals = pairs(r.Intervals)
	}
	if r.HasFrontier() {
		f.A, f.B = fitfile.F(r.Law.ExponentA()), fitfile.F(r.Law.ExponentB())
		f.Allocations = Allocations(r.Law, budgets, nil)
	}
	return f
}

// LossName names a robust loss for JSON: "huber" or "mse".
func LossName(l fit.Loss) string {
	if l.Kind == fit.Squared {
		return "mse"
	}
	return "huber"
}

// LossDelta is the Huber threshold δ on log-loss residuals the JSON records (0 for mse).
func LossDelta(l fit.Loss) float64 {
	switch {
	case l.Kind == fit.Squared:
		return 0
	case l.Delta == 0:
		return fit.DefaultDelta
	}
	return l.Delta
}

// FarOutside is the factor beyond the largest fitted run's compute from which an allocation
// is an extrapolation (the rule of every command: lawsource.FarOutside).
const FarOutside = 10

// markExtrapolated records on every allocation its compute over the largest fitted run's,
// and returns one "extrapolated" warning naming the budgets more than FarOutside beyond it.
func markExtrapolated(doc *fitfile.Document) (warn.Warning, bool) {
	if doc.Range == nil || !(doc.Range.FLOPs[1] > 0) {
		return warn.Warning{}, false
	}
	top := doc.Range.FLOPs[1]
	far := map[float64]bool{}
	for i := range doc.Fits {
		for j := range doc.Fits[i].Allocations {
			a := &doc.Fits[i].Allocations[j]
			f := a.FLOPs / top
			a.Extrapolation = &f
			if f > FarOutside {
				far[a.FLOPs] = true
			}
		}
	}
	if len(far) == 0 {
		return warn.Warning{}, false
	}
	cs := make([]float64, 0, len(far))
	for c := range far {
		cs = append(cs, c)
	}
	sort.Float64s(cs)
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = format.Sci(c)
	}
	return warn.New(plan.CodeExtrapolated, "the allocations at %s FLOPs lie %s to %s beyond the largest fitted run (%s FLOPs): extrapolations (choose budgets with --compute)",
		strings.Join(names, ", "), format.Ratio(cs[0]/top), format.Ratio(cs[len(cs)-1]/top), format.Sci(top)), true
}
