package fitfile

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/limits"
)

// Valid ranges of a fit.json's numbers, checked when a file is decoded, so that a hand-edited
// or corrupted file is refused with the field named instead of planning with alpha 1e308 or
// passing every run of check --sigma on an RMSE of 1e308.
const (
	// MaxExponent bounds alpha and beta (and Kaplan's alpha_N, alpha_D): scalefit warns
	// above 2.5 and fits have reached ~20 on pathological data; 100 is no law.
	MaxExponent = 100.0
	// MaxRMSE bounds the RMSE of log-loss residuals: 1 is a factor e between law and runs.
	MaxRMSE = 1.0
)

// Validate checks the ranges of a decoded document's numbers; the error names the field by
// its JSON path (fits[0].params.alpha).
func (d *Document) Validate() error {
	if d.Runs < 0 || d.Excluded < 0 {
		return fmt.Errorf("runs %d, excluded %d: want counts of 0 or more", d.Runs, d.Excluded)
	}
	if r := d.Range; r != nil {
		for _, q := range []struct {
			name string
			v    [2]float64
		}{{"params", r.Params}, {"tokens", r.Tokens}, {"flops", r.FLOPs}, {"loss", r.Loss}} {
			if !(q.v[0] >= 0 && q.v[1] >= q.v[0] && !math.IsInf(q.v[1], 0)) {
				return fmt.Errorf("range.%s = %v: want 0 <= min <= max, finite", q.name, q.v)
			}
		}
	}
	for i := range d.Fits {
		if err := d.Fits[i].validate(); err != nil {
			return fmt.Errorf("fits[%d].%w", i, err)
		}
	}
	return nil
}

func (f *Fit) validate() error {
	for k, v := range f.Params {
		if !positiveLaw(f.Law) {
			continue // a registered family's constants may be negative (moe-clark2022's a, b; vocab-tao2024's Lu): its Law checks them
		}
		if err := param(k, v); err != nil {
			return fmt.Errorf("params.%s = %s: %w", k, limits.Num(v), err)
		}
	}
	for k, v := range f.Fixed {
		if err := param(k, v); err != nil {
			return fmt.Errorf("fixed.%s = %s: %w", k, limits.Num(v), err)
		}
	}
	for k, iv := range f.Intervals {
		if !(iv[0] <= iv[1]) {
			return fmt.Errorf("intervals.%s = %v: want lo <= hi", k, iv)
		}
	}
	for name, p := range map[string]*float64{"a": f.A, "b": f.B} {
		if p != nil && !(*p > 0 && *p < 1) {
			return fmt.Errorf("%s = %s: want an exponent of N_opt or D_opt in (0, 1)", name, limits.Num(*p))
		}
	}
	if f.A != nil && f.B != nil && math.Abs(*f.A+*f.B-1) > 1e-6 && f.Law == "chinchilla" {
		return fmt.Errorf("a = %s, b = %s: want a + b = 1 (C = 6ND)", limits.Num(*f.A), limits.Num(*f.B))
	}
	for name, p := range map[string]*float64{"objective": f.Objective, "grad_norm": f.GradNorm} {
		if p != nil && !(*p >= 0) {
			return fmt.Errorf("%s = %s: want 0 or more", name, limits.Num(*p))
		}
	}
	if f.RMSE != nil && !(*f.RMSE >= 0 && *f.RMSE <= MaxRMSE) {
		return fmt.Errorf("rmse_log_loss = %s: want 0 to %g (a larger scatter is no law)", limits.Num(*f.RMSE), MaxRMSE)
	}
	if !(f.Delta >= 0) {
		return fmt.Errorf("delta = %s: want 0 or more", limits.Num(f.Delta))
	}
	if f.Starts < 0 || f.StartsAtBest < 0 || f.Evaluations < 0 || f.Runs < 0 || f.Resamples < 0 {
		return fmt.Errorf("starts, starts_at_best, evaluations, runs and resamples: want counts of 0 or more")
	}
	if f.Law == "chinchilla" && len(f.Bootstrap) > 0 {
		rows, err := f.DrawRows(chinchillaNames)
		if err != nil {
			return err
		}
		for i, r := range rows {
			if len(r) != 5 {
				return fmt.Errorf("bootstrap row %d has %d values: want 5 (E, A, B, alpha, beta)", i+1, len(r))
			}
			for j, k := range []string{"E", "A", "B", "alpha", "beta"} {
				if err := param(k, r[j]); err != nil {
					return fmt.Errorf("bootstrap row %d: %s = %s: %w", i+1, k, limits.Num(r[j]), err)
				}
			}
		}
	}
	for i, a := range f.Allocations {
		if err := limits.Budget(a.FLOPs); err != nil {
			return fmt.Errorf("allocations[%d].flops: %w", i, err)
		}
		if !(a.NOpt > 0 && a.DOpt > 0 && a.Loss >= 0) {
			return fmt.Errorf("allocations[%d]: n_opt %s, d_opt %s, loss %s: want positive N and D", i, limits.Num(a.NOpt), limits.Num(a.DOpt), limits.Num(a.Loss))
		}
	}
	for i, b := range f.Budgets {
		if !(b.FLOPs > 0 && b.NOpt >= 0 && b.DOpt >= 0 && b.Loss >= 0 && b.Sizes >= 0) {
			return fmt.Errorf("budgets[%d]: flops %s, n_opt %s, d_opt %s, loss %s: want positive FLOPs and non-negative N, D, loss",
				i, limits.Num(b.FLOPs), limits.Num(b.NOpt), limits.Num(b.DOpt), limits.Num(b.Loss))
		}
	}
	return nil
}

// positiveLaw reports whether law's constants are those param checks: Chinchilla's and
// Kaplan's (and a fit.json that names no law).
func positiveLaw(law string) bool {
	return law == "" || law == "chinchilla" || law == "kaplan"
}

// param checks one named constant of a law: exponents in (0, MaxExponent], an irreducible
// loss E in (0, limits.MaxLoss], everything else (A, B, k, Nc, Dc, ...) positive.
func param(name string, v float64) error {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "alpha") || strings.HasPrefix(n, "beta"):
		if !(v > 0 && v <= MaxExponent) {
			return fmt.Errorf("want an exponent in (0, %g]", MaxExponent)
		}
	case n == "e":
		if !(v > 0 && v <= limits.MaxLoss) {
			return fmt.Errorf("want an irreducible loss in (0, %s] nats/token", limits.Num(limits.MaxLoss))
		}
	case !(v > 0):
		return fmt.Errorf("want a positive number")
	}
	return nil
}
