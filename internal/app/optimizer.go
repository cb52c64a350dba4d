package app

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/registry"
	"github.com/scalefit/scalefit/internal/warn"
)

// A family's own optimal question: a law of a registered family that implements
// family.Optimizer (the compute-optimal vocabulary of vocab-tao2024, ...) answers `scalefit
// optimal` in its own quantities. The family's Keys are optimal's flags (their ValueFlag;
// "compute" is optimal's own --compute), registered from the registry so that a new family
// needs no code in cmd or here.

// OptimizerKey is a query key of a registered family's optimizer.
type OptimizerKey struct {
	family.Column
	Family string // the family's name
}

// OptimizerKeys lists the query keys of every registered family whose law is a
// family.Optimizer, one per flag (the first family to use a flag describes it), in registry
// order. Keys whose flag is one of optimal's own (--compute, --params, --target-loss) take
// their values from it.
func OptimizerKeys() []OptimizerKey {
	var out []OptimizerKey
	seen := map[string]bool{}
	for _, f := range registry.All() {
		var keys []family.Column
		if ok, is := f.(family.OptimalKeys); is {
			keys = ok.OptimalKeys()
		} else if opt := sampleOptimizer(f); opt != nil {
			keys = opt.Keys()
		}
		for _, k := range keys {
			if k.ValueFlag == "" || seen[k.ValueFlag] {
				continue
			}
			seen[k.ValueFlag] = true
			out = append(out, OptimizerKey{Column: k, Family: f.Info().Name})
		}
	}
	return out
}

// sampleOptimizer is the optimizer of a family's first built-in law (nil when the family has
// no built-in law or its law answers no optimal question of its own).
func sampleOptimizer(f family.Family) family.Optimizer {
	for _, b := range f.Info().Builtins {
		l, err := f.Law(b.Params)
		if err != nil {
			continue
		}
		if opt, ok := l.(family.Optimizer); ok {
			return opt
		}
		return nil
	}
	return nil
}

// optimizerSource is the law of a family optimal question: one optimizer per fit (group).
type optimizerSource struct {
	info   family.Info
	law    LawInfoFamily
	fits   []groupOptimizer
	warns  []warn.Warning
	unconv []string
}

type groupOptimizer struct {
	group string
	opt   family.Optimizer
}

// LawInfoFamily describes the law of a family optimal question (the JSON "law" object).
type LawInfoFamily struct {
	Name     string `json:"name"`   // built-in name or fit.json path
	Source   string `json:"source"` // "law" or "fit"
	Family   string `json:"family"`
	Title    string `json:"title,omitempty"`
	Citation string `json:"citation,omitempty"`
	// Params are the constants of a built-in law or of an ungrouped fit.
	Params map[string]float64 `json:"params,omitempty"`
}

