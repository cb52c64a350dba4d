package plot_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/synth"
)

// Build draws a figure from what the fits computed: here the IsoFLOP profiles and minima of
// Approach 2 on a sweep from a known law.
func ExampleBuild() {
	l := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	var pts []chinchilla.Point
	var rs []runs.Run
	for _, r := range synth.IsoFLOPGrid(l, []float64{1e18, 1e19, 1e20}, 7, 4, 1, 0, 1) {
		pts = append(pts, chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget})
		rs = append(rs, runs.Run{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Budget: r.Budget, Loss: r.Loss})
	}
	iso, _ := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{})
	f, err := plot.Build(plot.KindIsoFLOP, &plot.Input{Runs: rs, IsoFLOP: iso})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(f.Panels), "panel;", f.Notes)
	// Output:
	// 1 panel; [3 budgets, 0 rejected N_opt ~ C^0.452]
}
