package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/warn"
)

// TestInputLayoutsCLI: the catalogue of the new input layouts, through the CLI: each good
// layout fits like the tidy CSV; each bad input exits 2 naming the file and line, or warns
// with its code (README: "Other layouts").
func TestInputLayoutsCLI(t *testing.T) {
	dir := t.TempDir()
	put := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Loss curves of 4 sizes x 2 token multiples from catLaw, points at 1/4, 1/2 and all
	// of each run's tokens.
	type pt struct {
		run     string
		n, d, l float64
	}
	var pts []pt
	for _, n := range []float64{1e8, 2e8, 4e8, 1e9} {
		for _, m := range []float64{10, 40} {
			run := fmt.Sprintf("%gM-%gx", n/1e6, m)
			for _, f := range []float64{0.25, 0.5, 1} {
				d := m * n * f
				pts = append(pts, pt{run, n, d, catLaw.Loss(n, d)})
			}
		}
	}
	var tidy, jl, meta strings.Builder
	tidy.WriteString("run,params,tokens,loss\n")
	meta.WriteString("run,params\n")
	per := map[string]*strings.Builder{}
	for _, p := range pts {
		fmt.Fprintf(&tidy, "%s,%g,%g,%.9f\n", p.run, p.n, p.d, p.l)
		fmt.Fprintf(&jl, `{"run": %q, "params": %g, "tokens": %g, "eval": {"c4": {"loss": %.9f}}}`+"\n", p.run, p.n, p.d, p.l)
		if per[p.run] == nil {
			per[p.run] = &strings.Builder{}
			per[p.run].WriteString("step,tokens,loss\n")
			fmt.Fprintf(&meta, "%s,%g\n", p.run, p.n)
		}
		fmt.Fprintf(per[p.run], "%g,%g,%.9f\n", p.d/1e6, p.d, p.l)
	}
	for run, b := range per {
		put(filepath.Join("runs", run+".csv"), b.String())
	}
	tidyP := put("tidy.csv", tidy.String())
	jsonlP := put("curves.jsonl", jl.String())
	metaP := put("meta.csv", meta.String())
	put("meta_extra.csv", meta.String()+"ghost-run,5e9\n")
	put("meta_short.csv", strings.Join(strings.SplitAfter(meta.String(), "\n")[:4], ""))

	alphaOf := func(args ...string) (float64, []string, string, int) {
		// Budgets inside the runs' compute range: the warnings checked are about the input.
		stdout, stderr, code := runCLI(t, "", append(append([]string{"fit"}, args...), "--approach", "3", "--compute", "1e20", "--format", "json")...)
		var doc struct {
			Warnings warn.List `json:"warnings"`
			Fits     []struct {
				Params map[string]float64 `json:"params"`
			} `json:"fits"`
		}
		if code != 0 {
			return 0, nil, stderr, code
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Fits) == 0 {
			t.Fatalf("%v: %v\n%s", args, err, stdout)
		}
		return doc.Fits[0].Params["alpha"], warn.Strings(doc.Warnings), stderr, code
	}
	want, _, stderr, code := alphaOf(tidyP)
	if code != 0 {
		t.Fatalf("tidy: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{jsonlP, "--loss-col", "eval/c4/loss"},
		{filepath.Join(dir, "runs"), "--meta", metaP},
		{filepath.Join(dir, "runs", "*.csv"), "--meta", metaP},
		{filepath.Join(dir, "runs"), "--run-pattern", `^(?P<params>[0-9.]+M)-`},
	} {
		got, ws, stderr, code := alphaOf(args...)
		// The same points in another order: the fit agrees to rounding.
		if code != 0 || math.Abs(got-want) > 1e-9*want || len(ws) != 0 {
			t.Errorf("%v: exit %d alpha %.12g warnings %v, want alpha %.12g as the tidy CSV (%s)", args, code, got, ws, want, stderr)
		}
	}
	for _, tt := range []struct {
		name    string
		args    []string
		stderr  string // regexp; exit 2
		warning string // regexp of a JSON warning; exit 0
	}{
		{"empty JSON line", []string{put("gap.jsonl", strings.Replace(jl.String(), "\n", "\n\n", 1)), "--loss-col", "eval/c4/loss"},
			`gap\.jsonl:2: empty line: want one JSON object per line`, ""},
		{"empty JSON line skipped", []string{filepath.Join(dir, "gap.jsonl"), "--loss-col", "eval/c4/loss", "--skip-invalid"},
			"", `^skipped-rows: 1 invalid row\(s\) skipped \(--skip-invalid\): .*gap\.jsonl:2: empty line`},
		{"JSON object for a number", []string{jsonlP, "--loss-col", "eval/c4"},
			`curves\.jsonl: no column "eval/c4" for loss: .*"eval/c4" is a JSON object, not a number: name one of its fields, eval/c4/loss`, ""},
		{"W&B column without ' - '", []string{put("w.csv", "Step,a - loss,b - loss,lr\n1,3,3,1\n")},
			`w\.csv:1:4: column "lr": a W&B wide export`, ""},
		{"glob matching nothing", []string{filepath.Join(dir, "nope", "*.csv")}, `nope/\*\.csv: the glob matches no file`, ""},
		{"metadata row for an unknown run", []string{filepath.Join(dir, "runs"), "--meta", filepath.Join(dir, "meta_extra.csv")},
			"", `^meta-unknown-run: .*meta_extra\.csv: 1 metadata row\(s\) name runs that are not in the data: "ghost-run" \(line 10\)`},
		{"run without metadata", []string{filepath.Join(dir, "runs"), "--meta", filepath.Join(dir, "meta_short.csv")},
			`runs/[^:]+\.csv:2: run "[^"]+" has no row in --meta .*meta_short\.csv`, ""},
		{"Total row", []string{put("total.csv", tidy.String()+"Total,,,\n")}, `total\.csv:26:2: params empty: want a number \(--skip-invalid skips such rows`, ""},
		{"Total row skipped", []string{filepath.Join(dir, "total.csv"), "--skip-invalid"}, "", `^skipped-rows: 1 invalid row\(s\) skipped .*total\.csv:26:2`},
		{"column typo", []string{tidyP, "--loss-col", "los"}, `no column "los" for loss: the header has run, params, tokens, loss \(did you mean loss\?\)`, ""},
	} {
		_, ws, stderr, code := alphaOf(tt.args...)
		if tt.stderr != "" {
			if code != 2 || !regexp.MustCompile(tt.stderr).MatchString(stderr) {
				t.Errorf("%s: exit %d stderr %q, want 2 and %s", tt.name, code, stderr, tt.stderr)
			}
			continue
		}
		ok := false
		for _, w := range ws {
			ok = ok || regexp.MustCompile(tt.warning).MatchString(w)
		}
		if code != 0 || !ok {
			t.Errorf("%s: exit %d warnings %q stderr %q, want a warning %s", tt.name, code, ws, stderr, tt.warning)
		}
	}
}

// TestInputNotesInTheSummary: header units and decimal commas are said in the runs summary
// (table) and in "input_notes" (JSON).
func TestInputNotesInTheSummary(t *testing.T) {
	dir := t.TempDir()
	var units, excel strings.Builder
	units.WriteString("Params (M),tokens [B],loss\n")
	excel.WriteString("params;tokens;loss\n")
	for _, r := range gridRuns([]float64{1e8, 2e8, 4e8, 1e9}, []float64{2e9, 4e9, 8e9, 2e10}, 0) {
		fmt.Fprintf(&units, "%g,%g,%.6f\n", r[0]/1e6, r[1]/1e9, r[2])
		fmt.Fprintf(&excel, "%s;%s;%s\n", strings.Replace(fmt.Sprintf("%.3E", r[0]), ".", ",", 1), strings.Replace(fmt.Sprintf("%.3E", r[1]), ".", ",", 1), strings.Replace(fmt.Sprintf("%.6f", r[2]), ".", ",", 1))
	}
	for _, tt := range []struct{ name, text, note string }{
		{"units.csv", units.String(), `params read from "Params (M)": unit M, values multiplied by 1e+06`},
		{"excel.csv", excel.String(), `decimal commas read as decimal points (1,5 = 1.5)`},
	} {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte(tt.text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := runCLI(t, "", "fit", p, "--approach", "3")
		if code != 0 || !strings.Contains(out, tt.note) {
			t.Errorf("%s: exit %d, summary lacks %q:\n%s%s", tt.name, code, tt.note, out, stderr)
		}
		out, _, code = runCLI(t, "", "fit", p, "--approach", "3", "--format", "json")
		var doc struct {
			Notes []string `json:"input_notes"`
			Fits  []struct {
				Params map[string]float64 `json:"params"`
			} `json:"fits"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Notes) == 0 || !strings.Contains(strings.Join(doc.Notes, "\n"), tt.note) {
			t.Errorf("%s: JSON input_notes %q (exit %d, %v)", tt.name, doc.Notes, code, err)
		}
		if a := doc.Fits[0].Params["alpha"]; math.Abs(a-catLaw.Alpha) > 1e-3 {
			t.Errorf("%s: alpha %g, want %g (the numbers read right)", tt.name, a, catLaw.Alpha)
		}
	}
}
