package analysis_test

import (
	"bytes"
	"fmt"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/synth"
)

// Run fits every approach the runs allow: on an IsoFLOP sweep from a known law (a = 0.452)
// Approaches 2 and 3 both recover the exponent.
func ExampleRun() {
	l := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	var b bytes.Buffer
	_ = synth.WriteCSV(&b, synth.IsoFLOPGrid(l, []float64{1e18, 1e19, 1e20, 1e21}, 7, 4, 1, 0, 1))
	set, _ := runs.Load(&b, "sweep.csv", runs.Options{})
	res, err := analysis.Run(set, analysis.Options{Approaches: []int{2, 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := res.Groups[0]
	fmt.Printf("truth a %.3f; Approach 2 a %.3f; Approach 3 a %.3f\n", l.ExponentA(), g.A2.A, g.A3.Law.ExponentA())
	// Output:
	// truth a 0.452; Approach 2 a 0.452; Approach 3 a 0.452
}
