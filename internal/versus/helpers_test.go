package versus

import (
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/synth"
)

// synthGroup is a group of runs from law on synth's example IsoFLOP grid (7 budgets from
// 1e18 to 1e21 FLOPs, 7 sizes spanning 4x either side of the optimum) with log-loss noise.
func synthGroup(name string, law chinchilla.Law, noise float64, seed uint64) Group {
	g := Group{Name: name}
	for _, r := range synth.IsoFLOPGrid(law, synth.ExampleBudgets, 7, 4, 1, noise, seed) {
		g.Params = append(g.Params, r.Params)
		g.Tokens = append(g.Tokens, r.Tokens)
		g.FLOPs = append(g.FLOPs, r.FLOPs)
		g.Loss = append(g.Loss, r.Loss)
	}
	return g
}

// chinchillaDefaults are the default Approach-3 options.
var chinchillaDefaults = chinchilla.FitOptions{}
