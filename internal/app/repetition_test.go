package app

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/testutil"
)

// Runs with unique tokens get the data-constrained fit beside a plain fit; what repetition
// costs at budgets follows from it (penalty >= 0, more epochs with more compute); predict
// with the fit.json uses its constants, without the C4 ones.
func TestAutoDataConstrained(t *testing.T) {
	if testing.Short() {
		t.Skip("a data-constrained fit of 161 runs: ~0.5 s")
	}
	in := Inputs{Paths: []string{testutil.Path("datablations.csv")}}
	set, err := in.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Run(set, analysis.Options{Approaches: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	auto, err := AutoFamilies(context.Background(), res, FamilyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(auto.Fits) != 1 || auto.Fits[0].Law != "data-constrained" || auto.Fits[0].Approach != 3 || auto.Fits[0].Extra["recipe"] != "joint" {
		t.Fatalf("auto fits %+v", auto.Fits)
	}
	reps := Repetitions(auto, []float64{1e21, 1e23, 1e25})
	if len(reps) != 1 || reps[0].UniqueTokens != 174e9 || len(reps[0].Rows) != 3 {
		t.Fatalf("repetitions %+v: want one, with the largest pool 174B and three budgets", reps)
	}
	prev := 0.0
	for _, r := range reps[0].Rows {
		if r.Penalty < 0 || r.Epochs < prev || math.Abs(r.Params*r.Tokens*6/r.FLOPs-1) > 1e-9 {
			t.Errorf("row %+v: want penalty >= 0, epochs rising with compute, C = 6ND", r)
		}
		prev = r.Epochs
	}
	if !reps[0].Rows[2].Binding || reps[0].Line() == "" {
		t.Errorf("at 1e25 FLOPs 174B unique tokens must bind: %+v", reps[0].Rows[2])
	}

	doc := analysis.Encode(res, true)
	doc.Fits = append(doc.Fits, auto.Fits...)
	path := filepath.Join(t.TempDir(), "fit.json")
	if err := fitfile.Write(path, doc); err != nil {
		t.Fatal(err)
	}
	p, err := Predict(context.Background(), PredictRequest{Law: LawSpec{Fit: path}, Params: []float64{2.8e9}, Tokens: []float64{55e9}, UniqueTokens: 9e9})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.Warnings() {
		if w.Code == plan.CodeDefaultRepetition || w.Code == plan.CodePenaltyDoubleCount {
			t.Errorf("predict with a data-constrained fit warns %s", w)
		}
	}
	got := *p.Doc.Rows[0].Loss
	fl := auto.Results[0].Fits[0].Params
	want := plan.DataLaw{RDStar: fl["R_D*"], RNStar: fl["R_N*"]}
	want.Law.E, want.Law.A, want.Law.B, want.Law.Alpha, want.Law.Beta = fl["E"], fl["A"], fl["B"], fl["alpha"], fl["beta"]
	if w := want.Loss(2.8e9, 55e9, 9e9); math.Abs(got/w-1) > 1e-12 {
		t.Errorf("predicted %g, the fitted law gives %g", got, w)
	}

	// runs without unique tokens: nothing added, and --recipe is a usage error
	set2, err := runs.Load(stringsReader("params,tokens,loss\n1e8,1e9,3.9\n1e8,4e9,3.5\n1e8,2e10,3.3\n4e8,1e9,3.7\n4e8,4e9,3.2\n4e8,2e10,3.0\n"), "p.csv", runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := analysis.Run(set2, analysis.Options{Approaches: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := AutoFamilies(context.Background(), res2, FamilyRequest{}); err != nil || len(a.Fits) != 0 {
		t.Errorf("no unique tokens: %+v, %v", a, err)
	}
	if _, err := AutoFamilies(context.Background(), res2, FamilyRequest{Options: map[string]string{"recipe": "muennighoff2023"}}); !IsUsage(err) {
		t.Errorf("--recipe without unique tokens: %v, want a usage error", err)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
