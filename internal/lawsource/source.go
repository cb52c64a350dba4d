// Package lawsource resolves "the law a command uses": a fit.json (with --approach), a
// built-in published law, or runs fitted on the fly, behind one small interface, Law, that
// optimal, predict, check and compare plan with. N is parameters, D training tokens, C
// training FLOPs (C = 6ND), losses in nats per token.
package lawsource

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// Law is what the planning commands (optimal, predict, check, compare) ask of a scaling law,
// whatever its family. N is parameters, D training tokens, C training FLOPs (C = 6ND), loss
// in nats/token. chinchilla.Law, kaplan.Law, laws.Allocation (a published or fitted
// allocation rule, which has no loss: NaN) and *laws.Law satisfy it; a new law family
// satisfies it to be planned with.
type Law interface {
	// Loss predicts the loss of n parameters trained on d tokens (NaN without a loss law).
	Loss(n, d float64) float64
	// Optimal returns the compute-optimal N and D at c FLOPs and the loss there (NaN
	// without a loss law).
	Optimal(c float64) (n, d, loss float64)
	// ComputeForParams returns the budget c at which n parameters are compute-optimal and
	// the tokens d there.
	ComputeForParams(n float64) (c, d float64)
	// Exponents returns a and b of N_opt ∝ C^a and D_opt ∝ C^b.
	Exponents() (a, b float64)
}

// LawInfo describes where a law came from, for output ("law: ..." notes and the JSON "law"
// object of optimal and predict).
type LawInfo struct {
	Name     string             `json:"name"`               // built-in name, fit.json path or runs CSV path
	Source   string             `json:"source"`             // "law", "fit" or "runs"
	Title    string             `json:"title,omitempty"`    // e.g. "Chinchilla Approach 3, Table A3 variant"
	Citation string             `json:"citation,omitempty"` // paper and constants
	Params   map[string]float64 `json:"params,omitempty"`   // E, A, B, alpha, beta (Chinchilla form)
	Draws    int                `json:"bootstrap_draws,omitempty"`
}

// Source is a resolved law: a built-in law (Chinchilla form, Kaplan form or allocation rule),
// a fit from a fit.json (Approach 3's law, or Approach 1's or 2's allocation), or a
// Chinchilla Approach-3 fit to runs made on the fly.
type Source struct {
	Info LawInfo
	// Law answers every query; never nil.
	Law Law
	// Chinchilla is the law in the form E + A/N^α + B/D^β when it has that form (the
	// queries that need it: target loss, repetition, inference), else nil.
	Chinchilla *chinchilla.Law
	// Builtin is the catalogue entry of a built-in law (or the allocation read from a
	// fit.json's Approach 1 or 2), else nil.
	Builtin *laws.Law
	// Draws are the bootstrap draws of a fit (nil without).
	Draws []chinchilla.Law
	// RDStar and RNStar are the law's data-constrained constants (0 when it has none).
	RDStar, RNStar float64
	// Data is the data-constrained law fitted to the runs (a fit.json's data-constrained
	// entry), nil when the source has none: its base law is Chinchilla (the loss with
	// unlimited unique data) and its R_D*, R_N* are RDStar, RNStar.
	Data *plan.DataLaw
	// DataDraws are the data-constrained law of each bootstrap draw of that entry (nil
	// without), for intervals of repeated-data plans.
	DataDraws []plan.DataLaw
	// Range is the span of the fitted runs (nil for built-in laws).
	Range *fitfile.Range
	// Warnings are non-fatal problems with the source (e.g. the fit did not converge).
	Warnings []warn.Warning
	// NotConverged names the fit when it did not converge (empty otherwise), for --strict.
	NotConverged []string
}

// FromBuiltin is the source of a built-in published law.
func FromBuiltin(l *laws.Law) *Source {
	s := &Source{Law: l, Builtin: l, Chinchilla: l.Chinchilla, RDStar: l.RDStar, RNStar: l.RNStar,
		Info: LawInfo{Name: l.Name, Source: "law", Title: l.Title, Citation: l.Citation}}
	if l.Chinchilla != nil {
		s.Info.Params = fitfile.LawParams(*l.Chinchilla)
	}
	return s
}

