package versus_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/synth"
	"github.com/scalefit/scalefit/internal/versus"
)

// Two designs on the same IsoFLOP grid: B reaches A's loss only with twice A's compute.
func ExampleCompare() {
	a, b, _ := synth.VersusLaws()
	group := func(name string, law chinchilla.Law) versus.Group {
		g := versus.Group{Name: name}
		for _, r := range synth.IsoFLOPGrid(law, synth.ExampleBudgets, 7, 4, 1, 0, 1) {
			g.Params = append(g.Params, r.Params)
			g.Tokens = append(g.Tokens, r.Tokens)
			g.FLOPs = append(g.FLOPs, r.FLOPs)
			g.Loss = append(g.Loss, r.Loss)
		}
		return g
	}
	res, err := versus.Compare([]versus.Group{group("A", a), group("B", b)},
		versus.Options{SharedE: true, Budgets: []float64{1e19, 1e21}})
	if err != nil {
		panic(err)
	}
	c := res.Comparisons[0]
	for _, p := range c.Multipliers {
		fmt.Printf("%s at %.0e FLOPs: %.3fx the compute of %s\n", c.Group, p.FLOPs, p.Value, res.Reference)
	}
	fmt.Printf("shared E %.3f, trend %s, crossover %v\n", res.E, c.Trend, c.Crossover != nil)
	// Output:
	// B at 1e+19 FLOPs: 2.000x the compute of A
	// B at 1e+21 FLOPs: 2.000x the compute of A
	// shared E 1.700, trend steady, crossover false
}
