package runs

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestFastFloatMatchesStrconv: the loader's fast path for decimal numbers gives the same
// float64, bit for bit, as strconv.ParseFloat, or leaves the string to it.
func TestFastFloatMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []string{"0", "-0", "+0", "1", "00.5", ".5", "5.", "1e22", "1e23", "1e-22", "1e-23",
		"9007199254740992", "9007199254740993", "123456789012345678901", "0.000000000000000000000001",
		"1.5e9", "2.345678", "-3.25e-7", "1E+5", "+.5e-3", "1e", "e5", ".", "+", "-", "1.2.3", "1e+-5", "12,5"}
	for i := 0; i < 200000; i++ {
		var s string
		switch i % 4 {
		case 0: // the shortest form of a random float
			s = strconv.FormatFloat(math.Float64frombits(rng.Uint64()), 'g', -1, 64)
		case 1: // a loss or a count as logs write them
			s = strconv.FormatFloat(rng.Float64()*10, 'f', rng.IntN(12), 64)
		case 2:
			s = strconv.FormatFloat(math.Pow(10, rng.Float64()*30), 'e', rng.IntN(17), 64)
		default: // a random string of number bytes
			b := make([]byte, 1+rng.IntN(24))
			for j := range b {
				b[j] = "0123456789.eE+-"[rng.IntN(15)]
			}
			s = string(b)
		}
		cases = append(cases, s)
	}
	fast := 0
	for _, s := range cases {
		v, ok := fastFloat(s, false)
		if !ok {
			continue
		}
		fast++
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("fastFloat(%q) = %g, strconv: %v", s, v, err)
		}
		if math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("fastFloat(%q) = %v, strconv %v", s, v, want)
		}
		if c := strings.Replace(s, ".", ",", 1); c != s {
			if w, ok := fastFloat(c, true); !ok || math.Float64bits(w) != math.Float64bits(want) {
				t.Fatalf("fastFloat(%q, decimal comma) = %v %v, want %v", c, w, ok, want)
			}
		}
	}
	if fast < len(cases)/3 {
		t.Errorf("the fast path took %d of %d numbers: want most decimals", fast, len(cases))
	}
}
