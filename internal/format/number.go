// Package format is the one place that formats numbers and quoted input text for people, a
// leaf package that report, plot and every command share: tables keep at least 3 significant
// figures (7.02B, 1.86x, 5.76e23; JSON keeps full precision), and text from the input (group
// names, headers, file names) is escaped for the terminal, Markdown and HTML it lands in.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Output is an output format of a command (--format).
type Output string

// The output formats every command supports.
const (
	Text     Output = "table"
	JSON     Output = "json"
	CSV      Output = "csv"
	Markdown Output = "markdown"
)

// Parse checks a --format value.
func Parse(s string) (Output, error) {
	switch strings.ToLower(s) {
	case "table", "text", "":
		return Text, nil
	case "json":
		return JSON, nil
	case "csv":
		return CSV, nil
	case "markdown", "md":
		return Markdown, nil
	}
	return "", fmt.Errorf("--format %q: want table, json, csv or markdown", s)
}

// Count formats a count with a suffix: 7.02B, 400M, 2.66T, 12.5K; small values plainly.
func Count(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	a := math.Abs(x)
	for _, u := range []struct {
		v float64
		s string
	}{{1e15, "P"}, {1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}} {
		if a >= u.v*0.9995 {
			if a >= 1e18 {
				return Sci(x)
			}
			return sig3(x/u.v) + u.s
		}
	}
	return sig3(x)
}

// Sci formats a quantity such as FLOPs in short scientific notation: 5.76e23.
func Sci(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	s := strconv.FormatFloat(x, 'e', 2, 64)
	mant, exp, _ := strings.Cut(s, "e")
	// A round budget reads as 1e21; anything else keeps its 3 significant figures (1.40e18).
	if strings.HasSuffix(mant, ".00") {
		mant = strings.TrimSuffix(mant, ".00")
	}
	e, _ := strconv.Atoi(exp)
	return fmt.Sprintf("%se%d", mant, e)
}

// Float formats x with sig significant figures (at least 3), plainly when that is short.
func Float(x float64, sig int) string {
	if sig < 3 {
		sig = 3
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	a := math.Abs(x)
	if a != 0 && (a < 1e-4 || a >= 1e7) {
		s := strconv.FormatFloat(x, 'e', sig-1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		e, _ := strconv.Atoi(exp)
		return fmt.Sprintf("%se%d", mant, e)
	}
	if a == 0 {
		return "0"
	}
	// Fixed notation that keeps trailing zeros, so 0.32 at 3 figures reads 0.320; whole
	// numbers wider than sig digits keep all their digits (123456, not 123000).
	if math.Floor(math.Log10(a)) >= float64(sig-1) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', sig, 64), 64)
	dec := sig - 1 - int(math.Floor(math.Log10(math.Abs(x))))
	if dec < 0 {
		dec = 0
	}
	return strconv.FormatFloat(x, 'f', dec, 64)
}

// Short formats x with up to sig significant figures and no trailing zeros (2.5, 3, 1e-5):
// for axis ticks, figure labels and echoing a user's own input.
func Short(x float64, sig int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	if a := math.Abs(x); a != 0 && (a < 1e-4 || a >= 1e7) {
		return Sci(x)
	}
	return strconv.FormatFloat(x, 'g', sig, 64)
}

// Ratio formats a multiplier: 5.37x.
func Ratio(x float64) string {
	if a := math.Abs(x); a >= 1e4 && !math.IsInf(a, 0) {
		mant, exp, _ := strings.Cut(strconv.FormatFloat(x, 'e', 2, 64), "e")
		e, _ := strconv.Atoi(exp)
		return fmt.Sprintf("%se%dx", mant, e)
	}
	if a := math.Abs(x); a >= 1e6 || (a < 1e-2 && a != 0) {
		return Float(x, 3) + "x"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "x"
}

// Percent formats a fraction as a percentage with 3 significant figures: 0.0071 -> 0.710%.
func Percent(x float64) string { return sig3(100*x) + "%" }

// Interval formats a [lo, hi] interval with f.
func Interval(iv [2]float64, f func(float64) string) string {
	return "[" + f(iv[0]) + ", " + f(iv[1]) + "]"
}

func sig3(x float64) string {
	// Round to 3 significant figures first, so 9.9996 prints as 10.0, not 10.00.
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	a := math.Abs(x)
	switch {
	case a >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case a >= 1e-4:
		return strconv.FormatFloat(x, 'f', 2-int(math.Floor(math.Log10(a))), 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}
