package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/versus"
	"github.com/scalefit/scalefit/internal/warn"
)

// MoE column names recognised without flags: runs with both fit on active parameters.
const (
	activeParamsCol = "active_params"
	totalParamsCol  = "total_params"
	granularityCol  = "granularity"
)

// GroupsRequest is `scalefit compare RUNS --group COL`: each group's loss-optimal frontier
// L*(C) and, for every group against the reference, the compute multiplier m(C) =
// C_B(L*_A(C)) / C at each budget (FLOPs; below 1: less compute for the same loss), the
// crossover and the exponent differences, with Bootstrap resamples of runs within each
// group for 95% intervals. Mixture-of-experts runs (active_params and total_params columns,
// no --params-col) are fitted on active parameters, with total parameters as memory; a
// granularity column fits Krajewski et al.'s law to a group whose granularity varies.
type GroupsRequest struct {
	Runs         Inputs // Options.GroupCol names the groups
	Budgets      []float64
	Reference    string // the group the others are measured against ("": the first)
	Shared       string // "" or "none", or "E": one irreducible loss across groups
	CrossoverMax float64
	Frontier     string // auto (default), approach3 or isoflop
	TotalCol     string // total parameters ("": total_params with active_params)
	GranCol      string // granularity ("": granularity when the file has it)
	Bootstrap    int
	Seed         uint64
	// Plot, when set, is a figure file (.png, .svg, .pdf) the frontiers and multipliers are
	// drawn to; Dir and Ext instead write versus.EXT into Dir (report).
	Plot     string
	Dir, Ext string
}

// Validate checks the request's options; errors are usage errors.
func (r *GroupsRequest) Validate() error {
	if len(r.Runs.Paths) != 1 {
		return Usagef("compare --group needs RUNS.csv")
	}
	if err := limits.Resamples(r.Bootstrap, 1); err != nil {
		return &UsageError{Err: err}
	}
	switch strings.ToLower(r.Shared) {
	case "", "none", "e":
	default:
		return Usagef("--shared %q: only E can be shared (one irreducible loss across groups)", r.Shared)
	}
	switch r.Frontier {
	case "", versus.FrontierAuto, versus.FrontierApproach3, versus.FrontierIsoFLOP:
	default:
		return Usagef("--frontier %q: want auto, approach3 or isoflop", r.Frontier)
	}
	if r.CrossoverMax < 0 {
		return Usagef("--crossover-max %g: want positive FLOPs", r.CrossoverMax)
	}
	if r.Plot != "" {
		if _, err := plot.Format(r.Plot); err != nil {
			return Usagef("--plot: %v", err)
		}
	}
	return nil
}

// GroupsResult is the comparison of the groups.
type GroupsResult struct {
	R      *versus.Result
	Source string
	// Figure is the file the figure was written to ("" for none) and SVG its SVG (for
	// report.html, when written into a report's directory).
	Figure string
	SVG    []byte
	dir    string
}

// Contract is the comparison's JSON document.
func (r *GroupsResult) Contract() any { return report.VersusDoc(r.R, r.Source) }

// Blocks: the tables; Markdown adds the heading, what the multiplier is, the verdicts and the
// figure (the document report.md carries as its section).
func (r *GroupsResult) Blocks(f format.Output) []doc.Block {
	tables := doc.Tables(report.VersusTables(r.R))
	if f != format.Markdown {
		return tables
	}
	out := []doc.Block{&doc.Heading{Level: 2, Text: "Which design scales better: compute multipliers against " + r.R.Reference}}
	intro := "Each group's loss-optimal frontier L*(C) comes from its Approach-3 fit"
	if r.R.Frontier == versus.FrontierIsoFLOP {
		intro = "Each group's loss-optimal frontier L*(C) is E + K (C/6)^-slope fitted to its IsoFLOP minima"
	}
	out = append(out, &doc.Paragraph{Text: intro + "; the multiplier m(C) is the compute a group needs to reach the loss the reference reaches with C (below 1: less compute). Budgets outside the compute both groups' runs cover are marked extrapolated."})
	var verdicts []string
	for _, c := range r.R.Comparisons {
		verdicts = append(verdicts, report.VersusVerdict(r.R, c))
	}
	if len(verdicts) > 0 {
		out = append(out, doc.Bullets(verdicts...))
	}
	out = append(out, tables...)
	if r.Figure != "" && r.dir != "" {
		out = append(out, &doc.Figure{Name: "frontiers and multipliers", File: r.Figure, Caption: report.VersusCaption})
	}
	return out
}

// Warnings are the comparison's.
func (r *GroupsResult) Warnings() []warn.Warning { return r.R.Warnings }

// NotConverged names the groups whose fit did not converge.
func (r *GroupsResult) NotConverged() []string { return r.R.NotConverged() }

// WriteCSV writes one row per (group, budget) at full precision.
func (r *GroupsResult) WriteCSV(w io.Writer) error {
	return report.WriteRowsCSV(w, report.VersusCSVRows(r.R))
}

// Files are the figure files written.
func (r *GroupsResult) Files() []string {
	if r.Figure == "" {
		return nil
	}
	return []string{r.Figure}
}

