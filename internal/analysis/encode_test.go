package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/runs"
)

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

// contract mirrors DESIGN.md §2's fit.json with tags of its own: renaming a tag of Document
// or Fit leaves a field here empty and fails TestEncodeContract.
type contract struct {
	SchemaVersion *int                `json:"schema_version"`
	Runs          *int                `json:"runs"`
	Excluded      *int                `json:"excluded"`
	Warnings      []map[string]string `json:"warnings"`
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
		Draws        map[string][]float64  `json:"draws"`
		Allocations  []struct {
			FLOPs float64     `json:"flops"`
			NOpt  float64     `json:"n_opt"`
			DOpt  float64     `json:"d_opt"`
			Loss  float64     `json:"loss"`
			NInt  *[2]float64 `json:"n_opt_interval"`
		} `json:"allocations"`
		Budgets []struct {
			FLOPs  float64 `json:"flops"`
			NOpt   float64 `json:"n_opt"`
			DOpt   float64 `json:"d_opt"`
			Loss   float64 `json:"loss"`
			Sizes  int     `json:"sizes"`
			Vertex string  `json:"vertex"`
		} `json:"budgets"`
		Vertex string `json:"vertex"`
	} `json:"fits"`
}

// Encode writes every field DESIGN.md §2 names, under those names.
func TestEncodeContract(t *testing.T) {
	res, err := Run(gridSet(t), Options{Approaches: []int{2, 3}, Budgets: []float64{1e22},
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
	if c.SchemaVersion == nil || *c.SchemaVersion != 2 || c.Runs == nil || *c.Runs != 20 || c.Excluded == nil || c.Warnings == nil || len(c.Fits) != 2 {
		t.Fatalf("document fields: %s", buf.String()[:min(400, buf.Len())])
	}
	a3, a2 := c.Fits[0], c.Fits[1]
	if a3.Law != "chinchilla" || a3.Approach != 3 || len(a3.Params) != 5 || a3.Intervals["alpha"] == [2]float64{} ||
		a3.A == nil || a3.B == nil || a3.Objective == nil || a3.Converged == nil || a3.Starts == 0 || a3.StartsAtBest == 0 ||
		len(a3.Draws) != 5 || len(a3.Draws["beta"]) != 8 || len(a3.Allocations) != 1 || a3.Allocations[0].NInt == nil {
		t.Errorf("approach 3 fit is missing contract fields: %+v", a3)
	}
	if al := a3.Allocations[0]; !(al.FLOPs == 1e22 && al.NOpt > 0 && al.DOpt > 0 && al.Loss > 0) {
		t.Errorf("allocation %+v", al)
	}
	if a2.Approach != 2 || a2.A == nil || len(a2.Budgets) != 4 || a2.Budgets[0].Sizes != 5 || a2.Budgets[0].NOpt == 0 || a2.Budgets[0].Loss == 0 ||
		a2.Vertex != "auto" || a2.Budgets[0].Vertex != "akima" {
		t.Errorf("approach 2 fit is missing contract fields: %+v", a2)
	}
	// Encoded and decoded through Decode, the law is the fitted one.
	doc, err := fitfile.Decode(&buf, "enc")
	if err != nil {
		t.Fatal(err)
	}
	if l, err := fitfile.ChinchillaParams(doc.Find("chinchilla", 3).Params); err != nil || l != res.Groups[0].A3.Law {
		t.Errorf("round-tripped law %+v (%v), want %+v", l, err, res.Groups[0].A3.Law)
	}
	if d := doc.WithoutDraws(); d.Fits[0].Bootstrap != nil || doc.Fits[0].Bootstrap == nil {
		t.Error("WithoutDraws: want a copy without draws, the original untouched")
	}
}
