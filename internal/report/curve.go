package report

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/warn"
)

// CurveFit is one fitted (or built-in) curve law in `curve fit`/`curve predict --against`
// JSON and in curve.json: its parameters, diagnostics and per-curve scores.
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
}

// CurveDocument is the JSON of `curve fit` and `curve predict --against`, and curve.json.
// Ungrouped, the fit's fields sit at the top level; with --group, in "groups".
type CurveDocument struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"` // "curve-fit" or "curve-predict"
	*CurveFit
	Groups   []CurveFit     `json:"groups,omitempty"`
	Warnings []warn.Warning `json:"warnings"`
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
func CurveTables(fits []CurveFit, what string) []*Table {
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
			p.AddRow(name, n, Float(par.Values()[i], 4))
		}
		if cf.Law == curve.LawTissue {
			p.AddRow(name, "lambda", Float(cf.Params["lambda"], 4))
		}
		if cf.Objective != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("recipe %s; Huber objective %s; converged %v (%s); %d of %d starts at the best",
				cf.Recipe, Sci(*cf.Objective), *cf.Converged, cf.Status, cf.StartsAtBest, cf.Starts))
		}
		p.Notes = append(p.Notes, "form: L = "+curve.FormName(cf.Law))
		out = append(out, p)
		if len(cf.Curves) == 0 {
			continue
		}
		c := &Table{Header: []string{"run", "points", "PredE", "WorstE"}}
		for _, s := range cf.Curves {
			c.AddRow(s.Run, strconv.Itoa(s.Points), Float(s.PredE, 3), Float(s.WorstE, 3))
		}
		c.AddRow("mean", "", Float(cf.PredEMean, 3), "")
		c.Notes = append(c.Notes, "PredE = mean |pred - actual|/actual over a curve's points; WorstE its largest value")
		out = append(out, c)
	}
	return out
}

// CurvePoint is one step of a predicted curve.
type CurvePoint struct {
	Step int     `json:"step"`
	LR   float64 `json:"lr"`
	Loss float64 `json:"loss"`
}

// CurvePrediction is the JSON of `curve predict --schedule`.
type CurvePrediction struct {
	SchemaVersion int                `json:"schema_version"`
	Kind          string             `json:"kind"`
	Law           string             `json:"law"`
	Params        map[string]float64 `json:"params"`
	Schedule      string             `json:"schedule"`
	Final         float64            `json:"final"` // predicted loss at the last step
	Points        []CurvePoint       `json:"points"`
	Warnings      []warn.Warning     `json:"warnings"`
}

// CurvePredictionTable renders a predicted curve.
func CurvePredictionTable(p *CurvePrediction, f Format) *Table {
	t := &Table{Title: "Predicted loss under " + p.Schedule, Header: []string{"step", "lr", "loss"}}
	for _, pt := range p.Points {
		if f == CSV {
			t.AddRow(strconv.Itoa(pt.Step), strconv.FormatFloat(pt.LR, 'g', -1, 64), strconv.FormatFloat(pt.Loss, 'g', -1, 64))
			continue
		}
		t.AddRow(strconv.Itoa(pt.Step), Sci(pt.LR), Float(pt.Loss, 4))
	}
	if f != CSV {
		t.Notes = append(t.Notes, "law "+p.Law+"; losses in nats/token; a prediction, not a measurement")
	}
	return t
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
func CurveLawsTable(f Format) *Table {
	t := &Table{Title: "Built-in curve laws (scalefit curve predict --law NAME)", Header: []string{"law", "constants"}}
	if f != Text {
		t.Header = append(t.Header, "citation")
	}
	for _, p := range curve.PublishedLaws {
		var cs []Constant
		for i, n := range p.Params.Names() {
			cs = append(cs, Constant{n, p.Params.Values()[i]})
		}
		row := []string{p.Name, FormatConstants(cs)}
		if f != Text {
			row = append(row, p.Citation)
		}
		t.AddRow(row...)
	}
	t.Notes = append(t.Notes, "form: L = "+curve.FormName(curve.LawMPL))
	if f == Text {
		t.Notes = append(t.Notes, "citation: "+curve.PublishedLaws[0].Citation)
	}
	return t
}
