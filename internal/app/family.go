package app

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/registry"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// FamilyRequest fits one registered law family to runs (`scalefit fit --family NAME`).
type FamilyRequest struct {
	Family string // registry name
	Inputs Inputs
	// Columns maps a family column's name to the header holding it (its --X-col flag);
	// columns not named here are found by their name and aliases.
	Columns map[string]string
	// Values gives one value for every run of a family column (its value flag, e.g.
	// --embed-dim 4096).
	Values map[string]float64
	// Options holds the family's own options by flag name (unset ones take their default).
	Options map[string]string
	// Bootstrap resamples (0: none) with Seed; Loss "huber" or "mse" with Delta (0: default).
	Bootstrap int
	Seed      uint64
	Loss      string
	Delta     float64
	Workers   int
	Progress  func(done, total int)
	// Plot, when set, is a file (.png, .svg, .pdf) to draw the family's figure of the fits
	// into (a family.Charter).
	Plot string
}

// FamilyResult is the fit of one family, per group when the runs have groups.
type FamilyResult struct {
	Info    family.Info
	Set     *runs.Set
	Fits    []family.Result
	Doc     *fitfile.Document
	warns   []warn.Warning
	unconv  []string
	prepare []string       // input notes (columns used, values given)
	inputs  []family.Input // what each fit saw, for figures (one per group)
}

// Contract is fit.json's document: one fits[] entry per group, law = the family's name.
func (r *FamilyResult) Contract() any { return r.Doc }

// Warnings are the input's and every fit's warnings.
func (r *FamilyResult) Warnings() []warn.Warning { return r.warns }

// NotConverged names the groups whose fit did not converge.
func (r *FamilyResult) NotConverged() []string { return r.unconv }

// Blocks is a table of every fit's constants (with intervals) and diagnostics.
func (r *FamilyResult) Blocks(format.Output) []doc.Block {
	t := &doc.Table{Title: r.Info.Title + " (" + r.Info.Name + "): " + r.Info.Form}
	t.Header = []string{"group", "parameter", "value", "95% interval"}
	for _, f := range r.Fits {
		g := f.Group
		if g == "" {
			g = "(all)"
		}
		for _, name := range r.Info.ParamNames() {
			iv := ""
			if x, ok := f.Intervals[name]; ok {
				iv = "[" + bound(x[0]) + ", " + bound(x[1]) + "]"
			}
			t.AddRow(g, name, format.Float(f.Params[name], 4), iv)
		}
		conv := "converged"
		if !f.Converged {
			conv = "NOT CONVERGED (" + f.Status + ")"
		}
		t.Notes = append(t.Notes, fmt.Sprintf("%s: %d runs, objective %s, %s, %d of %d starts at the best", g, f.Runs, format.Float(f.Objective, 6), conv, f.AtBest, f.Starts))
		for _, n := range f.Notes {
			t.Notes = append(t.Notes, g+": "+n)
		}
	}
	if r.Info.Citation != "" {
		t.Notes = append(t.Notes, "law: "+r.Info.Citation)
	}
	t.Notes = append(t.Notes, r.prepare...)
	return []doc.Block{t}
}

func bound(v float64) string {
	if math.IsInf(v, 0) {
		return "unbounded"
	}
	return format.Float(v, 4)
}

// FitFamily loads the runs, resolves the family's columns and fits it (per group).
func FitFamily(ctx context.Context, r FamilyRequest) (*FamilyResult, error) {
	fam, err := registry.Lookup(r.Family)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--family: %w", err)}
	}
	return fitFamily(ctx, fam, r)
}

