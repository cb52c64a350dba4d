package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/report"
)

// The published examples, as the acceptance commands print them (REFERENCES.md §1.1, §1.4).
func TestOptimalPublishedNumbers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"datablations 1e22 with 25B unique", []string{"--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "25e9"},
			[]string{"7.026B", "237.2B", "9.49", "2.222", "+0.0341"}},
		{"Sardana 1.947 with 2T inference", []string{"--law", "chinchilla2022-a3", "--target-loss", "1.947", "--inference-tokens", "2e12"},
			[]string{"24.18B", "2.657T", "70.96%", "146.8%", "95.22%"}},
		{"Kaplan allocation at 1e21", []string{"--law", "kaplan2020-allocation", "--compute", "1e21"}, []string{"4.683B"}},
		{"unrounded Chinchilla at Gopher's budget", []string{"--law", "chinchilla2022-tex", "--compute", "5.76e23"}, []string{"40.36B"}},
		{"rounded Chinchilla, name case-insensitive", []string{"--law", "CHINCHILLA2022", "--compute", "5.76e23"}, []string{"32.19B"}},
		{"Table A3 first row", []string{"--law", "chinchilla2022-a3", "--params", "400M"}, []string{"2.22e19", "9.242B"}},
		{"target loss 2.5", []string{"--law", "muennighoff2023", "--target-loss", "2.5"}, []string{"2.09e20", "1.332B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"optimal"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestOptimalGolden(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"optimal_constrained.golden", []string{"--law", "muennighoff2023", "--compute", "1e20,1e22,1e23", "--max-unique-tokens", "25B"}},
		{"optimal_inference.golden", []string{"--law", "chinchilla2022-a3", "--target-loss", "1.947", "--inference-tokens", "2e12"}},
		{"optimal_table_a3.golden", []string{"--law", "chinchilla2022-a3", "--params", "400M,1B,10B,67B,175B,280B,520B,1T,10T"}},
		{"optimal_range.golden", []string{"--law", "chinchilla2022-tex", "--compute", "1e21:1e25:x10", "--gpu", "h100-bf16"}},
		{"optimal_kaplan.golden", []string{"--law", "kaplan2020-allocation", "--compute", "1e21:1e22:x3.16"}},
		{"optimal_target.golden", []string{"--law", "muennighoff2023", "--target-loss", "2.5,2.2", "--gpu-flops", "312e12", "--mfu", "0.5"}},
		{"optimal_markdown.golden", []string{"--law", "chinchilla2022-a3", "--compute", "5.76e23", "--format", "markdown"}},
		{"optimal_csv.golden", []string{"--law", "chinchilla2022-a3", "--compute", "5.76e23", "--format", "csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"optimal"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tt.golden, out, errOut)
		})
	}
}

func TestOptimalErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero compute", []string{"--law", "chinchilla2022", "--compute", "0"}, "want a positive number of FLOPs"},
		{"negative compute", []string{"--law", "chinchilla2022", "--compute", "-1e21"}, "want a positive number of FLOPs"},
		{"bad range step", []string{"--law", "chinchilla2022", "--compute", "1e21:1e25:10"}, "want START:STOP:xFACTOR such as 1e21:1e25:x10"},
		{"range factor 1", []string{"--law", "chinchilla2022", "--compute", "1e21:1e25:x1"}, "factor above 1"},
		{"mfu zero", []string{"--law", "chinchilla2022", "--compute", "1e21", "--gpu", "h100-bf16", "--mfu", "0"}, "want a fraction in (0, 1]"},
		{"mfu above one", []string{"--law", "chinchilla2022", "--compute", "1e21", "--gpu", "h100-bf16", "--mfu", "1.5"}, "want a fraction in (0, 1]"},
		{"mfu without gpu", []string{"--law", "chinchilla2022", "--compute", "1e21", "--mfu", "0.5"}, "--mfu needs --gpu"},
		{"unknown gpu", []string{"--law", "chinchilla2022", "--compute", "1e21", "--gpu", "tpu"}, "unknown GPU"},
		{"gpu and gpu-flops", []string{"--law", "chinchilla2022", "--compute", "1e21", "--gpu", "h100-bf16", "--gpu-flops", "1e15"}, "both given"},
		{"target below E", []string{"--law", "muennighoff2023", "--target-loss", "1.0"}, "irreducible loss E = 1.869"},
		{"target at E", []string{"--law", "chinchilla2022", "--target-loss", "1.69"}, "irreducible loss E = 1.69"},
		{"inference target below E", []string{"--law", "chinchilla2022-a3", "--target-loss", "1.5", "--inference-tokens", "2T"}, "irreducible"},
		{"compute and target", []string{"--law", "chinchilla2022", "--compute", "1e21", "--target-loss", "2"}, "--compute and --target-loss both given"},
		{"params and target", []string{"--law", "chinchilla2022", "--params", "1B", "--target-loss", "2"}, "--params and --target-loss both given"},
		{"compute and params", []string{"--law", "chinchilla2022", "--compute", "1e21", "--params", "1B"}, "--compute and --params both given"},
		{"nothing", []string{"--law", "chinchilla2022"}, "nothing to plan"},
		{"negative params", []string{"--law", "chinchilla2022", "--params", "-1B"}, "want a positive number"},
		{"unique without compute", []string{"--law", "muennighoff2023", "--params", "1B", "--max-unique-tokens", "25B"}, "--max-unique-tokens needs --compute"},
		{"zero unique", []string{"--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "0"}, "want a positive number of tokens"},
		{"rd-star without unique", []string{"--law", "muennighoff2023", "--compute", "1e22", "--rd-star", "5"}, "need --max-unique-tokens"},
		{"unique and inference", []string{"--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "25B", "--inference-tokens", "1T"}, "both given"},
		{"inference with params", []string{"--law", "chinchilla2022", "--params", "1B", "--inference-tokens", "1T"}, "--inference-tokens needs --target-loss or --compute"},
		{"allocation rule and target", []string{"--law", "kaplan2020-allocation", "--target-loss", "2.5"}, "allocation rule with no loss law"},
		{"allocation rule and unique", []string{"--law", "chinchilla2022-equal", "--compute", "1e22", "--max-unique-tokens", "25B"}, "--max-unique-tokens needs a Chinchilla-form law"},
		{"kaplan joint and inference", []string{"--law", "kaplan2020", "--target-loss", "3", "--inference-tokens", "1T"}, "not the Chinchilla form"},
		{"unknown law", []string{"--law", "gpt5", "--compute", "1e21"}, "unknown law"},
		{"no law", []string{"--compute", "1e21"}, "no law given"},
		{"two laws", []string{"--law", "chinchilla2022", "--fit", "x.json", "--compute", "1e21"}, "more than one law"},
		{"missing fit.json", []string{"--fit", "no-such-fit.json", "--compute", "1e21"}, "no-such-fit.json"},
		{"bad format", []string{"--law", "chinchilla2022", "--compute", "1e21", "--format", "xml"}, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"optimal"}, tt.args...)...)
			if code != exitError {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, exitError, out, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q lacks %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
		})
	}
}

