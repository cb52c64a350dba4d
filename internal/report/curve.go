package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/format"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/warn"
)

// CurveFit is one fitted (or built-in) curve law in `curve fit`/`curve predict --against`
// format.JSON and in curve.json: its parameters, diagnostics and per-curve scores.
type CurveFit struct {
	Group        string             `json:"group,omitempty"`
	Law          string             `json:"law"`
	Builtin      string             `json:"builtin,omitempty"` // built-in law name (predict --law)
	Recipe       string             `json:"recipe,omitempty"`
	Params       map[string]float64 `json:"params"`
	Objective    *float64           `json:"objective,omitempty"` // Huber sum on the fitted curves
	Converged    *bool              `json:"converged,omitempty"`
	Status       string             `json:"status,omitempty"`
	Starts       int                `json:"starts,omitempty"`
	StartsAtBest int                `json:"starts_at_best,omitempty"`
	Curves       []curve.Score      `json:"curves"`
	PredEMean    float64            `json:"pred_e_mean"`
	// Schedules of the fitted curves (run -> spec), so forecast can reuse the prior.
	Schedules map[string]string `json:"schedules,omitempty"`
	// Degenerate says why the fitted law is degenerate (curve.Degenerate); empty when not.
	Degenerate []string `json:"degenerate,omitempty"`
	// LOOError is the law's leave-one-curve-out error on the fitted curves (mean PredE of
	// each curve under the law refitted without it), or for a built-in law its published
	// held-out PredE; ErrorSource says which. LOO holds the per-curve scores.
	LOOError    *float64      `json:"loo_error,omitempty"`
	ErrorSource string        `json:"error_source,omitempty"`
	LOO         []curve.Score `json:"loo_curves,omitempty"`
	// Draws are the law refitted on bootstrap resamples of the curves (for predict's
	// intervals).
	Draws []map[string]float64 `json:"bootstrap_params,omitempty"`
	// PriorErrors is the law's error as a forecast prior by leave-one-curve-out, per cut
	// fraction (curve.LawError.Forecast).
	PriorErrors []curve.FracError `json:"prior_forecast_error,omitempty"`
}

// PriorErrorAt is the law's error as a forecast prior from a cut at fraction of a schedule:
// measured by leave-one-curve-out (PriorErrors), else its LOOError (a whole-curve error, a
// bound), 0 when unknown.
func (cf *CurveFit) PriorErrorAt(fraction float64) float64 {
	if e := curve.PriorErrorAt(cf.PriorErrors, fraction); e > 0 {
		return e
	}
	if cf.LOOError != nil {
		return *cf.LOOError
	}
	return 0
}

// SetLawError records a fit's measured error in cf.
func (cf *CurveFit) SetLawError(le *curve.LawError) {
	if le == nil {
		return
	}
	if len(le.LOO) > 0 {
		m := le.Mean
		cf.LOOError, cf.ErrorSource, cf.LOO = &m, "leave-one-curve-out on the fitted curves", le.LOO
	}
	for _, d := range le.Draws {
		cf.Draws = append(cf.Draws, d.Map())
	}
	cf.PriorErrors = le.Forecast
}

// LawError returns the law's error (LOOError, 0 when unknown) and its bootstrap draws.
func (cf *CurveFit) LawError() (float64, []curve.Params) {
	e := 0.0
	if cf.LOOError != nil {
		e = *cf.LOOError
	}
	var ds []curve.Params
	for _, m := range cf.Draws {
		if p, err := curve.FromMap(cf.Law, m); err == nil {
			ds = append(ds, p)
		}
	}
	return e, ds
}

// CurveDocument is the format.JSON of `curve fit` and `curve predict --against`, and curve.json.
// Ungrouped, the fit's fields sit at the top level; with --group, in "groups".
type CurveDocument struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"` // "curve-fit" or "curve-predict"
	*CurveFit
	Groups   []CurveFit `json:"groups,omitempty"`
	Warnings warn.List  `json:"warnings"`
}

