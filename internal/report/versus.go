package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/versus"
	"github.com/scalefit/scalefit/internal/warn"
)

// VersusDocument is the JSON output of `scalefit compare --group`: every group's fitted
// frontier law and, for each group other than the reference, the compute multiplier at each
// budget, the crossover and the exponent differences. Infinite values (a loss a group never
// reaches, a crossover beyond the searched range) are null.
type VersusDocument struct {
	SchemaVersion int    `json:"schema_version"`
	Source        string `json:"source,omitempty"`
	Reference     string `json:"reference"`
	// Shared is "E" when one irreducible loss was fitted across groups, else "".
	Shared string `json:"shared"`
	// E and EInterval are the shared irreducible loss (nats/token), with --shared E.
	E         *float64   `json:"E,omitempty"`
	EInterval []*float64 `json:"E_interval,omitempty"`
	Frontier  string     `json:"frontier"` // "approach3" or "isoflop": what every frontier rests on
	// FrontierReason says why --frontier auto chose it.
	FrontierReason string       `json:"frontier_reason,omitempty"`
	Budgets        []float64    `json:"budgets"` // FLOPs of the multiplier table
	Crossover      float64      `json:"crossover_max"`
	Resamples      int          `json:"resamples"`
	Fits           []VersusFit  `json:"fits"`
	Groups         []VersusComp `json:"groups"`
	Verdicts       []string     `json:"verdicts"`
	Warnings       warn.List    `json:"warnings"`
}

// VersusFit is one group's frontier law.
type VersusFit struct {
	Group string `json:"group"`
	Runs  int    `json:"runs"`
	// Params are the Approach-3 law's E, A, B, alpha, beta (frontier approach3 only).
	Params map[string]float64 `json:"params,omitempty"`
	// Frontier is L*(C) = E + K (C/6)^-gamma (nats/token, C in FLOPs).
	Frontier map[string]float64 `json:"frontier"`
	// Granularity holds the fitted L = c + (g/G^gamma + a)/N^alpha + b/D^beta (Krajewski
	// et al. 2024) of a group whose granularity varies; its frontier is taken at
	// GranularityAt, the group's largest granularity, where params are the law it reduces to.
	Granularity   map[string]float64 `json:"granularity_law,omitempty"`
	GranularityAt float64            `json:"granularity_at,omitempty"`
	// Budgets counts the IsoFLOP budgets the frontier rests on (frontier isoflop only).
	Budgets    int                   `json:"budgets,omitempty"`
	A          float64               `json:"a"`     // N_opt ∝ C^a
	B          float64               `json:"b"`     // D_opt ∝ C^b
	Slope      float64               `json:"slope"` // γ: L* − E ∝ C^−γ (αβ/(α+β) for Approach 3)
	Intervals  map[string][]*float64 `json:"intervals,omitempty"`
	Converged  bool                  `json:"converged"`
	FLOPsRange [2]float64            `json:"flops_range"`
	// MemoryFactor is the median total/active parameter ratio (mixture-of-experts runs).
	MemoryFactor float64 `json:"memory_factor,omitempty"`
}

// VersusComp is one group measured against the reference.
type VersusComp struct {
	Group       string        `json:"group"`
	Multipliers []VersusPoint `json:"multipliers"`
	Crossover   *VersusCross  `json:"crossover"`
	Exponents   []VersusExp   `json:"exponents"`
	Trend       string        `json:"trend"`
	Verdict     string        `json:"verdict"`
}

// VersusPoint is one budget of the multiplier table.
type VersusPoint struct {
	FLOPs        float64    `json:"flops"`
	Value        *float64   `json:"value"` // null: the group never reaches the loss
	Interval     []*float64 `json:"interval"`
	Loss         float64    `json:"loss"` // the reference's frontier loss at flops
	Extrapolated bool       `json:"extrapolated"`
	MemoryRatio  float64    `json:"memory_ratio,omitempty"`
	// Unsupported says why no verdict rests on this multiplier ("" when one may).
	Unsupported string `json:"unsupported,omitempty"`
}

