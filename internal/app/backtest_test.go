package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/backtest"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/synth"
	"github.com/scalefit/scalefit/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite docs/backtest.md's generated table and docs/backtest-slope.png")

func TestBacktestRequestValidate(t *testing.T) {
	ok := BacktestRequest{Inputs: Inputs{Paths: []string{"runs.csv"}}}
	for name, tc := range map[string]struct {
		edit func(*BacktestRequest)
		bad  bool
	}{
		"defaults":         {func(*BacktestRequest) {}, false},
		"no runs":          {func(r *BacktestRequest) { r.Inputs.Paths = nil }, true},
		"group":            {func(r *BacktestRequest) { r.Inputs.Options.GroupCol = "arch" }, true},
		"tolerance 1":      {func(r *BacktestRequest) { r.Tolerance = 1 }, true},
		"tolerance -0.1":   {func(r *BacktestRequest) { r.Tolerance = -0.1 }, true},
		"scored -1":        {func(r *BacktestRequest) { r.Scored = -1 }, true},
		"no bootstrap":     {func(r *BacktestRequest) { r.Bootstrap = -1 }, false},
		"bootstrap -2":     {func(r *BacktestRequest) { r.Bootstrap = -2 }, true},
		"huge bootstrap":   {func(r *BacktestRequest) { r.Bootstrap = 1 << 30 }, true},
		"vertex akima":     {func(r *BacktestRequest) { r.Vertex = "akima" }, false},
		"vertex spline":    {func(r *BacktestRequest) { r.Vertex = "spline" }, true},
		"smoothness -1":    {func(r *BacktestRequest) { r.Smoothness = -1 }, true},
		"budget tolerance": {func(r *BacktestRequest) { r.BudgetTolerance = -0.1 }, true},
		"figure gif":       {func(r *BacktestRequest) { r.Figure = "slope.gif" }, true},
		"figure svg":       {func(r *BacktestRequest) { r.Figure = "slope.svg" }, false},
	} {
		r := ok
		tc.edit(&r)
		err := r.Validate()
		if (err != nil) != tc.bad || (err != nil && !IsUsage(err)) {
			t.Errorf("%s: %v (want an error: %v, a usage error)", name, err, tc.bad)
		}
	}
}

// check --backtest's gate: no recommendation, or the recommended law's error at the largest
// cut beyond the tolerance, is a NoError (exit 1).
func TestBacktestGate(t *testing.T) {
	fam, variant := "chinchilla", "approach3-huber"
	for name, tc := range map[string]struct {
		rec  backtest.Recommendation
		fail bool
	}{
		"within":            {backtest.Recommendation{Family: &fam, Variant: &variant, ErrorLargest: ptr(-0.02)}, false},
		"beyond":            {backtest.Recommendation{Family: &fam, Variant: &variant, ErrorLargest: ptr(-0.04)}, true},
		"no recommendation": {backtest.Recommendation{Text: "no candidate extrapolates within 3%; chosen on ..."}, true},
		"no error":          {backtest.Recommendation{Family: &fam, Variant: &variant}, true},
	} {
		r := &BacktestResult{R: &backtest.Result{Tolerance: 0.03, Recommendation: tc.rec}}
		err := r.Gate()
		var no *NoError
		if (err != nil) != tc.fail || (err != nil && !errors.As(err, &no)) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// docs/backtest.md's table: every candidate's error at the largest cut on the three public
// datasets, generated here (go test ./internal/app -run BacktestDocs -update rewrites it and
// draws docs/backtest-slope.png from the synthetic sweep with a break at 1e19).
func TestBacktestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("three full backtests")
	}
	var b strings.Builder
	b.WriteString("| data | candidate | params | error on the largest budget, largest cut | mean \\|error\\|, 3 largest cuts | frontier error, largest cut |\n|---|---|---|---|---|---|\n")
	var verdicts []string
	for _, in := range testutil.BacktestInputs(t) {
		res, err := Backtest(context.Background(), BacktestRequest{Inputs: Inputs{Paths: []string{in.Path}}})
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		r := res.R
		rank := map[string]backtest.Rank{}
		for _, x := range r.Ranking {
			rank[x.Family+" "+x.Variant] = x
		}
		top := r.Cuts[len(r.Cuts)-1]
		for _, c := range top.Candidates {
			mean := "-"
			if x, ok := rank[c.Family+" "+c.Variant]; ok {
				mean = pctCell(x.Error)
			}
			fmt.Fprintf(&b, "| %s | %s %s | %d | %s | %s | %s |\n", in.Title, c.Family, c.Variant, c.NParams, signed(c.ErrorLargest), mean, signed(c.FrontierError))
		}
		slow := "no IsoFLOP budgets: no local exponent"
		if r.BreakTest != nil {
			slow = r.BreakTest.Text
		}
		verdicts = append(verdicts, fmt.Sprintf("- **%s** (%d runs, %d budgets from the %s, %d cuts, largest budget %s FLOPs): %s. Is scaling slowing? %s.",
			in.Title, r.Runs, len(r.Budgets), r.BudgetsFrom, len(r.Cuts), sciCell(r.Largest.FLOPs), r.Recommendation.Text, slow))
		// every applicable candidate at every cut
		want := 3
		if r.BudgetsFrom != backtest.FromHalfDecades {
			want = 6
		}
		for _, c := range r.Cuts {
			if len(c.Candidates) != want {
				t.Errorf("%s: cut %g has %d candidates, want %d", in.Name, c.FLOPs, len(c.Candidates), want)
			}
		}
	}
	b.WriteString("\n" + strings.Join(verdicts, "\n") + "\n")
	testutil.ReplaceSection(t, "docs/backtest.md", "backtest-public", b.String(), *update)
	if !*update {
		return
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "bent.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	g := synth.Printed.Alpha * synth.Printed.Beta / (synth.Printed.Alpha + synth.Printed.Beta)
	br := synth.Break{FLOPs: 1e19, S: 0.3, Change: -g / 2}
	if err := synth.WriteCSV(f, synth.BrokenGrid(synth.Printed, br, synth.HalfDecades(17, 23), 9, 10, 0.01, 1)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fig := filepath.Join(filepath.Dir(testutil.Path()), "docs", "backtest-slope.png")
	if _, err := Backtest(context.Background(), BacktestRequest{Inputs: Inputs{Paths: []string{p}}, Figure: fig}); err != nil {
		t.Fatal(err)
	}
}

func pctCell(v float64) string { return strings.TrimPrefix(signed(&v), "+") }

func sciCell(v float64) string { return format.Sci(v) }
