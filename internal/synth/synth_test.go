package synth

import (
	"bytes"
	"math"
	"os"
	"testing"
)

// testdata/synthetic.csv must be exactly what the generator writes, so its known law is
// the truth the tests compare against.
func TestExampleFileIsGenerated(t *testing.T) {
	var b bytes.Buffer
	if err := WriteExample(&b); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../testdata/synthetic.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("testdata/synthetic.csv is stale: go run ./tools/gensynth > testdata/synthetic.csv")
	}
}

func TestGridCentredOnOptimum(t *testing.T) {
	rs := IsoFLOPGrid(Example, []float64{1e20}, 5, 4, 1, 0, 1)
	mid := rs[2]
	if d := mid.Params/Example.NOpt(1e20) - 1; d > 1e-12 || d < -1e-12 {
		t.Errorf("middle size %g, want N_opt %g", mid.Params, Example.NOpt(1e20))
	}
	for _, r := range rs {
		if r.Loss < Example.Loss(mid.Params, mid.Tokens)-1e-12 {
			t.Errorf("without noise no size beats the optimum: %+v", r)
		}
	}
}

func TestVersusExampleFileIsGenerated(t *testing.T) {
	var b bytes.Buffer
	if err := WriteVersusExample(&b); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../testdata/versus_synthetic.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("testdata/versus_synthetic.csv is stale: go run ./tools/gensynth -versus > testdata/versus_synthetic.csv")
	}
}

// The designs' frontiers: half reaches ref's loss with twice ref's compute, at any budget;
// steep meets ref exactly at VersusCrossover.
func TestVersusLaws(t *testing.T) {
	ref, half, steep := VersusLaws()
	for _, c := range []float64{1e18, 1e21, 1e25} {
		_, _, lr := ref.Optimal(c)
		_, _, lh := half.Optimal(2 * c)
		if math.Abs(lh/lr-1) > 1e-12 {
			t.Errorf("C %g: half at 2C %.15g, ref at C %.15g", c, lh, lr)
		}
	}
	_, _, lr := ref.Optimal(VersusCrossover)
	_, _, ls := steep.Optimal(VersusCrossover)
	if math.Abs(ls/lr-1) > 1e-12 {
		t.Errorf("at the crossover steep %.15g, ref %.15g", ls, lr)
	}
	_, _, lr = ref.Optimal(VersusCrossover * 10)
	_, _, ls = steep.Optimal(VersusCrossover * 10)
	if ls >= lr {
		t.Errorf("above the crossover steep (%g) should beat ref (%g)", ls, lr)
	}
}
