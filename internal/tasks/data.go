// Package tasks predicts a large model's downstream-task metric (e.g. accuracy on a
// benchmark) from a ladder of small training runs in two chained steps, as Bhagia et al.
// (2024, "Establishing Task Scaling Laws via Compute-Efficient Model Ladders") do:
//
//  1. Step 1, the task loss from size and data: L(N, D) = E + A/N^alpha + B/D^beta per
//     task (Huber loss on log L, a global multi-start search, E and the exponents
//     non-negative), one point per ladder run: the mean task loss of its last checkpoints.
//  2. Step 2, the metric from the task loss: the sigmoid link
//     Acc(x) = a/(1+exp(-k(x-x0))) + b with a in [-1, 0], b in [0, 1], k, x0 >= 0, fitted
//     by least squares on every checkpoint of the ladder runs (after dropping each run's
//     first checkpoints and a trailing moving average) plus the ideal point (0, max); or
//     Gadre et al.'s (2024) exponential link err = eps - k exp(-gamma x) with err = 1 - Acc.
//
// The chained prediction is step 2 at step 1's predicted task loss. Beyond the paper, a
// bootstrap over ladder runs refits both steps and gives percentile intervals.
//
// Task losses are in the units of the input column (for OLMo, bits per byte of the
// correct answer); metrics are fractions (accuracy 0.51, not 51%). N counts parameters
// and D training tokens as the input does. The package never prints; warnings are data.
package tasks

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// Columns names the input columns (headers, case-insensitive). Task, TaskLoss and Metric
// are required; Run, Params and Tokens fall back to the usual aliases of internal/runs;
// Chance and Max are optional (a chance level only sets a start value; Max defaults to 1).
type Columns struct {
	Task, TaskLoss, Metric string
	Run, Params, Tokens    string
	Chance, Max            string // "" looks for acc_chance or chance (acc_max or max)
}

// Checkpoint is one evaluation of a run on a task.
type Checkpoint struct {
	Tokens   float64 // training tokens seen
	TaskLoss float64 // task loss (input units)
	Metric   float64 // metric, e.g. accuracy as a fraction
	Line     int     // 1-based line of the input
}

// Series is one run's checkpoints on one task, sorted by tokens.
type Series struct {
	Run         string
	Params      float64
	Checkpoints []Checkpoint
}

// Task holds a task's series: Ladder (the runs fitted) and Held (the runs held out by an
// expression, to be predicted), each in first-seen order.
type Task struct {
	Name   string
	Chance float64 // chance level of the metric, NaN when unknown
	Max    float64 // maximum of the metric (1 unless a column says otherwise)
	Ladder []Series
	Held   []Series
}

// Data is a loaded long-format file: one row per (run, checkpoint, task).
type Data struct {
	Source   string
	Rows     int            // data rows read
	Tasks    []Task         // in first-seen order
	Skipped  int            // rows skipped under --skip-invalid (the loader's and a bad metric's)
	Warnings []warn.Warning // about the input: skipped rows, units, metadata
}

// Load reads a long-format table (any layout internal/runs reads: CSV, TSV, JSON Lines,
// JSON, W&B exports) with run, params, tokens, task, task-loss and metric columns. Rows
// matching holdout (an internal/runs expression such as "params>=5e9"; "" holds out
// nothing) become the runs to predict.
func Load(r io.Reader, name string, cols Columns, holdout string) (*Data, error) {
	return load(func(o runs.Options) (*runs.Set, error) { return runs.Load(r, name, o) }, runs.Options{}, cols, holdout)
}

// LoadFiles reads the rows of Load from several files, directories and globs ("-" is
// stdin), as runs.LoadFiles does: a file without a run column, among several, is one run
// named by its stem. in gives the other input options (Meta, RunPattern, SkipInvalid,
// Format, Where); its column overrides are taken from cols.
func LoadFiles(paths []string, stdin io.Reader, in runs.Options, cols Columns, holdout string) (*Data, error) {
	return load(func(o runs.Options) (*runs.Set, error) { return runs.LoadFiles(paths, stdin, o) }, in, cols, holdout)
}

