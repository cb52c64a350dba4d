package tasks

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// Options configure Analyze. The zero value is the OLMo ladder recipe (Bhagia et al.
// 2024) without a bootstrap.
type Options struct {
	// Last is the number of final checkpoints averaged into a run's step-1 point (and the
	// target's actual task loss); 0 means 5.
	Last int
	// Skip is the fraction of each ladder run's first checkpoints dropped before step 2
	// (rounded up); 0 means 0.1, negative means none.
	Skip float64
	// Smooth is the width of the trailing moving average of step-2 points; 0 means 5,
	// 1 means none.
	Smooth int
	// Link is the step-2 link; "" means Sigmoid.
	Link LinkKind
	// Chance overrides the chance level of every task (start value only); NaN or 0 with
	// ChanceSet false uses the data's column.
	Chance    float64
	ChanceSet bool
	// Loss is the step-1 robust loss on ln L residuals; the zero value is Huber 1e-3.
	Loss fit.Loss
	// NoiseLast is the number of final checkpoints whose metric spread is the noise
	// figure; 0 means 10.
	NoiseLast int
	// Bootstrap is the number of resamples over ladder runs (0: none); Seed seeds them
	// (resample k draws from PCG(Seed, k); the same resample serves both steps).
	Bootstrap int
	Seed      uint64
	// Level is the interval's central coverage; 0 means 0.95.
	Level float64
	// Workers is the number of goroutines; 0 means GOMAXPROCS. Results do not depend on it.
	Workers int
	// Progress, if non-nil, is called with (done, total) as bootstrap resamples finish, over
	// all tasks (total = tasks × Bootstrap), from worker goroutines.
	Progress func(done, total int)

	refitAllStarts bool // tests: step-1 bootstrap refits from every full-data optimum
}

func (o Options) withDefaults() Options {
	if o.Last <= 0 {
		o.Last = 5
	}
	if o.Skip == 0 {
		o.Skip = 0.1
	} else if o.Skip < 0 {
		o.Skip = 0
	}
	if o.Smooth <= 0 {
		o.Smooth = 5
	}
	if o.Link == "" {
		o.Link = Sigmoid
	}
	if o.NoiseLast <= 0 {
		o.NoiseLast = 10
	}
	if o.Level <= 0 {
		o.Level = 0.95
	}
	return o
}

// Target is a model to predict: a held-out run of the data (Hypothetical false) or a
// projection (N, D) given by the user.
type Target struct {
	Run          string
	Params       float64 // N
	Tokens       float64 // D
	Hypothetical bool
}

// Prediction is the chained prediction for one target on one task. Actual values are NaN
// when the target is not in the data.
type Prediction struct {
	Run    string
	Params float64
	Tokens float64
	// TaskLoss is step 1's prediction; TaskLossActual the mean of the target's last Last
	// checkpoints.
	TaskLoss, TaskLossActual float64
	TaskLossInterval         [2]float64
	// Metric is step 2 at TaskLoss (the chained prediction); MetricStep2 is step 2 at the
	// actual task loss (the link's own error); MetricActual the last value of the target's
	// trailing moving average.
	Metric, MetricStep2, MetricActual float64
	MetricInterval                    [2]float64
	// HasInterval is false without a bootstrap.
	HasInterval bool
}

// Error returns Metric - MetricActual (NaN without an actual).
func (p Prediction) Error() float64 { return p.Metric - p.MetricActual }

// LadderPoint is one ladder run's step-1 point.
type LadderPoint struct {
	Run                      string
	Params, Tokens, TaskLoss float64
	Metric                   float64 // the run's final smoothed metric
}

