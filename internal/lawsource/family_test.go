package lawsource

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/analysis"
)

// toyLaw is a law family fitfile has never heard of: L(N, D) = E + A/N + B/D (nats/token).
// At C = 6ND the optimum is N = sqrt(A C / (6 B)), D = C/(6N), so a = b = 1/2, and n
// parameters are optimal at C = 6 B n²/A with D = B n/A. Satisfying Law is all it takes to
// be planned with: Source's queries and Allocations need no change.
type toyLaw struct{ E, A, B float64 }

func (l toyLaw) Loss(n, d float64) float64 { return l.E + l.A/n + l.B/d }

func (l toyLaw) Optimal(c float64) (n, d, loss float64) {
	n = math.Sqrt(l.A * c / (6 * l.B))
	d = c / (6 * n)
	return n, d, l.Loss(n, d)
}

func (l toyLaw) ComputeForParams(n float64) (c, d float64) {
	return 6 * l.B * n * n / l.A, l.B * n / l.A
}

func (l toyLaw) Exponents() (a, b float64) { return 0.5, 0.5 }

func TestToyLawFamily(t *testing.T) {
	toy := toyLaw{E: 1.5, A: 1e9, B: 1e9}
	s := &Source{Law: toy, Info: LawInfo{Name: "toy", Source: "law"}}
	// A = B: N = D = sqrt(C/6); at 6e20 FLOPs, 1e10 each, loss 1.5 + 0.1 + 0.1.
	a, err := s.Optimal(6e20)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.Params/1e10-1) > 1e-12 || math.Abs(a.Tokens/1e10-1) > 1e-12 || math.Abs(a.Loss-1.7) > 1e-12 {
		t.Errorf("optimal at 6e20: %+v, want N = D = 1e10, loss 1.7", a)
	}
	f, err := s.ForParams(1e10)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.FLOPs/6e20-1) > 1e-12 || math.Abs(f.Loss-1.7) > 1e-12 {
		t.Errorf("for 1e10 params: %+v, want 6e20 FLOPs, loss 1.7", f)
	}
	if l, err := s.Loss(1e9, 1e11); err != nil || math.Abs(l-(1.5+1+0.01)) > 1e-12 || !s.HasLoss() {
		t.Errorf("loss(1e9, 1e11) = %g, %v; want 2.51", l, err)
	}
	al := analysis.Allocations(toy, []float64{6e20, 6e22}, nil)
	if len(al) != 2 || math.Abs(al[1].NOpt/1e11-1) > 1e-12 || al[1].TokensPerParam != 1 || al[1].NInterval != nil {
		t.Errorf("allocations %+v, want N 1e11 at 6e22, D/N 1, no intervals without draws", al)
	}
	// Queries that need the Chinchilla form say so instead of answering wrongly.
	if _, err := s.ChinchillaLaw("--target-loss"); err == nil || !strings.Contains(err.Error(), "needs a Chinchilla-form law") {
		t.Errorf("toy law answers --target-loss: %v", err)
	}
}