func TestParseComputeList(t *testing.T) {
	tests := []struct {
		in   string
		want []float64
	}{
		{"1e21,1e23", []float64{1e21, 1e23}},
		{"1e21:1e24:x10", []float64{1e21, 1e22, 1e23, 1e24}},
		{"1e21:1e22:x3.16", []float64{1e21, 3.1622776601683794e21, 1e22}}, // x3.16 means √10
		{"5e20,1e21:1e22:x10", []float64{5e20, 1e21, 1e22}},
	}
	for _, tt := range tests {
		got, err := app.ParseCompute(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%q: %v, want %v", tt.in, got, tt.want)
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-9*tt.want[i] {
				t.Errorf("%q[%d] = %g, want %g", tt.in, i, got[i], tt.want[i])
			}
		}
	}
	for _, bad := range []string{"", "1e21:1e25", "1e25:1e21:x10", "a:b:x2", "1e21:1e25:x0.5"} {
		if _, err := app.ParseCompute(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// JSON keeps full precision: the datablations example within 1%.
func TestOptimalJSON(t *testing.T) {
	out, errOut, code := runCLI(t, "", "optimal", "--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "25e9", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Mode != report.PlanConstrained || doc.Law.Name != "muennighoff2023" || len(doc.Rows) != 1 {
		t.Fatalf("doc %+v", doc)
	}
	r := doc.Rows[0]
	if !nearRel(r.Params, 7.02e9, 0.01) || !nearRel(r.Tokens, 237.3e9, 0.01) || r.Epochs == nil || !nearRel(*r.Epochs, 9.49, 0.01) {
		t.Errorf("row %+v", r)
	}
	if r.CapBinds == nil || !*r.CapBinds || r.Loss == nil || math.Abs(*r.Loss-2.2221) > 2e-4 {
		t.Errorf("binding/loss: %+v", r)
	}
	if doc.Warnings == nil {
		t.Error("warnings should be [] not null")
	}
}

func nearRel(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// writeFitJSON writes a fit.json with the chinchilla2022-a3 constants, draws that spread E
// uniformly over [1.6, 1.8], and the given range of fitted compute.
func writeFitJSON(t *testing.T, draws int, flops [2]float64) string {
	t.Helper()
	fit := fitfile.Fit{Law: "chinchilla", Approach: 3, Converged: boolp(true),
		Params: map[string]float64{"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283}}
	for i := 0; i < draws; i++ {
		fit.Bootstrap = append(fit.Bootstrap, []float64{1.6 + 0.2*float64(i)/float64(draws-1), 406.4, 410.7, 0.336, 0.283})
	}
	doc := fitfile.Document{SchemaVersion: fitfile.SchemaVersion, Source: "runs.csv", Runs: 10,
		Fits:  []fitfile.Fit{{Law: "chinchilla", Approach: 2}, fit},
		Range: &fitfile.Range{FLOPs: flops}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fit.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func boolp(b bool) *bool { return &b }

// A fit.json with draws carries 95% intervals to N_opt, D_opt and loss; E alone moves only
// the loss, by E's own percentiles (1.605, 1.795) minus the law's 1.69.
func TestOptimalFromFitWithIntervals(t *testing.T) {
	path := writeFitJSON(t, 401, [2]float64{1e18, 1.3e22})
	out, errOut, code := runCLI(t, "", "optimal", "--fit", path, "--compute", "5.76e23", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Rows[0]
	if doc.Law.Source != "fit" || doc.Law.Draws != 401 || r.ParamsInterval == nil || r.LossInterval == nil {
		t.Fatalf("doc %+v", doc)
	}
	if r.ParamsInterval[0] != r.ParamsInterval[1] || !nearRel(r.ParamsInterval[0], r.Params, 1e-12) {
		t.Errorf("N interval %v, want the point %g (E does not move N_opt)", r.ParamsInterval, r.Params)
	}
	if lo, hi := r.LossInterval[0]-*r.Loss, r.LossInterval[1]-*r.Loss; math.Abs(lo-(1.605-1.69)) > 1e-9 || math.Abs(hi-(1.795-1.69)) > 1e-9 {
		t.Errorf("loss interval %v around %g", r.LossInterval, *r.Loss)
	}
	// Beyond the frontier too: E moves neither the data-constrained N nor D, only the loss.
	out, errOut, code = runCLI(t, "", "optimal", "--fit", path, "--compute", "1e22", "--max-unique-tokens", "25B", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	doc = report.PlanDocument{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	r = doc.Rows[0]
	if r.ParamsInterval == nil || !nearRel(r.ParamsInterval[0], r.Params, 1e-6) || !nearRel(r.ParamsInterval[1], r.Params, 1e-6) ||
		r.LossInterval == nil || math.Abs(r.LossInterval[1]-r.LossInterval[0]-0.19) > 1e-6 {
		t.Errorf("data-constrained intervals: %+v", r)
	}
	out, errOut, code = runCLI(t, "", "optimal", "--fit", path, "--target-loss", "2.1", "--inference-tokens", "1T", "--format", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	doc = report.PlanDocument{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if r = doc.Rows[0]; r.ParamsInterval == nil || !(r.ParamsInterval[0] < r.Params && r.Params < r.ParamsInterval[1]) || r.FLOPsInterval == nil {
		t.Errorf("inference intervals: %+v", r)
	}
	// The table says where the intervals come from.
	out, _, _ = runCLI(t, "", "optimal", "--fit", path, "--compute", "5.76e23")
	for _, w := range []string{"loss 95%", "95% percentiles over 401 bootstrap draws", "Chinchilla Approach 3 fit to runs.csv"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// A RUNS.csv is fitted on the fly: Epoch's 240 runs give their published fit (E 1.8172,
// alpha 0.3473, beta 0.3672), and predict compares points with the fitted range.
func TestOptimalFromRuns(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	out, errOut, code := runCLI(t, "", "optimal", csv, "--drop-highest-loss", "5", "--compute", "5.88e23", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc report.PlanDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Law.Params
	if doc.Law.Source != "runs" || !nearRel(p["E"], 1.8172, 0.002) || !nearRel(p["alpha"], 0.3473, 0.002) || !nearRel(p["beta"], 0.3672, 0.002) {
		t.Fatalf("law %+v", doc.Law)
	}
	// Epoch's point estimate at Chinchilla's budget: N ≈ 73B, D ≈ 1.34T (REFERENCES §1.2).
	if r := doc.Rows[0]; !nearRel(r.Params, 73e9, 0.03) || !nearRel(r.Tokens, 1.34e12, 0.03) {
		t.Errorf("N %.4g, D %.4g; want about 73e9, 1.34e12", r.Params, r.Tokens)
	}
	out, errOut, code = runCLI(t, "", "predict", csv, "--drop-highest-loss", "5", "--params", "1T", "--tokens", "20T")
	if code != 0 || !strings.Contains(errOut, "the largest fitted run") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, errOut, code = runCLI(t, "", "optimal", csv, "--group", "x", "--compute", "1e21")
	if code != exitError || !strings.Contains(errOut, "--fit fit.json") {
		t.Errorf("--group: exit %d, stderr %q", code, errOut)
	}
}

func TestOptimalBadFitJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, doc report.Document) string {
		b, _ := json.Marshal(doc)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	params := map[string]float64{"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283}
	tests := []struct {
		name string
		doc  report.Document
		want string
	}{
		{"no approach 3", fitfile.Document{SchemaVersion: 1, Fits: []fitfile.Fit{{Law: "chinchilla", Approach: 2}}}, "no Chinchilla Approach-3 fit"},
		{"missing beta", fitfile.Document{SchemaVersion: 1, Fits: []fitfile.Fit{{Law: "chinchilla", Approach: 3,
			Params: map[string]float64{"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336}}}}, `"beta" missing`},
		{"schema", fitfile.Document{SchemaVersion: 7}, "schema_version 7"},
	}
	for _, tt := range tests {
		p := write(tt.name+".json", tt.doc)
		_, errOut, code := runCLI(t, "", "optimal", "--fit", p, "--compute", "1e21")
		if code != exitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", tt.name, code, errOut, tt.want)
		}
	}
	// Draws that do not make rows of E, A, B, alpha, beta, as schema 1 and 2 spell them.
	const p5 = `"params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283}`
	for _, tt := range []struct{ name, doc, want string }{
		{"short row v1", `{"schema_version": 1, "fits": [{"law": "chinchilla", "approach": 3, ` + p5 + `, "bootstrap": [[1.7, 400]]}]}`, "bootstrap row 1 has 2 values"},
		{"uneven v2", `{"schema_version": 2, "fits": [{"law": "chinchilla", "approach": 3, ` + p5 + `, "draws": {"E": [1.7], "A": [400, 1]}}]}`, `"A" has 2 values and "E" 1`},
		{"missing v2", `{"schema_version": 2, "fits": [{"law": "chinchilla", "approach": 3, ` + p5 + `, "draws": {"E": [1.7], "A": [400]}}]}`, `draws have no "B"`},
	} {
		p := filepath.Join(dir, tt.name+".json")
		if err := os.WriteFile(p, []byte(tt.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runCLI(t, "", "optimal", "--fit", p, "--compute", "1e21")
		if code != exitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", tt.name, code, errOut, tt.want)
		}
	}
	// A fit that did not converge is used, with a warning.
	conv := false
	p := write("unconverged.json", fitfile.Document{SchemaVersion: 1, Fits: []fitfile.Fit{{Law: "chinchilla", Approach: 3, Params: params, Converged: &conv}}})
	out, errOut, code := runCLI(t, "", "optimal", "--fit", p, "--compute", "1e21")
	if code != 0 || !strings.Contains(errOut, "did not converge") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// --approach 2 plans from the IsoFLOP power laws of a fit.json: N_opt = k C^a, no losses.
func TestOptimalFromApproach2Fit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fit.json")
	if _, errs, code := runCLI(t, "", "fit", repoFile("testdata", "synthetic.csv"), "-o", path, "-q"); code != 0 {
		t.Fatalf("fit: %s", errs)
	}
	doc, err := report.ReadDocument(path)
	if err != nil {
		t.Fatal(err)
	}
	f := doc.Find("chinchilla", 2)
	want := f.Params["k"] * math.Pow(1e22, *f.A)
	out, errs, code := runCLI(t, "", "optimal", "--fit", path, "--approach", "2", "--compute", "1e22", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var pd report.PlanDocument
	if err := json.Unmarshal([]byte(out), &pd); err != nil {
		t.Fatal(err)
	}
	if got := pd.Rows[0].Params; math.Abs(got-want) > 1e-9*want {
		t.Errorf("N_opt %g, want k C^a = %g", got, want)
	}
	for _, args := range [][]string{
		{"optimal", "--fit", path, "--approach", "2", "--target-loss", "2.5"},
		{"optimal", "--law", "chinchilla2022", "--approach", "2", "--compute", "1e21"},
		{"optimal", "--fit", path, "--approach", "4", "--compute", "1e21"},
	} {
		if _, errs, code := runCLI(t, "", args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, want 2 with a message", args, code)
		}
	}
}

// A range's budgets are START·FACTOR^k and end at STOP when a step lands within 0.5%.
func TestParseComputeRangesSnapToStop(t *testing.T) {
	got, err := app.ParseCompute("1e21:1e25:x3.16")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 || got[8] != 1e25 || math.Abs(got[2]/1e22-1) > 1e-12 {
		t.Errorf("x3.16 budgets %v", got)
	}
	if got, _ := app.ParseCompute("1e21:5e23:x10"); len(got) != 3 || got[2] != 1e23 {
		t.Errorf("a STOP off the grid is not reached: %v", got)
	}
	if _, err := app.ParseCompute("1e18:1e30:x1.001"); err == nil || !strings.Contains(err.Error(), "more than 1000") {
		t.Errorf("too many budgets: %v", err)
	}
}
