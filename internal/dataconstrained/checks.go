package dataconstrained

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/warn"
)

// Warning codes of the data-constrained fit (catalogued in internal/warn/catalogue.go).
const (
	// CodeNotIdentified: R_D* or R_N* runs to its bound or its profile is flat.
	CodeNotIdentified = "not-identified"
	// CodeRepeatsNotIdentified: no run repeats its unique data more than MinRepeatEpochs.
	CodeRepeatsNotIdentified = "repeats-not-identified"
	// CodeRepetitionOverfit: a run's loss rises with more epochs at the same N and U.
	CodeRepetitionOverfit = "repetition-overfit"
	// CodePlateauRuns: many runs sit within PlateauFrac of the highest loss.
	CodePlateauRuns = "plateau-runs"
)

// Thresholds of the checks. Each was chosen on a named development set and checked on
// another (docs/data-running-out.md, "How the thresholds were chosen"; the tests
// TestRepeatsThreshold, TestOverfitThreshold and TestPlateauThreshold pin them).
const (
	// MinRepeatEpochs: with no run beyond this many epochs (D/U), R_D* is not identified.
	MinRepeatEpochs = 1.5
	// OverfitSigmas: a run overfits when its loss exceeds the lowest loss at fewer epochs
	// (same N and U) by more than OverfitSigmas × √2 × the fit's robust residual scale
	// (√2σ is the spread of a difference of two runs' noise). 4 rather than 3: the lowest of
	// several runs is itself biased low, and at 3 two of 15 clean development sweeps
	// flagged a run.
	OverfitSigmas = 4.0
	// PlateauFrac: runs with a loss within this fraction of the highest loss "barely
	// learned"; they are many when at least PlateauMinRuns and PlateauMinShare of the runs.
	PlateauFrac     = 0.05
	PlateauMinRuns  = 3
	PlateauMinShare = 0.05
)

// OverfitRun is a run whose loss rises with more epochs: Index (into the input) has a
// higher loss than Than, a run of the same N and U with fewer epochs.
type OverfitRun struct {
	Index, Than int
}

// checks fills res.Overfit, res.Plateau and res.Warnings.
func (p *problem) checks(res *Result) {
	var w []warn.Warning
	if !res.Converged {
		w = append(w, warn.New(warn.CodeNotConverged, "the best start did not converge (status %s, gradient %.3g)", res.Status, res.GradNorm))
	}
	if res.Starts > 1 && res.StartsAtBest < 2 {
		w = append(w, warn.New(chinchilla.CodeFragileOptimum, "only %d of %d starts reached the best objective: the optimum may be fragile", res.StartsAtBest, res.Starts))
	}
	if p.opts.Recipe == RecipeJoint {
		for _, e := range []struct {
			name string
			v    float64
		}{{"alpha", res.Law.Law.Alpha}, {"beta", res.Law.Law.Beta}} {
			if e.v < 0.05 {
				w = append(w, warn.New(warn.CodeExtremeParameter, "%s = %.3g is near 0: that term is nearly constant and trades off with E", e.name, e.v))
			} else if e.v > 2.5 {
				w = append(w, warn.New(warn.CodeExtremeParameter, "%s = %.3g is above 2.5: implausibly steep, check the data", e.name, e.v))
			}
		}
		if res.Law.Law.E < 0.05 {
			w = append(w, warn.New(warn.CodeExtremeParameter, "E = %.3g nats/token is tiny: the irreducible loss is not identified by these runs", res.Law.Law.E))
		}
	}
	if res.Epochs[1] <= MinRepeatEpochs {
		w = append(w, warn.New(CodeRepeatsNotIdentified, "no run repeats its unique data more than %g epochs (the most is %.3g): R_D* and R_N* are not identified, and the plain law (the Chinchilla fit) is the honest answer", MinRepeatEpochs, res.Epochs[1]))
	}
	for _, name := range []string{ParamRDStar, ParamRNStar} {
		id, ok := res.Ident[name]
		if !ok {
			continue
		}
		if msg := p.identMessage(res, name, id); msg != "" {
			w = append(w, warn.New(CodeNotIdentified, "%s", msg))
		}
	}
	res.Overfit = p.overfit(res.Sigma)
	if len(res.Overfit) > 0 {
		var ex []string
		for _, o := range res.Overfit[:min(3, len(res.Overfit))] {
			a, b := p.runs[o.Index], p.runs[o.Than]
			ex = append(ex, fmt.Sprintf("%s: %.4g at %.3g epochs vs %.4g at %.3g", p.name(o.Index), a.Loss, epochs(a), b.Loss, epochs(b)))
		}
		w = append(w, warn.New(CodeRepetitionOverfit, "%d run(s) lose more with more epochs at the same N and U (%s): the law cannot represent overfitting; they pull R_D* down, consider leaving them out with --where",
			len(res.Overfit), strings.Join(ex, "; ")))
	}
	res.Plateau = p.plateau()
	if len(res.Plateau) > 0 {
		hi := 0.0
		for _, r := range p.runs {
			hi = math.Max(hi, r.Loss)
		}
		cut := (1 - PlateauFrac) * hi
		w = append(w, warn.New(CodePlateauRuns, "%d of %d runs have a loss within %g%% of the highest (%.4g): runs that barely learned pull E and the exponents; consider --where 'loss<%s'",
			len(res.Plateau), len(p.runs), PlateauFrac*100, hi, strconv.FormatFloat(cut, 'g', 4, 64)))
	}
	if res.BootstrapFailed > 0 {
		w = append(w, warn.New(warn.CodeBootstrapFailures, "%d of %d bootstrap refits did not converge", res.BootstrapFailed, p.opts.Bootstrap))
	}
	res.Warnings = append(res.Warnings, w...)
}

