package report

import (
	"fmt"
	"path/filepath"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/warn"
)

// CheckRow is one new run checked against a fitted law: its actual loss, the law's
// prediction, and whether it falls outside the allowed band.
type CheckRow struct {
	Line      int     `json:"line,omitempty"`
	ID        string  `json:"run,omitempty"`
	Params    float64 `json:"params"`
	Tokens    float64 `json:"tokens"`
	FLOPs     float64 `json:"flops"`
	Loss      float64 `json:"loss"`      // actual, nats/token
	Predicted float64 `json:"predicted"` // the law's loss at (params, tokens)
	// RelError is (actual − predicted) / predicted: > 0 means worse than predicted.
	RelError float64 `json:"relative_error"`
	// Band is the allowed |relative error| (the tolerance, or exp(K·σ) − 1 with --sigma).
	Band float64 `json:"band"`
	// Sigma is the relative scale σ of the prediction at this point (with --sigma only):
	// sqrt(sd² of the bootstrap predictions of ln L + rmse_log_loss²).
	Sigma float64 `json:"sigma,omitempty"`
	// Outside is true when the run fails the gate: beyond the band on a gated side.
	Outside bool `json:"outside"`
	// Ungated is true for a run beyond the band on the side the gate ignores (e.g. better
	// than predicted under --side worse): reported, not failed.
	Ungated  bool `json:"ungated,omitempty"`
	Extrapol bool `json:"extrapolated,omitempty"` // beyond the fitted runs' compute range
}

// CheckResult is the outcome of `scalefit check`.
type CheckResult struct {
	SchemaVersion int        `json:"schema_version"`
	Fit           string     `json:"fit"`  // the fit.json used
	Law           string     `json:"law"`  // e.g. "chinchilla approach 3"
	Rule          string     `json:"rule"` // "tolerance" or "sigma"
	Tolerance     float64    `json:"tolerance,omitempty"`
	K             float64    `json:"sigma,omitempty"`
	Side          string     `json:"side"` // SideBoth, SideWorse or SideBetter: which side fails
	Runs          int        `json:"runs"`
	Outside       int        `json:"outside"`
	Rows          []CheckRow `json:"results"`
	Warnings      warn.List  `json:"warnings"`
}

// Sides of the check gate.
const (
	SideBoth   = "both"   // beyond the band on either side fails
	SideWorse  = "worse"  // only actual above the prediction (relative error > 0) fails
	SideBetter = "better" // only actual below the prediction fails
)

// GateSide decides a run's status under side: outside (fails the gate) when it is beyond
// the band on a gated side, ungated when it is beyond the band on the other side. relErr
// is (actual − predicted)/predicted.
func GateSide(side string, beyond bool, relErr float64) (outside, ungated bool) {
	if !beyond {
		return false, false
	}
	switch side {
	case SideWorse:
		return relErr > 0, !(relErr > 0)
	case SideBetter:
		return relErr < 0, !(relErr < 0)
	}
	return true, false
}

// RuleText describes the band: "±3% of the prediction" or "2σ (bootstrap spread and
// residual scale)".
func (r *CheckResult) RuleText() string {
	var s string
	if r.Rule == "sigma" {
		s = format.Float(r.K, 3) + "σ of the prediction (bootstrap spread and fit residual scale)"
	} else {
		s = "±" + format.Percent(r.Tolerance) + " of the prediction"
	}
	switch r.Side {
	case SideWorse:
		s += ", gating only runs worse than the law"
	case SideBetter:
		s += ", gating only runs better than the law"
	}
	return s
}

// Summary is the one-line verdict.
func (r *CheckResult) Summary() string {
	if r.Outside == 0 {
		return fmt.Sprintf("all %d runs within %s", r.Runs, r.RuleText())
	}
	return fmt.Sprintf("%d of %d runs outside %s", r.Outside, r.Runs, r.RuleText())
}

// CheckTable renders a CheckResult for the text, Markdown and CSV formats.
func CheckTable(r *CheckResult) *Table {
	t := &Table{
		Title:  "Check against " + filepath.Base(r.Fit) + " (" + r.Law + ")",
		Header: []string{"line", "run", "params N", "tokens D", "compute C", "loss", "predicted", "error", "band", "status"},
	}
	for _, row := range r.Rows {
		status := "ok"
		switch {
		case row.Outside:
			status = "OUTSIDE"
		case row.Ungated && row.RelError < 0:
			status = "better (not gated)"
		case row.Ungated:
			status = "worse (not gated)"
		}
		if row.Extrapol {
			status += " (extrapolated)"
		}
		t.AddRow(fmt.Sprint(row.Line), row.ID, format.Count(row.Params), format.Count(row.Tokens), format.Sci(row.FLOPs),
			format.Float(row.Loss, 4), format.Float(row.Predicted, 4), checkPercent(row.RelError), "±"+format.Percent(row.Band), status)
	}
	t.Notes = append(t.Notes, r.Summary())
	t.Notes = append(t.Notes, SignConvention)
	return t
}

func checkPercent(x float64) string {
	if x > 0 {
		return "+" + format.Percent(x)
	}
	return format.Percent(x)
}
