package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/vocab"
)

// TestFitFamilyTable: a family table (runs.LayoutTable) needs no params or tokens column,
// reads a negative loss when the family allows it, and the runs' --params-col reaches a family
// column named params.
func TestFitFamilyTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("Nnv,V,H,d,lossu\n")
	for _, n := range []float64{33e6, 85e6, 151e6, 302e6} {
		for _, v := range []float64{4096, 8192, 16384, 32768} {
			for _, h := range []float64{1e9, 4e9, 16e9} {
				fmt.Fprintf(&b, "%g,%g,%g,768,%.9f\n", n, v, h, vocab.Published.Loss(n, v, 768, h))
			}
		}
	}
	p := writeFile(t, "voc.csv", b.String())
	png := filepath.Join(t.TempDir(), "voc.png")
	res, err := FitFamily(context.Background(), FamilyRequest{Family: "vocab-tao2024", Inputs: Inputs{Paths: []string{p}}, Plot: png})
	if err != nil {
		t.Fatal(err)
	}
	if img, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Errorf("--plot: %v", err)
	}
	if _, err := FitFamily(context.Background(), FamilyRequest{Family: "vocab-tao2024", Inputs: Inputs{Paths: []string{p}}, Plot: "x.gif"}); err == nil || !IsUsage(err) {
		t.Errorf("--plot x.gif: %v", err)
	}
	if f := res.Fits[0]; !f.Converged || math.Abs(f.Params["alpha2"]-vocab.Published.Alpha2) > 1e-4 || res.Doc.Family != "vocab-tao2024" {
		t.Errorf("fit %+v", f)
	}
	// --params-col names the moe family's params column; an expert count of 0 names its line.
	q := writeFile(t, "moe.csv", "dense,experts,loss\n1e8,1,3.1\n1e8,0,3.0\n")
	_, err = FitFamily(context.Background(), FamilyRequest{Family: "moe-clark2022", Inputs: Inputs{Paths: []string{q}, Options: runs.Options{ParamsCol: "dense"}}})
	if err == nil || !strings.Contains(err.Error(), "moe.csv:3: experts 0") {
		t.Errorf("moe with --params-col: %v", err)
	}
}