func epochs(r Run) float64 { return r.Tokens / math.Min(r.Unique, r.Tokens) }

// name is how a warning names run i: its Name, else "run i" (1-based).
func (p *problem) name(i int) string {
	if p.runs[i].Name != "" {
		return p.runs[i].Name
	}
	return fmt.Sprintf("run %d", i+1)
}

// identMessage says why a repetition constant is not identified, or "" when it is.
func (p *problem) identMessage(res *Result, name string, id Identification) string {
	n := len(p.runs)
	v, k, what := res.Law.RDStar, p.countRepeats(), fmt.Sprintf("repeat their unique data more than %g epochs", MinRepeatEpochs)
	if name == ParamRNStar {
		v, k, what = res.Law.RNStar, res.Excess, "have parameters in excess of their unique data's compute-optimal size"
	}
	few := 4*k < n
	why := fmt.Sprintf("few runs %s (%d of %d)", what, k, n)
	if !few {
		why = fmt.Sprintf("%d of %d runs %s, and they show no diminishing return the law can measure", k, n, what)
	}
	tail := "" // a flat profile with many informative runs needs no excuse
	if few {
		tail = "; " + why
	}
	switch {
	case id.AtBound == "upper":
		return fmt.Sprintf("%s runs to its bound (%g): %s", name, MaxStar, why)
	case id.AtBound == "lower":
		return fmt.Sprintf("%s runs to its lower bound (%g): the runs gain nothing from it%s", name, MinStar, tail)
	case id.Flat[1] && id.Flat[0]:
		return fmt.Sprintf("%s = %.4g: its profile is flat (held at %g or %g the objective barely changes, statistics %.3g and %.3g < %.3g)%s", name, v, MinStar, MaxStar, id.LR[0], id.LR[1], FlatLR, tail)
	case id.Flat[1]:
		return fmt.Sprintf("%s = %.4g is not bounded above: held at %g the objective barely changes (profile statistic %.3g < %.3g)%s", name, v, MaxStar, id.LR[1], FlatLR, tail)
	case id.Flat[0]:
		return fmt.Sprintf("%s = %.4g is not bounded below: held at %g the objective barely changes (profile statistic %.3g < %.3g)%s", name, v, MinStar, id.LR[0], FlatLR, tail)
	}
	return ""
}

func (p *problem) countRepeats() int {
	n := 0
	for _, r := range p.runs {
		if epochs(r) > MinRepeatEpochs {
			n++
		}
	}
	return n
}

// overfit returns the runs whose loss exceeds the lowest loss of a run with the same N and U
// (to 6 significant digits) and fewer epochs by more than OverfitSigmas·√2·sigma (relative,
// on the log scale), ordered by how far they rise.
func (p *problem) overfit(sigma float64) []OverfitRun {
	tol := OverfitSigmas * math.Sqrt2 * sigma
	by := map[string][]int{}
	var keys []string
	for i, r := range p.runs {
		k := strconv.FormatFloat(r.Params, 'g', 6, 64) + "/" + strconv.FormatFloat(r.Unique, 'g', 6, 64)
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], i)
	}
	type hit struct {
		OverfitRun
		rise float64
	}
	var hits []hit
	for _, k := range keys {
		idx := by[k]
		sort.SliceStable(idx, func(a, b int) bool { return p.runs[idx[a]].Tokens < p.runs[idx[b]].Tokens })
		best := -1
		for _, i := range idx {
			if best >= 0 && p.runs[i].Tokens > p.runs[best].Tokens {
				if rise := math.Log(p.runs[i].Loss / p.runs[best].Loss); rise > tol {
					hits = append(hits, hit{OverfitRun{Index: i, Than: best}, rise})
				}
			}
			if best < 0 || p.runs[i].Loss < p.runs[best].Loss {
				best = i
			}
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].rise > hits[b].rise })
	out := make([]OverfitRun, len(hits))
	for i, h := range hits {
		out[i] = h.OverfitRun
	}
	return out
}

// plateau returns the runs within PlateauFrac of the highest loss when they are many (at
// least PlateauMinRuns and PlateauMinShare of the runs), else nil.
func (p *problem) plateau() []int {
	hi := 0.0
	for _, r := range p.runs {
		hi = math.Max(hi, r.Loss)
	}
	var out []int
	for i, r := range p.runs {
		if r.Loss >= (1-PlateauFrac)*hi {
			out = append(out, i)
		}
	}
	if len(out) < PlateauMinRuns || float64(len(out)) < PlateauMinShare*float64(len(p.runs)) {
		return nil
	}
	return out
}
