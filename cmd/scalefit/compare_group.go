package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/versus"
	"github.com/spf13/pflag"
)

// groupCompareOptions are the flags of `scalefit compare RUNS --group COL`, the comparison
// of groups (architectures, data mixes, MoE against dense) by compute multiplier.
type groupCompareOptions struct {
	reference    string
	shared       string
	crossoverMax float64
	plot         string
	totalCol     string
	frontier     string
	granCol      string
}

func (o *groupCompareOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.reference, "reference", "", "with --group: the group the others are measured against (default: the first group in the file)")
	fs.StringVar(&o.shared, "shared", "", "with --group: parameters fitted jointly across groups; only E (one irreducible loss) is supported")
	fs.Float64Var(&o.crossoverMax, "crossover-max", 0, "with --group: the largest compute (FLOPs) searched for a crossover (default: the largest budget)")
	fs.StringVar(&o.plot, "plot", "", "with --group: also draw the frontiers and multipliers to this file (.png, .svg, .pdf)")
	fs.StringVar(&o.frontier, "frontier", "auto", "with --group: each group's loss-optimal frontier from its Approach-3 law (approach3), from a fit of E + K (C/6)^-slope to its IsoFLOP minima (isoflop), or auto: Approach 3 unless it misses some group's IsoFLOP minima by more than 1%")
	fs.StringVar(&o.granCol, "granularity-col", "", "with --group: column of mixture-of-experts granularity G; a group whose G varies is fitted with Krajewski et al.'s L = c + (g/G^gamma + a)/N^alpha + b/D^beta (default: granularity, when the file has it)")
	fs.StringVar(&o.totalCol, "total-params-col", "", "with --group: column of total parameters (mixture-of-experts memory; default: total_params when the file has active_params and total_params)")
}

// groupOnlyFlags are the flags that mean something only with --group.
var groupOnlyFlags = []string{"reference", "shared", "crossover-max", "plot", "total-params-col", "frontier", "granularity-col"}

// MoE column names recognised without flags: runs with both fit on active parameters.
const (
	activeParamsCol = "active_params"
	totalParamsCol  = "total_params"
	granularityCol  = "granularity"
)