// familyOptimizer reports whether the request's law is a family optimizer: a built-in --law
// of a registered family whose law implements family.Optimizer, or a --fit fit.json with no
// Chinchilla fit whose fits are such a family's. A fit.json that cannot be read is left to
// the Chinchilla path, which says why.
func (r *OptimalRequest) familyOptimizer() (*optimizerSource, bool, error) {
	s := r.Law
	switch {
	case s.Law != "" && s.Fit == "" && len(s.Runs.Paths) == 0:
		f, b, ok := registry.Builtin(s.Law)
		if !ok {
			return nil, false, nil
		}
		l, err := f.Law(b.Params)
		if err != nil {
			return nil, false, err
		}
		opt, ok := l.(family.Optimizer)
		if !ok {
			return nil, false, nil
		}
		info := f.Info()
		return &optimizerSource{info: info, fits: []groupOptimizer{{opt: opt}},
			law: LawInfoFamily{Name: b.Name, Source: "law", Family: info.Name, Title: b.Title, Citation: b.Citation, Params: b.Params}}, true, nil
	case s.Fit != "" && s.Law == "" && len(s.Runs.Paths) == 0:
		d, err := fitfile.Read(s.Fit)
		if err != nil || d.Find("chinchilla", 3) != nil || len(d.Fits) == 0 {
			return nil, false, nil
		}
		var src *optimizerSource
		for _, fit := range d.Fits {
			f, err := registry.Lookup(fit.Law)
			if err != nil {
				continue
			}
			l, err := f.Law(fit.Params)
			if err != nil {
				return nil, false, &UsageError{Err: err}
			}
			opt, ok := l.(family.Optimizer)
			if !ok {
				continue
			}
			info := f.Info()
			if src == nil {
				src = &optimizerSource{info: info, law: LawInfoFamily{Name: s.Fit, Source: "fit", Family: info.Name, Title: info.Title + " fit", Citation: info.Citation}}
				if d.Source != "" {
					src.law.Title += " to " + d.Source
				}
			}
			if info.Name != src.info.Name {
				continue
			}
			src.fits = append(src.fits, groupOptimizer{group: fit.Group, opt: opt})
			if fit.Converged != nil && !*fit.Converged {
				what := "the " + info.Name + " fit in " + s.Fit
				if fit.Group != "" {
					what += " (group " + fit.Group + ")"
				}
				src.warns = append(src.warns, warn.New(warn.CodeNotConverged, "%s did not converge: its answers are not reliable", what))
				src.unconv = append(src.unconv, what)
			}
		}
		if src == nil {
			return nil, false, nil
		}
		if len(src.fits) == 1 {
			for _, fit := range d.Fits {
				if fit.Law == src.info.Name {
					src.law.Params = fit.Params
				}
			}
		}
		return src, true, nil
	}
	return nil, false, nil
}

// FamilyOptimalDoc is the JSON of a family's optimal question: one row per query (and per
// group of a grouped fit), keyed by the family's contract names.
type FamilyOptimalDoc struct {
	SchemaVersion int              `json:"schema_version"`
	Command       string           `json:"command"` // "optimal"
	Mode          string           `json:"mode"`    // "family"
	Law           LawInfoFamily    `json:"law"`
	Rows          []map[string]any `json:"rows"`
	Warnings      warn.List        `json:"warnings"`
}

// FamilyOptimalResult is the answer of a family's optimal question.
type FamilyOptimalResult struct {
	Doc          *FamilyOptimalDoc
	keys         []string // the query keys, in the family's order (table columns first)
	notConverged []string
}

// Contract is the document.
func (r *FamilyOptimalResult) Contract() any { return r.Doc }

