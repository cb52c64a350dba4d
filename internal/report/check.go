package report

import (
	"fmt"
	"path/filepath"

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
	Sigma    float64 `json:"sigma,omitempty"`
	Outside  bool    `json:"outside"`
	Extrapol bool    `json:"extrapolated,omitempty"` // beyond the fitted runs' compute range
}

// CheckResult is the outcome of `scalefit check`.
type CheckResult struct {
	SchemaVersion int        `json:"schema_version"`
	Fit           string     `json:"fit"`  // the fit.json used
	Law           string     `json:"law"`  // e.g. "chinchilla approach 3"
	Rule          string     `json:"rule"` // "tolerance" or "sigma"
	Tolerance     float64    `json:"tolerance,omitempty"`
	K             float64    `json:"sigma,omitempty"`
	Runs          int        `json:"runs"`
	Outside       int        `json:"outside"`
	Rows          []CheckRow `json:"results"`
	Warnings      warn.List  `json:"warnings"`
}

// RuleText describes the band: "±3% of the prediction" or "2σ (bootstrap spread and
// residual scale)".
func (r *CheckResult) RuleText() string {
	if r.Rule == "sigma" {
		return Float(r.K, 3) + "σ of the prediction (bootstrap spread and fit residual scale)"
	}
	return "±" + Percent(r.Tolerance) + " of the prediction"
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
		if row.Outside {
			status = "OUTSIDE"
		}
		if row.Extrapol {
			status += " (extrapolated)"
		}
		t.AddRow(fmt.Sprint(row.Line), row.ID, Count(row.Params), Count(row.Tokens), Sci(row.FLOPs),
			Float(row.Loss, 4), Float(row.Predicted, 4), checkPercent(row.RelError), "±"+Percent(row.Band), status)
	}
	t.Notes = append(t.Notes, r.Summary())
	t.Notes = append(t.Notes, "error = (actual - predicted) / predicted; > 0 is worse than predicted")
	return t
}

func checkPercent(x float64) string {
	if x > 0 {
		return "+" + Percent(x)
	}
	return Percent(x)
}
