package vocab

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// DefaultDelta is the Huber threshold of the fit, in nats of the unigram-normalised loss (the
// residuals are in loss space, not log-loss): Hoffmann et al.'s 1e-3 of log-loss is 1e-3 of
// the loss, about 3e-3 nats for the 2.5-4 nats/token of the models Tao et al. fit.
const DefaultDelta = 3e-3

// minRuns is the fewest runs fitted: seven constants and at least one degree of freedom.
const minRuns = 8

// Start grid of the exponents (alpha1, alpha2, beta); each point gets its best E, A1, A2, B by
// linear least squares and the lowest startsPolished points start Newton.
var (
	gridExponent   = []float64{0.15, 0.3, 0.45, 0.6, 0.8, 1.1}
	startsPolished = 12
)

// bootStarts is how many distinct local optima of the full-data search each bootstrap
// resample starts from.
const bootStarts = 3

// Warning codes of this family (catalogued in internal/warn/catalogue.go).
const (
	// CodeFewSizes: fewer than three non-vocabulary sizes: A1 and alpha1 rest on two points.
	CodeFewSizes = "vocab-few-sizes"
	// CodeFewVocabularies: fewer than three vocabulary sizes: A2 and alpha2 rest on two points.
	CodeFewVocabularies = "vocab-few-vocabularies"
)

// model is the law's residuals r_i = Lu_i − (−E + A1 n_i^−α1 + A2 v_i^−α2 + B t_i^−β) in
// nats, over θ = (E, A1, A2, B, α1, α2, β); ln n, ln v and ln t are precomputed.
type model struct {
	y, ln, lv, lt []float64
}

func (m *model) Len() int { return len(m.y) }
func (m *model) Dim() int { return 7 }

func (m *model) Residual(i int, th, jac []float64) float64 {
	pn := math.Exp(-th[4] * m.ln[i])
	pv := math.Exp(-th[5] * m.lv[i])
	pt := math.Exp(-th[6] * m.lt[i])
	r := m.y[i] - (-th[0] + th[1]*pn + th[2]*pv + th[3]*pt)
	if jac != nil {
		jac[0] = 1
		jac[1], jac[2], jac[3] = -pn, -pv, -pt
		jac[4] = th[1] * pn * m.ln[i]
		jac[5] = th[2] * pv * m.lv[i]
		jac[6] = th[3] * pt * m.lt[i]
	}
	return r
}

func lawOf(th []float64) Law {
	return Law{E: th[0], A1: th[1], A2: th[2], B: th[3], Alpha1: th[4], Alpha2: th[5], Beta: th[6]}
}

func theta(l Law) []float64 {
	return []float64{l.E, l.A1, l.A2, l.B, l.Alpha1, l.Alpha2, l.Beta}
}

// Fit fits the law to the runs in loss space (Lu is never log-transformed): every run needs
// N_nv > 0, V ≥ 2, d > 0 and H > 0. Variable projection over a grid of the three exponents
// gives the starts, Newton polishes the best of them (multi-start), and the bootstrap refits
// resamples of the runs from the best optima. alpha1 and beta are fitted freely (Tao et al.
// tie them).
func (Family) Fit(ctx context.Context, in family.Input) ([]family.Result, error) {
	loss, err := in.RobustLoss(DefaultDelta)
	if err != nil {
		return nil, err
	}
	m, ws, err := prepare(in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	starts := startGrid(m)
	if len(starts) == 0 {
		return nil, fmt.Errorf("%s: %s: no start of the fit is finite: the losses do not follow the law at any grid point", Name, in.Source)
	}
	obj := &fit.NLS{Model: m, Loss: loss}
	ms, err := fit.MultiStart(obj, starts, fit.MultiStartOptions{Workers: in.Workers, Admissible: admissible})
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", Name, in.Source, err)
	}
	law := lawOf(ms.X)
	res := family.Result{Family: Name, Law: law, Params: law.Params(), Converged: ms.Converged, Status: ms.Status.String(),
		Objective: ms.F, Starts: ms.Starts, AtBest: ms.StartsAtBest, Runs: len(m.y), Warnings: ws}
	if in.Bootstrap > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		refits := fit.Refits(m, loss, fit.DistinctOptima(ms, bootStarts), in.Bootstrap,
			fit.RefitOptions{Seed: in.Seed, Workers: in.Workers, Progress: in.Progress})
		names := Family{}.Info().ParamNames()
		rows, failed := make([][]float64, 0, len(refits)), 0
		for _, r := range refits {
			if r.X == nil || !r.Converged || !admissible(r.X) {
				failed++
			}
			if r.X != nil {
				p := lawOf(r.X).Params()
				row := make([]float64, len(names))
				for j, n := range names {
					row[j] = p[n]
				}
				rows = append(rows, row)
			}
		}
		res.Draws, res.Intervals = family.Summarize(names, rows)
		if failed > 0 {
			res.Warnings = append(res.Warnings, warn.New(warn.CodeBootstrapFailures, "%s bootstrap: %d of %d resamples did not converge", Name, failed, in.Bootstrap))
		}
	}
	return []family.Result{res}, nil
}

