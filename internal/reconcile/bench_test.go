package reconcile

import (
	"testing"

	"github.com/scalefit/scalefit/internal/laws"
)

// BenchmarkReadKaplan: one law re-optimised in Kaplan's convention at 101 budgets.
func BenchmarkReadKaplan(b *testing.B) {
	l, _ := laws.Lookup("chinchilla2022")
	law := FromBuiltin(l)
	for i := 0; i < b.N; i++ {
		if _, err := Read(law, Kaplan, KaplanRangeLo, KaplanRangeHi, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChain1000: the five Porian settings refitted with 1,000 bootstrap resamples each
// (compare --explain's default).
func BenchmarkChain1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Chain(1000, 1); err != nil {
			b.Fatal(err)
		}
	}
}