// VersusCross is the crossover compute.
type VersusCross struct {
	FLOPs        float64    `json:"flops"`
	Interval     []*float64 `json:"interval"`
	Share        float64    `json:"share"` // fraction of resamples that cross in range
	BetterAbove  string     `json:"better_above"`
	Extrapolated bool       `json:"extrapolated"` // beyond the runs' common compute range
}

// VersusExp is one exponent difference.
type VersusExp struct {
	Name      string     `json:"name"`
	Reference float64    `json:"reference"`
	Group     float64    `json:"group"`
	Diff      float64    `json:"diff"`
	Interval  []*float64 `json:"interval,omitempty"`
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func ivJSON(iv *versus.Interval) []*float64 {
	if iv == nil {
		return nil
	}
	return []*float64{finite(iv.Lo), finite(iv.Hi)}
}

// VersusDoc builds the JSON document of a comparison.
func VersusDoc(r *versus.Result, source string) *VersusDocument {
	d := &VersusDocument{SchemaVersion: SchemaVersion, Source: source, Reference: r.Reference, Frontier: r.Frontier, FrontierReason: r.FrontierReason,
		Budgets: r.Budgets, Crossover: r.CrossoverMax, Resamples: r.Resamples, Warnings: r.Warnings,
		Fits: []VersusFit{}, Groups: []VersusComp{}, Verdicts: []string{}}
	if d.Warnings == nil {
		d.Warnings = []warn.Warning{}
	}
	if r.SharedE {
		d.Shared = "E"
		d.E = F(r.E)
		d.EInterval = ivJSON(r.EInterval)
	}
	for _, f := range r.Fits {
		l := f.Law
		vf := VersusFit{Group: f.Group, Runs: f.Runs, Budgets: f.Budgets,
			Frontier: map[string]float64{"E": f.Frontier.E, "K": f.Frontier.K, "gamma": f.Frontier.Gamma},
			A:        f.Exponents[versus.ExpA], B: f.Exponents[versus.ExpB], Slope: f.Exponents[versus.ExpSlope],
			Converged: f.Converged, FLOPsRange: f.FLOPsRange, MemoryFactor: f.MemoryFactor}
		if r.Frontier == versus.FrontierApproach3 {
			vf.Params = map[string]float64{"E": l.E, "A": l.A, "B": l.B, "alpha": l.Alpha, "beta": l.Beta}
		}
		if gl := f.Granularity; gl != nil {
			vf.Granularity = map[string]float64{"c": gl.C, "a": gl.A, "b": gl.B, "g": gl.Gc, "alpha": gl.Alpha, "beta": gl.Beta, "gamma": gl.Gamma}
			vf.GranularityAt = f.GranularityAt
		}
		if len(f.Intervals) > 0 {
			vf.Intervals = map[string][]*float64{}
			for k, iv := range f.Intervals {
				vf.Intervals[k] = ivJSON(&iv)
			}
		}
		d.Fits = append(d.Fits, vf)
	}
	for _, c := range r.Comparisons {
		vc := VersusComp{Group: c.Group, Trend: c.Trend, Verdict: VersusVerdict(r, c), Exponents: []VersusExp{}}
		for _, p := range c.Multipliers {
			vc.Multipliers = append(vc.Multipliers, VersusPoint{FLOPs: p.FLOPs, Value: finite(p.Value), Interval: ivJSON(p.Interval),
				Loss: p.Loss, Extrapolated: p.Extrapolated, MemoryRatio: p.MemoryRatio, Unsupported: p.Unsupported})
		}
		if x := c.Crossover; x != nil {
			vc.Crossover = &VersusCross{FLOPs: x.FLOPs, Interval: ivJSON(x.Interval), Share: x.Share, BetterAbove: x.BetterAbove, Extrapolated: x.Extrapolated}
		}
		for _, e := range c.Exponents {
			vc.Exponents = append(vc.Exponents, VersusExp{Name: e.Name, Reference: e.Reference, Group: e.Group, Diff: e.Diff, Interval: ivJSON(e.Interval)})
		}
		d.Groups = append(d.Groups, vc)
		d.Verdicts = append(d.Verdicts, vc.Verdict)
	}
	return d
}

// ratioOrInf formats a multiplier, "never" for an infinite one.
func ratioOrInf(x float64) string {
	if math.IsInf(x, 1) {
		return "never"
	}
	return format.Ratio(x)
}

func numOrInf(x float64) string {
	if math.IsInf(x, 1) {
		return "inf"
	}
	return format.Float(x, 3)
}

func sciOrInf(x float64) string {
	if math.IsInf(x, 1) {
		return "inf"
	}
	return format.Sci(x)
}

// VersusVerdict is the one-line verdict of one comparison, e.g. "B needs 0.620x [0.550,
// 0.700] the compute of A at 1e21, narrowing with scale; no crossover below 1e25".
func VersusVerdict(r *versus.Result, c versus.Comparison) string {
	if len(c.Multipliers) == 0 {
		return ""
	}
	p, ok := versus.Headline(c.Multipliers)
	var b strings.Builder
	if !ok {
		fmt.Fprintf(&b, "%s against %s: no multiplier is supported by the fits (%s); no verdict", c.Group, r.Reference, p.Unsupported)
		return b.String()
	}
	if math.IsInf(p.Value, 1) {
		fmt.Fprintf(&b, "%s never reaches the loss %s reaches at %s", c.Group, r.Reference, format.Sci(p.FLOPs))
	} else {
		fmt.Fprintf(&b, "%s needs %s", c.Group, format.Ratio(p.Value))
		if p.Interval != nil {
			fmt.Fprintf(&b, " [%s, %s]", numOrInf(p.Interval.Lo), numOrInf(p.Interval.Hi))
		}
		fmt.Fprintf(&b, " the compute of %s at %s", r.Reference, format.Sci(p.FLOPs))
	}
	if p.Extrapolated {
		b.WriteString(" (extrapolated)")
	}
	switch c.Trend {
	case "steady":
		b.WriteString(", steady with scale")
	case "crossing":
		b.WriteString(", reversing with scale")
	case "unknown", "unsupported":
		b.WriteString(" (one supported budget: no trend)")
	default:
		b.WriteString(", " + c.Trend + " with scale")
	}
	if c.Crossover == nil {
		fmt.Fprintf(&b, "; no crossover below %s", format.Sci(r.CrossoverMax))
	} else {
		fmt.Fprintf(&b, "; crossover at %s", format.Sci(c.Crossover.FLOPs))
		if c.Crossover.Extrapolated {
			b.WriteString(" (extrapolated)")
		}
		if iv := c.Crossover.Interval; iv != nil {
			fmt.Fprintf(&b, " [%s, %s]", sciOrInf(iv.Lo), sciOrInf(iv.Hi))
		}
		fmt.Fprintf(&b, ", %s better above it", c.Crossover.BetterAbove)
	}
	return b.String()
}

// VersusTables renders a comparison as tables: the groups' laws, then per group the
// multiplier at each budget and the exponent differences.
func VersusTables(r *versus.Result) []*Table {
	var out []*Table
	ivs := func(iv *versus.Interval, f func(float64) string) string {
		if iv == nil {
			return ""
		}
		return "[" + f(iv.Lo) + ", " + f(iv.Hi) + "]"
	}
	var laws *Table
	if r.Frontier == versus.FrontierIsoFLOP {
		laws = &Table{Title: "Loss-optimal frontiers (IsoFLOP minima fitted with L* = E + K (C/6)^-slope; a from Approach 2)",
			Header: []string{"group", "runs", "budgets", "E", "K", "slope", "a", "FLOPs range", "converged"}}
	} else {
		laws = &Table{Title: "Loss-optimal frontiers (Approach 3: L(N, D) = E + A/N^alpha + B/D^beta, L* = E + K (C/6)^-slope)",
			Header: []string{"group", "runs", "E", "A", "B", "alpha", "beta", "a", "slope", "FLOPs range", "converged"}}
	}
	for _, f := range r.Fits {
		l := f.Law
		conv := "yes"
		if !f.Converged {
			conv = "NO"
		}
		rng := format.Sci(f.FLOPsRange[0]) + " to " + format.Sci(f.FLOPsRange[1])
		if r.Frontier == versus.FrontierIsoFLOP {
			laws.AddRow(f.Group, fmt.Sprint(f.Runs), fmt.Sprint(f.Budgets), format.Float(f.Frontier.E, 4), format.Float(f.Frontier.K, 4),
				format.Float(f.Frontier.Gamma, 3), format.Float(f.Exponents[versus.ExpA], 3), rng, conv)
			continue
		}
		laws.AddRow(f.Group, fmt.Sprint(f.Runs), format.Float(l.E, 4), format.Float(l.A, 4), format.Float(l.B, 4), format.Float(l.Alpha, 3), format.Float(l.Beta, 3),
			format.Float(l.ExponentA(), 3), format.Float(versus.Slope(l), 3), rng, conv)
	}
	if r.FrontierReason != "" {
		laws.Notes = append(laws.Notes, "frontier: "+r.FrontierReason)
	}
	for _, f := range r.Fits {
		if gl := f.Granularity; gl != nil {
			laws.Notes = append(laws.Notes, fmt.Sprintf("%s: granularity law L = c + (g/G^gamma + a)/N^alpha + b/D^beta (Krajewski et al. 2024) with c %s, a %s, g %s, gamma %s, b %s, alpha %s, beta %s; its row is that law at G = %s, its largest granularity",
				f.Group, format.Float(gl.C, 4), format.Float(gl.A, 4), format.Float(gl.Gc, 4), format.Float(gl.Gamma, 3), format.Float(gl.B, 4), format.Float(gl.Alpha, 3), format.Float(gl.Beta, 3), format.Short(f.GranularityAt, 4)))
		}
	}
	if r.SharedE {
		n := "E is shared across groups (one joint fit): E = " + format.Float(r.E, 4)
		if r.EInterval != nil {
			n += " " + ivs(r.EInterval, func(x float64) string { return format.Float(x, 4) })
		}
		laws.Notes = append(laws.Notes, n)
	}
	laws.Notes = append(laws.Notes, fmt.Sprintf("reference: %s; intervals are 95%% percentiles over %d bootstrap resamples of the runs within each group", r.Reference, r.Resamples))
	if r.Resamples == 0 {
		laws.Notes[len(laws.Notes)-1] = "reference: " + r.Reference + "; no intervals (use --bootstrap K)"
	}
	out = append(out, laws)
	for _, c := range r.Comparisons {
		mem := false
		for _, p := range c.Multipliers {
			mem = mem || p.MemoryRatio > 0
		}
		t := &Table{Title: fmt.Sprintf("%s against %s: compute multiplier m(C) = C_%s(L*_%s(C)) / C", c.Group, r.Reference, c.Group, r.Reference),
			Header: []string{"FLOPs", "loss of " + r.Reference, "multiplier", "95% interval", "note"}}
		if mem {
			t.Header = append(t.Header, "memory ratio")
		}
		for _, p := range c.Multipliers {
			mark := ""
			if p.Extrapolated {
				mark = "extrapolated"
			}
			if p.Unsupported != "" {
				mark = strings.TrimPrefix(mark+", unsupported", ", ")
			}
			row := []string{format.Sci(p.FLOPs), format.Float(p.Loss, 4), ratioOrInf(p.Value), ivs(p.Interval, numOrInf), mark}
			if mem {
				row = append(row, ratioOrInf(p.MemoryRatio))
			}
			t.AddRow(row...)
		}
		t.Notes = append(t.Notes, VersusVerdict(r, c))
		if x := c.Crossover; x != nil && x.Interval != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("%s of resamples cross below %s", format.Percent(x.Share), format.Sci(r.CrossoverMax)))
		}
		out = append(out, t)
		e := &Table{Title: fmt.Sprintf("%s against %s: exponents", c.Group, r.Reference),
			Header: []string{"exponent", r.Reference, c.Group, "difference", "95% interval"}}
		for _, x := range c.Exponents {
			e.AddRow(x.Name, format.Float(x.Reference, 3), format.Float(x.Group, 3), format.Float(x.Diff, 3), ivs(x.Interval, func(v float64) string { return format.Float(v, 3) }))
		}
		if r.Frontier == versus.FrontierIsoFLOP {
			e.Notes = append(e.Notes, "a: N_opt ∝ C^a and b: D_opt ∝ C^b through the IsoFLOP minima (Approach 2); slope: L* − E ∝ C^(−slope)")
		} else {
			e.Notes = append(e.Notes, "a: N_opt ∝ C^a; b: D_opt ∝ C^b; slope: L* − E ∝ C^(−slope) with slope = alpha·beta/(alpha+beta)")
		}
		out = append(out, e)
	}
	return out
}