// fitFamily is FitFamily with the family given.
func fitFamily(ctx context.Context, fam family.Family, r FamilyRequest) (*FamilyResult, error) {
	info := fam.Info()
	if r.Plot != "" {
		if _, err := plot.Format(r.Plot); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--plot: %w", err)}
		}
	}
	opts, err := familyOptions(info, r.Options)
	if err != nil {
		return nil, err
	}
	if info.Table != nil {
		// A family table: only the loss has a role; the family's columns are its own,
		// --params-col and --tokens-col included.
		o := &r.Inputs.Options
		o.Layout, o.TableLoss = runs.LayoutTable, info.Table
		named := map[string]string{}
		for k, v := range r.Columns {
			named[k] = v
		}
		for name, h := range map[string]string{"params": o.ParamsCol, "tokens": o.TokensCol, "flops": o.FLOPsCol, "budget": o.BudgetCol} {
			if _, ok := named[name]; !ok && h != "" {
				named[name] = h
			}
		}
		r.Columns = named
	}
	set, err := r.Inputs.Load()
	if err != nil {
		return nil, err
	}
	res := &FamilyResult{Info: info, Set: set, warns: append([]warn.Warning(nil), set.Warnings...)}
	names, byGroup := runs.Groups(set.Runs)
	res.Doc = &fitfile.Document{SchemaVersion: fitfile.SchemaVersion, Family: info.Name, Source: set.Source, Runs: len(set.Runs),
		Excluded: set.Excluded, Derived: set.Derived, InputNotes: set.Notes, Fits: []fitfile.Fit{}}
	for gi, name := range names {
		g := byGroup[name]
		cols, notes, err := familyColumns(info, set, g, r.Columns, r.Values)
		if err != nil {
			return nil, err
		}
		if gi == 0 {
			res.prepare = notes
		}
		in := family.Input{Source: set.Source, Runs: g, Cols: cols, Options: opts, Bootstrap: r.Bootstrap,
			Seed: r.Seed, Loss: r.Loss, Delta: r.Delta, Workers: r.Workers, Progress: r.Progress}
		fits, err := fam.Fit(ctx, in)
		if err != nil {
			return nil, err
		}
		group := ""
		if set.Has("group") {
			group = name
		}
		for _, f := range fits {
			res.inputs = append(res.inputs, in)
			f.Group = group
			res.Fits = append(res.Fits, f)
			res.warns = append(res.warns, warn.In(group, info.Name, f.Warnings)...)
			if !f.Converged {
				what := "the " + info.Name + " fit"
				if group != "" {
					what += " of group " + group
				}
				res.unconv = append(res.unconv, what)
			}
			res.Doc.Fits = append(res.Doc.Fits, FamilyFit(info, f))
		}
	}
	res.Doc.Warnings = res.warns
	if r.Plot != "" {
		if err := res.drawFamily(fam, r.Plot); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// FamilyFit is the fits[] entry of a family's result.
func FamilyFit(info family.Info, f family.Result) fitfile.Fit {
	conv := f.Converged
	out := fitfile.Fit{Law: info.Name, Group: f.Group, Params: f.Params, Converged: &conv, Status: f.Status,
		Objective: fitfile.F(f.Objective), Starts: f.Starts, StartsAtBest: f.AtBest, Runs: f.Runs,
		Warnings: f.Warnings, Form: info.Form, Extra: f.Extra}
	if f.Variant != "" {
		out.Form = f.Variant + ": " + info.Form
	}
	// standard fields a family may give through Extra
	if a, ok := f.Extra["approach"].(int); ok {
		// a family fitted as an approach of Chinchilla's (the data-constrained law: Approach 3)
		out.Approach = a
	}
	if r, ok := f.Extra["rmse_log_loss"].(float64); ok {
		out.RMSE = fitfile.F(r)
	}
	if len(f.Intervals) > 0 {
		out.Intervals = map[string]fitfile.Interval{}
		for k, v := range f.Intervals {
			out.Intervals[k] = fitfile.Interval(v)
		}
	}
	if len(f.Draws) > 0 {
		names := info.ParamNames()
		var n int
		for _, k := range names {
			n = max(n, len(f.Draws[k]))
		}
		out.DrawNames, out.Resamples = names, n
		for i := 0; i < n; i++ {
			row := make([]float64, len(names))
			for j, k := range names {
				if i < len(f.Draws[k]) {
					row[j] = f.Draws[k][i]
				} else {
					row[j] = math.NaN()
				}
			}
			out.Bootstrap = append(out.Bootstrap, row)
		}
	}
	return out
}

// familyOptions fills in the family's option defaults and refuses options it does not have.
func familyOptions(info family.Info, given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, o := range info.Options {
		out[o.Flag] = o.Default
	}
	for k, v := range given {
		if _, ok := out[k]; !ok {
			return nil, Usagef("--%s does not apply to the %s family", k, info.Name)
		}
		out[k] = v
	}
	return out, nil
}

// familyColumns reads the family's columns for the runs g: from the header a --X-col flag
// names, else the first header matching the column's name or aliases, else the one value a
// value flag gives. A missing required column is an error naming its aliases and flags; a
// cell that is not a number is an error naming the file, line and column.
func familyColumns(info family.Info, set *runs.Set, g []runs.Run, named map[string]string, values map[string]float64) (map[string][]float64, []string, error) {
	cols := map[string][]float64{}
	var notes []string
	for _, c := range info.Columns {
		if v, ok := values[c.Name]; ok {
			col := make([]float64, len(g))
			for i := range col {
				col[i] = v
			}
			cols[c.Name] = col
			notes = append(notes, fmt.Sprintf("%s: %s for every run (--%s)", c.Name, format.Short(v, 6), c.ValueFlag))
			continue
		}
		header, ok := named[c.Name]
		if ok {
			if _, found := set.FindHeader(header); !found {
				return nil, nil, Usagef("--%s %q: no such column (the header has %s)", c.ColFlag, header, strings.Join(set.Headers, ", "))
			}
		} else {
			header, ok = set.FindHeader(append([]string{c.Name}, c.Aliases...)...)
		}
		if !ok {
			if c.Optional {
				continue
			}
			return nil, nil, fmt.Errorf("%s: no %s column for the %s family: want a header named %s%s%s", set.Source, c.Name, info.Name,
				strings.Join(append([]string{c.Name}, c.Aliases...), "/"), flagHint(" or --%s NAME", c.ColFlag), flagHint(" or one value with --%s", c.ValueFlag))
		}
		col := make([]float64, len(g))
		for i := range g {
			s, _ := g[i].Field(header)
			if strings.TrimSpace(s) == "" {
				if !c.Optional {
					return nil, nil, fmt.Errorf("%s:%d: %s is empty: want a number (%s)", g[i].File(), g[i].Line, header, c.Doc)
				}
				col[i] = math.NaN()
				continue
			}
			v, err := runs.ParseQuantity(s)
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %s %q: want a number such as 1.5e9 or 64 (%s)", g[i].File(), g[i].Line, header, s, c.Doc)
			}
			col[i] = v
		}
		cols[c.Name] = col
		if !strings.EqualFold(header, c.Name) {
			notes = append(notes, fmt.Sprintf("%s: column %s", c.Name, header))
		}
	}
	sort.Strings(notes)
	return cols, notes, nil
}

func flagHint(f, flag string) string {
	if flag == "" {
		return ""
	}
	return fmt.Sprintf(f, flag)
}

// drawFamily draws the family's figure of the fits into path.
func (r *FamilyResult) drawFamily(fam family.Family, path string) error {
	ch, ok := fam.(family.Charter)
	if !ok {
		return Usagef("--plot: the %s family draws no figure", r.Info.Name)
	}
	fitted := make([]family.Fitted, len(r.Fits))
	for i, f := range r.Fits {
		fitted[i] = family.Fitted{Input: r.inputs[i], Result: f}
	}
	c, err := ch.Chart(fitted)
	if err != nil {
		return err
	}
	fig, err := plot.FamilyChart(c)
	if err != nil {
		return err
	}
	return fig.Save(path)
}
