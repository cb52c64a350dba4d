package chinchilla

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readCSV reads a header CSV from the repository's testdata directory.
func readCSV(t testing.TB, name string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return col, rows[1:]
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type porianSetting struct {
	key    string // experiment/dataset
	pts    []Point
	a      float64 // published a_n_exponent
	lo, hi float64 // published 95% CI
}

// loadPorian returns the 15 Porian settings in the order of porian_published_fits.csv.
func loadPorian(t testing.TB) []porianSetting {
	col, rows := readCSV(t, "porian_isoflop.csv")
	pts := map[string][]Point{}
	for _, r := range rows {
		k := r[col["experiment"]] + "/" + r[col["dataset"]]
		c := atof(t, r[col["flops"]])
		pts[k] = append(pts[k], Point{Params: atof(t, r[col["params"]]), Tokens: atof(t, r[col["tokens"]]),
			FLOPs: c, Budget: c, Loss: atof(t, r[col["loss"]])})
	}
	col, rows = readCSV(t, "porian_published_fits.csv")
	var out []porianSetting
	for _, r := range rows {
		k := r[col["experiment"]] + "/" + r[col["dataset"]]
		out = append(out, porianSetting{key: k, pts: pts[k], a: atof(t, r[col["a_n_exponent"]]),
			lo: atof(t, r[col["a_ci95_lo"]]), hi: atof(t, r[col["a_ci95_hi"]])})
	}
	if len(out) != 15 {
		t.Fatalf("got %d Porian settings, want 15", len(out))
	}
	return out
}

func TestIsoFLOPPorianPublished(t *testing.T) {
	for _, s := range loadPorian(t) {
		res, err := IsoFLOP(s.pts, IsoFLOPOptions{})
		if err != nil {
			t.Errorf("%s: %v", s.key, err)
			continue
		}
		tol := math.Max(0.02, math.Max(s.a-s.lo, s.hi-s.a))
		acc := 0
		for _, b := range res.Budgets {
			if b.Accepted {
				acc++
			}
		}
		t.Logf("%-52s a %.4f published %.4f (%.3f, %.3f) diff %+.4f tol %.3f budgets %d/%d", s.key, res.A, s.a, s.lo, s.hi, res.A-s.a, tol, acc, len(res.Budgets))
		if math.Abs(res.A-s.a) > tol {
			t.Errorf("%s: a = %.4f, published %.4f, tolerance %.3f", s.key, res.A, s.a, tol)
		}
		if math.Abs(res.A+res.B-1) > 1e-9 {
			t.Errorf("%s: a+b = %v, want 1 (D = C/6N)", s.key, res.A+res.B)
		}
	}
}

func TestIsoFLOPPorianParabola(t *testing.T) {
	n := 0
	for _, s := range loadPorian(t) {
		res, err := IsoFLOP(s.pts, IsoFLOPOptions{Vertex: VertexParabola})
		if err != nil {
			continue
		}
		if math.Abs(res.A-s.a) <= math.Max(0.02, math.Max(s.a-s.lo, s.hi-s.a)) {
			n++
		}
	}
	t.Logf("parabola reproduces %d/15 published exponents", n)
}

func hasCode(ws []Diagnostic, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

var _ = strings.Contains
