package runs

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// readCSV reads a testdata CSV as header-keyed rows.
func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// olmoRows are the first-run points of testdata/olmo_curves.csv (rerun 0), the curves the
// derived layouts below are built from.
func olmoRows(t testing.TB) []map[string]string {
	var out []map[string]string
	for _, r := range readCSV(t, "olmo_curves.csv") {
		if r["rerun"] == "0" {
			out = append(out, r)
		}
	}
	return out
}

func write(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type point struct {
	id             string
	n, d, c, l     float64
	line           int
	file           string
	schedule, step string
}

// points lists a set's runs sorted by (id, tokens), for comparing layouts that order rows
// differently.
func points(s *Set) []point {
	var ps []point
	for i := range s.Runs {
		r := &s.Runs[i]
		ps = append(ps, point{id: r.ID, n: r.Params, d: r.Tokens, c: r.FLOPs, l: r.Loss})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].id != ps[j].id {
			return ps[i].id < ps[j].id
		}
		return ps[i].d < ps[j].d
	})
	return ps
}

func samePoints(t *testing.T, what string, got, want *Set, rel float64) {
	t.Helper()
	g, w := points(got), points(want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d runs, want %d", what, len(g), len(w))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= rel*math.Abs(b) }
	for i := range g {
		if g[i].id != w[i].id || !near(g[i].n, w[i].n) || !near(g[i].d, w[i].d) || !near(g[i].l, w[i].l) || !near(g[i].c, w[i].c) {
			t.Fatalf("%s: run %d = %+v, want %+v", what, i, g[i], w[i])
		}
	}
}

// tidyOLMo writes the tidy reference: run, params, tokens, loss.
func tidyOLMo(t *testing.T, dir string, rows []map[string]string) *Set {
	var b strings.Builder
	b.WriteString("run,params,tokens,loss\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s\n", r["run"], r["params"], r["tokens"], r["loss_c4_en"])
	}
	p := write(t, filepath.Join(dir, "tidy.csv"), b.String())
	s, err := LoadFiles([]string{p}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) < 2900 {
		t.Fatalf("tidy reference: %d runs", len(s.Runs))
	}
	return s
}