// NewCurveFit describes a fit result (res may be nil for a built-in law) and the scores of
// curves under par.
func NewCurveFit(group string, par curve.Params, res *curve.Result, scores []curve.Score) CurveFit {
	cf := CurveFit{Group: group, Law: par.Law, Params: par.Map(), Curves: scores}
	if cf.Curves == nil {
		cf.Curves = []curve.Score{}
	}
	if len(scores) > 0 {
		cf.PredEMean = curve.PredE(scores)
	}
	if res != nil {
		cf.Recipe = res.Recipe
		cf.Objective = F(res.Objective)
		c := res.Converged
		cf.Converged = &c
		cf.Status, cf.Starts, cf.StartsAtBest = res.Status, res.Starts, res.StartsAtBest
	}
	return cf
}

// ReadCurveDocument reads a curve.json written by `curve fit -o`.
func ReadCurveDocument(path string) (*CurveDocument, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d CurveDocument
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a curve.json: %v", path, err)
	}
	if d.Kind != "curve-fit" || (d.CurveFit == nil && len(d.Groups) == 0) {
		return nil, fmt.Errorf("%s: not a curve.json (want the output of scalefit curve fit -o)", path)
	}
	return &d, nil
}

// Fits returns the document's fits (one when ungrouped).
func (d *CurveDocument) Fits() []CurveFit {
	if d.CurveFit != nil {
		return []CurveFit{*d.CurveFit}
	}
	return d.Groups
}

// CurveTables renders fits as tables: parameters and diagnostics, then per-curve PredE.
func CurveTables(fits []CurveFit, what string, f format.Output) []*Table {
	num := func(x float64, sig int) string {
		if f == format.CSV {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return format.Float(x, sig)
	}
	var out []*Table
	for _, cf := range fits {
		title := what
		if cf.Group != "" {
			title += " — group " + cf.Group
		}
		p := &Table{Title: title, Header: []string{"law", "parameter", "value"}}
		par, _ := curve.FromMap(cf.Law, cf.Params)
		name := cf.Law
		if cf.Builtin != "" {
			name = cf.Builtin
		}
		for i, n := range par.Names() {
			p.AddRow(name, n, num(par.Values()[i], 4))
		}
		if cf.Law == curve.LawTissue {
			p.AddRow(name, "lambda", num(cf.Params["lambda"], 4))
		}
		if cf.Objective != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("recipe %s; Huber objective %s; converged %v (%s); %d of %d starts at the best",
				cf.Recipe, format.Sci(*cf.Objective), *cf.Converged, cf.Status, cf.StartsAtBest, cf.Starts))
		}
		p.Notes = append(p.Notes, "form: L = "+curve.FormName(cf.Law))
		out = append(out, p)
		if len(cf.Curves) == 0 {
			continue
		}
		c := &Table{Header: []string{"run", "points", "PredE", "WorstE"}}
		for _, s := range cf.Curves {
			c.AddRow(s.Run, strconv.Itoa(s.Points), num(s.PredE, 3), num(s.WorstE, 3))
		}
		c.AddRow("mean", "", num(cf.PredEMean, 3), "")
		c.Notes = append(c.Notes, "PredE = mean |pred - actual|/actual over a curve's points; WorstE its largest value")
		out = append(out, c)
	}
	return out
}

// CurvePoint is one step of a predicted curve, with its 95% interval when the law's error is
// known.
type CurvePoint struct {
	Step     int         `json:"step"`
	LR       float64     `json:"lr"`
	Loss     float64     `json:"loss"`
	Interval *[2]float64 `json:"interval,omitempty"`
}

// CurvePrediction is the format.JSON of `curve predict --schedule`.
type CurvePrediction struct {
	SchemaVersion int                `json:"schema_version"`
	Kind          string             `json:"kind"`
	Law           string             `json:"law"`
	Params        map[string]float64 `json:"params"`
	Schedule      string             `json:"schedule"`
	Final         float64            `json:"final"` // predicted loss at the last step
	// LawError is the relative error the intervals carry (the law's leave-one-curve-out
	// error, or a built-in law's published held-out PredE), ErrorSource where it comes from;
	// Draws the number of bootstrap refits (over curves) whose spread the intervals hold.
	LawError    float64      `json:"law_error,omitempty"`
	ErrorSource string       `json:"error_source,omitempty"`
	Draws       int          `json:"bootstrap_draws,omitempty"`
	Points      []CurvePoint `json:"points"`
	Warnings    warn.List    `json:"warnings"`
}

