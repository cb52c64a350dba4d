// Package fitfile is the fit.json contract (DESIGN.md §2/§6) and the resolution of "the law
// a command uses": a fit.json (with --approach), a built-in published law, or runs fitted on
// the fly, behind one small interface, Law.
//
// The contract is stable: fields are added, never renamed. Encode builds a Document from an
// analysis; Decode and Read read one back (a fit.json written by any earlier scalefit still
// decodes); Write writes one atomically.
package fitfile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/warn"
)

// SchemaVersion is the version of the JSON contracts scalefit writes (fit --format json,
// fit.json and every other command's JSON). The contract is stable: fields are added, never
// renamed. Version 2 writes warnings as objects {code, message, group, source} (version 1:
// strings) and a fit's bootstrap draws keyed by parameter name ("draws": {"E": [...], ...};
// version 1: "bootstrap" rows in a fixed order). Decode reads both.
const SchemaVersion = 2

// MinSchemaVersion is the oldest fit.json version Decode reads.
const MinSchemaVersion = 1

// Document is the JSON contract of `scalefit fit --format json` and of fit.json files.
type Document struct {
	SchemaVersion int      `json:"schema_version"`
	Family        string   `json:"family,omitempty"` // the law family of `fit --family NAME`
	Source        string   `json:"source,omitempty"`
	Runs          int      `json:"runs"`
	Excluded      int      `json:"excluded"`
	Derived       string   `json:"derived,omitempty"`     // "tokens" or "flops": the column computed as C = 6ND
	InputNotes    []string `json:"input_notes,omitempty"` // how the input was read: header units, decimal commas, joins
	// HeldOut counts the runs held out of the fits by --holdout (and predicted); they are
	// among Runs, not fitted.
	HeldOut  int       `json:"held_out,omitempty"`
	Warnings warn.List `json:"warnings"`
	Fits     []Fit     `json:"fits"`
	Skipped  []Skip    `json:"skipped,omitempty"`
	Range    *Range    `json:"range,omitempty"` // the fitted data's range, for extrapolation warnings
}

// Range is the span of the fitted runs.
type Range struct {
	Params [2]float64 `json:"params"`
	Tokens [2]float64 `json:"tokens"`
	FLOPs  [2]float64 `json:"flops"`
	Loss   [2]float64 `json:"loss"`
}

// Skip records an approach that was not run and why.
type Skip struct {
	Law      string `json:"law"`
	Approach int    `json:"approach,omitempty"`
	Group    string `json:"group,omitempty"`
	Reason   string `json:"reason"`
}

// Fit is one fitted law. Params holds the law's constants by name (E, A, B, alpha, beta
// for Chinchilla; Nc, alpha_N, Dc, alpha_D for Kaplan); Intervals holds 95% bootstrap
// percentile intervals by the same names plus a and b.
type Fit struct {
	Law          string              `json:"law"`
	Approach     int                 `json:"approach,omitempty"`
	Form         string              `json:"form,omitempty"`
	Group        string              `json:"group,omitempty"`
	Params       map[string]float64  `json:"params,omitempty"`
	Intervals    map[string]Interval `json:"intervals,omitempty"`
	A            *float64            `json:"a,omitempty"` // N_opt ∝ C^a
	B            *float64            `json:"b,omitempty"` // D_opt ∝ C^b
	Objective    *float64            `json:"objective,omitempty"`
	Loss         string              `json:"loss,omitempty"` // "huber" or "mse"
	Delta        float64             `json:"delta,omitempty"`
	Converged    *bool               `json:"converged,omitempty"`
	Status       string              `json:"status,omitempty"`
	GradNorm     *float64            `json:"grad_norm,omitempty"`
	Starts       int                 `json:"starts,omitempty"`
	StartsAtBest int                 `json:"starts_at_best,omitempty"`
	Evaluations  int                 `json:"evaluations,omitempty"`
	RMSE         *float64            `json:"rmse_log_loss,omitempty"`
	Runs         int                 `json:"runs,omitempty"`
	Fixed        map[string]float64  `json:"fixed,omitempty"`
	// Vertex is how Approach 2 located each budget's minimum: "auto" (Akima with >= 5 sizes,
	// else a parabola), "akima" or "parabola" (--vertex); each budget says which it used.
	Vertex      string       `json:"vertex,omitempty"`
	Allocations []Allocation `json:"allocations,omitempty"`
	Budgets     []Budget     `json:"budgets,omitempty"`
	Holdout     *Holdout     `json:"holdout,omitempty"`
	Outliers    []Residual   `json:"outliers,omitempty"`
	Warnings    warn.List    `json:"warnings,omitempty"`
	// Resamples is the number of bootstrap resamples behind Intervals.
	Resamples int `json:"resamples,omitempty"`
	// Bootstrap holds one row per bootstrap resample, its values named by DrawNames
	// (Chinchilla Approach 3: E, A, B, alpha, beta). JSON keys them by name (see Draws).
	Bootstrap [][]float64 `json:"-"`
	// DrawNames names the columns of Bootstrap; nil means the law's default order
	// (DefaultDrawNames).
	DrawNames []string `json:"-"`
	// Envelope holds Approach 1's envelope points [flops, n_opt, d_opt, loss].
	Envelope [][4]float64 `json:"envelope,omitempty"`
	// Extra holds a law family's own fields of the entry (e.g. the data-constrained fit's
	// "recipe", "unique_tokens" and "epochs"), written beside the standard fields (never in
	// place of one). Decoding keeps here every field the contract does not name, so a file
	// re-encodes with them.
	Extra map[string]any `json:"-"`
}