// TaskResult is the two-step fit and the predictions for one task.
type TaskResult struct {
	Task   string
	Chance float64 // NaN when unknown
	Max    float64
	// Step1 is the task-loss law (E in task-loss units); Step1Objective its summed Huber
	// loss; Step1Converged whether the winning start stopped on the gradient threshold;
	// Step1Face names an active bound ("alpha=0", "beta=0") or is empty.
	Step1          chinchilla.Law
	Step1Objective float64
	Step1Converged bool
	Step1Face      string
	Ladder         []LadderPoint
	// Link is the step-2 fit; Step2X and Step2Y its points (smoothed checkpoints, then
	// the ideal point (0, Max) last).
	Link           Link
	Step2Converged bool
	Step2X, Step2Y []float64
	// Step2Run is the index into Ladder of each step-2 point's run (-1: the ideal point).
	Step2Run []int
	// Noise is the mean over ladder runs of the standard deviation of the metric over
	// each run's last NoiseLast checkpoints.
	Noise       float64
	Predictions []Prediction
	// Resamples is the number of bootstrap refits that gave a finite prediction;
	// Step1RefitsStalled how many of them kept a step-1 refit that stopped before the
	// gradient threshold (on an evaluation limit or a stall).
	Resamples          int
	Step1RefitsStalled int
	Warnings           []warn.Warning
}

// Result is the analysis of every task.
type Result struct {
	Source   string
	Options  Options
	Targets  []Target
	Tasks    []TaskResult
	Warnings []warn.Warning
}

// ErrInput marks bad input (too few runs, a target without rows): exit code 2.
var ErrInput = errors.New("bad input")

// MinRuns is the smallest number of ladder runs per task (five step-1 parameters).
const MinRuns = 5

// HeldTargets lists the held-out runs of the data in first-seen order, with N and D at
// their last checkpoint, and checks that every task has rows for each of them.
func HeldTargets(d *Data) ([]Target, error) {
	var ts []Target
	seen := map[string]int{}
	for _, t := range d.Tasks {
		for _, s := range t.Held {
			if _, ok := seen[s.Run]; !ok {
				seen[s.Run] = len(ts)
				last := s.Checkpoints[len(s.Checkpoints)-1]
				ts = append(ts, Target{Run: s.Run, Params: s.Params, Tokens: last.Tokens})
			}
		}
	}
	for _, t := range d.Tasks {
		for _, tg := range ts {
			if !slices.ContainsFunc(t.Held, func(s Series) bool { return s.Run == tg.Run }) {
				return nil, fmt.Errorf("%w: %s: target %s has no rows for task %s: want every task evaluated on every held-out run", ErrInput, d.Source, tg.Run, t.Name)
			}
		}
	}
	return ts, nil
}

// Analyze fits both steps for every task and predicts every target. Targets not in the
// data (Hypothetical) get predictions without actual values.
func Analyze(d *Data, targets []Target, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: nothing to predict: want --holdout EXPR matching runs of %s or --predict N:D", ErrInput, d.Source)
	}
	res := &Result{Source: d.Source, Options: opts, Targets: targets, Warnings: append([]warn.Warning(nil), d.Warnings...)}
	for _, t := range d.Tasks {
		if len(t.Ladder) < MinRuns {
			return nil, fmt.Errorf("%w: %s: task %s has %d ladder runs: want at least %d (step 1 has 5 parameters)", ErrInput, d.Source, t.Name, len(t.Ladder), MinRuns)
		}
	}
	var done atomic.Int64
	if p := opts.Progress; p != nil {
		total := len(d.Tasks) * opts.Bootstrap
		opts.Progress = func(int, int) { p(int(done.Add(1)), total) }
	}
	for _, t := range d.Tasks {
		tr, err := analyzeTask(t, targets, opts)
		if err != nil {
			return nil, fmt.Errorf("task %s: %w", t.Name, err)
		}
		chance := t.Chance
		if opts.ChanceSet {
			chance = opts.Chance
		}
		below, above := 0, 0
		for _, l := range [][]Series{t.Ladder, t.Held} {
			for _, s := range l {
				for _, c := range s.Checkpoints {
					if c.Metric < chance {
						below++
					}
					if c.Metric > t.Max {
						above++
					}
				}
			}
		}
		if below > 0 {
			tr.Warnings = append(tr.Warnings, warn.Warning{Code: "metric-below-chance", Group: t.Name,
				Msg: fmt.Sprintf("%d rows have a metric below the chance level %.4g (kept: the fitted floor may fall below chance)", below, chance)})
		}
		if above > 0 {
			tr.Warnings = append(tr.Warnings, warn.Warning{Code: "metric-above-max", Group: t.Name,
				Msg: fmt.Sprintf("%d rows have a metric above the maximum %.4g (kept)", above, t.Max)})
		}
		res.Tasks = append(res.Tasks, *tr)
		res.Warnings = append(res.Warnings, tr.Warnings...)
	}
	return res, nil
}