// FromFile reads the law of a fit.json: approach 3 is the Chinchilla law with its bootstrap
// draws; approach 1 or 2 is that approach's allocation N_opt = k C^a, D_opt = k_d C^b (no
// loss law). The fit's own warnings come with it.
//
// A fit.json with a data-constrained entry (the runs gave unique tokens) resolves to that
// entry: its base law E + A/N^alpha + B/D^beta is the loss with unlimited unique data (the
// Approach-3 fit of runs that repeated data mixes repetition into its constants), and its
// R_D*, R_N* price repetition.
func FromFile(path string, approach int) (*Source, error) {
	if approach != 3 {
		return allocationFromFile(path, approach)
	}
	if s, ok, err := dataFromFile(path); ok || err != nil {
		return s, err
	}
	doc, fit, l, draws, err := ReadApproach3(path)
	if err != nil {
		return nil, err
	}
	s := &Source{Law: l, Chinchilla: &l, Draws: draws, Range: doc.Range,
		Info: LawInfo{Name: path, Source: "fit", Title: "Chinchilla Approach 3 fit", Params: fitfile.LawParams(l), Draws: len(draws)}}
	if doc.Source != "" {
		s.Info.Title += " to " + doc.Source
	}
	if len(fit.Bootstrap) > len(draws) {
		s.Info.Title += fmt.Sprintf(" (intervals from %d evenly spaced of its %d bootstrap draws)", len(draws), len(fit.Bootstrap))
	}
	s.Warnings = append(s.Warnings, FitWarnings(path, fit)...)
	if fit.Converged != nil && !*fit.Converged {
		s.NotConverged = append(s.NotConverged, "the Approach-3 fit in "+path)
	}
	return s, nil
}

func allocationFromFile(path string, approach int) (*Source, error) {
	doc, err := fitfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("--fit: %w", err)
	}
	fit := doc.Find("chinchilla", approach)
	if fit == nil {
		return nil, fmt.Errorf("--fit %s: no Chinchilla Approach-%d fit in the file", path, approach)
	}
	k, kd := fit.Params["k"], fit.Params["k_d"]
	if fit.A == nil || fit.B == nil || !(k > 0) || !(kd > 0) || math.IsInf(k, 0) || math.IsInf(kd, 0) {
		return nil, fmt.Errorf("--fit %s: Approach-%d fit lacks a, b, k or k_d", path, approach)
	}
	l := &laws.Law{Name: path, Title: fmt.Sprintf("Chinchilla Approach %d fit", approach),
		Allocation: &laws.Allocation{NCoef: k, NExp: *fit.A, DCoef: kd, DExp: *fit.B, CUnit: 1}}
	if doc.Source != "" {
		l.Title += " to " + doc.Source
	}
	s := FromBuiltin(l)
	s.Range = doc.Range
	s.Info.Source = "fit"
	s.Warnings = append(s.Warnings, FitWarnings(path, fit)...)
	return s, nil
}

// dataFromFile reads the data-constrained entry of a fit.json, ok false when it has none.
func dataFromFile(path string) (*Source, bool, error) {
	doc, fit, dl, draws, err := ReadDataConstrained(path)
	if err != nil || fit == nil {
		return nil, false, err
	}
	l := dl.Law
	base := make([]chinchilla.Law, len(draws))
	for i, d := range draws {
		base[i] = d.Law
	}
	s := &Source{Law: l, Chinchilla: &l, Draws: base, Range: doc.Range, Data: &dl, DataDraws: draws,
		RDStar: dl.RDStar, RNStar: dl.RNStar,
		Info: LawInfo{Name: path, Source: "fit", Params: fit.Params, Draws: len(draws), Title: "data-constrained fit"}}
	if r, ok := fit.Extra["recipe"].(string); ok && r != "" {
		s.Info.Title += " (recipe " + r + ")"
	}
	if doc.Source != "" {
		s.Info.Title += " to " + doc.Source
	}
	s.Info.Title += "; its base law is the loss with unlimited unique data"
	s.Warnings = append(s.Warnings, FitWarnings(path, fit)...)
	if fit.Converged != nil && !*fit.Converged {
		s.NotConverged = append(s.NotConverged, "the data-constrained fit in "+path)
	}
	return s, true, nil
}