// CurvePredictionTable renders a predicted curve.
func CurvePredictionTable(p *CurvePrediction, f format.Output) *Table {
	t := &Table{Title: "Predicted loss under " + p.Schedule, Header: []string{"step", "lr", "loss"}}
	withIv := len(p.Points) > 0 && p.Points[0].Interval != nil
	if withIv {
		if f == format.CSV {
			t.Header = append(t.Header, "interval_lo", "interval_hi")
		} else {
			t.Header = append(t.Header, "95% interval")
		}
	}
	for _, pt := range p.Points {
		t.AddRow(predictionRow(pt, f)...)
	}
	if f != format.CSV {
		t.Notes = append(t.Notes, "law "+p.Law+"; losses in nats/token; a prediction, not a measurement")
		if withIv {
			t.Notes = append(t.Notes, intervalNote(p))
		}
	}
	return t
}

func intervalNote(p *CurvePrediction) string {
	s := fmt.Sprintf("95%% interval: the law's error %s (%s) on each side", format.Percent(p.LawError), p.ErrorSource)
	if p.Draws > 0 {
		s += fmt.Sprintf(", around the spread of %d refits on resampled curves", p.Draws)
	}
	return s
}

func predictionRow(pt CurvePoint, f format.Output) []string {
	if f == format.CSV {
		g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		r := []string{strconv.Itoa(pt.Step), g(pt.LR), g(pt.Loss)}
		if pt.Interval != nil {
			r = append(r, g(pt.Interval[0]), g(pt.Interval[1]))
		}
		return r
	}
	r := []string{strconv.Itoa(pt.Step), format.Sci(pt.LR), format.Float(pt.Loss, 4)}
	if pt.Interval != nil {
		r = append(r, format.Interval(*pt.Interval, func(x float64) string { return format.Float(x, 4) }))
	}
	return r
}

// CurveLawJSON is a built-in curve law in `scalefit laws --format json`.
type CurveLawJSON struct {
	Name     string             `json:"name"`
	Title    string             `json:"title"`
	Law      string             `json:"law"`
	Form     string             `json:"form"`
	Params   map[string]float64 `json:"params"`
	Citation string             `json:"citation"`
}

// CurveLawsJSON lists the built-in curve laws.
func CurveLawsJSON() []CurveLawJSON {
	var out []CurveLawJSON
	for _, p := range curve.PublishedLaws {
		out = append(out, CurveLawJSON{Name: p.Name, Title: p.Title, Law: p.Params.Law,
			Form: "L = " + curve.FormName(p.Params.Law), Params: p.Params.Map(), Citation: p.Citation})
	}
	return out
}

// CurveLawsTable lists the built-in curve laws (names for curve predict --law).
func CurveLawsTable(f format.Output) *Table {
	t := &Table{Title: "Built-in curve laws (scalefit curve predict --law NAME)", Header: []string{"law", "constants"}}
	if f != format.Text {
		t.Header = append(t.Header, "citation")
	}
	for _, p := range curve.PublishedLaws {
		var cs []Constant
		for i, n := range p.Params.Names() {
			cs = append(cs, Constant{n, p.Params.Values()[i]})
		}
		row := []string{p.Name, FormatConstants(cs)}
		if f != format.Text {
			row = append(row, p.Citation)
		}
		t.AddRow(row...)
	}
	t.Notes = append(t.Notes, "form: L = "+curve.FormName(curve.LawMPL))
	if f == format.Text {
		t.Notes = append(t.Notes, "citation: "+curve.PublishedLaws[0].Citation)
	}
	return t
}

