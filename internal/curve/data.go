package curve

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
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

// ReadOptions say how to read a curves file. The zero value reads run, step and loss
// columns under their usual names, with each run's schedule from a schedule column or an
// lr column.
type ReadOptions struct {
	RunCol, StepCol, LossCol, GroupCol string // header overrides (case-insensitive)
	// Schedule is the spec for runs that have no schedule of their own (--schedule).
	Schedule string
	// Meta maps a run id to its per-run columns (from --meta); a "schedule" entry sets the
	// run's schedule.
	Meta map[string]map[string]string
	// MinPoints is the fewest points a curve may have; 0 means 10.
	MinPoints int
	// NoSchedule reads curves without requiring a schedule (LR is then nil).
	NoSchedule bool
	// InferCosine derives a cosine schedule (InferCosine) from the lr column of runs that
	// have no schedule of their own, instead of interpolating the logged learning rates.
	InferCosine bool
}

var curveAliases = map[string][]string{
	"run":      {"run", "run_id", "id", "name"},
	"step":     {"step", "steps", "iteration", "iter", "global_step", "_step"},
	"loss":     {"loss", "train_loss", "training_loss", "val_loss"},
	"lr":       {"lr", "learning_rate", "lrs"},
	"schedule": {"schedule"},
}

func norm(h string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(h)))
}

// InputError is a problem with a curves or meta file at a line (1-based).
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

func readTable(r io.Reader, name string) (header []string, rows [][]string, lines []int, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.Contains(first, []byte(",")) {
		if bytes.Contains(first, []byte("\t")) {
			cr.Comma = '\t'
		} else if bytes.Contains(first, []byte(";")) {
			cr.Comma = ';'
		}
	}
	cr.FieldsPerRecord = -1
	header, err = cr.Read()
	if err != nil {
		return nil, nil, nil, &InputError{File: name, Msg: "want a header line (run,step,loss)"}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line, err = pe.Line, pe.Err
			}
			return nil, nil, nil, &InputError{File: name, Line: line, Msg: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return nil, nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("%d fields, want %d as in the header", len(rec), len(header))}
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	return header, rows, lines, nil
}

func findCol(header []string, canonical, override string) int {
	if override != "" {
		for i, h := range header {
			if norm(h) == norm(override) {
				return i
			}
		}
		return -2
	}
	for _, a := range curveAliases[canonical] {
		for i, h := range header {
			if norm(h) == a {
				return i
			}
		}
	}
	return -1
}

// ReadMeta reads a per-run table (--meta): a run column and any others, such as schedule.
func ReadMeta(r io.Reader, name string) (map[string]map[string]string, error) {
	header, rows, lines, err := readTable(r, name)
	if err != nil {
		return nil, err
	}
	ir := findCol(header, "run", "")
	if ir < 0 {
		return nil, &InputError{File: name, Line: 1, Msg: "no run column: want a header named run (or run_id, id, name)"}
	}
	out := map[string]map[string]string{}
	for j, rec := range rows {
		id := strings.TrimSpace(rec[ir])
		if _, dup := out[id]; dup {
			return nil, &InputError{File: name, Line: lines[j], Msg: fmt.Sprintf("run %q listed twice", id)}
		}
		m := map[string]string{}
		for i, h := range header {
			if i != ir {
				m[norm(h)] = strings.TrimSpace(rec[i])
			}
		}
		out[id] = m
	}
	return out, nil
}

