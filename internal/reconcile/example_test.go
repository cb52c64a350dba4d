package reconcile_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/reconcile"
)

// Chinchilla's law, whose own exponent is 0.45, looks like Kaplan's 0.73 when N counts only
// non-embedding parameters over Kaplan's small compute range (Pearce & Song 2024).
func ExampleRead() {
	l, _ := laws.Lookup("chinchilla2022")
	for _, c := range reconcile.Conventions {
		r, err := reconcile.Read(reconcile.FromBuiltin(l), c, reconcile.KaplanRangeLo, reconcile.KaplanRangeHi, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-6s local exponent %.2f (own a %.2f, %s)\n", c, r.Local, r.A, r.Method)
	}
	// Output:
	// 6n     local exponent 0.45 (own a 0.45, own)
	// kaplan local exponent 0.74 (own a 0.45, re-optimised)
}