// CurveForecast is the format.JSON of `curve forecast`: the loss forecast at Step with its 95%
// bootstrap interval and, with a target, the one-sided gate's verdict.
type CurveForecast struct {
	SchemaVersion int        `json:"schema_version"`
	Run           string     `json:"run"`
	Step          int        `json:"step"`
	Forecast      float64    `json:"forecast"`
	Interval      [2]float64 `json:"interval"`
	// BootstrapInterval is the bootstrap's 95% interval alone (the noise of the logged
	// points); Interval widens it by BacktestErrorRate (relative error per log-step of
	// extrapolation, measured on the run) times the log-steps to Step.
	BootstrapInterval [2]float64 `json:"bootstrap_interval"`
	BacktestErrorRate float64    `json:"backtest_error_rate"`
	Schedule          string     `json:"schedule"`
	Points            int        `json:"points"`
	ObservedStep      int        `json:"observed_step"`
	Fraction          float64    `json:"fraction_observed"`
	Law               string     `json:"law"`
	Prior             string     `json:"prior,omitempty"` // curve.json given as the prior
	// Used is the candidate forecast: "prior" (the prior's shape refitted to the run),
	// "run" (the default law fitted to the run alone) or "run-mpl" (the multi-power
	// fallback). RunError is the run-only fit's backtest error at Step (null without a
	// backtest), PriorError the prior's leave-one-curve-out error (null without one): the
	// prior is used when it is lower. Rejected lists candidates that forecast above
	// LowestLogged under a non-increasing learning rate (law-rejected).
	Used         string   `json:"used"`
	RunError     *float64 `json:"run_error"`
	PriorError   *float64 `json:"prior_error"`
	DecayUnseen  float64  `json:"decay_unseen"`
	LowestLogged float64  `json:"lowest_logged"`
	Rejected     []string `json:"rejected,omitempty"`
	// Gate is "interval" (the verdict reads the interval's upper end) or "point".
	Gate   string             `json:"gate,omitempty"`
	Params map[string]float64 `json:"params"`
	// Gate: Target is the loss to meet (from --target or a scaling law), Source says which;
	// Threshold = Target·(1 + Tolerance); Verdict "pass" or "fail" (forecast above Threshold).
	Target    *float64  `json:"target,omitempty"`
	Source    string    `json:"target_source,omitempty"`
	Tolerance *float64  `json:"tolerance,omitempty"`
	Threshold *float64  `json:"threshold,omitempty"`
	Excess    *float64  `json:"relative_error,omitempty"` // (forecast − target)/target
	Verdict   string    `json:"verdict,omitempty"`
	Warnings  warn.List `json:"warnings"`
}

// NewCurveForecast describes a forecast.
func NewCurveForecast(fc *curve.Forecast, schedule, prior string) *CurveForecast {
	out := &CurveForecast{SchemaVersion: SchemaVersion, Run: fc.Run, Step: fc.Step, Forecast: fc.Loss, Interval: fc.Interval,
		BootstrapInterval: fc.BootstrapInterval, BacktestErrorRate: fc.ErrorRate,
		Schedule: schedule, Points: fc.Points, ObservedStep: fc.Observed, Fraction: fc.Fraction, Law: fc.Params.Law,
		Prior: prior, Used: fc.Used, DecayUnseen: fc.DecayUnseen, LowestLogged: fc.LowestLogged, Rejected: fc.Rejected,
		Params: fc.Params.Map(), Warnings: append([]warn.Warning{}, fc.Warnings...)}
	if !math.IsInf(fc.RunError, 0) && !math.IsNaN(fc.RunError) {
		out.RunError = F(fc.RunError)
	}
	if fc.PriorError > 0 {
		out.PriorError = F(fc.PriorError)
	}
	return out
}