// VersusCaption says what the comparison figure shows.
const VersusCaption = "Top: each group's loss-optimal frontier L*(C) with its runs. Bottom: the compute multiplier of each group against the reference, with its 95% band; dashed where extrapolated."

// VersusRow is one row of `compare --group --format csv`: a tidy table with the group, the
// kind of quantity (fit, multiplier, crossover, exponent), the budget in FLOPs where it
// applies, the name, the value at full precision (empty when infinite), its 95% interval
// (interval_lo, interval_hi; empty when none or infinite) and whether it is extrapolated.
type VersusRow struct {
	Group        string      `json:"group"`
	Reference    string      `json:"reference"`
	Kind         string      `json:"kind"`
	FLOPs        *float64    `json:"flops"`
	Name         string      `json:"name"`
	Value        *float64    `json:"value"`
	Interval     [2]*float64 `json:"interval"`
	Extrapolated bool        `json:"extrapolated"`
}

// VersusCSVRows flattens a comparison into VersusRows: each group's frontier parameters
// (kind fit), then per compared group its multipliers, crossover and exponent differences.
func VersusCSVRows(r *versus.Result) []VersusRow {
	iv := func(x *versus.Interval) [2]*float64 {
		if x == nil {
			return [2]*float64{}
		}
		return [2]*float64{finite(x.Lo), finite(x.Hi)}
	}
	var out []VersusRow
	for _, f := range r.Fits {
		for _, p := range []struct {
			name string
			v    float64
		}{{"E", f.Frontier.E}, {"K", f.Frontier.K}, {"slope", f.Frontier.Gamma}} {
			var ci [2]*float64
			if x, ok := f.Intervals[p.name]; ok {
				ci = iv(&x)
			}
			out = append(out, VersusRow{Group: f.Group, Reference: r.Reference, Kind: "fit", Name: p.name, Value: finite(p.v), Interval: ci})
		}
	}
	for _, c := range r.Comparisons {
		for _, p := range c.Multipliers {
			out = append(out, VersusRow{Group: c.Group, Reference: r.Reference, Kind: "multiplier", FLOPs: F(p.FLOPs), Name: "m",
				Value: finite(p.Value), Interval: iv(p.Interval), Extrapolated: p.Extrapolated})
		}
		if x := c.Crossover; x != nil {
			out = append(out, VersusRow{Group: c.Group, Reference: r.Reference, Kind: "crossover", Name: "flops",
				Value: finite(x.FLOPs), Interval: iv(x.Interval), Extrapolated: x.Extrapolated})
		}
		for _, e := range c.Exponents {
			out = append(out, VersusRow{Group: c.Group, Reference: r.Reference, Kind: "exponent", Name: e.Name + "_diff",
				Value: finite(e.Diff), Interval: iv(e.Interval)})
		}
	}
	return out
}
