package warn_test

import (
	"encoding/json"
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

// A List encodes as the strings fit.json has always held and decodes them back unchanged.
func ExampleList() {
	l := warn.List{warn.New("edge-optimum", "budget 1e+19 rejected"), {Msg: "no code"},
		{Code: "off-centre", Msg: "N_opt 3x off", Group: "wide", Source: "approach 2"}}
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
	var back warn.List
	_ = json.Unmarshal(b, &back)
	fmt.Printf("%q %q\n", back[0].Code, back[2].Code)
	b2, _ := json.Marshal(back)
	fmt.Println(string(b2) == string(b))
	// Output:
	// [{"code":"edge-optimum","message":"budget 1e+19 rejected"},{"code":"","message":"no code"},{"code":"off-centre","message":"N_opt 3x off","group":"wide","source":"approach 2"}]
	// "edge-optimum" "off-centre"
	// true
}
