package runs_test

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/runs"
)

// JSON Lines as a trainer writes them: the nested loss is the column eval/c4/loss, the run id
// names each curve, and the header unit of a CSV works the same way for JSON keys.
func ExampleLoad() {
	log := `{"run": "150M-20x", "params": 1.5e8, "tokens": 1.5e9, "eval": {"c4": {"loss": 3.41}}}
{"run": "150M-20x", "params": 1.5e8, "tokens": 3e9, "eval": {"c4": {"loss": 3.12}}}
{"run": "400M-20x", "params": 4e8, "tokens": 8e9, "eval": {"c4": {"loss": 2.87}}}
`
	s, err := runs.Load(strings.NewReader(log), "train.jsonl", runs.Options{LossCol: "eval/c4/loss"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Format, len(s.Runs), "points of", s.Summarize().RunIDs, "runs")
	for _, r := range s.Runs {
		fmt.Printf("%s:%d %s N=%.3g D=%.3g loss=%.2f\n", r.File(), r.Line, r.ID, r.Params, r.Tokens, r.Loss)
	}
	_, err = runs.Load(strings.NewReader(log), "train.jsonl", runs.Options{LossCol: "eval/c4"})
	fmt.Println(err)
	// Output:
	// jsonl 3 points of 2 runs
	// train.jsonl:1 150M-20x N=1.5e+08 D=1.5e+09 loss=3.41
	// train.jsonl:2 150M-20x N=1.5e+08 D=3e+09 loss=3.12
	// train.jsonl:3 400M-20x N=4e+08 D=8e+09 loss=2.87
	// train.jsonl: no column "eval/c4" for loss: the header has run, params, tokens, eval/c4/loss; "eval/c4" is a JSON object, not a number: name one of its fields, eval/c4/loss
}
