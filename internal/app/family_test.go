package app

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
)

// toyFamily is a law family the app has never heard of: L = E + A/W with W a per-run
// "widgets" column. Its fit is closed-form least squares of L on 1/W, and its "draws" are
// two fixed perturbations, so the test can check every field the generic path fills.
type toyFamily struct{}

type toyLaw struct{ e, a float64 }

func (l toyLaw) Params() map[string]float64 { return map[string]float64{"E": l.e, "A": l.a} }
func (l toyLaw) Predict(x map[string]float64) (float64, error) {
	return l.e + l.a/x["widgets"], nil
}

func (toyFamily) Info() family.Info {
	return family.Info{Name: "toy", Title: "Toy law", Form: "L = E + A/W",
		Params:  []family.Param{{Name: "E"}, {Name: "A"}},
		Columns: []family.Column{{Name: "widgets", Aliases: []string{"w", "n_widgets"}, ColFlag: "widgets-col", ValueFlag: "widgets", Doc: "widgets per run"}},
		Options: []family.Option{{Flag: "recipe", Default: "plain"}}}
}

func (toyFamily) Law(p map[string]float64) (family.Law, error) { return toyLaw{p["E"], p["A"]}, nil }

func (toyFamily) Fit(_ context.Context, in family.Input) ([]family.Result, error) {
	w := in.Cols["widgets"]
	var sx, sy, sxx, sxy float64
	for i, r := range in.Runs {
		x := 1 / w[i]
		sx, sy, sxx, sxy = sx+x, sy+r.Loss, sxx+x*x, sxy+x*r.Loss
	}
	n := float64(len(in.Runs))
	a := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	e := (sy - a*sx) / n
	res := family.Result{Family: "toy", Variant: in.Options["recipe"], Law: toyLaw{e, a}, Params: map[string]float64{"E": e, "A": a},
		Converged: true, Runs: len(in.Runs), Starts: 1, AtBest: 1}
	if in.Bootstrap > 0 {
		res.Draws = map[string][]float64{"E": {e * 0.9, e * 1.1}, "A": {a * 0.9, a * 1.1}}
		res.Intervals = map[string]family.Interval{"E": {e * 0.9, e * 1.1}, "A": {a * 0.9, math.Inf(1)}}
	}
	return []family.Result{res}, nil
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFitFamilyGenericPath(t *testing.T) {
	// Two groups, each exactly L = E + A/W: a = 2 and 4, e = 1.5 and 2.
	p := writeFile(t, "toy.csv", "arch,params,tokens,loss,N_Widgets\n"+
		"x,1e6,1e9,1.7,10\nx,1e6,1e9,1.6,20\nx,1e6,1e9,1.55,40\n"+
		"y,1e6,1e9,2.4,10\ny,1e6,1e9,2.2,20\ny,1e6,1e9,2.1,40\n")
	res, err := fitFamily(context.Background(), toyFamily{}, FamilyRequest{Family: "toy",
		Inputs:  Inputs{Paths: []string{p}, Options: runs.Options{GroupCol: "arch"}},
		Options: map[string]string{"recipe": "fancy"}, Bootstrap: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fits) != 2 || res.Fits[0].Group != "x" || res.Fits[1].Group != "y" {
		t.Fatalf("fits %+v: want one per group", res.Fits)
	}
	for i, want := range [][2]float64{{1.5, 2}, {2, 4}} {
		if p := res.Fits[i].Params; math.Abs(p["E"]-want[0]) > 1e-9 || math.Abs(p["A"]-want[1]) > 1e-9 {
			t.Errorf("group %d params %v, want E %g A %g", i, p, want[0], want[1])
		}
	}
	b, err := json.Marshal(res.Contract())
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"law":"toy"`, `"group":"y"`, `"draws":{"E":[`, `"A":[`, `null]`, `"form":"fancy: L = E + A/W"`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("contract lacks %s: %s", frag, b)
		}
	}
	if !strings.Contains(strings.Join(res.prepare, ";"), "widgets: column N_Widgets") {
		t.Errorf("notes %q: want the column used", res.prepare)
	}

	// One value for every run instead of a column.
	q := writeFile(t, "plain.csv", "params,tokens,loss\n1e6,1e9,2\n1e6,1e9,2\n")
	if res, err := fitFamily(context.Background(), toyFamily{}, FamilyRequest{Inputs: Inputs{Paths: []string{q}}, Values: map[string]float64{"widgets": 8}}); err != nil || res.Fits[0].Runs != 2 {
		t.Errorf("value flag: %v", err)
	}
	for _, tt := range []struct {
		name string
		req  FamilyRequest
		want string
	}{
		{"missing column", FamilyRequest{Inputs: Inputs{Paths: []string{q}}}, "no widgets column for the toy family: want a header named widgets/w/n_widgets or --widgets-col NAME or one value with --widgets"},
		{"named column absent", FamilyRequest{Inputs: Inputs{Paths: []string{q}}, Columns: map[string]string{"widgets": "gadgets"}}, `--widgets-col "gadgets": no such column`},
		{"bad cell", FamilyRequest{Inputs: Inputs{Paths: []string{writeFile(t, "bad.csv", "params,tokens,loss,w\n1e6,1e9,2,8\n1e6,1e9,2,lots\n")}}}, `bad.csv:3: w "lots": want a number`},
		{"unknown option", FamilyRequest{Inputs: Inputs{Paths: []string{q}}, Options: map[string]string{"tie": "1"}}, "--tie does not apply to the toy family"},
	} {
		_, err := fitFamily(context.Background(), toyFamily{}, tt.req)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
