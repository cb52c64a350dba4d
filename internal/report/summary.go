package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/runs"
)

// SummaryTable describes the loaded runs: count, ranges of N, D, C and loss, groups.
func SummaryTable(set *runs.Set) *Table {
	s := set.Summarize()
	t := &Table{Title: fmt.Sprintf("Runs: %s", set.Source), Header: []string{"quantity", "min", "max", "notes"}}
	derived := func(c string) string {
		if s.Derived == c {
			switch c {
			case "tokens":
				return "derived: tokens = flops / (6 params)"
			case "params":
				return "derived: params = flops / (6 tokens); "
			}
			return "derived: flops = 6 params tokens"
		}
		return ""
	}
	t.AddRow("params N", format.Count(s.Params[0]), format.Count(s.Params[1]), derived("params")+fmt.Sprintf("%d distinct sizes", s.DistinctParams))
	t.AddRow("tokens D", format.Count(s.Tokens[0]), format.Count(s.Tokens[1]), derived("tokens"))
	t.AddRow("compute C (FLOPs)", format.Sci(s.FLOPs[0]), format.Sci(s.FLOPs[1]), derived("flops"))
	t.AddRow("loss (nats/token)", format.Float(s.Loss[0], 4), format.Float(s.Loss[1], 4), "")
	t.AddRow("tokens per param", "", "", "median "+format.Float(s.TokensPerParamMedian, 3))
	t.Notes = append(t.Notes, fmt.Sprintf("%d runs used, %d excluded by filters", s.Runs, s.Excluded))
	t.Notes = append(t.Notes, set.Notes...)
	if len(s.Groups) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("groups (%s): %s", set.Columns["group"], strings.Join(s.Groups, ", ")))
	}
	if s.RunIDs > 0 && set.IsCurves() {
		t.Notes = append(t.Notes, fmt.Sprintf("%d run ids (%s): rows are points along loss curves", s.RunIDs, set.Columns["run"]))
	}
	if s.Budgets > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d IsoFLOP budgets (%s)", s.Budgets, set.Columns["budget"]))
	}
	return t
}