// CurveForecastTable renders a forecast and its verdict.
func CurveForecastTable(f *CurveForecast, outFmt format.Output) *Table {
	t := &Table{Title: "Forecast of run " + f.Run, Header: []string{"run", "observed", "step", "forecast", "95% interval"}}
	if outFmt == format.CSV {
		g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		t.Header = []string{"run", "observed_step", "fraction_observed", "step", "forecast", "interval_lo", "interval_hi", "used"}
		t.AddRow(f.Run, strconv.Itoa(f.ObservedStep), g(f.Fraction), strconv.Itoa(f.Step), g(f.Forecast), g(f.Interval[0]), g(f.Interval[1]), f.Used)
		if f.Target != nil {
			t.Header = append(t.Header, "target", "tolerance", "verdict", "gate")
			t.Rows[0] = append(t.Rows[0], g(*f.Target), g(*f.Tolerance), f.Verdict, f.Gate)
		}
		return t
	}
	t.AddRow(f.Run, fmt.Sprintf("%d (%s)", f.ObservedStep, format.Percent(f.Fraction)), strconv.Itoa(f.Step), format.Float(f.Forecast, 4),
		format.Interval(f.Interval, func(x float64) string { return format.Float(x, 4) }))
	if f.Target != nil {
		t.Header = append(t.Header, "target", "verdict")
		t.Rows[0] = append(t.Rows[0], format.Float(*f.Target, 4)+" +"+format.Percent(*f.Tolerance), f.Verdict)
		if f.Gate == "point" {
			t.Notes = append(t.Notes, fmt.Sprintf("target from %s; gate on the point forecast (--gate point): it fails when the forecast exceeds the target by more than the tolerance (one-sided), whatever the interval", f.Source))
		} else {
			t.Notes = append(t.Notes, fmt.Sprintf("target from %s; gate on the interval: it fails when the interval's upper end exceeds the target by more than the tolerance (one-sided; --gate point reads the forecast alone)", f.Source))
		}
	}
	prior := "none (the run alone)"
	if f.Prior != "" {
		prior = f.Prior
	}
	t.Notes = append(t.Notes, "law "+f.Law+"; prior "+prior+"; forecast from "+usedText(f.Used)+"; schedule "+f.Schedule+"; losses in nats/token")
	errs := "errors measured on this data: run-only backtest "
	if f.RunError != nil {
		errs += format.Percent(*f.RunError)
	} else {
		errs += "none (too few points)"
	}
	if f.Prior != "" {
		errs += ", prior's leave-one-curve-out "
		if f.PriorError != nil {
			errs += format.Percent(*f.PriorError)
		} else {
			errs += "unknown"
		}
	}
	t.Notes = append(t.Notes, errs+"; the interval adds them (in log-loss) to the bootstrap's")
	return t
}

func usedText(u string) string {
	switch u {
	case "prior":
		return "the prior's shape refitted to the run"
	case "run-mpl":
		return "the multi-power law fitted to the run alone (fallback)"
	}
	return "the law fitted to the run alone"
}

// CurveOptimum is the format.JSON of `curve optimize`.
type CurveOptimum struct {
	SchemaVersion int            `json:"schema_version"`
	Law           string         `json:"law"`
	Best          CurveCandidate `json:"best"`
	Cosine        CurveCandidate `json:"cosine"`
	Gain          float64        `json:"gain"`          // cosine loss − best loss, nats/token
	GainRelative  float64        `json:"gain_relative"` // gain / cosine loss
	GridStep      int            `json:"grid_step"`
	// LawError is the law's leave-one-curve-out error (relative) the gain is compared with;
	// Recommended is false when the gain is within it.
	LawError    float64          `json:"law_error"`
	Recommended bool             `json:"recommended"`
	Candidates  []CurveCandidate `json:"candidates"`
	Caveat      string           `json:"caveat"`
	Warnings    warn.List        `json:"warnings"`
}

// CurveCandidate is one schedule and its predicted final loss.
type CurveCandidate struct {
	Schedule   string  `json:"schedule"`
	Decay      string  `json:"decay,omitempty"`
	DecayStart int     `json:"decay_start,omitempty"`
	Final      float64 `json:"final"`
	Loss       float64 `json:"loss"`
}

// OptimumCaveat is printed with every schedule search.
const OptimumCaveat = "a prediction of the fitted law, not a measurement: the law's own error on schedules it was not fitted on is stated beside the gain; confirm a large change with a run"

func candidate(c curve.Candidate) CurveCandidate {
	return CurveCandidate{Schedule: c.Schedule.String(), Decay: c.Schedule.Decay, DecayStart: c.Schedule.DecayStart, Final: c.Schedule.Final, Loss: c.Loss}
}

// NewCurveOptimum describes a schedule search.
func NewCurveOptimum(law string, o *curve.Optimum) *CurveOptimum {
	out := &CurveOptimum{SchemaVersion: SchemaVersion, Law: law, Best: candidate(o.Best), Cosine: candidate(o.Cosine),
		Gain: o.Gain, GainRelative: o.Gain / o.Cosine.Loss, GridStep: o.GridStep, LawError: o.LawError, Recommended: o.Recommended, Caveat: OptimumCaveat, Warnings: append([]warn.Warning{}, o.Warnings...)}
	out.Cosine.Decay = ""
	for _, c := range o.Candidates {
		out.Candidates = append(out.Candidates, candidate(c))
	}
	return out
}

