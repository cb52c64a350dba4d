package laws_test

import (
	"fmt"

	"github.com/scalefit/scalefit/internal/laws"
)

// Look a published law up by name and ask for its compute-optimal allocation.
func ExampleLookup() {
	l, _ := laws.Lookup("Chinchilla2022-A3")
	n, d, loss := l.Optimal(5.76e23) // Gopher's budget
	a, _ := l.Exponents()
	fmt.Printf("%s: N %.3g, D %.3g, loss %.3f, a %.3f\n", l.Name, n, d, loss, a)
	// Output:
	// chinchilla2022-a3: N 4.17e+10, D 2.3e+12, loss 1.930, a 0.457
}
