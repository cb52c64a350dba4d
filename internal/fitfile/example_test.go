package fitfile_test

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
)

// Resolve a built-in law and plan with it through the one interface every law family
// satisfies.
func ExampleFromBuiltin() {
	l, _ := laws.Lookup("chinchilla2022-a3")
	src := lawsource.FromBuiltin(l)
	a, _ := src.Optimal(5.76e23) // Chinchilla's budget
	fmt.Printf("N %.3g, D %.3g, loss %.3f\n", a.Params, a.Tokens, a.Loss)
	// Output: N 4.17e+10, D 2.3e+12, loss 1.930
}

// Decode reads a fit.json, whatever scalefit version wrote it.
func ExampleDecode() {
	doc, err := fitfile.Decode(strings.NewReader(`{"schema_version": 1, "runs": 3, "excluded": 0,
		"warnings": ["approach 2: edge-optimum: budget 1e19 rejected"],
		"fits": [{"law": "chinchilla", "approach": 3, "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
		"warnings": ["narrow-span: N spans only 1.2x"]}]}`), "fit.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	f := doc.Find("chinchilla", 3)
	l, _ := fitfile.ChinchillaParams(f.Params)
	fmt.Printf("E %.2f, warning code %q\n", l.E, f.Warnings[0].Code)
	// Output: E 1.69, warning code "narrow-span"
}