// dataNames are the constants of a data-constrained fit, in the order of its draws.
var dataNames = [...]string{"E", "A", "B", "alpha", "beta", "R_D*", "R_N*"}

// ReadDataConstrained reads a fit.json's data-constrained entry (law "data-constrained")
// and its bootstrap draws as laws (at most limits.MaxPlannerDraws, evenly spaced); fit is
// nil when the file has none. Errors name the file.
func ReadDataConstrained(path string) (*fitfile.Document, *fitfile.Fit, plan.DataLaw, []plan.DataLaw, error) {
	var dl plan.DataLaw
	doc, err := fitfile.Read(path)
	if err != nil {
		return nil, nil, dl, nil, fmt.Errorf("--fit: %w", err)
	}
	fit := doc.Find(DataConstrained, 0)
	if fit == nil {
		return doc, nil, dl, nil, nil
	}
	dl, err = dataLaw(fit.Params)
	if err != nil {
		return nil, nil, dl, nil, fmt.Errorf("--fit %s: data-constrained fit: %w", path, err)
	}
	rows, err := fit.DrawRows(dataNames[:])
	if err != nil {
		return nil, nil, dl, nil, fmt.Errorf("--fit %s: data-constrained fit: %w", path, err)
	}
	if len(rows) > limits.MaxPlannerDraws {
		idx := limits.Thin(len(rows), limits.MaxPlannerDraws)
		thin := make([][]float64, len(idx))
		for i, j := range idx {
			thin[i] = rows[j]
		}
		rows = thin
	}
	draws := make([]plan.DataLaw, 0, len(rows))
	for i, r := range rows {
		p := map[string]float64{}
		for j, k := range dataNames {
			p[k] = r[j]
		}
		d, err := dataLaw(p)
		if err != nil {
			return nil, nil, dl, nil, fmt.Errorf("--fit %s: data-constrained bootstrap row %d: %w", path, i+1, err)
		}
		draws = append(draws, d)
	}
	return doc, fit, dl, draws, nil
}

// DataConstrained is the law name of a data-constrained fits[] entry
// (internal/dataconstrained.Name).
const DataConstrained = "data-constrained"

// dataLaw reads E, A, B, alpha, beta, R_D*, R_N* (each positive and finite).
func dataLaw(p map[string]float64) (plan.DataLaw, error) {
	l, err := fitfile.ChinchillaParams(p)
	if err != nil {
		return plan.DataLaw{}, err
	}
	rd, rn := p["R_D*"], p["R_N*"]
	for k, v := range map[string]float64{"R_D*": rd, "R_N*": rn} {
		if !(v > 0) || math.IsInf(v, 0) {
			return plan.DataLaw{}, fmt.Errorf("%s %v: want a positive finite constant", k, v)
		}
	}
	return plan.DataLaw{Law: l, RDStar: rd, RNStar: rn}, nil
}

