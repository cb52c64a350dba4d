package curve

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// Curve is one run's loss curve and its learning-rate schedule.
type Curve struct {
	Run   string    // run id
	Group string    // value of the group column, "" when none
	Steps []int     // logged steps, strictly increasing (a step T is read as T-1)
	Loss  []float64 // loss at each step, nats per token
	Lines []int     // 1-based line of each point in File
	File  string
	// Schedule is the parsed schedule (nil when the learning rates came from an lr column);
	// LR holds the learning rate of every step 0..T-1 either way.
	Schedule *Schedule
	LR       []float64
}

// Spec names the curve's schedule: its spec, or "lr column".
func (c *Curve) Spec() string {
	if c.Schedule != nil {
		return c.Schedule.String()
	}
	return "lr column"
}

// Len is the schedule length T.
func (c *Curve) Len() int { return len(c.LR) }

// InputError is a problem with a curve (its steps, lr or schedule) at a line (1-based).
type InputError struct {
	File string
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ReadOptions say how to read curves. The zero value reads run, step and loss columns under
// their usual names from any layout internal/runs reads (CSV, TSV, JSON Lines, JSON, W&B
// wide and long exports, several files), with each run's schedule from a schedule column
// or an lr column.
type ReadOptions struct {
	// Input says how to read the files: column overrides (run, loss, group), --meta,
	// --run-pattern, --where, --skip-invalid and --input-format. ReadCurves and LoadCurves
	// require only a loss column of it (see InputOptions).
	Input runs.Options
	// StepCol overrides the header of the step column (case-insensitive).
	StepCol string
	// Schedule is the spec for runs that have no schedule of their own (--schedule).
	Schedule string
	// MinPoints is the fewest points a curve may have; 0 means 10.
	MinPoints int
	// NoSchedule reads curves without requiring a schedule (LR is then nil).
	NoSchedule bool
	// InferCosine derives a cosine schedule (InferCosine) from the lr column of runs that
	// have no schedule of their own, instead of interpolating the logged learning rates.
	InferCosine bool
}

var curveAliases = map[string][]string{
	"step":     runs.Aliases["step"],
	"lr":       {"lr", "learning_rate", "lrs"},
	"schedule": {"schedule"},
}

// InputOptions returns o set to read loss curves (runs.LayoutCurves): only a loss column is
// required; params, tokens and flops are read when present.
func InputOptions(o runs.Options) runs.Options {
	o.Layout = runs.LayoutCurves
	return o
}

// ReadCurves reads loss curves from one input (see LoadCurves); name labels errors.
func ReadCurves(r io.Reader, name string, opts ReadOptions) ([]*Curve, []warn.Warning, error) {
	s, err := runs.Load(r, name, InputOptions(opts.Input))
	return curvesOf(s, err, opts)
}

// LoadCurves reads loss curves from files, directories and globs ("-" is stdin) in any
// layout runs.LoadFiles reads: one row per logged point, with run, step and loss columns
// (a file without a run column, among several, is one run named by its stem), and
// optionally lr, schedule and group columns (or a --meta table of them). See FromSet.
func LoadCurves(paths []string, stdin io.Reader, opts ReadOptions) ([]*Curve, []warn.Warning, error) {
	s, err := runs.LoadFiles(paths, stdin, InputOptions(opts.Input))
	return curvesOf(s, err, opts)
}

// curvesOf builds the curves of a loaded set, with the loader's warnings before FromSet's.
func curvesOf(s *runs.Set, loadErr error, opts ReadOptions) ([]*Curve, []warn.Warning, error) {
	if loadErr != nil {
		return nil, nil, loadErr
	}
	cs, ws, err := FromSet(s, opts)
	if err != nil {
		return nil, nil, err
	}
	return cs, append(append([]warn.Warning(nil), s.Warnings...), ws...), nil
}

// headerOf returns the set's header for a curve column: the override, else the first alias
// the input has; "" when none.
func headerOf(s *runs.Set, canonical, override string) (string, error) {
	if override != "" {
		for _, h := range s.Headers {
			if runs.SameHeader(h, override) {
				return h, nil
			}
		}
		return "", &InputError{File: firstFile(s), Line: 1, Msg: fmt.Sprintf("no column %q for %s: the header has %s", override, canonical, strings.Join(s.Headers, ", "))}
	}
	for _, a := range curveAliases[canonical] {
		for _, h := range s.Headers {
			if runs.SameHeader(h, a) {
				return h, nil
			}
		}
	}
	return "", nil
}

func firstFile(s *runs.Set) string {
	if len(s.Files) > 0 {
		return s.Files[0]
	}
	return s.Source
}

// FromSet turns loaded points (one per row: a run id, a step, a loss) into curves and
// resolves each run's schedule: a schedule column (or --meta's, joined on the run id), then
// opts.Schedule, then a per-step lr column. Each run's steps must increase; a step equal to
// the schedule length T (a loss logged after the last update) is read as T-1, a step beyond
// it is an error naming file:line. A run id in two files is an error.
func FromSet(s *runs.Set, opts ReadOptions) ([]*Curve, []warn.Warning, error) {
	stepH, err := headerOf(s, "step", opts.StepCol)
	if err != nil {
		return nil, nil, err
	}
	if stepH == "" {
		return nil, nil, &InputError{File: firstFile(s), Line: 1, Msg: "no step column: want a header named step (or iteration, global_step), or --step-col NAME"}
	}
	lrH, _ := headerOf(s, "lr", "")
	scH, _ := headerOf(s, "schedule", "")
	var curves []*Curve
	byRun := map[string]*Curve{}
	specs := map[string]string{}
	specLine := map[string]string{}
	lrs := map[string][]float64{}
	skipped := 0
	for i := range s.Runs {
		r := &s.Runs[i]
		file, line := r.File(), r.Line
		bad := func(msg string, args ...any) error {
			return &InputError{File: file, Line: line, Msg: fmt.Sprintf(msg, args...)}
		}
		id := r.ID
		key := r.Group + "\x00" + id // a run is identified by its id within its group
		stepText, _ := r.Field(stepH)
		st, err := runs.ParseStep(stepText)
		if err != nil {
			if opts.Input.SkipInvalid {
				skipped++
				continue
			}
			return nil, nil, bad("step %v (--skip-invalid skips such rows, with a warning)", err)
		}
		c := byRun[key]
		if c == nil {
			c = &Curve{Run: id, Group: r.Group, File: file}
			byRun[key] = c
			curves = append(curves, c)
		} else if c.File != file {
			return nil, nil, bad("run %q is also in %s", id, c.File)
		}
		if n := len(c.Steps); n > 0 {
			prev := c.Steps[n-1]
			switch {
			case int(st) == prev:
				return nil, nil, bad("run %q: duplicate step %d (also line %d)", id, prev, c.Lines[n-1])
			case int(st) < prev:
				return nil, nil, bad("run %q: step %d after step %d: want steps in increasing order (a run id shared by several models needs --group COL)", id, int(st), prev)
			}
		}
		if st >= limits.MaxScheduleSteps {
			return nil, nil, bad("step %d: want fewer than %d steps", int(st), limits.MaxScheduleSteps)
		}
		if lrH != "" {
			text, _ := r.Field(lrH)
			v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, nil, bad("lr %q: want a learning rate of 0 or more", text)
			}
			if err := limits.LearningRate("lr", v, true); err != nil {
				return nil, nil, bad("%v", err)
			}
			lrs[key] = append(lrs[key], v)
		}
		c.Steps = append(c.Steps, int(st))
		c.Loss = append(c.Loss, r.Loss)
		c.Lines = append(c.Lines, line)
		if scH != "" {
			sc, _ := r.Field(scH)
			sc = strings.TrimSpace(sc)
			if prev, ok := specs[key]; ok && prev != sc {
				return nil, nil, bad("run %q: schedule %q differs from %q (%s)", id, sc, prev, specLine[key])
			}
			if _, ok := specs[key]; !ok {
				specs[key], specLine[key] = sc, fmt.Sprintf("%s:%d", file, line)
			}
		}
	}
	var ws []warn.Warning
	if skipped > 0 {
		ws = append(ws, warn.New(CodeSkippedRows, "%d row(s) whose step is not a whole number skipped (--skip-invalid)", skipped))
	}
	minPts := opts.MinPoints
	if minPts == 0 {
		minPts = MinCurvePoints
	}
	shared := map[string][]float64{} // one learning-rate slice per distinct schedule spec
	dropped, droppedRuns := 0, 0
	var lrColumnSteps int64
	for _, c := range curves {
		key := c.Group + "\x00" + c.Run
		line0 := c.Lines[0]
		if l, ok := lrs[key]; ok {
			if err := checkLRColumn(c, l); err != nil {
				return nil, nil, err
			}
		}
		spec, where := "", ""
		if sc := specs[key]; sc != "" {
			spec, where = sc, specLine[key]
		} else if opts.Schedule != "" {
			spec, where = opts.Schedule, "--schedule"
		}
		if spec != "" {
			sc, err := Parse(spec)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: run %q: %w", where, c.Run, err)
			}
			canon := sc.Canonical()
			if lr, ok := shared[canon]; ok {
				c.Schedule, c.LR = sc, lr
			} else {
				c.Schedule, c.LR = sc, sc.LRs()
				shared[canon] = c.LR
			}
			if l, ok := lrs[key]; ok {
				if w, bad := compareLR(c, l); bad {
					ws = append(ws, w)
				}
			}
		} else if l, ok := lrs[key]; ok && opts.InferCosine {
			sc, mism, err := InferCosine(c.Steps, l)
			if err != nil {
				return nil, nil, &InputError{File: c.File, Line: c.Lines[0], Msg: fmt.Sprintf("run %q: no cosine schedule from its lr column: %v", c.Run, err)}
			}
			c.Schedule, c.LR = sc, sc.LRs()
			ws = append(ws, warn.New(CodeScheduleInferred, "run %q: schedule %s inferred from its lr column (largest mismatch %.2g of the peak)", c.Run, sc.String(), mism))
			if mism > 0.01 {
				return nil, nil, &InputError{File: c.File, Line: c.Lines[0], Msg: fmt.Sprintf("run %q: its lr column is not a cosine schedule with linear warm-up (mismatch %.2g of the peak): give --schedule SPEC", c.Run, mism)}
			}
		} else if l, ok := lrs[key]; ok {
			lrColumnSteps += int64(c.Steps[len(c.Steps)-1] + 1)
			if lrColumnSteps > limits.MaxLRColumnSteps {
				return nil, nil, &InputError{File: c.File, Line: line0, Msg: fmt.Sprintf("run %q: the lr columns of the runs so far span %d steps in all: want at most %d (limits.MaxLRColumnSteps; give the runs' schedules with --schedule SPEC or --meta, which runs of one schedule share)", c.Run, lrColumnSteps, limits.MaxLRColumnSteps)}
			}
			var w *warn.Warning
			c.LR, w = lrFromColumn(c, l)
			if w != nil {
				ws = append(ws, *w)
			}
		} else if !opts.NoSchedule {
			return nil, nil, &InputError{File: c.File, Msg: fmt.Sprintf("run %q has no schedule: give --schedule SPEC, a schedule column, --meta with a schedule column, or an lr column", c.Run)}
		}
		if c.LR != nil {
			if err := c.clampSteps(); err != nil {
				return nil, nil, err
			}
			if k := c.dropUndefined(); k > 0 {
				dropped += k
				droppedRuns++
			}
		}
		if len(c.Steps) < minPts {
			return nil, nil, &InputError{File: c.File, Line: line0, Msg: fmt.Sprintf("run %q has %d points where the law is defined: want at least %d", c.Run, len(c.Steps), minPts)}
		}
	}
	if dropped > 0 {
		ws = append(ws, warn.New(CodePointsDropped, "%d point(s) of %d run(s) dropped: logged before the first positive learning rate (at step 0 of a warm-up nothing has been trained, and the laws' S1 = 0 is undefined)", dropped, droppedRuns))
	}
	return curves, ws, nil
}

