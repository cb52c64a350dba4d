package fitfile

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// golden is a fit.json written by scalefit before internal/fitfile existed (commit 2d55f6d:
// `scalefit fit testdata/chinchilla.csv --law all --bootstrap 20 --seed 7 -o`): Approach 3
// with draws and intervals, Kaplan's L(N,D) and L(N), and Approach 2 with its budgets.
const golden = "testdata/fit-v1.json"

// goldenV2 is golden re-encoded by this version (schema 2: warnings as objects, draws keyed
// by parameter name). Regenerate with go test ./internal/fitfile -update.
const goldenV2 = "testdata/fit-v2.json"

var update = flag.Bool("update", false, "rewrite testdata/fit-v2.json")

// A version-1 fit.json still reads, into the same values as its version-2 encoding: the
// contract moved only in how warnings and draws are spelled.
func TestGoldenFitJSONRoundTrip(t *testing.T) {
	v1, err := Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := v1.Encode(&got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(goldenV2, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenV2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		g, w := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("re-encoded fit.json differs from %s at line %d:\n got %s\nwant %s", goldenV2, i+1, g[i], w[i])
			}
		}
		t.Fatalf("re-encoded fit.json has %d lines, want %d", len(g), len(w))
	}
	v2, err := Read(goldenV2)
	if err != nil {
		t.Fatal(err)
	}
	if v1.SchemaVersion != 1 || v2.SchemaVersion != SchemaVersion {
		t.Errorf("schema versions %d, %d: want 1 and %d", v1.SchemaVersion, v2.SchemaVersion, SchemaVersion)
	}
	v2.SchemaVersion = v1.SchemaVersion
	for i := range v1.Fits { // v1 rows carry no names: the defaults are what v2 wrote
		v1.Fits[i].DrawNames = v1.Fits[i].DefaultDrawNames()
		if len(v1.Fits[i].Bootstrap) == 0 {
			v1.Fits[i].DrawNames = nil
		}
	}
	if !reflect.DeepEqual(v1, v2) {
		t.Errorf("the v1 fixture and its v2 encoding read into different values")
	}
	// Draws are keyed by name, warnings are objects.
	flat := strings.Join(strings.Fields(got.String()), "")
	for _, frag := range []string{`"draws":{"E":[`, `"warnings":[{"code":"`, `"code":"unassigned-runs"`} {
		if !strings.Contains(flat, frag) {
			t.Errorf("v2 encoding lacks %s", frag)
		}
	}
	if f := v1.Find("chinchilla", 2); f == nil || len(f.Warnings) == 0 || f.Warnings[0].Code != "unassigned-runs" {
		t.Errorf("Approach 2 warnings %+v: want the first coded unassigned-runs", f)
	}
	a3 := v2.Find("chinchilla", 3)
	rows, err := a3.DrawRows([]string{"beta", "E"})
	if err != nil || len(rows) != 20 || rows[0][0] != a3.Bootstrap[0][4] || rows[0][1] != a3.Bootstrap[0][0] {
		t.Errorf("DrawRows(beta, E): %v, %v", rows, err)
	}
}

func TestIntervalNullEnds(t *testing.T) {
	var iv Interval
	if err := iv.UnmarshalJSON([]byte(`[3.9, null]`)); err != nil || iv[0] != 3.9 || !math.IsInf(iv[1], 1) {
		t.Fatalf("[3.9, null] -> %v, %v", iv, err)
	}
	b, err := iv.MarshalJSON()
	if err != nil || string(b) != "[3.9,null]" {
		t.Errorf("marshal %v -> %s, %v", iv, b, err)
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

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"schema_version": 3, "fits": []}`, "schema_version 3, want 1 to 2"},
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

// A family's own fields (Extra) are written beside the standard ones, never in place of one,
// and read back into Extra, so a file re-encodes with them.
func TestExtraFieldsRoundTrip(t *testing.T) {
	d := &Document{SchemaVersion: SchemaVersion, Runs: 3, Fits: []Fit{{Law: "data-constrained",
		Params:    map[string]float64{"E": 1.9, "R_D*": 15},
		Intervals: map[string]Interval{"R_D*": {12, math.Inf(1)}},
		Extra:     map[string]any{"recipe": "joint", "unique_tokens": []float64{1e8, 4e8}, "law": "not me"},
		Bootstrap: [][]float64{{1.9, 15}, {1.8, 16}}, DrawNames: []string{"E", "R_D*"}}}}
	var b bytes.Buffer
	if err := d.Encode(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`"recipe": "joint"`, `"unique_tokens": [`, `"law": "data-constrained"`, `"R_D*": [`, "null"} {
		if !strings.Contains(s, want) {
			t.Errorf("encoding lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "not me") {
		t.Errorf("Extra overrode a standard field:\n%s", s)
	}
	back, err := Decode(strings.NewReader(s), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	f := back.Fits[0]
	if f.Extra["recipe"] != "joint" || len(f.Extra["unique_tokens"].([]any)) != 2 || f.Extra["law"] != nil || len(f.Bootstrap) != 2 {
		t.Errorf("decoded extra %v, draws %v", f.Extra, f.Bootstrap)
	}
	var again bytes.Buffer
	if err := back.Encode(&again); err != nil || again.String() != s {
		t.Errorf("re-encoding differs (%v):\n%s\nvs\n%s", err, again.String(), s)
	}
}
