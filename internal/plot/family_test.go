package plot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
)

func TestFamilyChart(t *testing.T) {
	c := family.Chart{Title: "t", XLabel: "x", YLabel: "y", LogX: true, LogY: true, Notes: []string{"a note"},
		Series: []family.Series{
			{Name: "one", X: []float64{1, 10, 100}, Y: []float64{3, 2.5, 2.2}, LawX: []float64{1, 100}, LawY: []float64{3, 2.2}},
			{Name: "two", X: []float64{0, 10}, Y: []float64{2.9, 2.4}},
		}}
	f, err := FamilyChart(c)
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(f.Notes, ";"); !strings.Contains(notes, "a note") || !strings.Contains(notes, "1 run(s) off the log axes") {
		t.Errorf("notes %q", f.Notes)
	}
	var b bytes.Buffer
	if err := f.WriteTo(&b, "svg"); err != nil || !strings.Contains(b.String(), "<svg") {
		t.Errorf("svg: %v", err)
	}
	// Negative values on a linear axis are drawn (a unigram-normalised loss).
	c = family.Chart{LogX: true, Series: []family.Series{{Name: "lu", X: []float64{4096, 8192}, Y: []float64{-3.1, -3.2}}}}
	if f, err := FamilyChart(c); err != nil || len(f.Notes) != 0 {
		t.Errorf("negative y on a linear axis: %v %v", err, f)
	}
	if _, err := FamilyChart(family.Chart{}); err == nil {
		t.Error("no series: no error")
	}
}
