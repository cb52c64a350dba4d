// Package family defines what a scaling-law family is to the rest of scalefit: one package
// that implements Family (fit, rebuild a law from its named constants, describe its inputs and
// built-in published laws) and one line in internal/registry. The fit command, fit.json,
// predict, optimal, report and backtest reach every family through these types only, so a new
// family (data-constrained, hyper-parameter, MoE expert count, vocabulary, fine-tuning ...)
// touches its own package, one registry line and its docs page.
//
// Conventions shared by every family: losses are nats per token unless the family's doc says
// otherwise (vocab-tao2024's unigram-normalised loss may be negative); quantities are raw
// counts (parameters, tokens, experts, examples), never "in billions"; compute is training
// FLOPs. Parameter names are the keys of fit.json's "params" and never change once published.
package family

import (
	"context"
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Param describes one constant of a family's law.
type Param struct {
	Name string // key in fit.json "params" and "intervals", e.g. "E", "alpha", "R_D*"
	Unit string // e.g. "nats/token", "" for dimensionless
	Doc  string // one line: what it is
}

// Column describes one per-run input a family reads beyond the canonical columns.
type Column struct {
	Name    string   // canonical name, e.g. "experts", "unique_tokens", "vocab_size"
	Aliases []string // other headers matched (case, spaces and units as the runs header matcher does)
	Unit    string   // e.g. "tokens", "experts"
	Doc     string   // one line for --help and the docs
	// ColFlag is the flag that names the column (e.g. "experts-col"); "" for none.
	ColFlag string
	// ValueFlag is the flag that gives one value for every run instead (e.g. "unique-tokens",
	// "embed-dim"); "" for none. Values accept count suffixes (50M, 4K).
	ValueFlag string
	// Optional columns may be absent; a required one missing is an error naming the column,
	// its aliases and its flags.
	Optional bool
}

// Option is a family-specific fit option exposed as a flag of `scalefit fit` (e.g. --recipe).
type Option struct {
	Flag    string // flag name without dashes, e.g. "recipe"
	Default string
	Usage   string
}

// Builtin is a published law of the family, selectable with --law NAME and listed by
// `scalefit laws`.
type Builtin struct {
	Name     string // e.g. "vocab-tao2024"
	Title    string
	Citation string // paper, section or table the constants come from
	// Conventions says how parameters, data and compute are counted, and the loss's unit.
	Conventions string
	Params      map[string]float64
}

// Info describes a family.
type Info struct {
	Name     string // registry name, also fits[].law: "chinchilla", "moe-clark2022", ...
	Title    string // e.g. "Mixture of experts: loss against dense size and expert count"
	Citation string
	// Form is the law in one line, e.g. "log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d".
	Form    string
	Params  []Param
	Columns []Column
	Options []Option
	// Auto, when true, makes `scalefit fit` (without --family) add this family whenever the
	// runs have all its required columns (the data-constrained law joins the Chinchilla fit
	// when the runs give unique tokens).
	Auto bool
	// Frontier, when true, says the family's law is a compute-optimal frontier L*(C) fitted
	// to the loss minima of IsoFLOP budgets (runs.Run.Budget, or FLOPs clustered as Approach
	// 2 does): its Law.Predict takes {"flops": C} and returns L* in nats/token. A backtest
	// scores it against each budget's observed minimum, whenever the runs have budgets.
	Frontier bool
	Builtins []Builtin
	// Table, when not nil, makes the family read its runs as a family table
	// (runs.LayoutTable): only the loss column is required, also under Table.Aliases and of
	// any sign when Table.Signed; every other input (the parameter count included) is one of
	// Columns. Nil: the usual scaling-law table (params, loss, tokens or flops).
	Table *runs.TableLoss
}

// ParamNames returns the names of Info.Params in order.
func (i Info) ParamNames() []string {
	out := make([]string, len(i.Params))
	for k, p := range i.Params {
		out[k] = p.Name
	}
	return out
}

// Input is what a family fits. Runs are in the canonical order (sorted by params, tokens,
// loss, flops, run id) so that a fit never depends on how a file was sorted.
type Input struct {
	Source string     // the input as given, for warnings' Source and notes
	Runs   []runs.Run // the runs to fit (after --where, --holdout and filters)
	// Cols holds the family's Columns by canonical name, one value per run (NaN where an
	// optional column is absent for that run). A column given with its ValueFlag is filled
	// with that value.
	Cols map[string][]float64
	// Options holds the family's Options by flag name (defaults filled in).
	Options map[string]string
	// Bootstrap is the number of bootstrap resamples (0: none) and Seed their seed.
	Bootstrap int
	Seed      uint64
	// Loss is "huber" (default) or "mse", Delta the Huber threshold (0: the family's default).
	Loss  string
	Delta float64
	// Workers bounds parallelism (0: GOMAXPROCS). Results must not depend on it.
	Workers int
	// Progress, when set, is called as bootstrap resamples finish (from any goroutine).
	Progress func(done, total int)
	// Warm, when not nil, holds the constants of an earlier fit of the same family by
	// parameter name (e.g. at the previous cut of a backtest): a family may add them to its
	// starts. The optimum must not depend on it beyond which of equal optima is found.
	Warm map[string]float64
}

// RobustLoss is the objective's robust loss the input asks for: Huber (the default) with
// Delta, or the family's defaultDelta when Delta is 0 (in the units of the family's
// residuals), or squared error for "mse".
func (in Input) RobustLoss(defaultDelta float64) (fit.Loss, error) {
	switch in.Loss {
	case "", "huber":
		d := in.Delta
		if d == 0 {
			d = defaultDelta
		}
		if !(d > 0) || math.IsInf(d, 0) {
			return fit.Loss{}, fmt.Errorf("--delta %g: want a positive Huber threshold", d)
		}
		return fit.Loss{Kind: fit.Huber, Delta: d}, nil
	case "mse":
		return fit.Loss{Kind: fit.Squared}, nil
	}
	return fit.Loss{}, fmt.Errorf("--loss %q: want huber or mse", in.Loss)
}

// Interval is a 95% interval [lo, hi]; an end the data do not bound is ±Inf (null in JSON).
type Interval [2]float64

// Result is one fitted law of a family, in the shape fit.json stores it.
type Result struct {
	Family  string // Info.Name
	Variant string // e.g. "joint", "muennighoff2023"; "" for the family's only recipe
	Group   string // the --group value, "" without groups
	// Law is the fitted law; never nil when Err is nil.
	Law Law
	// Params are the law's constants by name (every Info.Params name).
	Params map[string]float64
	// Intervals are 95% percentile bootstrap intervals by parameter name (nil without
	// --bootstrap); derived quantities (e.g. a, b) may be added.
	Intervals map[string]Interval
	// Draws are the bootstrap draws by parameter name, one value per resample (nil without).
	Draws map[string][]float64
	// Converged says whether the optimiser converged (a constant at a bound may still be
	// converged: say so in a warning).
	Converged bool
	Status    string  // the optimiser's stopping reason
	Objective float64 // the minimised objective (family-defined; lower is better)
	Starts    int     // multi-start: starts tried and how many reached the best objective
	AtBest    int
	Runs      int // runs fitted
	// Free is the number of constants fitted (0: every Info.Params name; fewer when some are
	// fixed by an option, e.g. the broken power law's smoothness).
	Free     int
	Warnings []warn.Warning
	// Extra carries family-specific JSON fields of the fits[] entry (e.g. "unique_tokens").
	Extra map[string]any
	// Notes are facts for people about the input and the fit (e.g. the range of epochs),
	// shown with the fit's table.
	Notes []string
}

// Law is a fitted or published law of a family.
type Law interface {
	// Params returns the law's constants by name.
	Params() map[string]float64
	// Predict returns the law's loss at x, whose keys are the family's input names
	// ("params", "tokens" and the Columns' names). A missing or out-of-domain input is an
	// error naming it.
	Predict(x map[string]float64) (float64, error)
}

// Family is a law family.
type Family interface {
	Info() Info
	// Fit fits the family's law to in, one Result per variant it fits (most families: one).
	// Bad input (e.g. an expert count below 1) is an error naming the run's file and line.
	Fit(ctx context.Context, in Input) ([]Result, error)
	// Law rebuilds a law from its constants (fit.json's params or a Builtin's), validating
	// them; an error names the bad constant.
	Law(params map[string]float64) (Law, error)
}

// Query is a planning question in named quantities, e.g. {"flops": 1e22,
// "non_vocab_params": 7e9, "embed_dim": 4096}.
type Query map[string]float64

// Row is one answer of a planning question, keyed by the contract's JSON names.
type Row map[string]float64

// Optimizer is implemented by a Law that answers `scalefit optimal` in its own terms (the
// compute-optimal vocabulary of vocab-tao2024, ...). Keys lists the quantities a query needs,
// as Columns whose ValueFlag is the optimal flag that gives them.
type Optimizer interface {
	Keys() []Column
	Optimal(q Query) (Row, error)
}

// Ranker is implemented by an Optimizer whose answers compare across the groups of a fit
// (which base model to fine-tune for a data budget): Rank names the Row key whose lowest
// value is the best group's for query q, "" when the rows do not compare.
type Ranker interface {
	Rank(q Query) string
}

// Chart is the figure of a family's fits as data (internal/plot draws it): runs as points
// and the law's curves as lines, one series per model size or group.
type Chart struct {
	Title, XLabel, YLabel string
	// LogX and LogY make an axis logarithmic (every value drawn on it must be positive).
	LogX, LogY bool
	Series     []Series
	// Notes are one-line remarks drawn under the legend (what a figure leaves out, ...).
	Notes []string
}

// Series is one set of runs and the law's curve through them.
type Series struct {
	Name       string
	X, Y       []float64 // the runs
	LawX, LawY []float64 // the law's curve, drawn as a line
}

// Fitted is one fit (a group's) with the input it was fitted to.
type Fitted struct {
	Input  Input
	Result Result
}

// Charter is implemented by a Family that draws its fits (`scalefit fit --family NAME --plot
// FILE`): one chart of every fit, with its runs.
type Charter interface {
	Chart(fits []Fitted) (Chart, error)
}

// OptimalKeys is implemented by a Family whose laws are Optimizers, so that `optimal` knows
// its query flags without a law in hand (a family with no built-in law).
type OptimalKeys interface {
	OptimalKeys() []Column
}

// Summarize turns bootstrap draws into a Result's Draws and Intervals: rows holds one value
// per name for each resample (rows with a non-finite value are left out); intervals are the
// 95% percentile intervals of stats.Central.
func Summarize(names []string, rows [][]float64) (map[string][]float64, map[string]Interval) {
	draws := map[string][]float64{}
	for _, r := range rows {
		if len(r) != len(names) || !allFinite(r) {
			continue
		}
		for j, n := range names {
			draws[n] = append(draws[n], r[j])
		}
	}
	if len(draws) == 0 {
		return nil, nil
	}
	ivs := map[string]Interval{}
	for n, v := range draws {
		if iv, ok := stats.Central(v, stats.Level95); ok {
			ivs[n] = Interval(iv.Pair())
		}
	}
	return draws, ivs
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// RunError is a bad input value of run r, named by its file and line:
// "runs.csv:14: experts 0: want 1 or more".
func RunError(r *runs.Run, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if f := r.File(); f != "" {
		return fmt.Errorf("%s:%d: %s", f, r.Line, msg)
	}
	return fmt.Errorf("line %d: %s", r.Line, msg)
}

// Validate checks that p holds every parameter of info, each finite.
func Validate(info Info, p map[string]float64) error {
	for _, q := range info.Params {
		v, ok := p[q.Name]
		if !ok {
			return fmt.Errorf("%s: no constant %q (want %v)", info.Name, q.Name, info.ParamNames())
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: constant %s = %v: want a finite number", info.Name, q.Name, v)
		}
	}
	return nil
}
