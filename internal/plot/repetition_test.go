package plot

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The repeated-data figure draws the (N, U) series with 3 or more epochs values, the law's
// curve over each, and refuses input it cannot draw.
func TestRepetitionFigure(t *testing.T) {
	law := func(n, d, u float64) float64 {
		ep := d / u
		return 2 + 400/math.Pow(n, 0.34) + 1500/math.Pow(u*(1+15*(1-math.Exp(-(ep-1)/15))), 0.35)
	}
	var rs []RepetitionRun
	for _, n := range []float64{1e7, 1e8} {
		for _, ep := range []float64{1, 2, 4, 16, 64} {
			rs = append(rs, RepetitionRun{Params: n, Tokens: 1e9 * ep, Unique: 1e9, Loss: law(n, 1e9*ep, 1e9)})
		}
	}
	rs = append(rs, RepetitionRun{Params: 3e8, Tokens: 1e9, Unique: 1e10, Loss: 3}) // one epoch only: not a series
	fig, err := Repetition(&RepetitionInput{Runs: rs, Law: law, LawLabel: "test law"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := fig.WriteTo(&b, "svg"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []string{"N 10M, U 1B", "N 100M, U 1B", "epochs", "test law"} {
		if !strings.Contains(svg, want) {
			t.Errorf("figure lacks %q", want)
		}
	}
	if strings.Contains(svg, "N 300M") {
		t.Errorf("a size with one epochs value is drawn as a series")
	}
	if _, err := Repetition(&RepetitionInput{Runs: rs[10:], Law: law}); err == nil {
		t.Errorf("no series: want an error")
	}
	if _, err := Repetition(&RepetitionInput{Runs: rs}); err == nil {
		t.Errorf("no law: want an error")
	}
}