// MinCurvePoints is the fewest points a curve may have (where the law is defined): a law is
// fitted jointly over curves, so a curve needs only enough points to show its own shape
// (the totals are checked by CheckData).
const MinCurvePoints = 3

// dropUndefined removes the points logged before the first positive learning rate (S1 = 0:
// the laws' S1^-α is undefined there) and returns how many.
func (c *Curve) dropUndefined() int {
	first := -1
	for s, v := range c.LR {
		if v > 0 {
			first = s
			break
		}
	}
	k := 0
	if first < 0 {
		k = len(c.Steps)
	} else {
		k = sort.SearchInts(c.Steps, first)
	}
	if k > 0 {
		c.Steps, c.Loss = c.Steps[k:], c.Loss[k:]
		if len(c.Lines) >= k {
			c.Lines = c.Lines[k:]
		}
	}
	return k
}

// checkLRColumn refuses an lr column without a positive learning rate (a column of zeros
// trains nothing), naming the run's first line.
func checkLRColumn(c *Curve, l []float64) error {
	for _, v := range l {
		if v > 0 {
			return nil
		}
	}
	return &InputError{File: c.File, Line: c.Lines[0], Msg: fmt.Sprintf("run %q: its lr column is 0 at every logged step: want the learning rates the run used", c.Run)}
}

