package app

import (
	"context"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/registry"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// AutoFit is what the Auto families (family.Info.Auto) add to a plain `scalefit fit`: their
// fits[] entries (after the Chinchilla and Kaplan ones, which stay as they are), a table per
// family, their warnings (with the family as source) and the fits that did not converge.
type AutoFit struct {
	Fits         []fitfile.Fit
	Results      []*FamilyResult
	Warnings     []warn.Warning
	NotConverged []string
}

// Tables returns one table per family fitted.
func (a *AutoFit) Tables(f format.Output) []*doc.Table {
	var out []*doc.Table
	for _, r := range a.Results {
		for _, b := range r.Blocks(f) {
			if t, ok := b.(*doc.Table); ok {
				out = append(out, t)
			}
		}
	}
	return out
}

// AutoFamilies fits, beside a plain fit, every registered family whose Info.Auto is set and
// whose required columns the runs have (by name, alias or --X-col) or whose value flags r
// gives: per group of res, on the runs res fitted (after --where, --holdout and filters; a
// loss curve's last point). r carries the families' column and value flags, options and
// the bootstrap settings; its Family and Inputs are ignored. A family's flag given when the
// family cannot run is a usage error naming what is missing.
func AutoFamilies(ctx context.Context, res *analysis.Result, r FamilyRequest) (*AutoFit, error) {
	out := &AutoFit{}
	set := res.Set
	for _, fam := range registry.All() {
		info := fam.Info()
		if !info.Auto {
			continue
		}
		ok, missing := hasColumns(info, set, r)
		if !ok {
			if flag := givenFlag(info, r); flag != "" {
				return nil, Usagef("--%s applies to the %s fit, which needs %s", flag, info.Name, missing)
			}
			continue
		}
		opts, err := familyOptions(info, pick(r.Options, info))
		if err != nil {
			return nil, err
		}
		fr := &FamilyResult{Info: info, Set: set}
		for gi, g := range res.Groups {
			rs := g.Runs
			if res.CurvesReduced {
				rs = runs.FinalPoints(rs)
			}
			cols, notes, err := familyColumns(info, set, rs, r.Columns, r.Values)
			if err != nil {
				return nil, err
			}
			if gi == 0 {
				fr.prepare = notes
			}
			in := family.Input{Source: set.Source, Runs: rs, Cols: cols, Options: opts, Bootstrap: r.Bootstrap,
				Seed: r.Seed, Loss: r.Loss, Delta: r.Delta, Workers: r.Workers, Progress: r.Progress}
			fits, err := fam.Fit(ctx, in)
			if err != nil {
				return nil, err
			}
			fr.inputs = append(fr.inputs, in)
			for _, f := range fits {
				f.Group = g.Name
				fr.Fits = append(fr.Fits, f)
				ws := warn.In(g.Name, info.Name, f.Warnings)
				fr.warns = append(fr.warns, ws...)
				out.Warnings = append(out.Warnings, ws...)
				if !f.Converged {
					what := "the " + info.Name + " fit"
					if g.Name != "" {
						what += " [" + g.Name + "]"
					}
					out.NotConverged = append(out.NotConverged, what)
				}
				out.Fits = append(out.Fits, FamilyFit(info, f))
			}
		}
		out.Results = append(out.Results, fr)
	}
	return out, nil
}

// hasColumns reports whether every required column of info is available for the runs of
// set: a value flag, a --X-col flag or a header matching its name or aliases. missing says
// what is not, for errors.
func hasColumns(info family.Info, set *runs.Set, r FamilyRequest) (bool, string) {
	for _, c := range info.Columns {
		if c.Optional {
			continue
		}
		if _, ok := r.Values[c.Name]; ok {
			continue
		}
		if _, ok := r.Columns[c.Name]; ok {
			continue
		}
		if _, ok := set.FindHeader(append([]string{c.Name}, c.Aliases...)...); ok {
			continue
		}
		what := "a " + c.Name + " column (" + strings.Join(append([]string{c.Name}, c.Aliases...), ", ") + ")"
		if c.ColFlag != "" {
			what += ", --" + c.ColFlag + " NAME"
		}
		if c.ValueFlag != "" {
			what += " or --" + c.ValueFlag + " VALUE"
		}
		return false, what
	}
	return true, ""
}

// givenFlag returns the first of info's options given in r (sorted), "" for none. Column
// flags cannot be given without the family being able to run.
func givenFlag(info family.Info, r FamilyRequest) string {
	var given []string
	for _, o := range info.Options {
		if _, ok := r.Options[o.Flag]; ok {
			given = append(given, o.Flag)
		}
	}
	sort.Strings(given)
	if len(given) == 0 {
		return ""
	}
	return given[0]
}

// pick returns the options of r that belong to info (flags of other families are theirs).
func pick(opts map[string]string, info family.Info) map[string]string {
	out := map[string]string{}
	for _, o := range info.Options {
		if v, ok := opts[o.Flag]; ok {
			out[o.Flag] = v
		}
	}
	return out
}