// admissible keeps optima whose exponents are positive and below 10 (a law whose terms fall
// with scale).
func admissible(th []float64) bool {
	for _, v := range th {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return th[4] > 0 && th[5] > 0 && th[6] > 0 && th[4] < 10 && th[5] < 10 && th[6] < 10
}

// prepare reads and checks the runs' columns.
func prepare(in family.Input) (*model, []warn.Warning, error) {
	cols := [4][]float64{in.Cols["non_vocab_params"], in.Cols["vocab_size"], in.Cols["embed_dim"], in.Cols["characters"]}
	names := [4]string{"non_vocab_params", "vocab_size", "embed_dim", "characters"}
	k := len(in.Runs)
	m := &model{y: make([]float64, k), ln: make([]float64, k), lv: make([]float64, k), lt: make([]float64, k)}
	sizes, vocabs := map[float64]bool{}, map[float64]bool{}
	for i := range in.Runs {
		r := &in.Runs[i]
		for j, c := range cols {
			if err := checkInput(names[j], c[i]); err != nil {
				return nil, nil, family.RunError(r, "%v", err)
			}
		}
		if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
			return nil, nil, family.RunError(r, "loss %g: want a finite unigram-normalised loss", r.Loss)
		}
		nnv, v, d, h := cols[0][i], cols[1][i], cols[2][i], cols[3][i]
		m.y[i] = r.Loss
		m.ln[i] = math.Log(nnv / 1e6)
		m.lv[i] = math.Log(v * d / 1e6)
		m.lt[i] = math.Log(h * CharsPerToken(v) / 1e9)
		sizes[nnv], vocabs[v] = true, true
	}
	if k < minRuns {
		return nil, nil, fmt.Errorf("%s: %s: %d runs: want at least %d (the law has seven constants)", Name, in.Source, k, minRuns)
	}
	var ws []warn.Warning
	if len(sizes) < 3 {
		ws = append(ws, warn.New(CodeFewSizes, "%d non-vocabulary size(s): A1 and alpha1 rest on fewer than three sizes", len(sizes)))
	}
	if len(vocabs) < 3 {
		ws = append(ws, warn.New(CodeFewVocabularies, "%d vocabulary size(s): A2 and alpha2 rest on fewer than three vocabularies", len(vocabs)))
	}
	return m, ws, nil
}

// startGrid returns the starts of the multi-start: for every exponent triple of the grid the
// least-squares E, A1, A2, B, the lowest startsPolished of them by residual sum of squares
// (triples whose coefficients are not positive are left out).
func startGrid(m *model) [][]float64 {
	type cand struct {
		th  []float64
		sse float64
	}
	var cands []cand
	pn, pv, pt := make([]float64, len(m.y)), make([]float64, len(m.y)), make([]float64, len(m.y))
	for _, a1 := range gridExponent {
		for i := range pn {
			pn[i] = math.Exp(-a1 * m.ln[i])
		}
		for _, a2 := range gridExponent {
			for i := range pv {
				pv[i] = math.Exp(-a2 * m.lv[i])
			}
			for _, b := range gridExponent {
				for i := range pt {
					pt[i] = math.Exp(-b * m.lt[i])
				}
				beta, sse, ok := fit.LeastSquares(len(m.y), 4, func(i int, r []float64) {
					r[0], r[1], r[2], r[3] = -1, pn[i], pv[i], pt[i]
				}, m.y)
				if !ok || !(beta[1] > 0 && beta[2] > 0 && beta[3] > 0) {
					continue
				}
				cands = append(cands, cand{[]float64{beta[0], beta[1], beta[2], beta[3], a1, a2, b}, sse})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return stats.CompareNaNLast(a.sse, b.sse) })
	var out [][]float64
	for _, c := range cands[:min(len(cands), startsPolished)] {
		out = append(out, c.th)
	}
	return out
}
