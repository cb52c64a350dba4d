package main

import (
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/registry"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// familyFlags are fit's flags for the registered law families: --family NAME, and each
// family's column flags (--experts-col), value flags (--embed-dim) and options (--recipe),
// registered from the families' own descriptions so that a new family needs no code here.
type familyFlags struct {
	name    string
	cols    map[string]*string // column name -> header (--X-col)
	values  map[string]*string // column name -> one value (--X)
	options map[string]*string // option flag -> value
	flags   map[string]string  // "col:NAME" or "value:NAME" -> its flag
	plot    string             // --plot FILE: the family's figure
}

func (f *familyFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.name, "family", "", "law family to fit instead of --law: "+strings.Join(registry.Names(), ", "))
	fs.StringVar(&f.plot, "plot", "", "with --family: draw the family's figure of the fit to this file (.png, .svg or .pdf)")
	f.cols, f.values, f.options, f.flags = map[string]*string{}, map[string]*string{}, map[string]*string{}, map[string]string{}
	for _, fam := range registry.All() {
		info := fam.Info()
		for _, c := range info.Columns {
			if c.ColFlag != "" && fs.Lookup(c.ColFlag) == nil {
				f.cols[c.Name] = fs.String(c.ColFlag, "", "column holding "+c.Doc+" ("+info.Name+"; default: "+strings.Join(append([]string{c.Name}, c.Aliases...), ", ")+")")
				f.flags["col:"+c.Name] = c.ColFlag
			}
			if c.ValueFlag != "" && fs.Lookup(c.ValueFlag) == nil {
				f.values[c.Name] = fs.String(c.ValueFlag, "", "one value of "+c.Doc+" for every run ("+info.Name+")")
				f.flags["value:"+c.Name] = c.ValueFlag
			}
		}
		for _, o := range info.Options {
			if fs.Lookup(o.Flag) == nil {
				f.options[o.Flag] = fs.String(o.Flag, o.Default, o.Usage+" ("+info.Name+")")
			}
		}
	}
}

// request holds the family flags that were given (the family, its columns, values and
// options).
func (f *familyFlags) request(cmd *cobra.Command) (app.FamilyRequest, error) {
	r := app.FamilyRequest{Family: f.name, Columns: map[string]string{}, Values: map[string]float64{}, Options: map[string]string{}, Plot: f.plot}
	changed := cmd.Flags().Changed
	for name, p := range f.cols {
		if changed(f.flags["col:"+name]) {
			r.Columns[name] = *p
		}
	}
	for name, p := range f.values {
		if flag := f.flags["value:"+name]; changed(flag) {
			v, err := runs.ParseQuantity(*p)
			if err != nil {
				return r, app.Usagef("--%s: %v", flag, err)
			}
			r.Values[name] = v
		}
	}
	for flag, p := range f.options {
		if changed(flag) {
			r.Options[flag] = *p
		}
	}
	return r, nil
}
