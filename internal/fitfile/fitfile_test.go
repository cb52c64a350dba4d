package fitfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/analysis"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/runs"
)

// golden is a fit.json written by scalefit before internal/fitfile existed (commit 2d55f6d:
// `scalefit fit testdata/chinchilla.csv --law all --bootstrap 20 --seed 7 -o`): Approach 3
// with draws and intervals, Kaplan's L(N,D) and L(N), and Approach 2 with its budgets.
const golden = "testdata/fit-v1.json"

// An old fit.json decodes, and encodes back byte for byte: the contract did not move.
func TestGoldenFitJSONRoundTrip(t *testing.T) {
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := doc.Encode(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		g, w := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("re-encoded fit.json differs at line %d:\n got %s\nwant %s", i+1, g[i], w[i])
			}
		}
		t.Fatalf("re-encoded fit.json has %d lines, want %d", len(g), len(w))
	}
	// The decoded warnings keep their codes.
	if f := doc.Find("chinchilla", 2); f == nil || len(f.Warnings) == 0 || f.Warnings[0].Code != "unassigned-runs" {
		t.Errorf("Approach 2 warnings %+v: want the first coded unassigned-runs", f)
	}
}

// The laws of the golden file resolve: Approach 3 with its 20 draws, Approach 2's allocation.
func TestFromFileGolden(t *testing.T) {
	s, err := FromFile(golden, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Chinchilla == nil || math.Abs(s.Chinchilla.E-1.891338499148853) > 1e-15 || len(s.Draws) != 20 || s.Range == nil {
		t.Fatalf("approach 3: %+v, %d draws", s.Chinchilla, len(s.Draws))
	}
	if !s.HasLoss() || s.Info.Source != "fit" || s.Info.Draws != 20 {
		t.Errorf("approach 3 info %+v", s.Info)
	}
	a2, err := FromFile(golden, 2)
	if err != nil {
		t.Fatal(err)
	}
	// N_opt = k C^a with k and a as the file stores them.
	f := mustDoc(t).Find("chinchilla", 2)
	al, err := a2.Optimal(1e22)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.Params["k"] * math.Pow(1e22, *f.A); math.Abs(al.Params/want-1) > 1e-12 || !math.IsNaN(al.Loss) || a2.HasLoss() {
		t.Errorf("approach 2 at 1e22: %+v, want N %g and no loss", al, want)
	}
	if _, err := a2.ChinchillaLaw("--target-loss"); err == nil || !strings.Contains(err.Error(), "allocation rule") {
		t.Errorf("approach 2 answers --target-loss: %v", err)
	}
	if _, err := FromFile(golden, 1); err == nil || !strings.Contains(err.Error(), "no Chinchilla Approach-1 fit") {
		t.Errorf("approach 1: %v", err)
	}
}

func mustDoc(t *testing.T) *Document {
	t.Helper()
	d, err := Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// contract mirrors DESIGN.md §2's fit.json with tags of its own: renaming a tag of Document
// or Fit leaves a field here empty and fails TestEncodeContract.
type contract struct {
	SchemaVersion *int     `json:"schema_version"`
	Runs          *int     `json:"runs"`
	Excluded      *int     `json:"excluded"`
	Warnings      []string `json:"warnings"`
	Fits          []struct {
		Law          string                `json:"law"`
		Approach     int                   `json:"approach"`
		Params       map[string]float64    `json:"params"`
		Intervals    map[string][2]float64 `json:"intervals"`
		A            *float64              `json:"a"`
		B            *float64              `json:"b"`
		Objective    *float64              `json:"objective"`
		Converged    *bool                 `json:"converged"`
		Starts       int                   `json:"starts"`
		StartsAtBest int                   `json:"starts_at_best"`
		Bootstrap    [][]float64           `json:"bootstrap"`
		Allocations  []struct {
			FLOPs float64     `json:"flops"`
			NOpt  float64     `json:"n_opt"`
			DOpt  float64     `json:"d_opt"`
			Loss  float64     `json:"loss"`
			NInt  *[2]float64 `json:"n_opt_interval"`
		} `json:"allocations"`
		Budgets []struct {
			FLOPs float64 `json:"flops"`
			NOpt  float64 `json:"n_opt"`
			DOpt  float64 `json:"d_opt"`
			Loss  float64 `json:"loss"`
			Sizes int     `json:"sizes"`
		} `json:"budgets"`
	} `json:"fits"`
}

// An IsoFLOP grid from a known law: 4 budgets x 5 sizes, noise-free.
func gridSet(t *testing.T) *runs.Set {
	t.Helper()
	l := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	var b strings.Builder
	b.WriteString("params,tokens,loss\n")
	for _, c := range []float64{1e18, 1e19, 1e20, 1e21} {
		n0, _, _ := l.Optimal(c)
		for _, k := range []float64{0.25, 0.5, 1, 2, 4} {
			n := n0 * k
			d := c / (6 * n)
			fmt.Fprintf(&b, "%.6g,%.6g,%.6f\n", n, d, l.Loss(n, d))
		}
	}
	s, err := runs.Load(strings.NewReader(b.String()), "grid.csv", runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Encode writes every field DESIGN.md §2 names, under those names.
func TestEncodeContract(t *testing.T) {
	res, err := analysis.Run(gridSet(t), analysis.Options{Approaches: []int{2, 3}, Budgets: []float64{1e22},
		Chinchilla: chinchilla.FitOptions{Bootstrap: 8, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(res, true).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	var c contract
	if err := json.Unmarshal(buf.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c.SchemaVersion == nil || *c.SchemaVersion != 1 || c.Runs == nil || *c.Runs != 20 || c.Excluded == nil || c.Warnings == nil || len(c.Fits) != 2 {
		t.Fatalf("document fields: %s", buf.String()[:min(400, buf.Len())])
	}
	a3, a2 := c.Fits[0], c.Fits[1]
	if a3.Law != "chinchilla" || a3.Approach != 3 || len(a3.Params) != 5 || a3.Intervals["alpha"] == [2]float64{} ||
		a3.A == nil || a3.B == nil || a3.Objective == nil || a3.Converged == nil || a3.Starts == 0 || a3.StartsAtBest == 0 ||
		len(a3.Bootstrap) != 8 || len(a3.Bootstrap[0]) != 5 || len(a3.Allocations) != 1 || a3.Allocations[0].NInt == nil {
		t.Errorf("approach 3 fit is missing contract fields: %+v", a3)
	}
	if al := a3.Allocations[0]; !(al.FLOPs == 1e22 && al.NOpt > 0 && al.DOpt > 0 && al.Loss > 0) {
		t.Errorf("allocation %+v", al)
	}
	if a2.Approach != 2 || a2.A == nil || len(a2.Budgets) != 4 || a2.Budgets[0].Sizes != 5 || a2.Budgets[0].NOpt == 0 || a2.Budgets[0].Loss == 0 {
		t.Errorf("approach 2 fit is missing contract fields: %+v", a2)
	}
	// Encoded and decoded through Decode, the law is the fitted one.
	doc, err := Decode(&buf, "enc")
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ChinchillaParams(doc.Find("chinchilla", 3).Params); err != nil || l != res.Groups[0].A3.Law {
		t.Errorf("round-tripped law %+v (%v), want %+v", l, err, res.Groups[0].A3.Law)
	}
	if d := doc.WithoutDraws(); d.Fits[0].Bootstrap != nil || doc.Fits[0].Bootstrap == nil {
		t.Error("WithoutDraws: want a copy without draws, the original untouched")
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"schema_version": 2, "fits": []}`, "schema_version 2, want 1"},
		{`{"schema_version": 1, "fits": [}`, "not a scalefit fit.json"},
		{`[1, 2]`, "not a scalefit fit.json"},
	} {
		if _, err := Decode(strings.NewReader(tt.in), "x.json"); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "x.json: ") {
			t.Errorf("%s: %v, want x.json: ... %s", tt.in, err, tt.want)
		}
	}
	if _, err := DrawLaws([][]float64{{1, 2, 3}}); err == nil || !strings.Contains(err.Error(), "has 3 values") {
		t.Errorf("short row: %v", err)
	}
	if _, err := DrawLaws([][]float64{{1, 2, 3, 4, -5}}); err == nil {
		t.Error("negative beta: no error")
	}
	if _, err := ChinchillaParams(map[string]float64{"E": 1, "A": 2, "B": 3, "alpha": 0.3}); err == nil || !strings.Contains(err.Error(), `"beta"`) {
		t.Errorf("missing beta: %v", err)
	}
}

// Write is atomic and Read reads back what it wrote.
func TestWriteRead(t *testing.T) {
	doc := mustDoc(t)
	p := filepath.Join(t.TempDir(), "fit.json")
	if err := Write(p, doc); err != nil {
		t.Fatal(err)
	}
	back, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Fits) != len(doc.Fits) || back.Fits[0].Params["E"] != doc.Fits[0].Params["E"] {
		t.Error("read back differs")
	}
}

// The published laws answer through the interface as the catalogue says (Table A3's first
// row: 400M parameters are optimal at 2.21e19 FLOPs with 9.2B tokens).
func TestBuiltinThroughInterface(t *testing.T) {
	l, err := laws.Lookup("chinchilla2022-a3")
	if err != nil {
		t.Fatal(err)
	}
	s := FromBuiltin(l)
	a, err := s.ForParams(400e6)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.FLOPs/2.21e19-1) > 0.01 || math.Abs(a.Tokens/9.2e9-1) > 0.01 {
		t.Errorf("400M: %+v, want 2.21e19 FLOPs, 9.2e9 tokens", a)
	}
	k, _ := laws.Lookup("kaplan2020-allocation")
	ks := FromBuiltin(k)
	if ks.HasLoss() {
		t.Error("an allocation rule has no loss")
	}
	if _, err := ks.Loss(1e9, 2e10); err == nil {
		t.Error("allocation rule predicts a loss")
	}
}
