package runs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// suffixes maps a unit suffix on a count to its multiplier: K thousand, M million,
// B or G billion, T trillion, P quadrillion ("70B" = 7e10, "1.4T" = 1.4e12).
var suffixes = map[byte]float64{
	'K': 1e3, 'k': 1e3,
	'M': 1e6,
	'B': 1e9, 'G': 1e9,
	'T': 1e12,
	'P': 1e15,
}

// ParseQuantity parses a plain or scientific number with an optional count suffix
// (K, M, B or G, T, P), such as "1.4e12", "70B" or "400M". It rejects NaN, infinities and
// values that overflow float64 (1e400); the error says what was wanted.
func ParseQuantity(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty: want a number")
	}
	mult := 1.0
	if m, ok := suffixes[t[len(t)-1]]; ok && len(t) > 1 {
		mult = m
		t = t[:len(t)-1]
	}
	// strconv accepts "inf", "nan", hex floats and underscores; a CSV of runs should not.
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, fmt.Errorf("%q: want a number such as 1.5e9 or 70B", clip(s))
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%q: out of the range of a float64", clip(s))
		}
		return 0, fmt.Errorf("%q: want a number such as 1.5e9 or 70B", clip(s))
	}
	v *= mult
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q: out of the range of a float64", clip(s))
	}
	return v, nil
}

// clip shortens s for an error message, so that a huge field (a 10 MB line) does not come
// back whole on stderr.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + fmt.Sprintf("... (%d bytes)", len(s))
}

// ParseQuantityList parses a comma-separated list of quantities ("400M,1B,10B").
func ParseQuantityList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := ParseQuantity(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