// runCompareGroups is `scalefit compare RUNS --group COL`: each group's loss-optimal frontier
// and the compute multiplier of every group against the reference.
func runCompareGroups(e *env, o *compareOptions, args []string, computeSet bool) error {
	g := &o.group
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if len(args) != 1 {
		return app.Usagef("compare --group needs RUNS.csv")
	}
	if len(o.laws) > 0 {
		return app.Usagef("--law does not apply to compare --group (it compares your groups, not published laws)")
	}
	if err := limits.Resamples(o.bootstrap, 1); err != nil {
		return &app.UsageError{Err: err}
	}
	switch strings.ToLower(g.shared) {
	case "", "none":
	case "e":
	default:
		return app.Usagef("--shared %q: only E can be shared (one irreducible loss across groups)", g.shared)
	}
	if g.frontier != versus.FrontierAuto && g.frontier != versus.FrontierApproach3 && g.frontier != versus.FrontierIsoFLOP {
		return app.Usagef("--frontier %q: want auto, approach3 or isoflop", g.frontier)
	}
	if g.crossoverMax < 0 {
		return app.Usagef("--crossover-max %g: want positive FLOPs", g.crossoverMax)
	}
	if g.plot != "" {
		if _, err := plot.Format(g.plot); err != nil {
			return app.Usagef("--plot: %v", err)
		}
	}
	var budgets []float64
	if computeSet {
		if budgets, err = app.ParseCompute(o.compute); err != nil {
			return app.Usagef("--compute: %v", err)
		}
	}
	// Mixture-of-experts runs: with active_params and total_params columns (and no
	// --params-col), fit on active parameters and report total parameters as memory.
	// Standard input is buffered so that it can be read twice.
	var stdin []byte
	if args[0] == "-" || slices.Contains(o.runs.more, "-") {
		if stdin, err = io.ReadAll(e.stdin); err != nil {
			return fmt.Errorf("cannot read standard input: %w", err)
		}
	}
	load := func(f runFlags) (*runs.Set, error) {
		e2 := *e
		e2.stdin = bytes.NewReader(stdin)
		return f.load(&e2, args[0])
	}
	totalCol := g.totalCol
	var set *runs.Set
	if o.runs.opts.ParamsCol == "" {
		moe := o.runs
		moe.opts.ParamsCol = activeParamsCol
		if s, err := load(moe); err == nil && has(s.Headers, totalParamsCol) {
			set = s
			if totalCol == "" {
				totalCol = totalParamsCol
			}
		}
	}
	if set == nil {
		if set, err = load(o.runs); err != nil {
			return err
		}
	}
	if totalCol != "" && !has(set.Headers, totalCol) {
		return fmt.Errorf("%s: --total-params-col %q: no such column (have %s)", set.Source, totalCol, limits.Names(set.Headers))
	}
	granCol := g.granCol
	if granCol == "" && has(set.Headers, granularityCol) {
		granCol = granularityCol
	}
	if granCol != "" && !has(set.Headers, granCol) {
		return fmt.Errorf("%s: --granularity-col %q: no such column (have %s)", set.Source, granCol, limits.Names(set.Headers))
	}
	groups, names, err := versusGroups(set, totalCol, granCol)
	if err != nil {
		return err
	}
	if len(groups) < 2 {
		return fmt.Errorf("%s: column %q has %d group(s) (%s): compare --group needs at least two", set.Source, set.Columns["group"], len(groups), limits.Names(names))
	}
	if g.reference != "" {
		if !slices.Contains(names, g.reference) {
			return app.Usagef("--reference %q: no such group in column %q (have %s)", g.reference, set.Columns["group"], limits.Names(names))
		}
	}
	if err := limits.Resamples(o.bootstrap, len(groups)); err != nil {
		return &app.UsageError{Err: err} // the cap is on the total over the groups
	}
	opts := versus.Options{Reference: g.reference, SharedE: strings.EqualFold(g.shared, "e"), Budgets: budgets,
		CrossoverMax: g.crossoverMax, Bootstrap: o.bootstrap, Seed: o.seed, Frontier: g.frontier}
	res, err := versus.Compare(groups, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", set.Source, err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stderr, "scalefit: warning:", w.Qualified())
	}
	if g.plot != "" {
		fig, err := plot.Versus(versusPlotInput(res, groups))
		if err != nil {
			return err
		}
		if err := fig.Save(g.plot); err != nil {
			return err
		}
	}
	switch outFmt {
	case format.JSON:
		err = report.WriteJSON(e.stdout, report.VersusDoc(res, set.Source))
	case format.Markdown:
		err = report.VersusMarkdown(e.stdout, res, "")
	case format.CSV: // machine-readable; the warnings went to stderr above
		err = report.WriteRowsCSV(e.stdout, report.VersusCSVRows(res))
	default:
		err = report.RenderAll(e.stdout, outFmt, report.VersusTables(res), stdoutWarnings(outFmt, res.Warnings))
	}
	if err != nil {
		return err
	}
	return strictErr(e, o.strict, res.NotConverged())
}

// versusGroups splits a run set by its group column into the groups of a comparison
// (loss curves: each run's last point), with total parameters from totalCol when not "".
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

func has(headers []string, name string) bool { return runs.HeaderIndex(headers, name) >= 0 }

// reportVersus returns report.md's section comparing the groups when the report's runs are
// grouped (--group): the first group is the reference, each group keeps its own fit, and
// the fit's --bootstrap and --seed give the intervals. The figure is written into dir as
// versus.<image format>; its SVG is returned for report.html, keyed by file name. A
// comparison that cannot be made is a note in the section, not a failed report.
func reportVersus(set *runs.Set, o *reportOptions, dir string) (*report.Section, map[string][]byte, error) {
	if o.fit.runs.opts.GroupCol == "" {
		return nil, nil, nil
	}
	groups, _, err := versusGroups(set, "", "")
	if err != nil {
		return nil, nil, err
	}
	if len(groups) < 2 {
		return nil, nil, nil
	}
	sec := &report.Section{Name: "group comparison"}
	res, err := versus.Compare(groups, versus.Options{Bootstrap: o.fit.bootstrap, Seed: o.fit.seed, Frontier: versus.FrontierAuto})
	if err != nil {
		sec.Markdown = fmt.Sprintf("## Which design scales better\n\nNo comparison of the groups: %s.\n", format.MarkdownText(err.Error()))
		return sec, nil, nil
	}
	fig, err := plot.Versus(versusPlotInput(res, groups))
	if err != nil {
		return nil, nil, err
	}
	file := "versus." + o.ext
	if err := fig.Save(filepath.Join(dir, file)); err != nil {
		return nil, nil, err
	}
	var svg bytes.Buffer
	if err := fig.WriteTo(&svg, "svg"); err != nil {
		return nil, nil, err
	}
	var md strings.Builder
	if err := report.VersusMarkdown(&md, res, file); err != nil {
		return nil, nil, err
	}
	sec.Markdown, sec.Warnings = md.String(), res.Warnings
	return sec, map[string][]byte{file: svg.Bytes()}, nil
}