// step1Point is a run's step-1 point: N, D at the last checkpoint, and the mean task loss
// of the last `last` checkpoints.
func step1Point(s Series, last int) (n, d, l float64) {
	cs := s.Checkpoints
	k := min(last, len(cs))
	for _, c := range cs[len(cs)-k:] {
		l += c.TaskLoss
	}
	return s.Params, cs[len(cs)-1].Tokens, l / float64(k)
}

// trailingMean is the trailing moving average of width w; the first points average what
// is there.
func trailingMean(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	var sum float64
	for i, x := range v {
		sum += x
		if i >= w {
			sum -= v[i-w]
		}
		out[i] = sum / float64(min(i+1, w))
	}
	return out
}

// step2Points drops the first ceil(skip·n) checkpoints and smooths task loss and metric.
func step2Points(s Series, skip float64, smooth int) (x, y []float64) {
	cs := s.Checkpoints
	cs = cs[int(math.Ceil(skip*float64(len(cs)))):]
	for _, c := range cs {
		x = append(x, c.TaskLoss)
		y = append(y, c.Metric)
	}
	return trailingMean(x, smooth), trailingMean(y, smooth)
}

func stddev(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(v)-1))
}

// linkIters caps the Levenberg-Marquardt iterations of a step-2 fit.
const linkIters = 200

