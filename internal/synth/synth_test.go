package synth

import (
	"bytes"
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
