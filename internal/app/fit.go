package app

import (
	"context"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/arch"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// FitRequest is `scalefit fit RUNS`: every approach the data allow (Chinchilla's Approaches
// 1-3, Kaplan's L(N, D) with Law kaplan or all), per group, with a holdout check and the
// allocations at budgets; or a registered family with Family.Family (fit --family NAME).
// The zero values of the options are fit's defaults (Huber delta 1e-3 on log-loss, the
// screened start search, Newton, automatic vertex).
type FitRequest struct {
	Inputs Inputs
	// Convention derives params and FLOPs from architecture columns ("" for none: see
	// scalefit flops): 6n, 6n-nonembedding, kaplan, hoffmann or deepseek.
	Convention string
	// Law is chinchilla (default), kaplan, all, or auto (the law these runs' own backtest
	// recommends: ChooseLaw).
	Law        string
	Approaches []int
	Bootstrap  int
	Seed       uint64
	// Holdout leaves runs matching the expression out of the fit (taken from the input
	// before --where) and reports how well the law predicts them.
	Holdout string
	// Loss is huber (default) or mse; Delta the Huber threshold (nil: fit.DefaultDelta).
	Loss   string
	Delta  *float64
	Starts string // default or full
	Method string // newton (default), gonum-bfgs, gonum-lbfgs, gonum-newton
	Tie    bool
	// Fix holds NAME=VALUE constants of Approach 3 as given (E=1.69).
	Fix             []string
	Vertex          string // auto (default), akima or parabola
	BudgetTolerance float64
	// Budgets of the allocation table in FLOPs (nil: decades above the data).
	Budgets           []float64
	MinTokensPerParam float64
	// Family carries the registered families' column and value flags and options: Family.Family
	// names a family to fit instead of Chinchilla (fit --family); without it the families
	// marked Auto join the fit when the runs have their columns.
	Family FamilyRequest
	// Output, when set, receives fit.json (with the bootstrap draws), written atomically.
	Output string
	// Draws keeps the bootstrap draws in the contract (fit.json always has them).
	Draws    bool
	Progress func(done, total int)

	notes        []string       // input notes (--law auto's choice)
	autoWarnings []warn.Warning // --law auto's
}

// FitResult is a fit of runs: the analysis, fit.json's document and the families that joined.
type FitResult struct {
	Analysis *analysis.Result
	Doc      *fitfile.Document // with the bootstrap draws (as fit.json)
	Auto     *AutoFit
	// Base are the warnings of the input, --law auto and the Chinchilla and Kaplan fits,
	// without the joined families' (report shows those in their own section).
	Base  []warn.Warning
	draws bool
}

// Contract is fit.json's document (without the draws unless asked for).
func (r *FitResult) Contract() any {
	if r.draws {
		return r.Doc
	}
	return r.Doc.WithoutDraws()
}

// Blocks are the fit's tables (per approach, allocations, holdout) and the joined families'.
func (r *FitResult) Blocks(f format.Output) []doc.Block {
	ts := report.FitTables(r.Analysis, r.Doc.WithoutDraws())
	if r.Auto != nil {
		ts = append(ts, r.Auto.Tables(f)...)
	}
	return doc.Tables(ts)
}

// Warnings are the input's, every fit's and the joined families'.
func (r *FitResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged names the fits that did not converge.
func (r *FitResult) NotConverged() []string {
	out := r.Analysis.Unconverged()
	if r.Auto != nil {
		out = append(out, r.Auto.NotConverged...)
	}
	return out
}

// WriteCSV writes the fit's rows: parameters, allocations, holdout runs and warnings.
func (r *FitResult) WriteCSV(w io.Writer) error {
	return report.WriteFitCSV(w, r.Contract().(*fitfile.Document))
}

// Fit answers the request: a registered family's fit (Family.Family other than chinchilla
// and kaplan: *FamilyResult) or the runs' Chinchilla (and Kaplan) fit (*FitResult).
func Fit(ctx context.Context, r FitRequest) (Result, error) {
	if strings.EqualFold(r.Law, "auto") {
		if err := r.chooseLaw(ctx); err != nil {
			return nil, err
		}
	}
	if fam := r.Family.Family; fam != "" && fam != "chinchilla" && fam != "kaplan" {
		fr := r.Family
		fr.Inputs, fr.Bootstrap, fr.Seed, fr.Loss, fr.Delta, fr.Progress = r.Inputs, r.Bootstrap, r.Seed, r.Loss, r.delta(), r.Progress
		res, err := FitFamily(ctx, fr)
		if err != nil {
			return nil, err
		}
		res.Doc.InputNotes = append(res.Doc.InputNotes, r.notes...)
		res.warns = append(append([]warn.Warning(nil), r.autoWarnings...), res.warns...)
		res.Doc.Warnings = res.warns
		if r.Output != "" {
			if err := fitfile.Write(r.Output, res.Doc); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	if r.Family.Plot != "" {
		return nil, Usagef("--plot applies to --family NAME (a registered family's figure); scalefit plot draws the Chinchilla figures")
	}
	if r.Family.Family != "" {
		r.Law = r.Family.Family
	}
	return FitRuns(ctx, r)
}

// chooseLaw is --law auto: backtest the runs and set the law, approach, loss and vertex (or
// the family) of the recommended candidate.
func (r *FitRequest) chooseLaw(ctx context.Context) error {
	if r.Family.Family != "" || len(r.Approaches) > 0 || r.Loss != "" || r.Vertex != "" {
		return Usagef("--law auto chooses the family, approach, loss and vertex itself: drop --family, --approach, --loss and --vertex")
	}
	law, err := ChooseLaw(ctx, BacktestRequest{Inputs: r.Inputs, BudgetTolerance: r.BudgetTolerance})
	if err != nil {
		return err
	}
	r.autoWarnings = law.Warnings
	r.Law, r.notes = "chinchilla", []string{law.Note}
	switch law.Family + " " + law.Variant {
	case "chinchilla approach3-huber":
		r.Approaches = []int{3}
	case "chinchilla approach3-mse":
		r.Approaches, r.Loss = []int{3}, "mse"
	case "chinchilla approach2-akima", "chinchilla approach2-parabola":
		r.Approaches, r.Vertex = []int{2}, strings.TrimPrefix(law.Variant, "approach2-")
	case "kaplan L(N,D)":
		r.Law = "kaplan"
	default:
		r.Family.Family = law.Family
	}
	return nil
}

// FitRuns loads the runs and fits them (report fits with it too). --where selects the runs
// to fit; Holdout takes the held-out runs from the input before --where.
func FitRuns(ctx context.Context, r FitRequest) (*FitResult, error) {
	aopts, err := r.analysisOptions()
	if err != nil {
		return nil, err
	}
	in := r.Inputs
	if r.Convention != "" {
		conv, err := arch.ParseConvention(r.Convention)
		if err != nil {
			return nil, Usagef("--convention: %v", err)
		}
		if in.Options.ParamsCol != "" || in.Options.FLOPsCol != "" {
			return nil, Usagef("--convention derives params and flops from the architecture columns: drop --params-col and --flops-col")
		}
		in.Options.Derive = deriver(conv)
	}
	var set *runs.Set
	if aopts.Holdout != nil {
		set, aopts.HoldoutPool, err = in.LoadWithPool()
	} else {
		set, err = in.Load()
	}
	if err != nil {
		return nil, err
	}
	set.Notes = append(set.Notes, r.notes...)
	if err := set.CheckExprColumns("--holdout", aopts.Holdout); err != nil {
		return nil, err
	}
	if aopts.Chinchilla.Bootstrap > 0 {
		// The cap is on the total: each group's resamples are kept in fit.json. (Grouping
		// 240,000 runs costs a tenth of the fit: only with a bootstrap.)
		groups, _ := runs.Groups(set.Runs)
		if err := limits.Resamples(aopts.Chinchilla.Bootstrap, len(groups)); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	if aopts.Chinchilla.Bootstrap > 0 {
		aopts.Chinchilla.Progress = r.Progress
	}
	res, err := analysis.Run(set, aopts)
	if err != nil {
		return nil, err
	}
	d := analysis.Encode(res, true)
	fr := r.Family
	fr.Bootstrap, fr.Seed, fr.Loss, fr.Delta = r.Bootstrap, r.Seed, r.Loss, r.delta()
	auto, err := AutoFamilies(ctx, res, fr)
	if err != nil {
		return nil, err
	}
	d.Fits = append(d.Fits, auto.Fits...)
	base := append(append([]warn.Warning(nil), r.autoWarnings...), d.Warnings...)
	d.Warnings = append(base[:len(base):len(base)], auto.Warnings...)
	// A non-finite number is the same error in every format, before anything is written.
	if err := report.CheckFinite(d); err != nil {
		return nil, err
	}
	if r.Output != "" {
		if err := fitfile.Write(r.Output, d); err != nil {
			return nil, err
		}
	}
	return &FitResult{Analysis: res, Doc: d, Auto: auto, Base: base, draws: r.Draws}, nil
}

// analysisOptions checks the fit options and turns them into analysis options.
func (r *FitRequest) analysisOptions() (analysis.Options, error) {
	var a analysis.Options
	switch law := strings.ToLower(r.Law); law {
	case "", "chinchilla", "all", "kaplan":
		a.Laws = law
		if law == "" {
			a.Laws = "chinchilla"
		}
	default:
		return a, Usagef("--law %q: fit takes a family: chinchilla, kaplan or all (named published laws go to optimal, predict and compare)", r.Law)
	}
	a.Approaches = r.Approaches
	delta := fit.DefaultDelta
	if r.Delta != nil {
		delta = *r.Delta
	}
	switch strings.ToLower(r.Loss) {
	case "", "huber":
		a.Chinchilla.Loss = fit.Loss{Kind: fit.Huber, Delta: delta}
	case "mse":
		if r.Delta != nil {
			return a, Usagef("--delta applies to --loss huber, not mse")
		}
		a.Chinchilla.Loss = fit.Loss{Kind: fit.Squared}
	default:
		return a, Usagef("--loss %q: want huber or mse", r.Loss)
	}
	if !(delta > 0) {
		return a, Usagef("--delta %g: want a positive number", delta)
	}
	switch r.Starts {
	case "", "default", "full":
		a.Chinchilla.Starts = r.Starts
		if r.Starts == "" {
			a.Chinchilla.Starts = "default"
		}
	default:
		return a, Usagef("--starts %q: want default or full", r.Starts)
	}
	method := r.Method
	if method == "" {
		method = "newton"
	}
	m, err := fit.ParseMethod(method)
	if err != nil {
		return a, Usagef("--method: %v", err)
	}
	a.Chinchilla.Local.Method = m
	if err := limits.Resamples(r.Bootstrap, 1); err != nil {
		return a, &UsageError{Err: err}
	}
	a.Chinchilla.Bootstrap, a.Chinchilla.Seed = r.Bootstrap, r.Seed
	a.Chinchilla.TieExponents = r.Tie
	if a.Chinchilla.Fix, err = parseFix(r.Fix); err != nil {
		return a, err
	}
	switch r.Vertex {
	case "", "auto", "akima", "parabola":
		a.IsoFLOP.Vertex = chinchilla.VertexMethod(r.Vertex)
		if r.Vertex == "" {
			a.IsoFLOP.Vertex = "auto"
		}
	default:
		return a, Usagef("--vertex %q: want auto, akima or parabola", r.Vertex)
	}
	if r.BudgetTolerance < 0 {
		return a, Usagef("--budget-tolerance %g: want a positive fraction such as 0.15", r.BudgetTolerance)
	}
	a.IsoFLOP.BudgetTolerance = r.BudgetTolerance
	if r.MinTokensPerParam < 0 {
		return a, Usagef("--min-tokens-per-param %g: want 0 or more", r.MinTokensPerParam)
	}
	a.MinTokensPerParam = r.MinTokensPerParam
	a.Budgets = r.Budgets
	if r.Holdout != "" {
		h, err := runs.ParseExpr(r.Holdout)
		if err != nil {
			return a, Usagef("--holdout: %v", err)
		}
		a.Holdout = h
	}
	return a, nil
}

// delta is the Huber threshold given (0: the default).
func (r *FitRequest) delta() float64 {
	if r.Delta == nil {
		return 0
	}
	return *r.Delta
}

// parseFix reads --fix NAME=VALUE constants of Approach 3.
func parseFix(fix []string) (map[string]float64, error) {
	if len(fix) == 0 {
		return nil, nil
	}
	out := map[string]float64{}
	for _, kv := range fix {
		k, v, ok := strings.Cut(kv, "=")
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, Usagef("--fix %q: want NAME=VALUE such as E=1.69", kv)
		}
		name := strings.TrimSpace(k)
		if !slices.Contains([]string{"e", "a", "b", "alpha", "beta"}, strings.ToLower(name)) {
			return nil, Usagef("--fix %q: cannot fix %q: want E, A, B, alpha or beta", kv, name)
		}
		for prev := range out {
			if strings.EqualFold(prev, name) {
				return nil, Usagef("--fix: %s given twice", name)
			}
		}
		out[name] = x
	}
	return out, nil
}

// deriver counts each row's architecture under conv (fit --convention).
func deriver(conv arch.Convention) *runs.Deriver {
	return &runs.Deriver{
		Name: "convention " + string(conv) + " from the architecture columns: " + conv.Describe(),
		Func: func(field func(string) string) (float64, float64, string, error) {
			a, col, err := arch.ParseFields(field)
			if err != nil {
				return 0, 0, col, err
			}
			n, err := a.Under(conv)
			if err != nil {
				return 0, 0, "", err
			}
			return float64(n.Params), n.FLOPsPerToken, "", nil
		},
	}
}

// LoadWithPool reads the runs twice when they are filtered (--where): the set, and the
// whole input as the pool --holdout takes its runs from, so that --where selects the runs
// to fit and never changes the test set (issue 12). Standard input is read once and
// replayed. Without --where the pool is nil (the set is the input).
func (in Inputs) LoadWithPool() (*runs.Set, []runs.Run, error) {
	if in.Options.Where == "" {
		set, err := in.Load()
		return set, nil, err
	}
	in, err := in.Buffered()
	if err != nil {
		return nil, nil, err
	}
	all := in
	all.Options.Where = ""
	pool, err := all.Load()
	if err != nil {
		return nil, nil, err
	}
	set, err := in.Load()
	if err != nil {
		return nil, nil, err
	}
	return set, pool.Runs, nil
}