// ReadApproach3 reads a fit.json's Chinchilla Approach-3 law and its bootstrap draws (rows of
// E, A, B, alpha, beta), validating both; errors name the file. A fit with more than
// limits.MaxPlannerDraws draws gives that many, evenly spaced (fit.Resamples still counts
// them all).
func ReadApproach3(path string) (*fitfile.Document, *fitfile.Fit, chinchilla.Law, []chinchilla.Law, error) {
	var l chinchilla.Law
	doc, err := fitfile.Read(path)
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit: %w", err)
	}
	fit := doc.Find("chinchilla", 3)
	if fit == nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: no Chinchilla Approach-3 fit in the file (run scalefit fit with --approach 3)", path)
	}
	l, err = fitfile.ChinchillaParams(fit.Params)
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: %w", path, err)
	}
	rows, err := fit.DrawRows([]string{"E", "A", "B", "alpha", "beta"})
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: %w", path, err)
	}
	if len(rows) > limits.MaxPlannerDraws {
		// A planner solves per draw (an inference-aware optimum per draw and target): keep
		// its cost bounded with evenly spaced draws, which estimate the same percentiles.
		idx := limits.Thin(len(rows), limits.MaxPlannerDraws)
		thin := make([][]float64, len(idx))
		for i, j := range idx {
			thin[i] = rows[j]
		}
		rows = thin
	}
	draws, err := fitfile.DrawLaws(rows)
	if err != nil {
		return nil, nil, l, nil, fmt.Errorf("--fit %s: %w", path, err)
	}
	return doc, fit, l, draws, nil
}

// FitWarnings carries a saved fit's own warnings (non-convergence, ill-conditioning) to the
// commands that use it, with "the fit in PATH" as their context.
func FitWarnings(path string, fit *fitfile.Fit) []warn.Warning {
	var out []warn.Warning
	if fit.Converged != nil && !*fit.Converged {
		out = append(out, warn.New(warn.CodeNotConverged, "the fit in %s did not converge: its predictions may be off", path))
	}
	return append(out, warn.In("", "the fit in "+path, fit.Warnings)...)
}

// FromRuns fits the Chinchilla law to runs (Approach 3: Huber δ = 1e-3, default search, no
// bootstrap); from loss curves (a run column) it takes each run's last point. name (the
// runs file) names the source.
func FromRuns(set *runs.Set, name string) (*Source, error) {
	rs := set.Runs
	if set.Has("run") {
		rs = runs.FinalPoints(rs)
	}
	n, d, _, loss := runs.Columns(rs)
	r, err := chinchilla.Fit(n, d, loss, chinchilla.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("fitting %s: %w", name, err)
	}
	sum := set.Summarize()
	s := &Source{Law: r.Law, Chinchilla: &r.Law,
		Range: &fitfile.Range{Params: sum.Params, Tokens: sum.Tokens, FLOPs: sum.FLOPs, Loss: sum.Loss},
		Info: LawInfo{Name: name, Source: "runs", Params: fitfile.LawParams(r.Law),
			Title: fmt.Sprintf("Chinchilla Approach 3 fitted to %d runs, no bootstrap; for intervals run scalefit fit --bootstrap K -o fit.json and pass --fit", len(rs))}}
	if !r.Converged {
		s.Warnings = append(s.Warnings, warn.New(warn.CodeNotConverged, "the Approach-3 fit to %s did not converge (%s): its predictions may be off", name, r.Status))
		s.NotConverged = append(s.NotConverged, "the Approach-3 fit to "+name)
	}
	s.Warnings = append(s.Warnings, r.Warnings...)
	s.Warnings = append(s.Warnings, set.Warnings...)
	return s, nil
}

// Kind names what the source is, for error messages.
func (s *Source) Kind() string {
	switch {
	case s.Builtin == nil:
		return "the fit " + s.Info.Name
	case s.Builtin.Allocation != nil:
		return "law " + s.Builtin.Name + " is an allocation rule with no loss law"
	case s.Builtin.Kaplan != nil:
		return "law " + s.Builtin.Name + " is Kaplan's joint L(N, D), not the Chinchilla form E + A/N^alpha + B/D^beta"
	}
	return "law " + s.Builtin.Name
}

