package report

import (
	"fmt"
	"math"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/tasks"
	"github.com/scalefit/scalefit/internal/warn"
)

// TasksDocument is the JSON contract of `scalefit tasks` (DESIGN.md §6):
// {"tasks": [{"task": .., "predictions": [{"run", "params", "tokens", "task_loss",
// "task_loss_actual", "metric", "metric_interval", "metric_actual"}]}]}. Task losses are in
// the input's units; metrics are fractions. Actual values and intervals are omitted (null)
// when unknown.
type TasksDocument struct {
	SchemaVersion int           `json:"schema_version"`
	Source        string        `json:"source"`
	Recipe        TasksRecipe   `json:"recipe"`
	Tasks         []TaskSection `json:"tasks"`
	Warnings      warn.List     `json:"warnings"`
}

// TasksRecipe records the settings of both steps.
type TasksRecipe struct {
	Step1     string  `json:"step1"` // the law and its loss
	Link      string  `json:"link"`  // "sigmoid" or "exp"
	Last      int     `json:"last"`  // checkpoints averaged per run in step 1
	Skip      float64 `json:"skip"`  // fraction of each run's first checkpoints dropped in step 2
	Smooth    int     `json:"smooth"`
	NoiseLast int     `json:"noise_last"`
	Bootstrap int     `json:"bootstrap"`
	Seed      uint64  `json:"seed"`
	Level     float64 `json:"level"`
}

// TaskSection is one task: both fits and the predictions.
type TaskSection struct {
	Task      string    `json:"task"`
	Chance    *float64  `json:"chance,omitempty"`
	Max       float64   `json:"max"`
	Runs      int       `json:"runs"`
	Step1     TaskStep1 `json:"step1"`
	Step2     TaskStep2 `json:"step2"`
	Noise     float64   `json:"noise"` // mean sd of the metric over runs' last checkpoints
	Resamples int       `json:"resamples,omitempty"`
	// Step1RefitsStalled counts bootstrap step-1 refits that stopped before converging.
	Step1RefitsStalled int              `json:"step1_refits_stalled,omitempty"`
	Predictions        []TaskPrediction `json:"predictions"`
	Warnings           warn.List        `json:"warnings"`
}

// TaskStep1 is the task-loss law L = E + A/N^alpha + B/D^beta.
type TaskStep1 struct {
	E         float64 `json:"E"`
	A         float64 `json:"A"`
	B         float64 `json:"B"`
	Alpha     float64 `json:"alpha"`
	Beta      float64 `json:"beta"`
	Objective float64 `json:"objective"`
	Converged bool    `json:"converged"`
	Bound     string  `json:"bound,omitempty"` // an active bound: "alpha=0", "beta=0", "E=0"
}

// TaskStep2 is the fitted link: params a, x0, k, b (sigmoid) or eps, k, gamma (exp).
type TaskStep2 struct {
	Link      string             `json:"link"`
	Params    map[string]float64 `json:"params"`
	Points    int                `json:"points"` // smoothed checkpoints plus the ideal point
	RMSE      float64            `json:"rmse"`
	Converged bool               `json:"converged"`
}

// TaskPrediction is one target's chained prediction on one task.
type TaskPrediction struct {
	Run              string      `json:"run"`
	Params           float64     `json:"params"`
	Tokens           float64     `json:"tokens"`
	Hypothetical     bool        `json:"hypothetical,omitempty"`
	TaskLoss         float64     `json:"task_loss"`
	TaskLossInterval *[2]float64 `json:"task_loss_interval,omitempty"`
	TaskLossActual   *float64    `json:"task_loss_actual,omitempty"`
	Metric           float64     `json:"metric"`
	MetricInterval   *[2]float64 `json:"metric_interval"`
	MetricActual     *float64    `json:"metric_actual,omitempty"`
	// MetricStep2 is the link at the actual task loss (step 2's own error); Error is
	// metric - metric_actual.
	MetricStep2 *float64 `json:"metric_step2,omitempty"`
	Error       *float64 `json:"error,omitempty"`
}

