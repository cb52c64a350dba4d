package dataconstrained

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/stats"
)

// Family is the data-constrained law family for internal/registry.
type Family struct{}

// Option flags of the family on `scalefit fit`.
const (
	OptRecipe  = "recipe"
	OptBaseLaw = "base-law"
)

// Info describes the family: it reads unique tokens per run (a column, or one value for
// every run) and joins a plain `scalefit fit` whenever the runs give them (Auto).
func (Family) Info() family.Info {
	return family.Info{
		Name:  Name,
		Title: "Data-constrained law (repeated data)",
		Citation: "Muennighoff et al. 2023, Scaling Data-Constrained Language Models (NeurIPS 2023), Eq. 5 with U_N; " +
			"C4 constants R_D* 15.39, R_N* 5.31 (law muennighoff2023)",
		Form: "L = E + A/N'^alpha + B/D'^beta, D' = U + U R_D* (1 - exp(-(D/U - 1)/R_D*)), " +
			"N' = U_N + U_N R_N* (1 - exp(-(N/U_N - 1)/R_N*)), U_N = min(N, N_opt(U))",
		Params: []family.Param{
			{Name: "E", Unit: "nats/token", Doc: "irreducible loss"},
			{Name: "A", Doc: "parameter term coefficient"},
			{Name: "B", Doc: "data term coefficient"},
			{Name: "alpha", Doc: "exponent of effective parameters N'"},
			{Name: "beta", Doc: "exponent of effective tokens D'"},
			{Name: ParamRDStar, Unit: "epochs", Doc: "repetitions after which repeated tokens have lost 1/e of their value"},
			{Name: ParamRNStar, Doc: "the same for parameters beyond the unique data's compute-optimal size"},
		},
		Columns: []family.Column{{
			Name: ColUnique, Aliases: []string{"U", "unique", "unique_data"}, Unit: "tokens",
			Doc:     "unique tokens the run's training tokens were drawn from (epochs = tokens/unique tokens)",
			ColFlag: "unique-tokens-col", ValueFlag: "unique-tokens",
		}},
		Options: []family.Option{
			{Flag: OptRecipe, Default: RecipeJoint, Usage: "data-constrained recipe: joint (all seven constants) or muennighoff2023 (the paper's two stages: base law fixed, R_D* and R_N* fitted)"},
			{Flag: OptBaseLaw, Default: "muennighoff2023", Usage: "base law of --recipe muennighoff2023: a built-in Chinchilla-form law or a fit.json (its data-constrained or Approach-3 fit)"},
		},
		Auto: true,
	}
}

// Law rebuilds a law from its constants.
func (Family) Law(p map[string]float64) (family.Law, error) { return NewLaw(p) }

// Fit fits the law to in's runs. A unique-token count that is not positive is an error
// naming the run's file and line.
func (Family) Fit(ctx context.Context, in family.Input) ([]family.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	us := in.Cols[ColUnique]
	if len(us) != len(in.Runs) {
		return nil, fmt.Errorf("%s: %d unique-token values for %d runs", Name, len(us), len(in.Runs))
	}
	rs := make([]Run, len(in.Runs))
	for i := range in.Runs {
		r := &in.Runs[i]
		u := us[i]
		if !(u > 0) || math.IsInf(u, 0) {
			where := in.Source
			if f := r.File(); f != "" {
				where = f
			}
			return nil, fmt.Errorf("%s:%d: unique tokens %s: want a positive count (the unique tokens the run drew its %s tokens from)",
				where, r.Line, strconv.FormatFloat(u, 'g', -1, 64), strconv.FormatFloat(r.Tokens, 'g', 4, 64))
		}
		name := r.ID
		if name == "" {
			if f := r.File(); f != "" {
				name = fmt.Sprintf("%s:%d", f, r.Line)
			} else if r.Line > 0 {
				name = fmt.Sprintf("line %d", r.Line)
			}
		}
		rs[i] = Run{Params: r.Params, Tokens: r.Tokens, Unique: u, Loss: r.Loss, Name: name}
	}
	opts := Options{Recipe: in.Options[OptRecipe], Bootstrap: in.Bootstrap, Seed: in.Seed, Workers: in.Workers, Progress: in.Progress}
	switch in.Loss {
	case "", "huber":
		opts.Loss = fit.Loss{Kind: fit.Huber, Delta: in.Delta}
	case "mse":
		opts.Loss = fit.Loss{Kind: fit.Squared}
	default:
		return nil, fmt.Errorf("%s: loss %q: want huber or mse", Name, in.Loss)
	}
	if opts.Recipe == RecipeTwoStage {
		base, err := BaseLaw(in.Options[OptBaseLaw])
		if err != nil {
			return nil, err
		}
		opts.Base = base
	}
	res, err := Fit(rs, opts)
	if err != nil {
		return nil, err
	}
	return []family.Result{res.familyResult(rs, in.Options[OptBaseLaw])}, nil
}