func load(read func(runs.Options) (*runs.Set, error), in runs.Options, cols Columns, holdout string) (*Data, error) {
	for _, c := range []struct{ flag, v string }{{"--task-col", cols.Task}, {"--task-loss-col", cols.TaskLoss}, {"--metric-col", cols.Metric}} {
		if c.v == "" {
			return nil, fmt.Errorf("%s: want the column's header", c.flag)
		}
	}
	hold, err := runs.ParseExpr(holdout)
	if err != nil {
		return nil, fmt.Errorf("--holdout: %w", err)
	}
	in.LossCol, in.GroupCol, in.RunCol, in.ParamsCol, in.TokensCol = cols.TaskLoss, cols.Task, cols.Run, cols.Params, cols.Tokens
	set, err := read(in)
	if err != nil {
		return nil, err
	}
	name := set.Source
	if len(set.Files) == 1 {
		name = set.Files[0]
	}
	if !set.Has("run") {
		return nil, &runs.Error{File: name, Line: 1, Msg: "no run column (run, run_id, id or name; or --run-col): want one id per training run"}
	}
	if set.Derived == "tokens" {
		return nil, &runs.Error{File: name, Line: 1, Msg: "no tokens column: want the training tokens seen at each checkpoint"}
	}
	if err := set.CheckExprColumns("--holdout", hold); err != nil {
		return nil, err
	}
	col := func(h string) int {
		for i, x := range set.Headers {
			if runs.SameHeader(x, h) {
				return i + 1
			}
		}
		return 0
	}
	metricCol := col(cols.Metric)
	if metricCol == 0 {
		return nil, &runs.Error{File: name, Line: 1, Msg: fmt.Sprintf("no column %q (--metric-col): have %v", cols.Metric, set.Headers)}
	}
	chanceCol, maxCol := cols.Chance, cols.Max
	// Without an override, a column named acc_chance or chance (acc_max or max) is used.
	for _, c := range []struct {
		dst  *string
		auto []string
	}{{&chanceCol, []string{"acc_chance", "chance"}}, {&maxCol, []string{"acc_max", "max"}}} {
		if *c.dst != "" {
			continue
		}
		for _, a := range c.auto {
			if col(a) > 0 {
				*c.dst = a
				break
			}
		}
	}
	if chanceCol != "" && col(chanceCol) == 0 {
		return nil, &runs.Error{File: name, Line: 1, Msg: fmt.Sprintf("no column %q (--chance-col)", chanceCol)}
	}
	if maxCol != "" && col(maxCol) == 0 {
		return nil, &runs.Error{File: name, Line: 1, Msg: fmt.Sprintf("no column %q (--max-col)", maxCol)}
	}
	type at struct {
		file string
		line int
	}
	held := map[at]bool{}
	if hold != nil {
		m, _ := runs.Filter(set.Runs, hold)
		for i := range m {
			held[at{m[i].File(), m[i].Line}] = true
		}
	}
	d := &Data{Source: name, Rows: set.Read, Skipped: set.Skipped}
	var skipped []string // rows with a cell that is not a number, skipped under --skip-invalid
	type key struct {
		task, run string
		held      bool
	}
	taskIdx := map[string]int{}
	series := map[key]int{} // index into Ladder or Held of the task
	num := func(r *runs.Run, h string, c int, what string) (float64, error) {
		s, _ := r.Field(h)
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			e := &runs.Error{File: r.File(), Line: r.Line, Col: c, Msg: fmt.Sprintf("%s %q: want a finite number", what, s)}
			if !in.SkipInvalid {
				e.Msg += " (--skip-invalid skips such rows, with a warning)"
			}
			return 0, e
		}
		return v, nil
	}
	// Each checkpoint of a run on a task once: a row pasted twice would count double.
	type point struct {
		task, run string
		tokens    float64
	}
	seen := map[point]int{}