// Warnings are the fit's.
func (r *FamilyOptimalResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged names the fits that did not converge.
func (r *FamilyOptimalResult) NotConverged() []string { return r.notConverged }

// Blocks is one table: the group (when grouped), the query keys, then the answers.
func (r *FamilyOptimalResult) Blocks(format.Output) []doc.Block {
	cols := append([]string(nil), r.keys...)
	seen := map[string]bool{"group": true}
	for _, k := range cols {
		seen[k] = true
	}
	var rest []string
	for _, row := range r.Doc.Rows {
		for k := range row {
			if !seen[k] {
				seen[k] = true
				rest = append(rest, k)
			}
		}
	}
	sort.Strings(rest)
	cols = append(cols, rest...)
	grouped := false
	for _, row := range r.Doc.Rows {
		if _, ok := row["group"]; ok {
			grouped = true
		}
	}
	t := &doc.Table{Title: "optimal: " + r.Doc.Law.Family + " (" + r.Doc.Law.Name + ")"}
	if grouped {
		t.Header = append(t.Header, "group")
	}
	t.Header = append(t.Header, cols...)
	for _, row := range r.Doc.Rows {
		var cells []string
		if grouped {
			g, _ := row["group"].(string)
			cells = append(cells, g)
		}
		for _, k := range cols {
			v, ok := row[k].(float64)
			if !ok {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, familyCell(k, v))
		}
		t.AddRow(cells...)
	}
	if r.Doc.Law.Title != "" {
		t.Notes = append(t.Notes, "law: "+r.Doc.Law.Title)
	}
	if r.Doc.Law.Citation != "" {
		t.Notes = append(t.Notes, "source: "+r.Doc.Law.Citation)
	}
	return []doc.Block{t}
}

// familyOptimal answers a family's own optimal question: one query per element of the
// paired value lists, asked of every fit (group).
func familyOptimal(ctx context.Context, r OptimalRequest, src *optimizerSource) (*FamilyOptimalResult, error) {
	if err := r.Law.Validate(); err != nil {
		return nil, err
	}
	name := src.info.Name
	keys := src.fits[0].opt.Keys()
	// optimal's own flags that a family key may take its values from.
	own := map[string][]float64{"compute": r.Compute, "params": r.Params, "target-loss": r.TargetLoss}
	isKey := map[string]bool{}
	for _, k := range keys {
		isKey[k.ValueFlag] = true
	}
	for flag, given := range map[string]bool{"compute": r.Compute != nil, "params": r.Params != nil, "target-loss": r.TargetLoss != nil,
		"max-unique-tokens": r.MaxUniqueTokens != 0, "inference-tokens": r.InferenceTokens != nil,
		"rd-star": r.RDStar != nil, "rn-star": r.RNStar != nil, "hparams": r.Hparams != "",
		"gpu": r.GPU.Name != "" || r.GPU.PeakFLOPs != "" || r.GPU.MFUGiven} {
		if given && !isKey[flag] {
			return nil, Usagef("--%s does not apply to %s's optimal question (%s)", flag, name, keyFlags(keys))
		}
	}
	values := map[string][]float64{}
	known := map[string]bool{}
	var order, missing []string
	n := 1
	for _, k := range keys {
		known[k.Name] = true
		order = append(order, k.Name)
		vs := r.Family[k.Name]
		if v, ok := own[k.ValueFlag]; ok {
			vs = v
		}
		if len(vs) == 0 {
			if !k.Optional {
				missing = append(missing, "--"+k.ValueFlag)
			}
			continue
		}
		if len(vs) > limits.MaxBudgets {
			return nil, Usagef("--%s: %d values, more than %d", k.ValueFlag, len(vs), limits.MaxBudgets)
		}
		if len(vs) > 1 {
			if n > 1 && len(vs) != n {
				return nil, Usagef("--%s has %d values and another query flag %d: want equal lengths, or one value", k.ValueFlag, len(vs), n)
			}
			n = len(vs)
		}
		values[k.Name] = vs
	}
	for k := range r.Family {
		if !known[k] {
			return nil, Usagef("--%s does not apply to %s's optimal question (%s)", familyFlag(k), name, keyFlags(keys))
		}
	}
	if len(missing) > 0 {
		return nil, Usagef("%s's optimal question needs %s", name, strings.Join(missing, ", "))
	}
	out := &FamilyOptimalResult{keys: order, Doc: &FamilyOptimalDoc{SchemaVersion: fitfile.SchemaVersion, Command: "optimal", Mode: "family",
		Law: src.law, Rows: []map[string]any{}, Warnings: append(warn.List{}, src.warns...)}}
	out.notConverged = src.unconv
	for _, g := range src.fits {
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			q := family.Query{}
			for k, vs := range values {
				q[k] = vs[min(i, len(vs)-1)]
			}
			row, err := g.opt.Optimal(q)
			if err != nil {
				return nil, err
			}
			m := map[string]any{}
			for k, v := range row {
				m[k] = v
			}
			if g.group != "" {
				m["group"] = g.group
			}
			out.Doc.Rows = append(out.Doc.Rows, m)
		}
	}
	return out, nil
}

// keyFlags lists an optimizer's flags, e.g. "--non-vocab-params, --embed-dim, --compute".
func keyFlags(keys []family.Column) string {
	var fs []string
	for _, k := range keys {
		if k.ValueFlag != "" {
			fs = append(fs, "--"+k.ValueFlag)
		}
	}
	return "its flags: " + strings.Join(fs, ", ")
}

// familyCell formats a family optimal answer: FLOPs in scientific notation, counts with a
// suffix (36.7K, 7B), other numbers to 4 significant figures.
func familyCell(key string, v float64) string {
	switch {
	case key == "flops" || strings.HasSuffix(key, "_flops"):
		return format.Sci(v)
	case math.Abs(v) >= 1e4:
		return format.Count(v)
	}
	return format.Float(v, 4)
}