// CurveOptimumTables renders the best schedule against cosine, then the best of each shape.
func CurveOptimumTables(o *CurveOptimum, f format.Output) []*Table {
	num := func(x float64, sig int) string {
		if f == format.CSV {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return format.Float(x, sig)
	}
	t := &Table{Title: "Best wsd schedule under the " + o.Law + " law", Header: []string{"schedule", "final loss"}}
	t.AddRow(o.Best.Schedule, num(o.Best.Loss, 4))
	t.AddRow(o.Cosine.Schedule, num(o.Cosine.Loss, 4))
	verdict := "recommended"
	if !o.Recommended {
		verdict = "not recommended: within the law's own error"
	}
	t.Notes = append(t.Notes, fmt.Sprintf("predicted gain over cosine: %s nats/token (%s) beside this law's own error on curves it was not fitted on, %s: %s", format.Float(o.Gain, 3), format.Percent(o.GainRelative), format.Percent(o.LawError), verdict),
		fmt.Sprintf("decay starts tried every %d steps", o.GridStep), "caveat: "+o.Caveat)
	s := &Table{Title: "Best decay start per shape and final lr", Header: []string{"decay", "final lr", "decay_start", "final loss"}}
	best := map[string]CurveCandidate{}
	var order []string
	for _, c := range o.Candidates {
		k := c.Decay + "/" + strconv.FormatFloat(c.Final, 'g', -1, 64)
		b, ok := best[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || c.Loss < b.Loss {
			best[k] = c
		}
	}
	for _, k := range order {
		c := best[k]
		s.AddRow(c.Decay, num(c.Final, 3), strconv.Itoa(c.DecayStart), num(c.Loss, 4))
	}
	return []*Table{t, s}
}

// StreamRows is the most rows a predicted curve is rendered from memory; past it,
// CurvePredictionWriter streams its rows (a memory independent of the steps printed).
const StreamRows = 10000

// CurvePredictionWriter writes the predicted curve of `curve predict --schedule` row by row:
// up to StreamRows rows it renders exactly as CurvePredictionTable and WriteJSON do; past it,
// it streams (JSON: the same fields, "final" after "points"; text: fixed-width columns).
type CurvePredictionWriter struct {
	w         io.Writer
	f         format.Output
	p         *CurvePrediction
	rows      int // rows expected
	streaming bool
	n         int
	stepW     int
	cw        *csv.Writer
	iv        bool // rows carry intervals
}

// NewCurvePredictionWriter starts writing p (its Points empty) to w in format f; rows is how
// many points will be added.
func NewCurvePredictionWriter(w io.Writer, f format.Output, p *CurvePrediction, rows int) *CurvePredictionWriter {
	return &CurvePredictionWriter{w: w, f: f, p: p, rows: rows, streaming: rows > StreamRows}
}

// Add writes (or keeps) one point.
func (s *CurvePredictionWriter) Add(pt CurvePoint) error {
	s.p.Final = pt.Loss
	if !s.streaming {
		s.p.Points = append(s.p.Points, pt)
		return nil
	}
	if s.n == 0 {
		s.iv = pt.Interval != nil
		if err := s.head(); err != nil {
			return err
		}
	}
	s.n++
	var err error
	switch s.f {
	case format.JSON:
		b, _ := json.Marshal(pt)
		sep := ",\n    "
		if s.n == 1 {
			sep = "\n    "
		}
		_, err = io.WriteString(s.w, sep+string(b))
	case format.CSV:
		err = s.cw.Write(predictionRow(pt, format.CSV))
	case format.Markdown:
		_, err = io.WriteString(s.w, "| "+strings.Join(predictionRow(pt, s.f), " | ")+" |\n")
	default:
		r := predictionRow(pt, s.f)
		line := fmt.Sprintf("%*s  %10s  %8s", s.stepW, r[0], r[1], r[2])
		if len(r) > 3 {
			line += "  " + r[3]
		}
		_, err = io.WriteString(s.w, line+"\n")
	}
	return err
}

func (s *CurvePredictionWriter) head() error {
	p := s.p
	switch s.f {
	case format.JSON:
		params, _ := json.Marshal(p.Params)
		law, _ := json.Marshal(p.Law)
		sched, _ := json.Marshal(p.Schedule)
		_, err := fmt.Fprintf(s.w, "{\n  \"schema_version\": %d,\n  \"kind\": \"curve-predict\",\n  \"law\": %s,\n  \"params\": %s,\n  \"schedule\": %s,\n  \"points\": [", p.SchemaVersion, law, params, sched)
		return err
	case format.CSV:
		if _, err := fmt.Fprintf(s.w, "# Predicted loss under %s\n", p.Schedule); err != nil {
			return err
		}
		s.cw = csv.NewWriter(s.w)
		h := []string{"step", "lr", "loss"}
		if s.iv {
			h = append(h, "interval_lo", "interval_hi")
		}
		return s.cw.Write(h)
	case format.Markdown:
		h, sep := "| step | lr | loss |", "|---|---:|---:|"
		if s.iv {
			h, sep = h+" 95% interval |", sep+"---:|"
		}
		_, err := fmt.Fprintf(s.w, "### %s\n\n%s\n%s\n", format.MarkdownText("Predicted loss under "+p.Schedule), h, sep)
		return err
	}
	s.stepW = max(4, len(strconv.Itoa(maxStepOf(p.Schedule))))
	h := fmt.Sprintf("%-*s  %10s  %8s", s.stepW, "step", "lr", "loss")
	if s.iv {
		h += "  95% interval"
	}
	_, err := fmt.Fprintf(s.w, "%s\n%s\n", format.Terminal("Predicted loss under "+p.Schedule), h)
	return err
}

// maxStepOf is a generous width source: the schedule's steps key, else 10 digits.
func maxStepOf(spec string) int {
	if i := strings.Index(spec, "steps="); i >= 0 {
		rest := spec[i+6:]
		if j := strings.IndexAny(rest, ",;"); j >= 0 {
			rest = rest[:j]
		}
		if v, err := strconv.ParseFloat(rest, 64); err == nil && v >= 1 && v < 1e10 {
			return int(v)
		}
	}
	return 1_000_000_000
}

// Close finishes the output.
func (s *CurvePredictionWriter) Close() error {
	if !s.streaming {
		if s.f == format.JSON {
			return WriteJSON(s.w, s.p)
		}
		return RenderAll(s.w, s.f, []*Table{CurvePredictionTable(s.p, s.f)}, nil)
	}
	if s.n == 0 {
		if err := s.head(); err != nil {
			return err
		}
	}
	switch s.f {
	case format.JSON:
		ws, _ := json.Marshal(s.p.Warnings)
		if math.IsNaN(s.p.Final) || math.IsInf(s.p.Final, 0) {
			return fmt.Errorf("final: not a finite number")
		}
		extra := ""
		if s.p.LawError > 0 {
			src, _ := json.Marshal(s.p.ErrorSource)
			extra = fmt.Sprintf(",\n  \"law_error\": %s,\n  \"error_source\": %s,\n  \"bootstrap_draws\": %d", strconv.FormatFloat(s.p.LawError, 'g', -1, 64), src, s.p.Draws)
		}
		_, err := fmt.Fprintf(s.w, "\n  ],\n  \"final\": %s%s,\n  \"warnings\": %s\n}\n", strconv.FormatFloat(s.p.Final, 'g', -1, 64), extra, ws)
		return err
	case format.CSV:
		s.cw.Flush()
		return s.cw.Error()
	}
	note := "law " + s.p.Law + "; losses in nats/token; a prediction, not a measurement"
	if s.iv {
		note += "; " + intervalNote(s.p)
	}
	if s.f == format.Markdown {
		_, err := fmt.Fprintf(s.w, "\n%s\n", format.MarkdownText(note))
		return err
	}
	_, err := fmt.Fprintf(s.w, "  %s\n", format.Terminal(note))
	return err
}