// ReadCurves reads loss curves (one row per logged point: run, step, loss, and optionally
// lr, schedule and group columns) and resolves each run's schedule: the meta table, then a
// schedule column, then opts.Schedule, then a per-step lr column. A step equal to the
// schedule length T (a loss logged after the last update) is read as T-1; a step beyond it
// is an error.
func ReadCurves(r io.Reader, name string, opts ReadOptions) ([]*Curve, []warn.Warning, error) {
	header, rows, lines, err := readTable(r, name)
	if err != nil {
		return nil, nil, err
	}
	col := func(c, over string) (int, error) {
		i := findCol(header, c, over)
		if i == -2 {
			return -1, &InputError{File: name, Line: 1, Msg: fmt.Sprintf("no column %q for %s: the header has %s", over, c, strings.Join(header, ", "))}
		}
		return i, nil
	}
	ir, err := col("run", opts.RunCol)
	if err != nil {
		return nil, nil, err
	}
	is, err := col("step", opts.StepCol)
	if err != nil {
		return nil, nil, err
	}
	il, err := col("loss", opts.LossCol)
	if err != nil {
		return nil, nil, err
	}
	ig, err := col("group", opts.GroupCol)
	if err != nil {
		return nil, nil, err
	}
	if opts.GroupCol == "" {
		ig = -1
		for i, h := range header {
			if norm(h) == "group" {
				ig = i
			}
		}
	}
	ilr, _ := col("lr", "")
	isc, _ := col("schedule", "")
	if is < 0 {
		return nil, nil, &InputError{File: name, Line: 1, Msg: "no step column: want a header named step (or iteration, global_step), or --step-col NAME"}
	}
	if il < 0 {
		return nil, nil, &InputError{File: name, Line: 1, Msg: "no loss column: want a header named loss (or train_loss), or --loss-col NAME"}
	}
	if len(rows) == 0 {
		return nil, nil, &InputError{File: name, Line: 1, Msg: "header only: the file has no points"}
	}
	var curves []*Curve
	byRun := map[string]*Curve{}
	specs := map[string]string{}
	specLine := map[string]int{}
	lrs := map[string][]float64{}
	for j, rec := range rows {
		line := lines[j]
		id := ""
		if ir >= 0 {
			id = strings.TrimSpace(rec[ir])
		}
		key := id // a run is identified by its id within its group
		if ig >= 0 {
			key = strings.TrimSpace(rec[ig]) + "\x00" + id
		}
		c := byRun[key]
		if c == nil {
			c = &Curve{Run: id, File: name}
			if ig >= 0 {
				c.Group = strings.TrimSpace(rec[ig])
			}
			byRun[key] = c
			curves = append(curves, c)
		}
		st, err := strconv.ParseFloat(strings.TrimSpace(rec[is]), 64)
		if err != nil || st < 0 || st != math.Trunc(st) || st > 1e9 {
			return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("step %q: want a whole number of steps", rec[is])}
		}
		loss, err := strconv.ParseFloat(strings.TrimSpace(rec[il]), 64)
		if err != nil || !(loss > 0) || math.IsInf(loss, 0) {
			return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("loss %q: want a positive number", rec[il])}
		}
		if n := len(c.Steps); n > 0 {
			prev := c.Steps[n-1]
			switch {
			case int(st) == prev:
				return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("run %q: duplicate step %d (also line %d)", id, prev, c.Lines[n-1])}
			case int(st) < prev:
				return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("run %q: step %d after step %d: want steps in increasing order (a run id shared by several models needs --group COL)", id, int(st), prev)}
			}
		}
		if st >= limits.MaxScheduleSteps {
			return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("step %d: want fewer than %d steps", int(st), limits.MaxScheduleSteps)}
		}
		c.Steps = append(c.Steps, int(st))
		c.Loss = append(c.Loss, loss)
		c.Lines = append(c.Lines, line)
		if ilr >= 0 {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[ilr]), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) {
				return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("lr %q: want a learning rate of 0 or more", rec[ilr])}
			}
			lrs[key] = append(lrs[key], v)
		}
		if isc >= 0 {
			s := strings.TrimSpace(rec[isc])
			if prev, ok := specs[key]; ok && prev != s {
				return nil, nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("run %q: schedule %q differs from %q (line %d)", id, s, prev, specLine[key])}
			}
			if _, ok := specs[key]; !ok {
				specs[key], specLine[key] = s, line
			}
		}
	}
	var ws []warn.Warning
	minPts := opts.MinPoints
	if minPts == 0 {
		minPts = 10
	}
	for _, c := range curves {
		key := c.Run
		if ig >= 0 {
			key = c.Group + "\x00" + c.Run
		}
		if len(c.Steps) < minPts {
			return nil, nil, &InputError{File: name, Line: c.Lines[0], Msg: fmt.Sprintf("run %q has %d points: want at least %d", c.Run, len(c.Steps), minPts)}
		}
		spec, where := "", ""
		if m, ok := opts.Meta[c.Run]; ok && m["schedule"] != "" {
			spec, where = m["schedule"], "--meta"
		} else if s := specs[key]; s != "" {
			spec, where = s, fmt.Sprintf("%s:%d", name, specLine[key])
		} else if opts.Schedule != "" {
			spec, where = opts.Schedule, "--schedule"
		}
		if spec != "" {
			sc, err := Parse(spec)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: run %q: %w", where, c.Run, err)
			}
			c.Schedule, c.LR = sc, sc.LRs()
			if l, ok := lrs[key]; ok {
				if w, bad := compareLR(c, l); bad {
					ws = append(ws, w)
				}
			}
		} else if l, ok := lrs[key]; ok && opts.InferCosine {
			sc, mism, err := InferCosine(c.Steps, l)
			if err != nil {
				return nil, nil, &InputError{File: name, Line: c.Lines[0], Msg: fmt.Sprintf("run %q: no cosine schedule from its lr column: %v", c.Run, err)}
			}
			c.Schedule, c.LR = sc, sc.LRs()
			ws = append(ws, warn.New("schedule-inferred", "run %q: schedule %s inferred from its lr column (largest mismatch %.2g of the peak)", c.Run, sc.String(), mism))
			if mism > 0.01 {
				return nil, nil, &InputError{File: name, Line: c.Lines[0], Msg: fmt.Sprintf("run %q: its lr column is not a cosine schedule with linear warm-up (mismatch %.2g of the peak): give --schedule SPEC", c.Run, mism)}
			}
		} else if l, ok := lrs[key]; ok {
			var w *warn.Warning
			c.LR, w = lrFromColumn(c, l)
			if w != nil {
				ws = append(ws, *w)
			}
		} else if !opts.NoSchedule {
			return nil, nil, &InputError{File: name, Msg: fmt.Sprintf("run %q has no schedule: give --schedule SPEC, a schedule column, --meta with a schedule column, or an lr column", c.Run)}
		}
		if c.LR != nil {
			if err := c.clampSteps(); err != nil {
				return nil, nil, err
			}
		}
	}
	return curves, ws, nil
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
	w := warn.New("lr-interpolated", "run %q: the lr column is logged at %d of %d steps; the learning rates between them are interpolated linearly (give --schedule SPEC for the exact schedule)", c.Run, len(c.Steps), last+1)
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
			return warn.New("lr-mismatch", "run %q: the logged lr %.4g at step %d (line %d) differs from the schedule's %.4g (%s)", c.Run, l[i], s, c.Lines[i], c.LR[s], c.Spec()), true
		}
	}
	return warn.Warning{}, false
}
