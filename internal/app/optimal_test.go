package app

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/report"
)

func TestOptimalValidate(t *testing.T) {
	law := LawSpec{Law: "chinchilla2022"}
	one := []float64{1e21}
	neg := -1.0
	zero := 0.0
	for _, tt := range []struct {
		name string
		r    OptimalRequest
		want string // "" = valid
	}{
		{"compute", OptimalRequest{Law: law, Compute: one, GPU: GPURequest{MFU: 0.4}}, ""},
		{"nothing", OptimalRequest{Law: law, GPU: GPURequest{MFU: 0.4}}, "nothing to plan"},
		{"compute and target", OptimalRequest{Law: law, Compute: one, TargetLoss: []float64{2}, GPU: GPURequest{MFU: 0.4}}, "both given"},
		{"unique without compute", OptimalRequest{Law: law, Params: one, MaxUniqueTokens: 1e9, GPU: GPURequest{MFU: 0.4}}, "needs --compute"},
		{"rd without unique", OptimalRequest{Law: law, Compute: one, RDStar: &zero, GPU: GPURequest{MFU: 0.4}}, "need --max-unique-tokens"},
		{"negative rd", OptimalRequest{Law: law, Compute: one, MaxUniqueTokens: 1e9, RDStar: &neg, GPU: GPURequest{MFU: 0.4}}, "non-negative"},
		{"inference with params", OptimalRequest{Law: law, Params: one, InferenceTokens: &zero, GPU: GPURequest{MFU: 0.4}}, "not --params"},
		{"mfu", OptimalRequest{Law: law, Compute: one, GPU: GPURequest{Name: "h100-bf16", MFU: 1.5}}, "(0, 1]"},
		{"mfu alone", OptimalRequest{Law: law, Compute: one, GPU: GPURequest{MFU: 0.5, MFUGiven: true}}, "needs --gpu"},
		{"gpu twice", OptimalRequest{Law: law, Compute: one, GPU: GPURequest{Name: "h100-bf16", PeakFLOPs: "1e15", MFU: 0.4}}, "both given"},
		{"family flag on a chinchilla law", OptimalRequest{Law: law, Compute: one, Family: map[string][]float64{"embed_dim": {4096}}, GPU: GPURequest{MFU: 0.4}}, "law family"},
		{"no law", OptimalRequest{Compute: one, GPU: GPURequest{MFU: 0.4}}, "no law given"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !IsUsage(err) {
				t.Errorf("err %v, want a usage error with %q", err, tt.want)
			}
		})
	}
}

// Hoffmann et al. 2022's Approach-3 law as printed (E 1.69, A 406.4, B 410.7, alpha 0.34,
// beta 0.28; chinchilla2022-tex) puts the compute-optimal model at 5.76e23 FLOPs at 40.4B
// parameters (Pearce & Song 2024 quote the same figure).
func TestOptimalCompute(t *testing.T) {
	res, err := Optimal(context.Background(), OptimalRequest{Law: LawSpec{Law: "chinchilla2022-tex"}, Compute: []float64{5.76e23}, GPU: GPURequest{MFU: 0.4}})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Contract().(*report.PlanDocument)
	if d.Mode != report.PlanCompute || len(d.Rows) != 1 {
		t.Fatalf("%+v", d)
	}
	if n := d.Rows[0].Params; math.Abs(n/40.4e9-1) > 0.01 {
		t.Errorf("N_opt %.4g at 5.76e23, want 40.4B", n)
	}
	if got := 6 * d.Rows[0].Params * d.Rows[0].Tokens; math.Abs(got/5.76e23-1) > 1e-9 {
		t.Errorf("6ND = %g, want the budget", got)
	}
}

// toyOptimizer answers a family question in closed form: the size x that minimises
// a/x + x/b is sqrt(a b).
type toyOptimizer struct{ a float64 }

func (toyOptimizer) Keys() []family.Column {
	return []family.Column{{Name: "b", ValueFlag: "toy-b"}, {Name: "flops", ValueFlag: "compute"}, {Name: "extra", ValueFlag: "toy-extra", Optional: true}}
}

func (o toyOptimizer) Optimal(q family.Query) (family.Row, error) {
	if q["b"] <= 0 {
		return nil, errors.New("b: want a positive number")
	}
	return family.Row{"b": q["b"], "flops": q["flops"], "x_opt": math.Sqrt(o.a * q["b"])}, nil
}

func TestFamilyOptimal(t *testing.T) {
	src := &optimizerSource{info: family.Info{Name: "toy"}, law: LawInfoFamily{Name: "toy-fit.json", Source: "fit", Family: "toy"},
		fits: []groupOptimizer{{group: "g1", opt: toyOptimizer{a: 4}}, {group: "g2", opt: toyOptimizer{a: 9}}}}
	ctx := context.Background()
	// Lists pair element by element; a single value is broadcast.
	res, err := familyOptimal(ctx, OptimalRequest{Law: LawSpec{Fit: "toy-fit.json"}, Compute: []float64{1e20, 1e21},
		Family: map[string][]float64{"b": {1}}}, src)
	if err != nil {
		t.Fatal(err)
	}
	rows := res.Doc.Rows
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 2 groups x 2 budgets", len(rows))
	}
	for i, want := range []float64{2, 2, 3, 3} {
		if got := rows[i]["x_opt"].(float64); math.Abs(got-want) > 1e-12 {
			t.Errorf("row %d: x_opt %g, want %g", i, got, want)
		}
	}
	if rows[1]["flops"].(float64) != 1e21 || rows[2]["group"] != "g2" {
		t.Errorf("rows %v", rows)
	}
	var b strings.Builder
	if err := Write(&b, format.Text, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "x_opt") || !strings.Contains(b.String(), "g2") {
		t.Errorf("table lacks the answer column or the group:\n%s", b.String())
	}
	for _, tt := range []struct {
		name string
		r    OptimalRequest
		want string
	}{
		{"missing key", OptimalRequest{Compute: []float64{1e20}}, "needs --toy-b"},
		{"chinchilla flag", OptimalRequest{Compute: []float64{1e20}, Params: []float64{1e9}, Family: map[string][]float64{"b": {1}}}, "--params does not apply"},
		{"other family's flag", OptimalRequest{Compute: []float64{1e20}, Family: map[string][]float64{"b": {1}, "embed_dim": {1}}}, "does not apply"},
		{"unequal lists", OptimalRequest{Compute: []float64{1e20, 1e21}, Family: map[string][]float64{"b": {1, 2, 3}}}, "equal lengths"},
	} {
		tt.r.Law = LawSpec{Fit: "toy-fit.json"}
		if _, err := familyOptimal(ctx, tt.r, src); err == nil || !strings.Contains(err.Error(), tt.want) || !IsUsage(err) {
			t.Errorf("%s: err %v, want a usage error with %q", tt.name, err, tt.want)
		}
	}
	// The family's own errors reach the user.
	if _, err := familyOptimal(ctx, OptimalRequest{Law: LawSpec{Fit: "toy-fit.json"}, Compute: []float64{1e20}, Family: map[string][]float64{"b": {-1}}}, src); err == nil || !strings.Contains(err.Error(), "b: want") {
		t.Errorf("err %v", err)
	}
}
