package lawsource

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/limits"
)

// golden is the committed v1 fit.json (see internal/fitfile/testdata/README or fitfile_test.go).
const golden = "../fitfile/testdata/fit-v1.json"

// The laws of the golden file resolve: Approach 3 with its 20 draws, Approach 2's allocation.
func TestFromFileGolden(t *testing.T) {
	s, err := FromFile(golden, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Chinchilla == nil || math.Abs(s.Chinchilla.E-1.891338499148853) > 1e-15 || len(s.Draws) != 20 || s.Range == nil {
		t.Fatalf("approach 3: %+v, %d draws", s.Chinchilla, len(s.Draws))
	}
	if !s.HasLoss() || s.Info.Source != "fit" || s.Info.Draws != 20 {
		t.Errorf("approach 3 info %+v", s.Info)
	}
	a2, err := FromFile(golden, 2)
	if err != nil {
		t.Fatal(err)
	}
	// N_opt = k C^a with k and a as the file stores them.
	f := mustDoc(t).Find("chinchilla", 2)
	al, err := a2.Optimal(1e22)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.Params["k"] * math.Pow(1e22, *f.A); math.Abs(al.Params/want-1) > 1e-12 || !math.IsNaN(al.Loss) || a2.HasLoss() {
		t.Errorf("approach 2 at 1e22: %+v, want N %g and no loss", al, want)
	}
	if _, err := a2.ChinchillaLaw("--target-loss"); err == nil || !strings.Contains(err.Error(), "allocation rule") {
		t.Errorf("approach 2 answers --target-loss: %v", err)
	}
	if _, err := FromFile(golden, 1); err == nil || !strings.Contains(err.Error(), "no Chinchilla Approach-1 fit") {
		t.Errorf("approach 1: %v", err)
	}
}

// The published laws answer through the interface as the catalogue says (Table A3's first
// row: 400M parameters are optimal at 2.21e19 FLOPs with 9.2B tokens).
func TestBuiltinThroughInterface(t *testing.T) {
	l, err := laws.Lookup("chinchilla2022-a3")
	if err != nil {
		t.Fatal(err)
	}
	s := FromBuiltin(l)
	a, err := s.ForParams(400e6)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.FLOPs/2.21e19-1) > 0.01 || math.Abs(a.Tokens/9.2e9-1) > 0.01 {
		t.Errorf("400M: %+v, want 2.21e19 FLOPs, 9.2e9 tokens", a)
	}
	k, _ := laws.Lookup("kaplan2020-allocation")
	ks := FromBuiltin(k)
	if ks.HasLoss() {
		t.Error("an allocation rule has no loss")
	}
	if _, err := ks.Loss(1e9, 2e10); err == nil {
		t.Error("allocation rule predicts a loss")
	}
}

// D10: a fit with more bootstrap draws than limits.MaxPlannerDraws plans with that many,
// evenly spaced, so optimal's per-draw solves stay bounded (100k draws took 18 s a target).
func TestPlannerDrawsCapped(t *testing.T) {
	doc, err := fitfile.Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	f := doc.Find("chinchilla", 3)
	base := f.Bootstrap
	for len(f.Bootstrap) < limits.MaxPlannerDraws*3+7 {
		f.Bootstrap = append(f.Bootstrap, base[len(f.Bootstrap)%len(base)])
	}
	path := filepath.Join(t.TempDir(), "big.json")
	if err := fitfile.Write(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := FromFile(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Draws) != limits.MaxPlannerDraws || !strings.Contains(s.Info.Title, "evenly spaced") {
		t.Errorf("%d draws, title %q; want %d", len(s.Draws), s.Info.Title, limits.MaxPlannerDraws)
	}
	if s, _ := FromFile(golden, 3); len(s.Draws) != len(base) {
		t.Errorf("a small fit lost draws: %d of %d", len(s.Draws), len(base))
	}
}

func mustDoc(t *testing.T) *fitfile.Document {
	t.Helper()
	d, err := fitfile.Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Finding 7: one extrapolation rule for compute, parameters and tokens, on both sides.
func TestExtrapolatedRule(t *testing.T) {
	s := &Source{Range: &fitfile.Range{Params: [2]float64{1e7, 1e9}, Tokens: [2]float64{1e9, 1e11}, FLOPs: [2]float64{1e17, 1e21}}}
	for _, tt := range []struct {
		c, n, d float64
		warn    string
	}{
		{1e21, 1e9, 1e11, ""},
		{1e26, 0, 0, "C = 1e26 is 1.00e5x the largest fitted run (1e21 FLOPs)"},
		{1e21, 5e10, 1e11, "N = 50.0B is 50.00x the largest fitted run (1.00B parameters)"},
		{1e21, 1e9, 1e7, "D = 10.0M is 100.00x below the smallest fitted run (1.00B tokens)"},
		{5e21, 2e9, 2e11, ""}, // 5x and 2x: within the rule
	} {
		f, w := s.Extrapolated(tt.c, tt.n, tt.d)
		switch {
		case tt.warn == "" && w != nil:
			t.Errorf("(%g, %g, %g): warning %q, want none", tt.c, tt.n, tt.d, w.Msg)
		case tt.warn != "" && (w == nil || !strings.Contains(w.Msg, tt.warn) || w.Code != "extrapolated"):
			t.Errorf("(%g, %g, %g): warning %+v, want %q", tt.c, tt.n, tt.d, w, tt.warn)
		}
		if want := tt.c / 1e21; math.Abs(f/want-1) > 1e-12 {
			t.Errorf("(%g, %g, %g): factor %g, want C over the largest run's, %g", tt.c, tt.n, tt.d, f, want)
		}
	}
	if f, w := (&Source{}).Extrapolated(1e30, 1e15, 1e15); f != 0 || w != nil {
		t.Errorf("a built-in law without a fitted range: %g, %v", f, w)
	}
}