// ChinchillaLaw returns the Chinchilla-form law for a query that needs one (what names the
// query, e.g. "--target-loss"), or an error saying which laws answer it.
func (s *Source) ChinchillaLaw(what string) (chinchilla.Law, error) {
	if s.Chinchilla != nil {
		return *s.Chinchilla, nil
	}
	var names []string
	for _, l := range laws.All() {
		if l.Chinchilla != nil {
			names = append(names, l.Name)
		}
	}
	hint := "it answers --compute and --params only"
	if s.HasLoss() {
		hint = "it answers --compute, --params and predict only"
	}
	return chinchilla.Law{}, fmt.Errorf("%s: %s; %s needs a Chinchilla-form law (%s, or a fit)",
		s.Kind(), hint, what, strings.Join(names, ", "))
}

// HasLoss reports whether the law predicts loss (an allocation rule does not).
func (s *Source) HasLoss() bool {
	_, _, loss := s.Law.Optimal(1e21)
	return !math.IsNaN(loss)
}

// Loss predicts the loss (nats/token) of n parameters trained on d tokens.
func (s *Source) Loss(n, d float64) (float64, error) {
	if !s.HasLoss() {
		_, err := s.ChinchillaLaw("a loss prediction")
		return 0, err
	}
	return s.Law.Loss(n, d), nil
}

// Optimal returns the compute-optimal allocation at c FLOPs (Loss NaN without a loss law).
func (s *Source) Optimal(c float64) (plan.Allocation, error) {
	if s.Chinchilla != nil {
		return plan.Optimal(*s.Chinchilla, c)
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return plan.Allocation{}, fmt.Errorf("compute %g: want a positive finite number", c)
	}
	n, d, loss := s.Law.Optimal(c)
	return plan.Allocation{FLOPs: c, Params: n, Tokens: d, Loss: loss}, nil
}

// ForParams returns the budget at which n parameters are compute-optimal, with D and loss.
func (s *Source) ForParams(n float64) (plan.Allocation, error) {
	if s.Chinchilla != nil {
		return plan.ForParams(*s.Chinchilla, n)
	}
	if !(n > 0) || math.IsInf(n, 0) {
		return plan.Allocation{}, fmt.Errorf("params %g: want a positive finite number", n)
	}
	c, d := s.Law.ComputeForParams(n)
	return plan.Allocation{FLOPs: c, Params: n, Tokens: d, Loss: s.Law.Loss(n, d)}, nil
}

// FarOutside is the factor beyond the fitted compute range from which a prediction is
// flagged as an extrapolation.
const FarOutside = 10

// Extrapolation returns c relative to the largest fitted run's compute (0 without a fitted
// range) and, when c lies more than FarOutside beyond the fitted range on either side, an
// "extrapolated" warning (Extrapolated with compute only).
func (s *Source) Extrapolation(c float64, _, _ func(float64) string) (float64, []warn.Warning) {
	f, w := s.Extrapolated(c, 0, 0)
	if w == nil {
		return f, nil
	}
	return f, []warn.Warning{*w}
}

// Extrapolated is the one rule every command uses for "how far beyond the fitted runs": the
// largest factor by which a query's compute c, parameters n or tokens d (0: not part of the
// query) lies beyond the fitted runs' range, above its largest or below its smallest value;
// factor 0 without a fitted range (built-in laws). Beyond FarOutside the query is an
// extrapolation, and w is the "extrapolated" warning that names the quantity and the factor.
func (s *Source) Extrapolated(c, n, d float64) (factor float64, w *warn.Warning) {
	rg := s.Range
	if rg == nil || !(rg.FLOPs[1] > 0) {
		return 0, nil
	}
	type q struct {
		name, unit string
		v          float64
		rng        [2]float64
		show       func(float64) string
	}
	worst, what, msg := 0.0, "", ""
	for _, x := range []q{{"C", "FLOPs", c, rg.FLOPs, format.Sci}, {"N", "parameters", n, rg.Params, format.Count}, {"D", "tokens", d, rg.Tokens, format.Count}} {
		if !(x.v > 0) || !(x.rng[1] > 0) {
			continue
		}
		f, side := x.v/x.rng[1], "the largest fitted run"
		if x.rng[0] > 0 && x.v < x.rng[0] && x.rng[0]/x.v > f {
			f, side = x.rng[0]/x.v, "below the smallest fitted run"
		}
		if x.name == "C" && factor == 0 {
			factor = x.v / x.rng[1] // the reported factor stays C over the largest run's C
		}
		if f > worst {
			worst, what = f, x.name
			bound := x.rng[1]
			if side != "the largest fitted run" {
				bound = x.rng[0]
			}
			msg = fmt.Sprintf("%s = %s is %s %s (%s %s): an extrapolation", x.name, x.show(x.v), format.Ratio(f), side, x.show(bound), x.unit)
		}
	}
	if factor == 0 {
		factor = worst
	}
	if worst > FarOutside && what != "" {
		return factor, &warn.Warning{Code: plan.CodeExtrapolated, Msg: msg}
	}
	return factor, nil
}