func finiteP(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// TasksDocumentFrom converts an analysis into the JSON contract.
func TasksDocumentFrom(res *tasks.Result) *TasksDocument {
	o := res.Options
	doc := &TasksDocument{SchemaVersion: SchemaVersion, Source: res.Source, Warnings: []warn.Warning{},
		Recipe: TasksRecipe{Step1: "L = E + A/N^alpha + B/D^beta, " + analysis.LossName(o.Loss) + " on ln L, E, alpha, beta >= 0",
			Link: string(o.Link), Last: o.Last, Skip: o.Skip, Smooth: o.Smooth, NoiseLast: o.NoiseLast,
			Bootstrap: o.Bootstrap, Seed: o.Seed, Level: o.Level}}
	hyp := map[string]bool{}
	for _, t := range res.Targets {
		hyp[t.Run] = t.Hypothetical
	}
	for _, t := range res.Tasks {
		s := TaskSection{Task: t.Task, Chance: finiteP(t.Chance), Max: t.Max, Runs: len(t.Ladder), Noise: t.Noise,
			Resamples: t.Resamples, Step1RefitsStalled: t.Step1RefitsStalled, Warnings: t.Warnings, Predictions: []TaskPrediction{}}
		if s.Warnings == nil {
			s.Warnings = []warn.Warning{}
		}
		l := t.Step1
		s.Step1 = TaskStep1{E: l.E, A: l.A, B: l.B, Alpha: l.Alpha, Beta: l.Beta, Objective: t.Step1Objective, Converged: t.Step1Converged, Bound: t.Step1Face}
		names := []string{"a", "x0", "k", "b"}
		if t.Link.Kind == tasks.Exp {
			names = []string{"eps", "k", "gamma"}
		}
		s.Step2 = TaskStep2{Link: string(t.Link.Kind), Params: map[string]float64{}, Points: len(t.Step2X), Converged: t.Step2Converged,
			RMSE: math.Sqrt(t.Link.SSE / float64(len(t.Step2X)))}
		for i, n := range names {
			s.Step2.Params[n] = t.Link.Params[i]
		}
		for _, p := range t.Predictions {
			q := TaskPrediction{Run: p.Run, Params: p.Params, Tokens: p.Tokens, Hypothetical: hyp[p.Run], TaskLoss: p.TaskLoss,
				TaskLossActual: finiteP(p.TaskLossActual), Metric: p.Metric, MetricActual: finiteP(p.MetricActual),
				MetricStep2: finiteP(p.MetricStep2), Error: finiteP(p.Error())}
			if p.HasInterval {
				a, b := p.TaskLossInterval, p.MetricInterval
				q.TaskLossInterval, q.MetricInterval = &a, &b
			}
			s.Predictions = append(s.Predictions, q)
		}
		doc.Tasks = append(doc.Tasks, s)
		doc.Warnings = append(doc.Warnings, t.Warnings...)
	}
	return doc
}

// TasksRows flattens the document for --format csv: one row per (task, target).
func TasksRows(doc *TasksDocument) []TaskRow {
	var rows []TaskRow
	for _, t := range doc.Tasks {
		for _, p := range t.Predictions {
			rows = append(rows, TaskRow{Task: t.Task, TaskPrediction: p})
		}
	}
	return rows
}

// TaskRow is one CSV row.
type TaskRow struct {
	Task string `json:"task"`
	TaskPrediction
}

// TasksTables renders one table per target (task, predicted task loss, actual task loss,
// predicted metric with its interval, actual metric, error) and one table of the fits.
func TasksTables(doc *TasksDocument) []*Table {
	var targets []string
	seen := map[string]bool{}
	for _, t := range doc.Tasks {
		for _, p := range t.Predictions {
			if !seen[p.Run] {
				seen[p.Run] = true
				targets = append(targets, p.Run)
			}
		}
	}
	f3 := func(v float64) string { return fmt.Sprintf("%.3f", v) }
	opt := func(v *float64, f func(float64) string) string {
		if v == nil {
			return "-"
		}
		return f(*v)
	}
	var out []*Table
	for _, run := range targets {
		tb := &Table{Header: []string{"task", "task loss", "actual", "metric", "95% interval", "actual", "error"}}
		var absErr []float64
		for _, t := range doc.Tasks {
			for _, p := range t.Predictions {
				if p.Run != run {
					continue
				}
				if tb.Title == "" {
					kind := "held-out run"
					if p.Hypothetical {
						kind = "projection"
					}
					tb.Title = fmt.Sprintf("%s (%s): N = %s, D = %s", run, kind, format.Count(p.Params), format.Count(p.Tokens))
				}
				iv := "-"
				if p.MetricInterval != nil {
					iv = "[" + f3(p.MetricInterval[0]) + ", " + f3(p.MetricInterval[1]) + "]"
				}
				tb.AddRow(t.Task, f3(p.TaskLoss), opt(p.TaskLossActual, f3), f3(p.Metric), iv, opt(p.MetricActual, f3),
					opt(p.Error, func(v float64) string { return fmt.Sprintf("%+.3f", v) }))
				if p.Error != nil {
					absErr = append(absErr, math.Abs(*p.Error))
				}
			}
		}
		if len(absErr) > 0 {
			var s float64
			for _, v := range absErr {
				s += v
			}
			tb.Notes = append(tb.Notes, fmt.Sprintf("mean |error| %.3f over %d tasks (metric as a fraction; error = predicted - actual)", s/float64(len(absErr)), len(absErr)))
		}
		out = append(out, tb)
	}
	fits := &Table{Title: "Fits per task (step 1: task loss L = E + A/N^alpha + B/D^beta; step 2: link from task loss to metric)",
		Header: []string{"task", "runs", "E", "A", "alpha", "B", "beta", "link", "noise"}}
	for _, t := range doc.Tasks {
		s1 := t.Step1
		e := format.Float(s1.E, 3)
		if s1.Bound != "" {
			e += " (" + s1.Bound + ")"
		}
		fits.AddRow(t.Task, fmt.Sprint(t.Runs), e, format.Float(s1.A, 3), format.Float(s1.Alpha, 3), format.Float(s1.B, 3), format.Float(s1.Beta, 3), linkText(t.Step2), fmt.Sprintf("%.4f", t.Noise))
	}
	fits.Notes = append(fits.Notes, "noise: mean standard deviation of the metric over each ladder run's last checkpoints")
	return append(out, fits)
}

func linkText(s TaskStep2) string {
	p := s.Params
	if s.Link == string(tasks.Exp) {
		return fmt.Sprintf("err = %.3g - %.3g exp(-%.3g L)", p["eps"], p["k"], p["gamma"])
	}
	return fmt.Sprintf("%.3g/(1+exp(-%.3g(L-%.3g))) + %.3g", p["a"], p["k"], p["x0"], p["b"])
}