func analyzeTask(t Task, targets []Target, opts Options) (*TaskResult, error) {
	tr := &TaskResult{Task: t.Name, Chance: t.Chance, Max: t.Max}
	chance := t.Chance
	if opts.ChanceSet {
		chance = opts.Chance
	}
	// The ladder in canonical order (by params, tokens and task loss at step 1's point,
	// run id): both steps, their bootstrap resamples and the ladder table do not depend
	// on the order of the rows.
	t.Ladder = slices.Clone(t.Ladder)
	slices.SortStableFunc(t.Ladder, func(a, b Series) int {
		na, da, la := step1Point(a, opts.Last)
		nb, db, lb := step1Point(b, opts.Last)
		return cmp.Or(cmp.Compare(na, nb), cmp.Compare(da, db), cmp.Compare(la, lb), strings.Compare(a.Run, b.Run))
	})
	// Step 1.
	n := make([]float64, len(t.Ladder))
	dd := make([]float64, len(t.Ladder))
	l := make([]float64, len(t.Ladder))
	for i, s := range t.Ladder {
		n[i], dd[i], l[i] = step1Point(s, opts.Last)
		if !(l[i] > 0) {
			return nil, fmt.Errorf("%w: run %s: mean task loss %g: want a positive number", ErrInput, s.Run, l[i])
		}
	}
	for _, c := range []struct {
		v    []float64
		what string
	}{{n, "parameter count N"}, {dd, "token count D at the last checkpoint"}} {
		if slices.Min(c.v) == slices.Max(c.v) {
			return nil, fmt.Errorf("%w: every ladder run has the same %s (%g): step 1 cannot separate that term from E; want runs that vary it", ErrInput, c.what, c.v[0])
		}
	}
	s1, err := newStep1(n, dd, l, opts.Loss)
	if err != nil {
		return nil, err
	}
	f1, err := s1.fitFull(opts.Workers)
	if err != nil {
		return nil, fmt.Errorf("step 1: %w", err)
	}
	tr.Step1, tr.Step1Objective, tr.Step1Converged, tr.Step1Face = f1.Law, f1.Objective, f1.Converged, f1.Face
	// Step 2 points, grouped by run so a resample can weight them.
	var owner []int
	var noise []float64
	for i, s := range t.Ladder {
		x, y := step2Points(s, opts.Skip, opts.Smooth)
		for range x {
			owner = append(owner, i)
		}
		tr.Step2X = append(tr.Step2X, x...)
		tr.Step2Y = append(tr.Step2Y, y...)
		lp := LadderPoint{Run: s.Run, Params: n[i], Tokens: dd[i], TaskLoss: l[i], Metric: math.NaN()}
		if len(y) > 0 {
			lp.Metric = y[len(y)-1]
		}
		tr.Ladder = append(tr.Ladder, lp)
		cs := s.Checkpoints[max(0, len(s.Checkpoints)-opts.NoiseLast):]
		m := make([]float64, len(cs))
		for j, c := range cs {
			m[j] = c.Metric
		}
		noise = append(noise, stddev(m))
	}
	for _, v := range noise {
		tr.Noise += v / float64(len(noise))
	}
	tr.Step2X = append(tr.Step2X, 0)
	tr.Step2Y = append(tr.Step2Y, t.Max)
	owner = append(owner, -1)
	tr.Step2Run = owner
	lp := newLinkProblem(opts.Link, t.Max, tr.Step2X, tr.Step2Y, nil)
	if len(tr.Step2X) <= lp.dim() {
		return nil, fmt.Errorf("%w: step 2 has %d points after dropping each run's first checkpoints: want more than %d (more checkpoints per run, or a smaller --skip)", ErrInput, len(tr.Step2X), lp.dim())
	}
	starts := linkStarts(opts.Link, chance, t.Max)
	tr.Link, tr.Step2Converged = lp.fit(starts, linkIters)
	if math.IsInf(tr.Link.SSE, 1) {
		return nil, errors.New("step 2: no finite fit")
	}
	// Predictions.
	for _, tg := range targets {
		p := Prediction{Run: tg.Run, Params: tg.Params, Tokens: tg.Tokens, TaskLossActual: math.NaN(), MetricActual: math.NaN(), MetricStep2: math.NaN()}
		p.TaskLoss = tr.Step1.Loss(tg.Params, tg.Tokens)
		p.Metric = tr.Link.Metric(p.TaskLoss)
		if !tg.Hypothetical {
			i := slices.IndexFunc(t.Held, func(s Series) bool { return s.Run == tg.Run })
			if i < 0 {
				return nil, fmt.Errorf("%w: target %s has no rows for this task", ErrInput, tg.Run)
			}
			_, _, p.TaskLossActual = step1Point(t.Held[i], opts.Last)
			var ys []float64
			for _, c := range t.Held[i].Checkpoints {
				ys = append(ys, c.Metric)
			}
			ys = trailingMean(ys, opts.Smooth)
			p.MetricActual = ys[len(ys)-1]
			p.MetricStep2 = tr.Link.Metric(p.TaskLossActual)
		}
		tr.Predictions = append(tr.Predictions, p)
	}
	if opts.Bootstrap > 0 {
		bootstrapTask(tr, s1, f1, lp, owner, len(t.Ladder), opts)
	}
	tr.Warnings = append(tr.Warnings, taskWarnings(tr)...)
	if n := tr.Step1RefitsStalled; n > 0 && n*10 >= opts.Bootstrap {
		tr.Warnings = append(tr.Warnings, warn.Warning{Code: "bootstrap-failures", Group: t.Name,
			Msg: fmt.Sprintf("%d of %d step-1 refits stopped before converging (Huber on few distinct runs is nearly an L1 fit); they are kept, so the interval carries some optimiser noise", n, opts.Bootstrap)})
	}
	if opts.Bootstrap > 0 && tr.Resamples < opts.Bootstrap {
		tr.Warnings = append(tr.Warnings, warn.Warning{Code: "bootstrap-failures", Group: t.Name,
			Msg: fmt.Sprintf("%d of %d resamples gave no finite refit of both steps and were left out of the intervals", opts.Bootstrap-tr.Resamples, opts.Bootstrap)})
	}
	return tr, nil
}