func TestLayoutsReadLikeTheTidyCSV(t *testing.T) {
	dir := t.TempDir()
	rows := olmoRows(t)
	ref := tidyOLMo(t, dir, rows)

	// JSON Lines with the loss nested two levels down, and the same objects as a JSON array.
	var jl, ja strings.Builder
	ja.WriteString("[\n")
	for i, r := range rows {
		o := fmt.Sprintf(`{"run": %q, "params": %s, "tokens": %s, "eval": {"c4_en": {"loss": %s}, "note": null}, "ok": true}`,
			r["run"], r["params"], r["tokens"], r["loss_c4_en"])
		jl.WriteString(o + "\n")
		if i > 0 {
			ja.WriteString(",\n")
		}
		ja.WriteString("  " + o)
	}
	ja.WriteString("\n]\n")
	jsonl := write(t, filepath.Join(dir, "curves.jsonl"), jl.String())
	jarr := write(t, filepath.Join(dir, "curves.json"), ja.String())

	// One CSV per run (no run or params column), and the metadata table.
	runsDir := filepath.Join(dir, "runs")
	var meta strings.Builder
	meta.WriteString("run,params,schedule\n")
	per := map[string]*strings.Builder{}
	var order []string
	for _, r := range rows {
		b, ok := per[r["run"]]
		if !ok {
			b = &strings.Builder{}
			b.WriteString("step,tokens,loss\n")
			per[r["run"]] = b
			order = append(order, r["run"])
			fmt.Fprintf(&meta, "%s,%s,cosine\n", r["run"], r["params"])
		}
		fmt.Fprintf(b, "%s,%s,%s\n", r["step"], r["tokens"], r["loss_c4_en"])
	}
	var files []string // as a shell expands runs/*.csv, in reverse to show order does not matter
	for i := len(order) - 1; i >= 0; i-- {
		files = append(files, write(t, filepath.Join(runsDir, order[i]+".csv"), per[order[i]].String()))
	}
	metaPath := write(t, filepath.Join(dir, "meta.csv"), meta.String())

	// A wide W&B export: tokens, then "<run> - loss" with __MIN/__MAX companions and blanks.
	var xs []float64
	val := map[string]string{}
	seenX := map[float64]bool{}
	for _, r := range rows {
		x, _ := strconv.ParseFloat(r["tokens"], 64)
		if !seenX[x] {
			seenX[x] = true
			xs = append(xs, x)
		}
		val[r["run"]+"@"+r["tokens"]] = r["loss_c4_en"]
	}
	sort.Float64s(xs)
	var w strings.Builder
	w.WriteString("tokens")
	for _, run := range order {
		fmt.Fprintf(&w, ",%s - loss,%s - loss__MIN,%s - loss__MAX", run, run, run)
	}
	w.WriteString("\n")
	for _, x := range xs {
		xt := strconv.FormatFloat(x, 'f', -1, 64)
		w.WriteString(xt)
		for _, run := range order {
			v := val[run+"@"+xt]
			fmt.Fprintf(&w, ",%s,%s,%s", v, v, v)
		}
		w.WriteString("\n")
	}
	wandb := write(t, filepath.Join(dir, "wandb.csv"), w.String())

	tests := []struct {
		name   string
		paths  []string
		opts   Options
		format string
	}{
		{"JSON Lines", []string{jsonl}, Options{LossCol: "eval/c4_en/loss"}, FormatJSONL},
		{"JSON array", []string{jarr}, Options{LossCol: "eval/c4_en/loss"}, FormatJSON},
		{"folder + --meta", []string{runsDir}, Options{Meta: metaPath}, FormatCSV},
		{"glob + --meta", []string{filepath.Join(runsDir, "*.csv")}, Options{Meta: metaPath}, FormatCSV},
		{"files + --meta", files, Options{Meta: metaPath}, FormatCSV},
		{"W&B wide + --meta", []string{wandb}, Options{Meta: metaPath}, FormatWandB},
		{"W&B forced", []string{wandb}, Options{Meta: metaPath, Format: FormatWandB}, FormatWandB},
		{"run pattern", []string{runsDir}, Options{RunPattern: `^(?P<size>[0-9]+[MB])-`, ParamsCol: "size", Where: "params>=1e9"}, FormatCSV},
	}
	for _, tt := range tests {
		s, err := LoadFiles(tt.paths, nil, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Format != tt.format {
			t.Errorf("%s: format %q, want %q", tt.name, s.Format, tt.format)
		}
		if len(s.Warnings) > 0 {
			t.Errorf("%s: warnings %v", tt.name, s.Warnings)
		}
		if tt.name == "run pattern" {
			// params from the run name (1B, 3B, ...): the sizes as named, not as counted.
			for _, r := range s.Runs {
				if want := map[string]float64{"1B": 1e9, "3B": 3e9}[strings.SplitN(r.ID, "-", 2)[0]]; r.Params != want {
					t.Fatalf("run pattern: %s params %g, want %g", r.ID, r.Params, want)
				}
			}
			if len(s.Runs) == 0 || !s.IsCurves() {
				t.Fatalf("run pattern: %d runs", len(s.Runs))
			}
			continue
		}
		samePoints(t, tt.name, s, ref, 0)
		if tt.opts.Meta != "" {
			if v, ok := s.Runs[0].Field("schedule"); !ok || v != "cosine" {
				t.Errorf("%s: schedule from --meta = %q %v", tt.name, v, ok)
			}
		}
	}
	// The folder's rows keep their file and line; step is a column of every file.
	s, err := LoadFiles([]string{runsDir}, nil, Options{Meta: metaPath})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Runs[0]
	if r.File() != filepath.Join(runsDir, order[0]+".csv") || r.Line != 2 || r.ID != order[0] {
		t.Errorf("first run from %s:%d id %q", r.File(), r.Line, r.ID)
	}
	if v, _ := r.Field("step"); v != rows[0]["step"] {
		t.Errorf("step %q, want %q", v, rows[0]["step"])
	}
	if len(s.Files) != len(order) || !strings.Contains(s.Source, fmt.Sprintf("(%d files)", len(order))) {
		t.Errorf("files %d source %q", len(s.Files), s.Source)
	}
}

func TestGadreDecimalCommasAndUnits(t *testing.T) {
	dir := t.TempDir()
	rows := readCSV(t, "gadre.csv")
	var tidy, excel, units strings.Builder
	tidy.WriteString("params,tokens,loss\n")
	excel.WriteString("params;tokens;loss\n")
	units.WriteString("Params (M),Tokens [B],loss (bits)\n")
	for _, r := range rows {
		n, _ := strconv.ParseFloat(r["params"], 64)
		d, _ := strconv.ParseFloat(r["tokens"], 64)
		l, _ := strconv.ParseFloat(r["loss_c4_val"], 64)
		fmt.Fprintf(&tidy, "%s,%s,%s\n", r["params"], r["tokens"], r["loss_c4_val"])
		comma := func(s string) string { return strings.Replace(s, ".", ",", 1) }
		fmt.Fprintf(&excel, "%s;%s;%s\n", comma(fmt.Sprintf("%.12E", n)), comma(fmt.Sprintf("%.12E", d)), comma(r["loss_c4_val"]))
		fmt.Fprintf(&units, "%s,%s,%s\n", strconv.FormatFloat(n/1e6, 'g', -1, 64), strconv.FormatFloat(d/1e9, 'g', -1, 64), strconv.FormatFloat(l/math.Ln2, 'g', -1, 64))
	}
	load := func(name, text string) *Set {
		s, err := LoadFiles([]string{write(t, filepath.Join(dir, name), text)}, nil, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	ref := load("tidy.csv", tidy.String())
	ex := load("excel.csv", excel.String())
	samePoints(t, "decimal commas", ex, ref, 0)
	if len(ex.Notes) != 1 || !strings.Contains(ex.Notes[0], "decimal commas") {
		t.Errorf("decimal commas: notes %q", ex.Notes)
	}
	un := load("units.csv", units.String())
	samePoints(t, "units", un, ref, 1e-14)
	if len(un.Notes) != 3 || !strings.Contains(un.Notes[0], `params read from "Params (M)": unit M, values multiplied by 1e+06`) ||
		!strings.Contains(un.Notes[2], "bits") {
		t.Errorf("units: notes %q", un.Notes)
	}
	if len(un.Warnings) != 0 || len(ref.Notes) != 0 {
		t.Errorf("units: warnings %v, tidy notes %v", un.Warnings, ref.Notes)
	}
}
