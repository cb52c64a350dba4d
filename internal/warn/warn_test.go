package warn_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/warn"
)

func ExampleNew() {
	w := warn.New("edge-optimum", "budget %.0e: minimum at the largest sampled size", 1e19)
	fmt.Println(w)
	fmt.Println(warn.Strings([]warn.Warning{{Msg: "no code"}, w})[0])
	// Output:
	// edge-optimum: budget 1e+19: minimum at the largest sampled size
	// no code
}