// bootstrapTask refits both steps on resamples of the ladder runs (the same resample for
// both steps: a run drawn c times weighs its step-1 point and each of its step-2 points c
// times; the ideal point keeps weight 1) and sets percentile intervals.
func bootstrapTask(tr *TaskResult, s1 *step1, f1 *step1Fit, lp *linkProblem, owner []int, nRuns int, opts Options) {
	type draw struct {
		loss, metric []float64
		ok, stalled  bool
	}
	warm := [][]float64{tr.Link.Params}
	draws := stats.Replicates(opts.Bootstrap, stats.BootstrapOptions{Seed: opts.Seed, Workers: opts.Workers, Progress: opts.Progress}, func(_ int, rng *rand.Rand) draw {
		counts := stats.Counts(rng, nRuns)
		law, conv, err := s1.refit(f1, counts, opts.refitAllStarts)
		if err != nil {
			return draw{}
		}
		// The resample's points: runs not drawn drop out (about a third of them).
		x, y, w := make([]float64, 0, len(owner)), make([]float64, 0, len(owner)), make([]float64, 0, len(owner))
		for i, o := range owner {
			c := 1.0
			if o >= 0 {
				c = float64(counts[o])
			}
			if c > 0 {
				x, y, w = append(x, lp.x[i]), append(y, lp.y[i]), append(w, c)
			}
		}
		b := *lp
		b.x, b.y, b.w = x, y, w
		link, _ := b.fit(warm, linkIters)
		dr := draw{ok: true, stalled: !conv}
		for _, p := range tr.Predictions {
			x := law.Loss(p.Params, p.Tokens)
			m := link.Metric(x)
			if math.IsNaN(m) || math.IsInf(m, 0) || math.IsNaN(x) || math.IsInf(x, 0) {
				return draw{}
			}
			dr.loss = append(dr.loss, x)
			dr.metric = append(dr.metric, m)
		}
		return dr
	})
	for _, d := range draws {
		if d.ok && d.stalled {
			tr.Step1RefitsStalled++
		}
	}
	for j := range tr.Predictions {
		var ls, ms []float64
		for _, d := range draws {
			if d.ok {
				ls = append(ls, d.loss[j])
				ms = append(ms, d.metric[j])
			}
		}
		if len(ms) == 0 {
			continue
		}
		p := &tr.Predictions[j]
		il, _ := stats.Central(ls, opts.Level)
		im, _ := stats.Central(ms, opts.Level)
		p.TaskLossInterval, p.MetricInterval = il.Pair(), im.Pair()
		p.HasInterval = true
		tr.Resamples = len(ms)
	}
}

// Warning codes of a task's analysis.
const (
	CodeStep1NotConverged = "step1-not-converged" // the step-1 fit stopped before the gradient threshold
	CodeStep1Bound        = "step1-bound"         // the step-1 optimum lies on a bound (E, alpha or beta = 0)
	CodeFlatLink          = "flat-link"           // the link barely moves the metric over the ladder
	CodeWithinNoise       = "within-noise"        // a predicted change within twice the task's noise
)

// taskWarnings: a flat link, predictions whose change is within the noise, and a step-1
// fit on a bound.
func taskWarnings(tr *TaskResult) []warn.Warning {
	var ws []warn.Warning
	w := func(code, format string, args ...any) {
		x := warn.New(code, format, args...)
		x.Group = tr.Task
		ws = append(ws, x)
	}
	if !tr.Step1Converged {
		w(CodeStep1NotConverged, "the step-1 fit stopped before the gradient threshold")
	}
	if tr.Step1Face != "" {
		what := map[string]string{"alpha=0": "the N term is a constant", "beta=0": "the D term is a constant", "E=0": "no irreducible task loss"}[tr.Step1Face]
		w(CodeStep1Bound, "the step-1 optimum lies on the bound %s (%s); E, alpha and beta are bounded below by 0 as in Bhagia et al.", tr.Step1Face, what)
	}
	// The ladder's range of task loss, and the link's change over it.
	lo, hi := math.Inf(1), math.Inf(-1)
	best := -1
	for i, p := range tr.Ladder {
		lo, hi = math.Min(lo, p.TaskLoss), math.Max(hi, p.TaskLoss)
		if best < 0 || p.TaskLoss < tr.Ladder[best].TaskLoss {
			best = i
		}
	}
	span := math.Abs(tr.Link.Metric(lo) - tr.Link.Metric(hi))
	if span <= 2*tr.Noise || span < 0.01 {
		w(CodeFlatLink, "the step-2 link changes the metric by only %.3f over the ladder's task losses %.3g-%.3g (noise %.3f): the task does not move over the ladder, so its predictions say little", span, lo, hi, tr.Noise)
	}
	if best >= 0 {
		ref := tr.Link.Metric(tr.Ladder[best].TaskLoss)
		for _, p := range tr.Predictions {
			if ch := p.Metric - ref; math.Abs(ch) <= 2*tr.Noise {
				w(CodeWithinNoise, "%s: the predicted change over the ladder's best run (%+.3f) is within twice the noise (%.3f)", p.Run, ch, tr.Noise)
			}
		}
	}
	return ws
}
