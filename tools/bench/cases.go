package main

import "fmt"

// cases are the rows of the table, in order: add a row here. A case runs either the built
// scalefit binary on an input (Args; "{input}" is replaced by the input file's path), the
// reference implementation (Peer), or a Go benchmark (Bench). Ratio names an earlier case
// (by ID) this one is compared with: a Go process's CPU time over a load's CPU time, or the
// peer's wall time over ours; Goal states what the ratio (or the figure) must be.
var cases = []Case{
	{ID: "load240k", Work: "load a CSV (`fit F --where 'loss<0'`, nothing fitted)", Input: "flat240k",
		Args: []string{"fit", "{input}", "--where", "loss<0"}, ExitCode: 2, RowsPerCPU: true},
	{ID: "load2m4", Work: "load a CSV (`fit F --where 'loss<0'`, nothing fitted)", Input: "flat2m4",
		Args: []string{"fit", "{input}", "--where", "loss<0"}, ExitCode: 2, RowsPerCPU: true, Runs: 3},
	{ID: "fit240k", Work: "`fit` (Approaches 2 and 3, table output)", Input: "flat240k",
		Args: []string{"fit", "{input}"}, Ratio: "load240k", Goal: atMost(5, "x the load's CPU time")},
	{ID: "fit2m4", Work: "`fit` (Approaches 2 and 3, table output)", Input: "flat2m4",
		Args: []string{"fit", "{input}"}, Ratio: "load2m4", Goal: atMost(10, "x the load's CPU time"), Runs: 3},
	{ID: "startup", Work: "start-up: `scalefit --version`", Input: "none", Args: []string{"--version"}, Runs: 21},
	{ID: "epoch", Work: "default Approach-3 fit, whole process (`fit --approach 3 --drop-highest-loss 5 --format json`)", Input: "epoch",
		Args: []string{"fit", "{input}", "--law", "chinchilla", "--approach", "3", "--drop-highest-loss", "5", "--format", "json"}, Runs: 11},
	{ID: "epoch-scipy", Work: "the same in scipy: L-BFGS-B from the 4,500-point grid, analytic gradient (`ref_chinchilla.py fit --grad analytic`)", Input: "epoch",
		Peer: []string{"fit", "--grad", "analytic"}, Ratio: "epoch", Goal: atLeast(500, "x faster in wall time, start-up included")},
	{ID: "boot", Work: "Epoch's bootstrap, 4,000 resamples, whole process (`... --bootstrap 4000 --seed 42`)", Input: "epoch",
		Args: []string{"fit", "{input}", "--law", "chinchilla", "--approach", "3", "--drop-highest-loss", "5", "--bootstrap", "4000", "--seed", "42", "--format", "json"}},
	{ID: "boot-scipy", Work: "the same in scipy (`ref_chinchilla.py bootstrap --K 4000`)", Input: "epoch",
		Peer: []string{"bootstrap", "--K", "4000"}, Ratio: "boot", Goal: atLeast(20, "x faster in wall time")},
	{ID: "report", Work: "`report` (fit, figures, report.md, summary.md, report.html)", Input: "epoch",
		Args: []string{"report", "{input}", "--drop-highest-loss", "5", "-o", "{out}"}, Runs: 3},
	{ID: "objective", Work: "the Approach-3 objective, one pass (`BenchmarkObjective/Value`)", Input: "240,000 runs in memory",
		Bench: Bench{Pkg: "./internal/fit", Name: "BenchmarkObjective/Value/rows=240000", Metric: "cpu-ns/row"}, Goal: figureAtMost(12, "ns per row")},
	{ID: "objective-hess", Work: "the same with gradient and Hessian (one Newton step, `BenchmarkObjective/ValueGradHess`)", Input: "240,000 runs in memory",
		Bench: Bench{Pkg: "./internal/fit", Name: "BenchmarkObjective/ValueGradHess/rows=240000", Metric: "cpu-ns/row"}},
	{ID: "a3flat", Work: "Approach 3 alone on a flat sweep (`BenchmarkFlat/Approach3`)", Input: "240,000 runs in memory",
		Bench: Bench{Pkg: "./internal/chinchilla", Name: "BenchmarkFlat/Approach3/runs=240000", Metric: "cpu-ns/run"}},
	{ID: "a2flat", Work: "Approach 2 alone on a flat sweep (`BenchmarkFlat/Approach2`)", Input: "240,000 runs in memory",
		Bench: Bench{Pkg: "./internal/chinchilla", Name: "BenchmarkFlat/Approach2/runs=240000", Metric: "cpu-ns/run"}},
}

// inputs describes each named input and how it is made (in a temporary directory).
var inputs = map[string]Input{
	"flat240k": {Desc: "flat sweep, 240,000 one-point runs (`gensynth -flat 240000`)", Rows: 240_000, Make: flatSweep(240_000)},
	"flat2m4":  {Desc: "flat sweep, 2,400,000 one-point runs (`gensynth -flat 2400000`)", Rows: 2_400_000, Make: flatSweep(2_400_000)},
	"epoch":    {Desc: "Epoch's Chinchilla runs (testdata/chinchilla.csv, 240 after dropping 5)", Rows: 245, Path: "testdata/chinchilla.csv"},
	"none":     {Desc: "none"},
}

func atMost(v float64, what string) func(float64) string {
	return func(r float64) string { return verdict(r <= v, fmt.Sprintf("<= %g%s", v, what)) }
}

func atLeast(v float64, what string) func(float64) string {
	return func(r float64) string { return verdict(r >= v, fmt.Sprintf(">= %g%s", v, what)) }
}

// figureAtMost judges the case's own figure (a Go benchmark's metric), not a ratio.
func figureAtMost(v float64, what string) func(float64) string {
	return func(x float64) string { return verdict(x <= v, fmt.Sprintf("<= %g %s", v, what)) }
}

func verdict(ok bool, goal string) string {
	if ok {
		return goal + ": met"
	}
	return goal + ": **not met**"
}