// CompareGroups loads the runs and compares their groups.
func CompareGroups(ctx context.Context, r GroupsRequest) (*GroupsResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	set, totalCol, err := loadVersusSet(r.Runs, r.TotalCol)
	if err != nil {
		return nil, err
	}
	if totalCol != "" && runs.HeaderIndex(set.Headers, totalCol) < 0 {
		return nil, fmt.Errorf("%s: --total-params-col %q: no such column (have %s)", set.Source, totalCol, limits.Names(set.Headers))
	}
	granCol := r.GranCol
	if granCol == "" && runs.HeaderIndex(set.Headers, granularityCol) >= 0 {
		granCol = granularityCol
	}
	if granCol != "" && runs.HeaderIndex(set.Headers, granCol) < 0 {
		return nil, fmt.Errorf("%s: --granularity-col %q: no such column (have %s)", set.Source, granCol, limits.Names(set.Headers))
	}
	groups, names, err := versusGroups(set, totalCol, granCol)
	if err != nil {
		return nil, err
	}
	if len(groups) < 2 {
		return nil, fmt.Errorf("%s: column %q has %d group(s) (%s): compare --group needs at least two", set.Source, set.Columns["group"], len(groups), limits.Names(names))
	}
	if r.Reference != "" && !slices.Contains(names, r.Reference) {
		return nil, Usagef("--reference %q: no such group in column %q (have %s)", r.Reference, set.Columns["group"], limits.Names(names))
	}
	if err := limits.Resamples(r.Bootstrap, len(groups)); err != nil {
		return nil, &UsageError{Err: err} // the cap is on the total over the groups
	}
	frontier := r.Frontier
	if frontier == "" {
		frontier = versus.FrontierAuto
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := versus.Compare(groups, versus.Options{Reference: r.Reference, SharedE: strings.EqualFold(r.Shared, "e"), Budgets: r.Budgets,
		CrossoverMax: r.CrossoverMax, Bootstrap: r.Bootstrap, Seed: r.Seed, Frontier: frontier})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", set.Source, err)
	}
	out := &GroupsResult{R: res, Source: set.Source}
	path := r.Plot
	if r.Dir != "" {
		out.Figure = "versus." + r.Ext
		path = filepath.Join(r.Dir, out.Figure)
	}
	if path != "" {
		fig, err := plot.Versus(versusPlotInput(res, groups))
		if err != nil {
			return nil, err
		}
		if err := fig.Save(path); err != nil {
			return nil, err
		}
		if r.Dir != "" {
			var svg bytes.Buffer
			if err := fig.WriteTo(&svg, "svg"); err != nil {
				return nil, err
			}
			out.SVG = svg.Bytes()
		} else {
			out.Figure = path
		}
	}
	out.dir = r.Dir
	return out, nil
}

// loadVersusSet reads the runs of a comparison of groups. Mixture-of-experts runs: with
// active_params and total_params columns (and no --params-col), fit on active parameters
// and report total parameters as memory. Standard input is buffered so that it can be read
// twice.
func loadVersusSet(in Inputs, totalCol string) (*runs.Set, string, error) {
	in, err := in.Buffered()
	if err != nil {
		return nil, "", err
	}
	if in.Options.ParamsCol == "" {
		moe := in
		moe.Options.ParamsCol = activeParamsCol
		if s, err := moe.Load(); err == nil && runs.HeaderIndex(s.Headers, totalParamsCol) >= 0 {
			if totalCol == "" {
				totalCol = totalParamsCol
			}
			return s, totalCol, nil
		}
	}
	set, err := in.Load()
	return set, totalCol, err
}

// versusGroups splits a run set by its group column into the groups of a comparison
// (loss curves: each run's last point), with total parameters from totalCol and
// granularity from granCol when not "".
func versusGroups(set *runs.Set, totalCol, granCol string) ([]versus.Group, []string, error) {
	rs := set.Runs
	if set.IsCurves() {
		rs = runs.FinalPoints(rs)
	}
	names, by := runs.Groups(rs)
	var groups []versus.Group
	for _, n := range names {
		vg := versus.Group{Name: n}
		for _, r := range by[n] {
			vg.Params = append(vg.Params, r.Params)
			vg.Tokens = append(vg.Tokens, r.Tokens)
			vg.FLOPs = append(vg.FLOPs, r.FLOPs)
			vg.Loss = append(vg.Loss, r.Loss)
			vg.Budgets = append(vg.Budgets, r.Budget)
			if totalCol != "" {
				s, _ := r.Field(totalCol)
				v, err := runs.ParseQuantity(s)
				if err != nil || !(v > 0) {
					return nil, nil, fmt.Errorf("%s:%d: %s %q: want a positive parameter count such as 1.2e9 or 7B", set.Source, r.Line, totalCol, s)
				}
				vg.TotalParams = append(vg.TotalParams, v)
			}
			if granCol != "" {
				s, _ := r.Field(granCol)
				v, err := runs.ParseQuantity(s)
				if err != nil || !(v > 0) {
					return nil, nil, fmt.Errorf("%s:%d: %s %q: want a positive granularity such as 1 or 8", set.Source, r.Line, granCol, s)
				}
				vg.Granularity = append(vg.Granularity, v)
			}
		}
		groups = append(groups, vg)
	}
	return groups, names, nil
}

// versusPlotInput hands the comparison and the runs to the figure.
func versusPlotInput(res *versus.Result, groups []versus.Group) *plot.VersusInput {
	in := &plot.VersusInput{Result: res}
	for _, g := range groups {
		in.Runs = append(in.Runs, plot.VersusRuns{Group: g.Name, FLOPs: g.FLOPs, Loss: g.Loss})
	}
	return in
}