rows:
	for i := range set.Runs {
		r := &set.Runs[i]
		if r.Group == "" || r.Group == runs.EmptyGroup {
			return nil, &runs.Error{File: r.File(), Line: r.Line, Col: col(cols.Task), Msg: "empty task name"}
		}
		if r.ID == "" {
			return nil, &runs.Error{File: r.File(), Line: r.Line, Col: col(set.Columns["run"]), Msg: "empty run id"}
		}
		m, err := num(r, cols.Metric, metricCol, "metric")
		var cm [2]float64 // the row's chance level and maximum, when given
		for k, c := range [...]struct{ col, what string }{{chanceCol, "chance level"}, {maxCol, "maximum"}} {
			if err == nil && c.col != "" {
				cm[k], err = num(r, c.col, col(c.col), c.what)
			}
		}
		if err != nil {
			if !in.SkipInvalid {
				return nil, err
			}
			d.Skipped++
			if len(skipped) < 5 {
				skipped = append(skipped, err.Error())
			}
			continue rows
		}
		hi := 1.0 // the metric's maximum
		if maxCol != "" {
			hi = cm[1]
		}
		if chanceCol != "" && !(cm[0] >= 0 && cm[0] < hi) {
			return nil, &runs.Error{File: r.File(), Line: r.Line, Col: col(chanceCol),
				Msg: fmt.Sprintf("chance level %g: want a level from 0 to below the metric's maximum (%g)", cm[0], hi)}
		}
		p := point{r.Group, r.ID, r.Tokens}
		if prev, dup := seen[p]; dup {
			return nil, &runs.Error{File: r.File(), Line: r.Line,
				Msg: fmt.Sprintf("run %q has a checkpoint at %g tokens on task %q twice (also line %d): want one row per (run, checkpoint, task)", r.ID, r.Tokens, r.Group, prev)}
		}
		seen[p] = r.Line
		ti, ok := taskIdx[r.Group]
		if !ok {
			ti = len(d.Tasks)
			taskIdx[r.Group] = ti
			d.Tasks = append(d.Tasks, Task{Name: r.Group, Chance: math.NaN(), Max: 1})
		}
		t := &d.Tasks[ti]
		if chanceCol != "" {
			t.Chance = cm[0]
		}
		if maxCol != "" {
			t.Max = cm[1]
		}
		k := key{r.Group, r.ID, held[at{r.File(), r.Line}]}
		si, ok := series[k]
		list := &t.Ladder
		if k.held {
			list = &t.Held
		}
		if !ok {
			si = len(*list)
			series[k] = si
			*list = append(*list, Series{Run: r.ID, Params: r.Params})
		}
		s := &(*list)[si]
		if s.Params != r.Params {
			return nil, &runs.Error{File: r.File(), Line: r.Line, Col: col(set.Columns["params"]),
				Msg: fmt.Sprintf("run %q has params %g here and %g on an earlier row: want one N per run", r.ID, r.Params, s.Params)}
		}
		s.Checkpoints = append(s.Checkpoints, Checkpoint{Tokens: r.Tokens, TaskLoss: r.Loss, Metric: m, Line: r.Line})
	}
	for ti := range d.Tasks {
		for _, l := range [][]Series{d.Tasks[ti].Ladder, d.Tasks[ti].Held} {
			for si := range l {
				// by tokens; repeated checkpoints by their values, so that the order of
				// the rows never changes a fit (issue 23 #2)
				slices.SortStableFunc(l[si].Checkpoints, func(a, b Checkpoint) int {
					return cmp.Or(cmp.Compare(a.Tokens, b.Tokens), cmp.Compare(a.TaskLoss, b.TaskLoss), cmp.Compare(a.Metric, b.Metric))
				})
			}
		}
	}
	if len(d.Tasks) == 0 {
		return nil, &runs.Error{File: name, Msg: "no rows: want one row per (run, checkpoint, task)"}
	}
	d.Warnings = append(d.Warnings, set.Warnings...)
	if n := d.Skipped - set.Skipped; n > 0 {
		d.Warnings = append(d.Warnings, warn.New("skipped-rows", "%d row(s) with a metric, chance or maximum that is not a number skipped (--skip-invalid): %s", n, strings.Join(skipped, "; ")))
	}
	return d, nil
}