// clampSteps reads a step T as T-1 and rejects steps beyond the schedule.
func (c *Curve) clampSteps() error {
	T, n := len(c.LR), len(c.Steps)
	if i := sort.SearchInts(c.Steps, T+1); i < n {
		return &InputError{File: c.File, Line: c.Lines[i], Msg: fmt.Sprintf("run %q: step %d is beyond the schedule %s (steps 0..%d, or %d for a loss logged after the last update)", c.Run, c.Steps[i], c.Spec(), T-1, T)}
	}
	if c.Steps[n-1] == T {
		if n > 1 && c.Steps[n-2] == T-1 {
			return &InputError{File: c.File, Line: c.Lines[n-1], Msg: fmt.Sprintf("run %q: step %d (read as %d, the last update of %s) duplicates step %d", c.Run, T, T-1, c.Spec(), T-1)}
		}
		c.Steps[n-1] = T - 1
	}
	return nil
}

// lrFromColumn builds per-step learning rates from a logged lr column: dense when every step
// 0..last is logged, otherwise interpolated linearly between logged steps (with a warning),
// holding the first logged value before it.
func lrFromColumn(c *Curve, l []float64) ([]float64, *warn.Warning) {
	last := c.Steps[len(c.Steps)-1]
	out := make([]float64, last+1)
	dense := len(c.Steps) == last+1
	j := 0
	for s := 0; s <= last; s++ {
		for j+1 < len(c.Steps) && c.Steps[j+1] <= s {
			j++
		}
		switch {
		case s <= c.Steps[0]:
			out[s] = l[0]
		case j+1 < len(c.Steps):
			f := float64(s-c.Steps[j]) / float64(c.Steps[j+1]-c.Steps[j])
			out[s] = l[j] + f*(l[j+1]-l[j])
		default:
			out[s] = l[j]
		}
	}
	if dense {
		return out, nil
	}
	w := warn.New(CodeLRInterpolated, "run %q: the lr column is logged at %d of %d steps; the learning rates between them are interpolated linearly (give --schedule SPEC for the exact schedule)", c.Run, len(c.Steps), last+1)
	return out, &w
}

// compareLR warns when a logged lr column disagrees with the run's schedule by more than 1%
// of the peak at some logged step.
func compareLR(c *Curve, l []float64) (warn.Warning, bool) {
	peak := 0.0
	for _, v := range c.LR {
		peak = math.Max(peak, v)
	}
	for i, s := range c.Steps {
		if s >= len(c.LR) {
			continue
		}
		if math.Abs(c.LR[s]-l[i]) > 0.01*peak {
			return warn.New(CodeLRMismatch, "run %q: the logged lr %.4g at step %d (line %d) differs from the schedule's %.4g (%s)", c.Run, l[i], s, c.Lines[i], c.LR[s], c.Spec()), true
		}
	}
	return warn.Warning{}, false
}
