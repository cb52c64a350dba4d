package analysis

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/synth"
)

func loadFile(t *testing.T, name string, opts runs.Options) *runs.Set {
	t.Helper()
	f, err := os.Open("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := runs.Load(f, name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testdata/synthetic.csv comes from synth.Example: every approach the data allow recovers it.
func TestSyntheticKnownLaw(t *testing.T) {
	set := loadFile(t, "synthetic.csv", runs.Options{})
	res, err := Run(set, Options{Chinchilla: chinchilla.FitOptions{Bootstrap: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Groups[0]
	par, err := Run(set, Options{Approaches: []int{2}, IsoFLOP: chinchilla.IsoFLOPOptions{Vertex: chinchilla.VertexParabola}})
	if err != nil {
		t.Fatal(err)
	}
	if a := par.Groups[0].A2.A; math.Abs(a-synth.Example.ExponentA()) > 0.02 {
		t.Errorf("parabola a = %.4f, truth %.4f", a, synth.Example.ExponentA())
	}
	if g.A3 == nil || g.A2 == nil || g.A1 != nil {
		t.Fatalf("A3 %v A2 %v A1 %v skipped %+v", g.A3 != nil, g.A2 != nil, g.A1 != nil, g.Skipped)
	}
	truth := synth.Example
	if math.Abs(g.A3.Law.Alpha-truth.Alpha) > 0.03 || math.Abs(g.A3.Law.Beta-truth.Beta) > 0.03 || math.Abs(g.A3.Law.E-truth.E) > 0.05 {
		t.Errorf("A3 %+v, truth %+v", g.A3.Law, truth)
	}
	// 7 noisy sizes per budget: the default Akima minimum chases the noise (a = 0.58); its
	// bootstrap interval must still cover the truth, and a parabola recovers a within 0.02.
	if !(g.A2.AInt.Lo <= truth.ExponentA() && truth.ExponentA() <= g.A2.AInt.Hi) {
		t.Errorf("A2 a = %.4f, interval %+v misses the truth %.4f", g.A2.A, g.A2.AInt, truth.ExponentA())
	}
	if len(g.Skipped) != 1 || g.Skipped[0].Approach != 1 || !strings.Contains(g.Skipped[0].Reason, "loss curves") {
		t.Errorf("skipped %+v", g.Skipped)
	}
	if len(res.Budgets) != 4 || res.Budgets[0] != 1e21 {
		t.Errorf("default budgets %v, want decades from 1e21", res.Budgets)
	}
}

func TestExplicitApproachThatCannotRunIsAnError(t *testing.T) {
	set := loadFile(t, "synthetic.csv", runs.Options{})
	// Asked for explicitly, Approach 1 takes finished runs as their Pareto frontier, and says so.
	res, err := Run(set, Options{Approaches: []int{1}})
	if err != nil || res.Groups[0].A1 == nil || len(res.Groups[0].A1.Warnings) == 0 {
		t.Errorf("approach 1 on finished runs: %v", err)
	}
	if _, err := Run(set, Options{Approaches: []int{3}, Holdout: mustExpr(t, "flops>1e30")}); err == nil {
		t.Error("a holdout that matches nothing: want an error")
	}
	if _, err := Run(set, Options{Approaches: []int{4}}); err == nil {
		t.Error("approach 4: want an error")
	}
	if _, err := Run(set, Options{Laws: "gpt"}); err == nil {
		t.Error("law family gpt: want an error")
	}
}

// Held-out runs are never fitted; --min-tokens-per-param leaves runs out of the fit but
// every held-out run is still predicted.
func TestHoldoutAndMinTokensPerParam(t *testing.T) {
	set := loadFile(t, "chinchilla.csv", runs.Options{DropHighestLoss: 5})
	h, _ := runs.ParseExpr("flops>=1e21")
	base, err := Run(set, Options{Approaches: []int{3}, Holdout: h})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := Run(set, Options{Approaches: []int{3}, Holdout: h, MinTokensPerParam: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, c := base.Groups[0], cut.Groups[0]
	if len(b.Held) != len(c.Held) || len(b.Held) == 0 {
		t.Fatalf("held %d vs %d", len(b.Held), len(c.Held))
	}
	for _, r := range b.Runs {
		if r.FLOPs >= 1e21 {
			t.Fatalf("held-out run fitted: %+v", r)
		}
	}
	if c.LeftOut == 0 || cut.LeftOut != c.LeftOut || len(c.Runs)+c.LeftOut != len(b.Runs) {
		t.Errorf("left out %d (result %d), fitted %d of %d", c.LeftOut, cut.LeftOut, len(c.Runs), len(b.Runs))
	}
	for _, r := range c.Runs {
		if r.Tokens/r.Params < 5 {
			t.Errorf("under-trained run fitted: %+v", r)
		}
	}
	if b.Holdout.MeanAbsRE <= 0 || b.Holdout.MeanAbsRE > 0.03 || len(b.Holdout.Predicted) != len(b.Held) {
		t.Errorf("holdout %+v", b.Holdout)
	}
}

// Loss curves: Approaches 2-3 see each run's last point, Approach 1 the whole curves.
func TestLossCurves(t *testing.T) {
	set := loadFile(t, "olmo_curves.csv", runs.Options{LossCol: "loss_c4_en"})
	res, err := Run(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Groups[0]
	if !res.CurvesReduced || g.A1 == nil || g.A3 == nil || len(g.Runs) != 30 {
		t.Fatalf("curves %v A1 %v A3 %v runs %d", res.CurvesReduced, g.A1 != nil, g.A3 != nil, len(g.Runs))
	}
	// A column of unique run names is not a loss curve.
	final := loadFile(t, "olmo_final.csv", runs.Options{LossCol: "loss_c4_en_final"})
	if final.IsCurves() {
		t.Error("olmo_final.csv has one row per run")
	}
}

func TestGroupsAndKaplan(t *testing.T) {
	set := loadFile(t, "gadre.csv", runs.Options{LossCol: "loss_c4_val", GroupCol: "train_dataset"})
	res, err := Run(set, Options{Laws: "kaplan"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 3 {
		t.Fatalf("%d groups", len(res.Groups))
	}
	for _, g := range res.Groups {
		if g.Kaplan == nil || g.KaplanN == nil || g.A3 == nil || g.A2 != nil {
			t.Errorf("%s: kaplan %v L(N) %v A3 %v A2 %v", g.Name, g.Kaplan != nil, g.KaplanN != nil, g.A3 != nil, g.A2 != nil)
		}
		if g.KaplanN != nil && g.KaplanN.N.AlphaN <= 0 {
			t.Errorf("%s: L(N) %+v", g.Name, g.KaplanN.N)
		}
	}
	pooled, err := Run(set, Options{Approaches: []int{3}, Pooled: true})
	if err != nil || len(pooled.Groups) != 1 || len(pooled.Groups[0].Runs) != len(set.Runs) {
		t.Errorf("pooled: %v", err)
	}
}

func mustExpr(t *testing.T, s string) *runs.Expr {
	t.Helper()
	e, err := runs.ParseExpr(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOutliers(t *testing.T) {
	res := []float64{0.001, -0.002, 0.0015, -0.001, 0.0005, 0.05, -0.0012, 0.002, -0.03}
	got := outliers(res, 3)
	if len(got) != 2 || got[0] != 5 || got[1] != 8 {
		t.Errorf("outliers %v, want [5 8]", got)
	}
	if outliers([]float64{0, 0, 0, 0, 0, 1}, 3) != nil {
		t.Error("a zero robust scale flags nothing")
	}
}

func TestDefaultBudgets(t *testing.T) {
	got := DefaultBudgets([]runs.Run{{FLOPs: 3e19}, {FLOPs: 1.3e22}})
	want := []float64{1e22, 1e23, 1e24, 1e25}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6*want[i] {
			t.Fatalf("DefaultBudgets = %v, want %v", got, want)
		}
	}
}

// The extrapolation table of the README: holdout errors on real data, before and after
// leaving under-trained runs out of the fit.
func TestREADMEExtrapolationTable(t *testing.T) {
	chin := loadFile(t, "chinchilla.csv", runs.Options{DropHighestLoss: 5})
	olmo := loadFile(t, "olmo_final.csv", runs.Options{LossCol: "loss_c4_en_mean_last5", Where: "chinchilla_multiple>=0.5"})
	for _, tt := range []struct {
		set     *runs.Set
		holdout string
		minTPP  float64
		fitted  int
		want    float64
	}{
		{chin, "flops>=1e21", 0, 217, 0.0105},
		{chin, "flops>=1e21", 5, 189, 0.0103},
		{chin, "flops>=1e21", 15, 132, 0.0132},
		{olmo, "params>=3e9", 0, 24, 0.0099}, // not converged: the full grid ends on a flat valley (0.0101 before the batched objective)
		{olmo, "params>=3e9", 15, 20, 0.0077},
	} {
		res, err := Run(tt.set, Options{Approaches: []int{3}, Holdout: mustExpr(t, tt.holdout), MinTokensPerParam: tt.minTPP})
		if err != nil {
			t.Fatal(err)
		}
		g := res.Groups[0]
		if len(g.Runs) != tt.fitted || math.Abs(g.Holdout.MeanAbsRE-tt.want) > 0.00005 {
			t.Errorf("%s, min %g tokens/param: fitted %d (want %d), error %.5f (want %.4f; relative errors (actual - predicted)/predicted)", tt.set.Source, tt.minTPP, len(g.Runs), tt.fitted, g.Holdout.MeanAbsRE, tt.want)
		}
	}
}

func TestApproachesDisagree(t *testing.T) {
	set := loadFile(t, "gadre.csv", runs.Options{LossCol: "loss_c4_val", GroupCol: "train_dataset"})
	res, err := Run(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range res.Warnings {
		if w.Code == CodeApproachesDisagree {
			n++
		}
	}
	if n == 0 {
		t.Errorf("Gadre's c4 group: Approach 2 a = 0.32 against Approach 3 a = 0.51, want a warning: %q", res.Warnings)
	}
	syn, err := Run(loadFile(t, "synthetic.csv", runs.Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range syn.Warnings {
		if w.Code == CodeApproachesDisagree {
			t.Errorf("synthetic data from one law: %s", w)
		}
	}
}

// Issue 12, finding 8: approaches-disagree compares Approach 1 too (the envelope's a = 0.363
// against the IsoFLOP fit's 0.777 went unwarned).
func TestDisagreementIncludesApproach1(t *testing.T) {
	a1 := &chinchilla.EnvelopeResult{}
	a1.A = 0.363
	a2 := &chinchilla.IsoFLOPResult{}
	a2.A = 0.777
	g := &Group{A1: a1, A2: a2}
	w, ok := g.disagreement()
	if !ok || !strings.Contains(w.Msg, "Approach 1 gives a = 0.363") || !strings.Contains(w.Msg, "Approach 2 a = 0.777") {
		t.Errorf("warning %+v (%v): want Approach 1 against Approach 2", w, ok)
	}
	a1.A = 0.74
	if _, ok := g.disagreement(); ok {
		t.Error("0.74 against 0.777: no disagreement")
	}
}
