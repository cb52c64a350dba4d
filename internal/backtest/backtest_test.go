package backtest

import (
	"fmt"

	"context"
	"github.com/scalefit/scalefit/internal/family"
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/synth"
)

// sweepRuns is a design's sweep as runs with a budget column.
func sweepRuns(d design, seed uint64) []runs.Run {
	var rs []runs.Run
	for _, p := range d.points(seed) {
		rs = append(rs, runs.Run{Params: p.Params, Tokens: p.Tokens, FLOPs: p.FLOPs, Loss: p.Loss, Budget: p.Budget})
	}
	return rs
}

func findCandidate(c Cut, family, variant string) *Candidate {
	for i := range c.Candidates {
		if c.Candidates[i].Family == family && c.Candidates[i].Variant == variant {
			return &c.Candidates[i]
		}
	}
	return nil
}

// The whole backtest on the acceptance check's two synthetic designs (scalefit's generator,
// seeds 1-3): on the clean Chinchilla law a candidate other than the broken power law is
// recommended every time and a break claimed at most once (TestBreakRuleReport measures the
// false-break rate); on the law whose exponent halves at 1e19 the break is found within 3x
// with a positive out-of-sample gain, and the local exponent's 95% interval covers the truth
// at 11 or more of the 13 budgets, every time.
func TestSyntheticSweeps(t *testing.T) {
	if testing.Short() {
		t.Skip("six full backtests")
	}
	falseBreaks := 0
	for _, d := range []design{{"clean", synth.Break{}, 23}, {"bent", accBreak, 23}} {
		for seed := uint64(1); seed <= 3; seed++ {
			rs := sweepRuns(d, seed)
			res, err := Run(context.Background(), rs, Options{Families: []Extra{{Family: bpl.Family{}}}, LeaveOneOut: seed == 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.BudgetsFrom != FromColumn || len(res.Budgets) != 13 || len(res.Cuts) != 9 || res.Cuts[0].Budget != 1e18*math.Sqrt(10) {
				t.Fatalf("%s: %d budgets from %s, %d cuts from %g", d.name, len(res.Budgets), res.BudgetsFrom, len(res.Cuts), res.Cuts[0].Budget)
			}
			for _, c := range res.Cuts {
				if len(c.Candidates) != 6 || c.NTrain != 9*int(math.Round(2*math.Log10(c.Budget)-33)) {
					t.Errorf("%s: cut %g: %d candidates, %d runs", d.name, c.FLOPs, len(c.Candidates), c.NTrain)
				}
			}
			rec := res.Recommendation
			if d.br.Change == 0 {
				if rec.Family == nil || *rec.Family == bpl.Name {
					t.Errorf("clean law, seed %d: %s (want a candidate other than the broken power law)", seed, rec.Text)
				}
				if res.Break != nil {
					falseBreaks++
				}
			} else {
				br := res.Break
				if br == nil || math.Abs(math.Log10(br.FLOPs/1e19)) > math.Log10(3) || !(br.OutOfSampleGain > 0) ||
					!(br.Interval[0] <= br.FLOPs && br.FLOPs <= br.Interval[1]) || br.Direction != "slowdown" {
					t.Errorf("bent law, seed %d: break %+v (want one within 3x of 1e19, a slowdown)", seed, br)
				}
				hits := 0
				for _, s := range res.Slope {
					if truth := d.br.LocalExponent(synth.Printed, s.FLOPs); s.Interval[0] <= truth && truth <= s.Interval[1] {
						hits++
					}
				}
				if hits < 11 {
					t.Errorf("bent law, seed %d: the local exponent's interval covers the truth at %d of %d budgets (want 11)", seed, hits, len(res.Slope))
				}
			}
			// leave-one-budget-out: every budget of the largest cut, for each law
			if n := len(res.LeaveOneOut); seed == 1 && n != 3*12 {
				t.Errorf("%s: %d leave-one-budget-out shifts, want 36", d.name, n)
			}
		}
	}
	if falseBreaks > 1 {
		t.Errorf("clean law: a break claimed on %d of 3 sweeps", falseBreaks)
	}
}

// error_largest of Approach 3 (Huber) at the largest cut is the default fit of the runs at or
// below the cut (exactly `scalefit fit --approach 3`), scored on the largest budget by hand.
func TestApproach3IsFitsDefault(t *testing.T) {
	rs := sweepRuns(design{"clean", synth.Break{}, 21}, 5)
	res, err := Run(context.Background(), rs, Options{Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	top := res.Cuts[len(res.Cuts)-1]
	var n, d, l []float64
	for _, r := range rs {
		if r.Budget <= top.FLOPs {
			n, d, l = append(n, r.Params), append(d, r.Tokens), append(l, r.Loss)
		}
	}
	f, err := chinchilla.Fit(n, d, l, chinchilla.FitOptions{Loss: fit.Loss{Kind: fit.Huber, Delta: fit.DefaultDelta}})
	if err != nil {
		t.Fatal(err)
	}
	want, abs, k := 0.0, 0.0, 0
	for _, r := range rs {
		if r.Budget == res.Largest.FLOPs {
			p := f.Law.Loss(r.Params, r.Tokens)
			want += (r.Loss - p) / p
			abs += math.Abs(r.Loss-p) / p
			k++
		}
	}
	c := findCandidate(top, FamilyChinchilla, VariantA3Huber)
	if c == nil || c.ErrorLargest == nil || math.Abs(*c.ErrorLargest-want/float64(k)) > 1e-9 || math.Abs(*c.AbsErrorLargest-abs/float64(k)) > 1e-9 || c.NParams != 5 {
		t.Errorf("approach 3 at the largest cut: %+v, want error_largest %g", c, want/float64(k))
	}
	if top.NTrain != len(n) || k != res.Largest.Runs {
		t.Errorf("largest cut fits %d runs (want %d); largest budget %d runs (want %d)", top.NTrain, len(n), res.Largest.Runs, k)
	}
}

// Budgets: a budget column; else FLOPs clustered into IsoFLOP profiles; else half-decades
// counted down from the largest run (a ladder of sizes x token multiples, as OLMo's).
func TestBudgets(t *testing.T) {
	iso := sweepRuns(design{"clean", synth.Break{}, 21}, 1)
	noCol := make([]runs.Run, len(iso))
	for i, r := range iso {
		r.Budget = 0
		r.FLOPs *= 1 + 0.02*float64(i%3-1) // jitter within a budget
		noCol[i] = r
	}
	var ladder []runs.Run
	for _, n := range []float64{2e8, 4e8, 8e8, 1.6e9, 3.2e9} {
		for _, m := range []float64{0.5, 1, 2, 5, 10} {
			d := 20 * n * m
			ladder = append(ladder, runs.Run{Params: n, Tokens: d, FLOPs: 6 * n * d, Loss: synth.Printed.Loss(n, d)})
		}
	}
	for _, tc := range []struct {
		name    string
		rs      []runs.Run
		from    string
		budgets int
		iso     bool
	}{{"column", iso, FromColumn, 9, true}, {"clustered", noCol, FromClustering, 9, true}, {"ladder", ladder, FromHalfDecades, 0, false}} {
		b := split(tc.rs, 0, chinchilla.VertexParabola)
		if b.from != tc.from || b.iso != tc.iso || (tc.budgets > 0 && len(b.budgets) != tc.budgets) {
			t.Errorf("%s: %d budgets from %s (iso %v), want %d from %s", tc.name, len(b.budgets), b.from, b.iso, tc.budgets, tc.from)
		}
		total, last := 0, 0.0
		for k, bu := range b.budgets {
			total += bu.Runs
			if bu.FLOPs <= last || bu.Range[0] > bu.FLOPs*1.0001 || bu.Range[1] < bu.FLOPs*0.9999 {
				t.Errorf("%s: budget %d at %g, range %v", tc.name, k, bu.FLOPs, bu.Range)
			}
			last = bu.FLOPs
			if tc.iso != (bu.Minimum != nil) {
				t.Errorf("%s: budget %g minimum %v", tc.name, bu.FLOPs, bu.Minimum)
			}
		}
		if total != len(tc.rs) {
			t.Errorf("%s: budgets hold %d of %d runs", tc.name, total, len(tc.rs))
		}
	}
	// the ladder's top half-decade holds the runs within √10 of the largest
	b := split(ladder, 0, "")
	top := b.budgets[len(b.budgets)-1]
	if top.Range[1] != 6*3.2e9*20*3.2e9*10 || top.Range[0] < top.Range[1]/math.Sqrt(10) {
		t.Errorf("ladder: top budget %v", top.Range)
	}
	if _, err := Run(context.Background(), ladder[:8], Options{}); err == nil {
		t.Error("8 runs in fewer than 5 budgets were backtested")
	}
}

// Without IsoFLOP budgets only the per-run candidates apply; slope is empty and break null.
func TestLadderHasNoFrontier(t *testing.T) {
	var rs []runs.Run
	for _, n := range []float64{1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9} {
		for _, m := range []float64{0.5, 1, 2, 5} {
			d := 20 * n * m
			rs = append(rs, runs.Run{Params: n, Tokens: d, FLOPs: 6 * n * d, Loss: synth.Example.Loss(n, d)})
		}
	}
	res, err := Run(context.Background(), rs, Options{Families: []Extra{{Family: bpl.Family{}}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.BudgetsFrom != FromHalfDecades || len(res.Slope) != 0 || res.Break != nil || res.BreakTest != nil {
		t.Errorf("budgets from %s, slope %d, break %v", res.BudgetsFrom, len(res.Slope), res.Break)
	}
	for _, c := range res.Cuts[len(res.Cuts)-1].Candidates {
		if c.FrontierOnly || c.FrontierError != nil {
			t.Errorf("candidate %s %s on a ladder: frontier-only %v, frontier error %v", c.Family, c.Variant, c.FrontierOnly, c.FrontierError)
		}
	}
	// noiseless runs of Chinchilla's form: Approach 3 extrapolates exactly and is recommended
	if rec := res.Recommendation; rec.Family == nil || *rec.Family != FamilyChinchilla || *rec.Error > 1e-4 {
		t.Errorf("recommendation %s", rec.Text)
	}
}

// A tolerance below every candidate's error leaves nothing recommended, and says so.
func TestNoRecommendation(t *testing.T) {
	rs := sweepRuns(design{"clean", synth.Break{}, 21}, 3)
	res, err := Run(context.Background(), rs, Options{Tolerance: 1e-9, Bootstrap: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Recommendation
	if rec.Family != nil || rec.Variant != nil || rec.WithinTolerance || rec.Error == nil || len(res.Ranking) == 0 {
		t.Errorf("recommendation %+v", rec)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || w.Code == CodeNoRecommendation
	}
	if !found {
		t.Error("no no-recommendation warning")
	}
}

// autoFamily is a registered family that joins fit when the runs have its column: a
// Chinchilla law with the loss scaled by a per-run "quality" column. Its fit is the known
// law (so the test knows every prediction), warm starts are recorded.
type autoFamily struct{ warmed *int }

type autoLaw struct{ l chinchilla.Law }

func (a autoLaw) Params() map[string]float64 { return map[string]float64{"E": a.l.E} }
func (a autoLaw) Predict(x map[string]float64) (float64, error) {
	return a.l.Loss(x["params"], x["tokens"]) * x["quality"], nil
}

func (a autoFamily) Info() family.Info {
	return family.Info{Name: "quality", Auto: true, Params: []family.Param{{Name: "E"}, {Name: "A"}, {Name: "B"}},
		Columns: []family.Column{{Name: "quality"}}}
}
func (a autoFamily) Law(map[string]float64) (family.Law, error) { return autoLaw{synth.Example}, nil }
func (a autoFamily) Fit(_ context.Context, in family.Input) ([]family.Result, error) {
	if in.Warm != nil {
		*a.warmed++
	}
	if len(in.Cols["quality"]) != len(in.Runs) {
		return nil, fmt.Errorf("%d quality values for %d runs", len(in.Cols["quality"]), len(in.Runs))
	}
	return []family.Result{{Family: "quality", Variant: "scaled", Law: autoLaw{synth.Example}, Params: map[string]float64{"E": synth.Example.E}, Converged: true}}, nil
}

// A registered family that applies (its column given) is a candidate at every cut, fitted on
// the cut's runs with its column, warm-started from the cut before, named by its variant and
// scored per run.
func TestRegisteredFamilyCandidate(t *testing.T) {
	rs := sweepRuns(design{"clean", synth.Break{}, 21}, 1)
	quality := make([]float64, len(rs))
	for i := range rs {
		quality[i] = 1 + 0.01*float64(i%2)
		rs[i].Loss = synth.Example.Loss(rs[i].Params, rs[i].Tokens) * quality[i] * 1.02 // 2% worse than the law
	}
	warmed := 0
	res, err := Run(context.Background(), rs, Options{Bootstrap: -1, Families: []Extra{{Family: autoFamily{&warmed}, Cols: map[string][]float64{"quality": quality}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cuts {
		q := findCandidate(c, "quality", "scaled")
		if q == nil || q.NParams != 3 || q.FrontierOnly || q.ErrorLargest == nil || math.Abs(*q.ErrorLargest-0.02) > 1e-12 || q.FrontierError != nil {
			t.Fatalf("cut %g: candidate %+v (want error_largest +2%%, 3 params)", c.FLOPs, q)
		}
	}
	if warmed != len(res.Cuts)-1 {
		t.Errorf("%d warm-started fits of %d cuts", warmed, len(res.Cuts))
	}
}