// BaseLaw resolves --base-law: a built-in Chinchilla-form law by name, else a fit.json whose
// data-constrained entry (its base) or Chinchilla Approach-3 fit gives E, A, B, alpha, beta.
func BaseLaw(name string) (chinchilla.Law, error) {
	if name == "" {
		name = "muennighoff2023"
	}
	if l, err := laws.Lookup(name); err == nil {
		if l.Chinchilla == nil {
			return chinchilla.Law{}, fmt.Errorf("--%s %s: not of the form E + A/N^alpha + B/D^beta", OptBaseLaw, name)
		}
		return *l.Chinchilla, nil
	}
	doc, err := fitfile.Read(name)
	if err != nil {
		return chinchilla.Law{}, fmt.Errorf("--%s %q: neither a built-in law (scalefit laws) nor a readable fit.json: %v", OptBaseLaw, name, err)
	}
	f := doc.Find(Name, 0)
	if f == nil {
		f = doc.Find("chinchilla", 3)
	}
	if f == nil {
		return chinchilla.Law{}, fmt.Errorf("--%s %s: no data-constrained or Chinchilla Approach-3 fit in the file", OptBaseLaw, name)
	}
	l, err := fitfile.ChinchillaParams(f.Params)
	if err != nil {
		return chinchilla.Law{}, fmt.Errorf("--%s %s: %w", OptBaseLaw, name, err)
	}
	return l, nil
}

// familyResult is the Result as family.Result: params, intervals and draws by name, the
// epochs and unique-token counts the fit saw (Extra), and notes for the output.
func (r *Result) familyResult(rs []Run, base string) family.Result {
	out := family.Result{Family: Name, Variant: r.Recipe, Law: r.Law, Params: r.Law.Params(),
		Converged: r.Converged, Status: r.Status, Objective: r.Objective, Starts: r.Starts, AtBest: r.StartsAtBest,
		Runs: r.Runs, Warnings: r.Warnings}
	if len(r.Intervals) > 0 {
		out.Intervals = map[string]family.Interval{}
		for k, iv := range r.Intervals {
			out.Intervals[k] = family.Interval{iv.Lo, iv.Hi}
		}
	}
	if len(r.Draws) > 0 {
		out.Draws = map[string][]float64{}
		for j, name := range ParamNames() {
			col := make([]float64, len(r.Draws))
			for i, d := range r.Draws {
				col[i] = d[j]
			}
			out.Draws[name] = col
		}
	}
	seen := map[float64]bool{}
	var us []float64
	repeat, never := 0, 0
	for _, x := range rs {
		if !seen[x.Unique] {
			seen[x.Unique] = true
			us = append(us, x.Unique)
		}
		switch {
		case x.Tokens < x.Unique:
			never++
		case epochs(x) > MinRepeatEpochs:
			repeat++
		}
	}
	sort.Float64s(us)
	out.Extra = map[string]any{
		"approach":       3, // Approach 3's parametric fit, extended (fitfile.Fit.Approach)
		"recipe":         r.Recipe,
		"epochs":         []float64{r.Epochs[0], r.Epochs[1]},
		"excess_runs":    r.Excess,
		"repeating_runs": repeat,
		"rmse_log_loss":  r.RMSE,
	}
	if len(us) <= maxUniqueListed {
		out.Extra["unique_tokens"] = us
	} else {
		out.Extra["unique_tokens"] = []float64{us[0], us[len(us)-1]}
		out.Extra["unique_tokens_distinct"] = len(us)
	}
	ident := map[string]any{}
	for name, id := range r.Ident {
		e := map[string]any{"identified": id.Identified(), "profile_lr": []float64{capLR(id.LR[0]), capLR(id.LR[1])}}
		if id.AtBound != "" {
			e["at_bound"] = id.AtBound
		}
		ident[name] = e
	}
	if len(ident) > 0 {
		out.Extra["identification"] = ident
	}
	if r.Recipe == RecipeTwoStage {
		if base == "" {
			base = "muennighoff2023"
		}
		out.Extra["base_law"] = base
	}
	med := medianEpochs(rs)
	out.Notes = append(out.Notes, fmt.Sprintf("epochs = tokens/unique tokens: %s to %s (median %s); %d of %d runs repeat their data more than %g epochs",
		g3(r.Epochs[0]), g3(r.Epochs[1]), g3(med), repeat, len(rs), MinRepeatEpochs))
	if never > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d run(s) saw fewer tokens than their unique pool: they never repeat (U taken as D, R_D = 0)", never))
	}
	if r.Recipe == RecipeTwoStage {
		out.Notes = append(out.Notes, fmt.Sprintf("recipe muennighoff2023: base law %s fixed (E %.4g, A %.4g, B %.4g, alpha %.4g, beta %.4g); only R_D*, R_N* fitted",
			base, r.Law.Law.E, r.Law.Law.A, r.Law.Law.B, r.Law.Law.Alpha, r.Law.Law.Beta))
	}
	out.Notes = append(out.Notes, fmt.Sprintf("%d of %d runs have parameters beyond their unique data's compute-optimal size (they inform R_N*)", r.Excess, len(rs)))
	return out
}

// maxUniqueListed caps the unique-token counts fit.json lists (beyond it: min and max).
const maxUniqueListed = 64

func capLR(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return -1
	}
	return v
}

func medianEpochs(rs []Run) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = epochs(r)
	}
	return stats.Quantile(v, 0.5)
}

func g3(v float64) string { return format.Short(v, 4) }
