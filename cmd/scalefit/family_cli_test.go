package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFamilyFitCLI: sft-lin2024 on two base models whose names hold quotes, commas and
// parentheses, with runs at D = 0, one law per group; its table is golden, its figure written.
func TestFamilyFitCLI(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("model,examples,sft_loss\n")
	for _, g := range []struct {
		name           string
		B, Dl, beta, E float64
	}{{`"('MBZUAI/LaMini-GPT-124M', 'flan')"`, 40, 25, 0.5, 1.6}, {`"gpt2, ""xl"""`, 15, 6, 0.4, 1.9}} {
		for k := -1; k < 24; k++ {
			d := 0.0
			if k >= 0 {
				d = math.Round(25 * math.Pow(2, float64(k)/2))
			}
			fmt.Fprintf(&b, "%s,%g,%.6f\n", g.name, d, (g.B/(g.Dl+math.Pow(d, g.beta))+g.E)*math.Exp(0.001*rng.NormFloat64()))
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "sft.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "sft.png")
	out, errs, code := runCLI(t, "", "fit", in, "--family", "sft-lin2024", "--group", "model", "--plot", png)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "fit_family_sft.txt", out)
	if fi, err := os.Stat(png); err != nil || fi.Size() < 1000 {
		t.Errorf("figure: %v", err)
	}
	out, _, _ = runCLI(t, "", "fit", in, "--family", "sft-lin2024", "--group", "model", "--format", "json")
	for _, frag := range []string{`"family": "sft-lin2024"`, `"group": "('MBZUAI/LaMini-GPT-124M', 'flan')"`, `"group": "gpt2, \"xl\""`} {
		if !strings.Contains(out, frag) {
			t.Errorf("JSON lacks %s", frag)
		}
	}
	if _, errs, code := runCLI(t, "", "fit", in, "--plot", png); code != 2 || !strings.Contains(errs, "--plot applies to --family") {
		t.Errorf("--plot without --family: exit %d, %s", code, errs)
	}
}
