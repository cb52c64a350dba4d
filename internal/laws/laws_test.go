package laws

import (
	"math"
	"testing"
)

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// The published figures each built-in law must reproduce (REFERENCES.md §1.1, §1.3).
func TestPublishedFigures(t *testing.T) {
	tests := []struct {
		law     string
		compute float64
		wantN   float64
		rel     float64
	}{
		{"kaplan2020-allocation", 1e21, 4.68e9, 0.005},          // Chinchilla App. D.4
		{"kaplan2020", 1e21, 6.23e9, 0.001},                     // frontier of the joint law (DESIGN.md §3)
		{"chinchilla2022-tex", 5.76e23, 40.4e9, 0.005},          // Fig. 4, unrounded constants
		{"CHINCHILLA2022", 5.76e23, 32.2e9, 0.005},              // rounded constants
		{"chinchilla2022-equal", 6 * 20 * 1e9 * 1e9, 1e9, 1e-9}, // D/N = 20
	}
	for _, tt := range tests {
		l, err := Lookup(tt.law)
		if err != nil {
			t.Fatal(err)
		}
		n, _, _ := l.Optimal(tt.compute)
		if !near(n, tt.wantN, tt.rel) {
			t.Errorf("%s at %g FLOPs: N_opt %.4g, want %.4g", tt.law, tt.compute, n, tt.wantN)
		}
	}
}

func TestTableA3FirstRow(t *testing.T) {
	l, _ := Lookup("chinchilla2022-a3")
	c, d := l.ComputeForParams(400e6)
	if !near(c, 2.21e19, 0.01) || !near(d, 9.2e9, 0.01) {
		t.Errorf("400M: %.4g FLOPs, %.4g tokens; want 2.21e19, 9.2e9 (Table A3)", c, d)
	}
	// The rounded constants do not reproduce it (the nanoGPT notebook's 14.4B tokens).
	r, _ := Lookup("chinchilla2022")
	if _, d := r.ComputeForParams(400e6); !near(d, 14.5e9, 0.01) {
		t.Errorf("rounded constants at 400M: %.4g tokens, want 14.5e9", d)
	}
}

func TestMultipliersPer10x(t *testing.T) {
	tests := []struct {
		law  string
		n, d float64
	}{
		{"kaplan2020-allocation", 5.37, 1.86},
		{"kaplan2020", 3.76, 2.66}, // a = 0.575, b = 0.425
		{"chinchilla2022-equal", 3.16, 3.16},
		{"chinchilla2022", 2.83, 3.53},
		{"chinchilla2022-tex", 2.86, 3.50},
		{"epoch2024", 3.27, 3.06},
	}
	for _, tt := range tests {
		l, _ := Lookup(tt.law)
		a, b := l.Exponents()
		if gn, gd := math.Pow(10, a), math.Pow(10, b); !near(gn, tt.n, 0.003) || !near(gd, tt.d, 0.003) {
			t.Errorf("%s: 10x compute -> %.3fx N, %.3fx D; want %.2fx, %.2fx", tt.law, gn, gd, tt.n, tt.d)
		}
	}
}

func TestAllocationInverse(t *testing.T) {
	for _, l := range All() {
		for _, c := range []float64{1e19, 1e22, 1e25} {
			n, _, _ := l.Optimal(c)
			c2, _ := l.ComputeForParams(n)
			if !near(c2, c, 1e-9) {
				t.Errorf("%s: ComputeForParams(N_opt(%g)) = %g", l.Name, c, c2)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	if _, err := Lookup("no-such-law"); err == nil {
		t.Fatal("want an error for an unknown law")
	}
	if l, err := Lookup(" Epoch2024 "); err != nil || l.Name != "epoch2024" {
		t.Fatalf("case-insensitive lookup: %v %v", l, err)
	}
}

// kaplan2020 is the joint law: a = αD/(αN+αD) = 0.575 and it predicts a loss on its
// frontier; its N excludes embeddings, unlike Chinchilla's.
func TestKaplan2020(t *testing.T) {
	l, err := Lookup("Kaplan2020")
	if err != nil {
		t.Fatal(err)
	}
	a, b := l.Exponents()
	if math.Abs(a-0.575) > 0.0005 || math.Abs(a+b-1) > 1e-12 {
		t.Errorf("a, b = %.5f, %.5f; want 0.575, 0.425", a, b)
	}
	n, d, loss := l.Optimal(1e21)
	if !l.HasLoss() || !near(loss, 2.136, 0.001) {
		t.Errorf("loss at 1e21: %.4f has loss %v, want 2.136 true", loss, l.HasLoss())
	}
	if !near(6*n*d, 1e21, 1e-12) {
		t.Errorf("6ND = %g, want 1e21", 6*n*d)
	}
	if !l.NonEmbedding {
		t.Error("kaplan2020 must be marked NonEmbedding")
	}
}