// DataLaw extends a Chinchilla-form law with Muennighoff et al.'s repetition constants for a
// repeated-data plan. A source with a fitted data-constrained law (Data) answers with it,
// base law and all (l is then ignored), with rdStar, rnStar overriding its constants when
// given. Otherwise l takes the given rdStar and rnStar, else the source's own, else the C4
// values of muennighoff2023 (with a "default-repetition-constants" warning); a law fitted to
// runs whose unique tokens were not given (a fit.json without a data-constrained entry, or
// runs fitted on the fly) also warns "penalty-may-double-count". float formats the constants
// for the warnings.
func (s *Source) DataLaw(l chinchilla.Law, rdStar, rnStar *float64, float func(float64) string) (plan.DataLaw, []warn.Warning) {
	if s.Data != nil {
		dl := *s.Data
		if rdStar != nil {
			dl.RDStar = *rdStar
		}
		if rnStar != nil {
			dl.RNStar = *rnStar
		}
		return dl, nil
	}
	dl := plan.DataLaw{Law: l, RDStar: s.RDStar, RNStar: s.RNStar}
	var ws []warn.Warning
	if s.Info.Source == "fit" || s.Info.Source == "runs" {
		ws = append(ws, warn.Warning{Code: plan.CodePenaltyDoubleCount, Msg: "the law was fitted to runs whose unique tokens " +
			"were not given: if they repeated data, its constants already contain the repetition and the penalty counts it twice; " +
			"fit with the runs' unique tokens (a unique_tokens column, --unique-tokens-col or --unique-tokens) to fit R_D* and R_N* on them"})
	}
	if dl.RDStar == 0 && dl.RNStar == 0 && rdStar == nil && rnStar == nil {
		c4, _ := laws.Lookup("muennighoff2023")
		dl.RDStar, dl.RNStar = c4.RDStar, c4.RNStar
		ws = append(ws, warn.Warning{Code: plan.CodeDefaultRepetition, Msg: "the law has no R_D*, R_N*: using Muennighoff et al.'s C4 values R_D* " +
			float(c4.RDStar) + ", R_N* " + float(c4.RNStar) + " (override with --rd-star, --rn-star)"})
	}
	if rdStar != nil {
		dl.RDStar = *rdStar
	}
	if rnStar != nil {
		dl.RNStar = *rnStar
	}
	return dl, ws
}

// ConstrainedIntervals returns 95% intervals of the data-constrained optimum of dl at c FLOPs
// with u unique tokens over the source's draws: a data-constrained fit's own draws (each
// with its R_D*, R_N*) when dl is that fit's law, else the base law's draws with dl's
// constants.
func (s *Source) ConstrainedIntervals(dl plan.DataLaw, c, u float64) (plan.AllocationIntervals, bool) {
	if s.Data != nil && len(s.DataDraws) > 0 && dl == *s.Data {
		return plan.ConstrainedIntervalsOf(s.DataDraws, c, u)
	}
	return plan.ConstrainedIntervals(s.Draws, dl.RDStar, dl.RNStar, c, u)
}
