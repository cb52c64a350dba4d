package warn

// Entry is one warning code of the catalogue: what it means and what to do about it.
type Entry struct {
	Code    string
	Meaning string
	Action  string
	Scope   string // the commands or context it comes from, "" for any
}

// Catalogue lists every warning code scalefit emits, with its meaning and what to do. A
// test checks that every code the source emits is here, and docs/warnings.md is generated
// from it (go test ./internal/warn -update).
func Catalogue() []Entry {
	return []Entry{
		{"not-converged", "the winning local minimisation stopped on an iteration or evaluation limit", "look at the gradient norm; try `--starts full`; check for runs with absurd values", "(the best start did not converge)"},
		{"fragile-optimum", "the optimum is fragile: few starts agree", "`--starts full`, `--bootstrap` to see the spread; more runs", "(only K of M starts reached the best objective)"},
		{"extreme-parameter", "a parameter ran to an extreme: the runs do not identify it", "`--fix E=...` or `--tie-exponents`; widen the sweep", "(alpha/beta = x is negative, near 0 or above 2.5; E is tiny; a Kaplan constant at an extreme)"},
		{"narrow-span", "too narrow a sweep to pin the exponent", "add sizes (or token counts) a decade apart; `--tie-exponents`", "(N spans only kx / D spans only kx)"},
		{"collinear", "every run has (nearly) the same tokens per parameter, so α and β cannot be told apart and may be swapped", "vary tokens per parameter at fixed size (an IsoFLOP sweep does)", "(ln N and ln D are almost collinear)"},
		{"wide-interval", "the exponent is not determined", "as above; do not extrapolate from this fit", "(the 95% interval of alpha is wider than alpha itself)"},
		{"too-few-sizes", "an IsoFLOP budget has fewer than 3 model sizes (rejected)", "add sizes to that budget", ""},
		{"edge-optimum", "the loss minimum is at the edge of what was tried: the smallest or largest size of an IsoFLOP budget, or (hparams fit) an optimal lr or batch within a quarter octave of, or beyond, the grid's outermost value; rejected from the fit", "extend the sweep past the minimum", ""},
		{"concave-profile", "the budget's parabola opens downward (rejected)", "noisy or mis-tuned runs in that budget; check them", ""},
		{"off-centre", "minima sit more than 2x from their grid's centre; with α ≠ β a constant offset shifts N_opt, a drifting one biases a", "centre each budget's sizes on the optimum", ""},
		{"budgets-split", "Approach 2 inferred budgets by clustering FLOPs within ±15% (no budget column), and neighbouring clusters lie so close that one sweep budget was likely cut in two (or the runs were never an IsoFLOP sweep)", "give the sweep's budgets in a `budget` column (`--budget-col`), or widen `--budget-tolerance`", ""},
		{"few-budgets", "fewer than 3 budgets were usable / runs fell in no budget", "add budgets, a `budget` column, or `--budget-tolerance`", ""},
		{"unassigned-runs", "fewer than 3 budgets were usable / runs fell in no budget", "add budgets, a `budget` column, or `--budget-tolerance`", ""},
		{"few-sizes-on-envelope", "Approach 1 saw ≤ 2 sizes on its envelope (the approach is skipped) / no curves", "provide loss curves across more sizes", ""},
		{"final-points-only", "Approach 1 saw ≤ 2 sizes on its envelope (the approach is skipped) / no curves", "provide loss curves across more sizes", ""},
		{"holdout-before-where", "`--holdout` predicted runs that `--where` left out of the fit set (the test set is taken before `--where`)", "nothing, if intended; to shrink the test set, narrow `--holdout` itself", ""},
		{"stray-envelope-segments", "a size held the Approach-1 envelope over less than 2% of its compute and was left out of the fit", "usually noise or two curves crossing; nothing to do unless many sizes are stray", ""},
		{"approaches-disagree", "two approaches' exponents a differ by more than 0.1", "the conclusion depends on the method: read the rejected budgets and outliers; Hoffmann et al.'s three agreed to 0.04", ""},
		{"duplicate-runs", "identical rows (same params, tokens, loss) count more than once", "delete pasted copies; keep real repeats (seeds) on purpose", ""},
		{"skipped-rows", "`--skip-invalid` skipped rows that could not be read; the first five are named", "fix them, or accept the loss of those rows", ""},
		{"aggregate-row", "a row labelled `mean`, `total`, ... or equal to the column means is read as a run", "delete the summary row, or `--where` it out", ""},
		{"meta-unknown-run", "`--meta` has rows for runs the data lacks", "check the run ids (a typo, a renamed run)", ""},
		{"meta-conflict", "the data and `--meta` give different values for a run's column (the data's is used)", "fix the one that is wrong; drop the column from one of them", ""},
		{"meta-totals-unplaced", "`--meta` gives runs' total tokens or flops and the log has several points per run but no step column, so each point reads the total and a run's final point is not known", "add the log's step column (or its tokens seen)", ""},
		{"params-unit", "parameter counts below 1,000, or most runs with fewer tokens than parameters: a unit left out", "put the unit in the header (`params (M)`, `tokens (B)`) or write `125M`, `20B`", ""},
		{"tokens-unit", "parameter counts below 1,000, or most runs with fewer tokens than parameters: a unit left out", "put the unit in the header (`params (M)`, `tokens (B)`) or write `125M`, `20B`", ""},
		{"flops-not-6nd", "a flops column given beside tokens is more than 10x away from 6ND at the median run (PF-days, GFLOPs, another convention)", "convert it to training FLOPs, or drop it and let C = 6ND be derived", ""},
		{"metric-below-chance", "rows whose metric lies below the task's chance level or above its maximum (1,612 rows of the full OLMo ladder are below chance)", "nothing, usually: the rows are kept and the fitted floor may sit below chance; check the chance and max columns", "(tasks)"},
		{"metric-above-max", "rows whose metric lies below the task's chance level or above its maximum (1,612 rows of the full OLMo ladder are below chance)", "nothing, usually: the rows are kept and the fitted floor may sit below chance; check the chance and max columns", "(tasks)"},
		{"step1-bound", "the task-loss law's optimum lies on a bound (E = 0, α = 0 or β = 0)", "the law is still the best within the paper's bounds; read its predictions as extrapolations", "(tasks)"},
		{"step1-not-converged", "the winning step-1 start stopped before the gradient threshold", "check the task's ladder points for outliers", "(tasks)"},
		{"flat-link", "the step-2 link changes the metric by less than twice the noise (or 0.01) over the ladder's task losses: the task does not move over the ladder", "do not trust its predictions; the ladder is too small for this task", "(tasks)"},
		{"within-noise", "the predicted change from the ladder's best run is within twice the task's noise figure", "the prediction cannot be told apart from the ladder's own checkpoint-to-checkpoint spread", "(tasks)"},
		{"extrapolated", "a prediction far beyond the fitted compute range", "treat the number as a hypothesis; check with `--holdout`", "(C = … is Nx the largest fitted run; runs outside the fitted compute range)"},
		{"fixed-e-above-loss", "`--fix E=` at or above the lowest loss in the runs: no law of this form fits them", "fix E below the losses, or let it free", ""},
		{"bootstrap-failures", "some bootstrap resamples did not converge or could not be fitted", "read the count; more runs or `--starts full`", ""},
		{"negligible-term", "a term of Kaplan's L(N,D) is under 1% of the bracket for every run", "the runs are data- or parameter-limited: its constants are not determined", ""},
		{"l-of-n-misfit", "Kaplan's L(N) fits the sizes' best runs much worse than L(N,D): they are not trained to convergence", "read L(N,D)", ""},
		{"outside-interval", "a planned number lies outside its own bootstrap interval", "the fit is poorly identified; do not rely on the number", ""},
		{"default-repetition-constants", "the law has no R_D*, R_N*: Muennighoff et al.'s C4 values are used", "pass `--rd-star`, `--rn-star` for your data", ""},
		{"fit-failed", "`compare`/`plot` could not fit your runs, or an approach was skipped (too few runs or sizes)", "read the reason; add runs", ""},
		{"skipped", "`compare`/`plot` could not fit your runs, or an approach was skipped (too few runs or sizes)", "read the reason; add runs", ""},
		{"group-too-small", "a group has fewer than 8 runs, or its fit failed (too few IsoFLOP budgets, a single granularity, ...): it is left out of the comparison; an error for the reference", "add runs to that group, or drop it with `--where`", "(compare --group)"},
		{"group-fit-failed", "a group has fewer than 8 runs, or its fit failed (too few IsoFLOP budgets, a single granularity, ...): it is left out of the comparison; an error for the reference", "add runs to that group, or drop it with `--where`", "(compare --group)"},
		{"no-compute-overlap", "a group's runs and the reference's share no compute range: every multiplier is an extrapolation", "run both designs over a common range of budgets", "(compare --group)"},
		{"unreachable-loss", "a group's fitted E lies above the reference's frontier loss at some budgets: the multiplier is infinite there (`null` in JSON)", "read it as \"never, by this fit\"; `--shared E` when the groups share a data set", "(compare --group)"},
		{"unsupported-multiplier", "a multiplier comes from a group whose fit did not converge, or lies outside [1e-3, 1e3]: it is shown, marked unsupported, and no verdict, trend or headline rests on it", "read the group's fit; narrow the budgets to the runs' range, or `--shared E` when the groups share a data set", "(compare --group)"},
		{"frontier-misfit", "the Approach-3 frontier misses the group's IsoFLOP minima by more than 1% on average (0.15–0.46% on runs drawn from the law; 1.1–3.0% on 8 of Porian et al.'s 10 settings)", "`--frontier isoflop`", "(compare --group)"},
		{"wide-band", "`check`'s band is wider than ±20% of the prediction at some runs (a weak fit under `--sigma`)", "the gate hardly ever fails: refit with more runs or `--bootstrap`, or use `--tolerance`", ""},
		{"lr-interpolated", "a sparse lr column was interpolated to every step", "log the lr at every step for exact schedules", ""},
		{"lr-mismatch", "a logged lr differs from the schedule by more than 1% of the peak", "check --schedule against the run's real schedule", ""},
		{"schedule-inferred", "a run's schedule was inferred from its lr column", "pass --schedule to state it", ""},
		{"short-curve", "the curve covers less of its schedule than the forecast recipe was measured on", "forecast later in the run, or read the interval", ""},
		{"open-basin", "an (N, D) group's loss does not curve upward in lr (or batch): no optimum was located there and the group is left out of that law", "check the group for diverged or mis-logged runs; sweep further on both sides", "(hparams fit)"},
		{"thin-sweep", "an (N, D) group tried fewer than 3 learning rates (or batch sizes): its optimum cannot be located in that dimension", "sweep at least 3 values, a factor of 2 apart, around the expected optimum", "(hparams fit)"},
		{"batch-unit", "every batch size is at most 8,192: the batch column looks like sequences, not tokens per step", "pass `--seq-len L` (tokens = batch × L), or give batch in tokens", "(hparams fit)"},
		{"no-isoflop-budgets", "the runs form no IsoFLOP budgets (no budget column, and too few clusters of FLOPs with 3 or more sizes): the backtest's budgets are half-decades of compute", "for Approach 2, the broken power law, frontier errors and the local exponent, add a budget column or sweep sizes at fixed compute", "(backtest)"},
		{"no-largest-minimum", "the largest budget has no IsoFLOP minimum (too few sizes, or the minimum at the edge of its sizes): frontier errors are null", "extend the largest budget's sizes past its minimum", "(backtest)"},
		{"unbudgeted-runs", "runs that belong to no budget join every fit above their compute but no budget scores them", "nothing, usually; a budget column assigns them", "(backtest)"},
		{"backtest-unfitted", "a candidate could not be fitted at some cuts (too few runs or IsoFLOP minima below them): its errors there are null", "nothing at early cuts; at the largest cuts the candidate is not ranked", "(backtest)"},
		{"backtest-not-converged", "a candidate's fit at the largest cut did not converge", "read its errors with care; `scalefit fit --starts full` on the same runs", "(backtest)"},
		{"no-recommendation", "no candidate extrapolates within the tolerance on the runs' own backtest (or none was fitted at every scored cut)", "read the ranking: the sweep may be too short or too noisy to extrapolate; widen `--tolerance` knowingly", "(backtest, check --backtest)"},
		{"no-local-exponent", "the broken power law could not be fitted to the budgets' minima, so there is no local exponent (or no figure)", "more IsoFLOP budgets (at least 6 with a minimum)", "(backtest)"},
		{"no-prior", "no sibling curves to borrow a law's shape from: the forecast rests on the run alone", "pass --fit curve.json of sibling runs", ""},
		{"penalty-may-double-count", "`predict --unique-tokens` or `optimal --max-unique-tokens` applies a repetition penalty to a law fitted to runs whose unique tokens were not given: if those runs repeated data, the law already contains the repetition and the penalty counts it twice", "refit with the runs' unique tokens (`unique_tokens` column, `--unique-tokens-col` or `--unique-tokens`) so the data-constrained law is fitted, and pass that fit.json", ""},
		{"not-identified", "a data-constrained constant (R_D* or R_N*) runs to its bound (1e4 or 0.01) or its profile is flat (held at a bound, the objective rises by a likelihood-ratio statistic under 3.84): the runs do not pin it down; with `--bootstrap` that interval end is unbounded (`null` in JSON)", "add runs that repeat their data more (R_D*) or models larger than their unique data's optimum (R_N*); plan with its bound in mind", "(fit with unique tokens)"},
		{"repeats-not-identified", "no run repeats its unique data more than 1.5 epochs: R_D* and R_N* are not identified and the plain law is the honest answer", "read the Chinchilla fit; add runs that repeat their data", "(fit with unique tokens)"},
		{"repetition-overfit", "runs whose loss rises with more epochs at the same N and U (by more than 4√2 times the fit's robust residual scale): overfitting, which the law cannot represent", "leave them out with `--where`, or accept a lower R_D*", "(fit with unique tokens)"},
		{"plateau-runs", "many runs (at least 3 and 5%) sit within 5% of the highest loss: runs that barely learned, which pull E and the exponents", "leave them out with `--where 'loss<...'` (the message gives the value)", "(fit with unique tokens)"},
	}
}