// Allocation is a compute-optimal allocation at a budget, with 95% intervals when the fit
// has bootstrap draws.
type Allocation struct {
	FLOPs          float64     `json:"flops"`
	NOpt           float64     `json:"n_opt"`
	DOpt           float64     `json:"d_opt"`
	TokensPerParam float64     `json:"tokens_per_param"`
	Loss           float64     `json:"loss,omitempty"`
	NInterval      *[2]float64 `json:"n_opt_interval,omitempty"`
	DInterval      *[2]float64 `json:"d_opt_interval,omitempty"`
	LossInterval   *[2]float64 `json:"loss_interval,omitempty"`
	// Extrapolation is FLOPs over the largest fitted run's (absent without a fitted range);
	// beyond 10 the allocation is an extrapolation (warning "extrapolated").
	Extrapolation *float64 `json:"extrapolation,omitempty"`
}

// Budget is one IsoFLOP budget of Approach 2.
type Budget struct {
	FLOPs    float64 `json:"flops"`
	NOpt     float64 `json:"n_opt,omitempty"` // absent for a rejected budget with no minimum
	DOpt     float64 `json:"d_opt,omitempty"`
	Loss     float64 `json:"loss,omitempty"`
	Sizes    int     `json:"sizes"`
	Vertex   string  `json:"vertex,omitempty"` // "akima" or "parabola": how its minimum was found
	Accepted bool    `json:"accepted"`
	Reason   string  `json:"reason,omitempty"`
}

// Holdout is the extrapolation check on held-out runs.
type Holdout struct {
	Expr      string     `json:"expr"`
	Runs      []Residual `json:"runs"`
	MeanAbsRE float64    `json:"mean_abs_relative_error"`
	MaxAbsRE  float64    `json:"max_abs_relative_error"`
}

// Residual is one run's actual and predicted loss.
type Residual struct {
	Line      int     `json:"line,omitempty"`
	ID        string  `json:"run,omitempty"`
	Params    float64 `json:"params"`
	Tokens    float64 `json:"tokens"`
	FLOPs     float64 `json:"flops"`
	Loss      float64 `json:"loss"`
	Predicted float64 `json:"predicted"`
	RelError  float64 `json:"relative_error"` // (actual - predicted) / predicted: > 0 is worse than the law
}

// F returns a pointer to v, for the optional numeric fields.
func F(v float64) *float64 { return &v }

// Decode reads a fit.json document from r (at most limits.MaxInputBytes) and checks its
// numbers' ranges (Validate); name (the file) prefixes errors.
func Decode(r io.Reader, name string) (*Document, error) {
	// A fit.json is a JSON object: refuse anything else at its first byte, so that
	// --fit /dev/zero is not read up to the size cap.
	br := bufio.NewReader(r)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("%s: not a scalefit fit.json: empty", name)
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		br.UnreadByte()
		if c != '{' {
			return nil, fmt.Errorf("%s: not a scalefit fit.json: want a JSON object, found %q", name, c)
		}
		break
	}
	b, err := io.ReadAll(io.LimitReader(br, limits.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(b) > limits.MaxInputBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB: not a fit.json", name, limits.MaxInputBytes>>20)
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a scalefit fit.json: %v", name, err)
	}
	if d.SchemaVersion < MinSchemaVersion || d.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s: schema_version %d, want %d to %d (a fit.json written by scalefit fit -o)", name, d.SchemaVersion, MinSchemaVersion, SchemaVersion)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &d, nil
}

// Read reads a fit.json written by `scalefit fit -o`.
func Read(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f, path)
}

// Encode writes d as the indented JSON of the contract, in the current schema version
// (a document read from an older fit.json is written in today's spelling).
func (d *Document) Encode(w io.Writer) error {
	c := *d
	c.SchemaVersion = SchemaVersion
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&c)
}

// Write writes d to path atomically (a failed write leaves any old file in place).
func Write(path string, d *Document) error {
	return safefile.Write(path, d.Encode)
}

// WithoutDraws returns a copy of d whose fits leave out their bootstrap draws (what
// `fit --format json` prints unless asked for them); d is not modified.
func (d *Document) WithoutDraws() *Document {
	c := *d
	c.Fits = make([]Fit, len(d.Fits))
	for i, f := range d.Fits {
		f.Bootstrap = nil
		c.Fits[i] = f
	}
	return &c
}

// Find returns the first fit of law and approach (approach 0 matches any), or nil.
func (d *Document) Find(law string, approach int) *Fit {
	for i := range d.Fits {
		f := &d.Fits[i]
		if f.Law == law && (approach == 0 || f.Approach == approach) {
			return f
		}
	}
	return nil
}
