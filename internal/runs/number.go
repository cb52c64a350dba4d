package runs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// suffix returns the multiplier of a count suffix: K thousand, M million, B or G billion,
// T trillion, P quadrillion ("70B" = 7e10, "1.4T" = 1.4e12); 0 for any other byte.
func suffix(c byte) float64 {
	switch c {
	case 'K', 'k':
		return 1e3
	case 'M':
		return 1e6
	case 'B', 'G':
		return 1e9
	case 'T':
		return 1e12
	case 'P':
		return 1e15
	}
	return 0
}

// ParseQuantity parses a plain or scientific number with an optional count suffix
// (K, M, B or G, T, P), such as "1.4e12", "70B" or "400M". It rejects NaN, infinities and
// values that overflow float64 (1e400); the error says what was wanted.
func ParseQuantity(s string) (float64, error) {
	return parseNumber(s, false)
}

// parseNumber is ParseQuantity; decimalComma reads the first ',' as the decimal point
// ("1,5" = 1.5), as spreadsheets in many locales write numbers.
func parseNumber(s string, decimalComma bool) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty: want a number")
	}
	mult := 1.0
	if m := suffix(t[len(t)-1]); m != 0 && len(t) > 1 {
		mult = m
		t = t[:len(t)-1]
	}
	if v, ok := fastFloat(t, decimalComma); ok {
		return v * mult, nil // |v| < 2^53 * 1e22 and mult <= 1e15: finite
	}
	if decimalComma && strings.IndexByte(t, ',') >= 0 {
		t = strings.Replace(t, ",", ".", 1)
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

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses [+-]digits[.digits][(e|E)[+-]digits] when the digits make an integer
// below 2^53 and the decimal exponent is within ±22: then the value is that integer times
// or divided by an exact power of ten, one correctly rounded operation, the same float64 as
// strconv.ParseFloat gives (its own exact fast path). ok is false for anything else, which
// the caller hands to strconv.
func fastFloat(t string, decimalComma bool) (v float64, ok bool) {
	i, n := 0, len(t)
	neg := false
	if i < n && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	sawDot := false
	for ; i < n; i++ {
		c := t[i]
		if c >= '0' && c <= '9' {
			if digits == 0 && c == '0' {
				if sawDot {
					exp--
				}
				continue // leading zeros are not significant digits
			}
			digits++
			if digits > 19 {
				return 0, false
			}
			mant = mant*10 + uint64(c-'0')
			if sawDot {
				exp--
			}
			continue
		}
		if (c == '.' || decimalComma && c == ',') && !sawDot {
			sawDot = true
			continue
		}
		break
	}
	start := 0
	if neg || n > 0 && t[0] == '+' {
		start = 1
	}
	if i == start || i == start+1 && sawDot {
		return 0, false // no digit in the mantissa
	}
	if i < n {
		if t[i] != 'e' && t[i] != 'E' {
			return 0, false
		}
		i++
		eneg := false
		if i < n && (t[i] == '+' || t[i] == '-') {
			eneg = t[i] == '-'
			i++
		}
		if i == n {
			return 0, false
		}
		e := 0
		for ; i < n; i++ {
			c := t[i]
			if c < '0' || c > '9' || e > 1000 {
				return 0, false
			}
			e = e*10 + int(c-'0')
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if mant>>53 != 0 {
		return 0, false
	}
	v = float64(mant)
	switch {
	case mant == 0:
	case exp == 0:
	case exp > 0 && exp <= 22:
		v *= pow10[exp]
	case exp < 0 && exp >= -22:
		v /= pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
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
