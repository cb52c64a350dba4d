package backtest

import (
	"context"
	"testing"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/testutil"
)

// BenchmarkBacktestEpoch is the acceptance check's speed case: the 240 Epoch runs with every
// candidate at every cut, the leave-one-budget-out and the 200-resample bootstrap of the
// local exponent. Run it on one core: go test ./internal/backtest -bench Epoch -cpu 1
// (goal: under 10 s; docs/backtest.md records the figure).
func BenchmarkBacktestEpoch(b *testing.B) {
	var path string
	for _, in := range testutil.BacktestInputs(b) {
		if in.Name == "epoch" {
			path = in.Path
		}
	}
	set, err := runs.LoadFiles([]string{path}, nil, runs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Run(context.Background(), set.Runs, Options{Families: []Extra{{Family: bpl.Family{}}}, LeaveOneOut: true}); err != nil {
			b.Fatal(err)
		}
	}
}
