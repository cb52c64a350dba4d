package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

func markdown(t *testing.T, blocks []doc.Block) string {
	t.Helper()
	var b strings.Builder
	if err := doc.Render(&b, format.Markdown, blocks); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A saved tasks document renders as report.md's section: heading, recipe, tables, figures
// under their own headings, and its warnings ("None." when it has none).
func TestTasksBlocks(t *testing.T) {
	d := &report.TasksDocument{Source: "data/ladder.csv", Recipe: report.TasksRecipe{Step1: "L = E + A/N^alpha + B/D^beta", Link: "sigmoid", Last: 5, Skip: 0.1, Smooth: 5, Bootstrap: 1000, Seed: 1, Level: 0.95},
		Tasks:    []report.TaskSection{{Task: "mmlu", Runs: 5}},
		Warnings: []warn.Warning{{Code: "within-noise", Msg: "13B: small change", Group: "mmlu"}}}
	md := markdown(t, TasksBlocks(d, format.Markdown, []FigureFile{{Figure: doc.Figure{Name: "chained", File: "figs/chained.png", Caption: "predicted against actual"}}}))
	for _, s := range []string{"## Downstream tasks: ladder.csv\n", "1000 bootstrap resamples", "### chained\n\n![chained](figs/chained.png)\n\npredicted against actual\n", "### Warnings\n\n- mmlu: within-noise: 13B: small change\n"} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q:\n%s", s, md)
		}
	}
	d.Warnings = nil
	if md := markdown(t, TasksBlocks(d, format.Markdown, nil)); !strings.HasSuffix(md, "### Warnings\n\nNone.\n") {
		t.Errorf("no warnings should say None.:\n%s", md)
	}
	if bs := TasksBlocks(d, format.Text, nil); len(bs) == 0 || func() bool { _, ok := bs[0].(*doc.Table); return !ok }() {
		t.Error("text output should be the tables alone")
	}
}

// The curve section of saved contracts: the fit's tables, the forecast's row, the law drawn
// over its runs' schedules (written into the report's directory, SVG kept), a law that did
// not converge named for --strict.
func TestCurveSection(t *testing.T) {
	p := curve.PublishedLaws[2].Params
	fit := report.NewCurveFit("", p, nil, []curve.Score{{Run: "cosine_72000", Points: 545, PredE: 0.00202, WorstE: 0.0091}})
	fit.Schedules = map[string]string{"cosine_72000": "cosine:warmup=2160,steps=72000,peak=3e-4,final=3e-5"}
	no := false
	fit.Converged = &no
	fc := &report.CurveForecast{Run: "r1", Step: 71999, Forecast: 2.91, Interval: [2]float64{2.89, 2.93}, ObservedStep: 35999, Fraction: 0.5, Verdict: "pass",
		Law: "mpl", Schedule: "cosine", Warnings: []warn.Warning{{Code: "no-prior", Msg: "m"}}}
	dir := t.TempDir()
	s, err := curveSection([]report.CurveFit{fit}, []*report.CurveForecast{fc}, nil, FigureDir{Dir: dir, Ext: "svg", SVG: true})
	if err != nil {
		t.Fatal(err)
	}
	md := markdown(t, s.Blocks)
	for _, want := range []string{"## Loss curves", "| mpl | L0 | 2.375 |", "| cosine_72000 | 545 | 0.00202 | 0.00910 |", "| r1 | 35999 (50.0%) | 71999 | 2.910 | [2.890, 2.930] |", "![curve-fit](curve-fit.svg)", "- r1: no-prior: m"} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q in\n%s", want, md)
		}
	}
	if len(s.figs) != 1 || len(s.figs[0].SVG) < 100 || s.figs[0].File != "curve-fit.svg" {
		t.Fatalf("figures %+v", s.figs)
	}
	if _, err := os.Stat(filepath.Join(dir, "curve-fit.svg")); err != nil {
		t.Error(err)
	}
	if len(s.notConverged) != 1 || len(s.Warnings) != 1 {
		t.Errorf("not converged %v, warnings %v", s.notConverged, s.Warnings)
	}
	if s, _ := curveSection(nil, nil, nil, FigureDir{}); s != nil {
		t.Error("a section without curves")
	}
}

// A new report replaces what the old one listed in its manifest and the figures every report
// writes, and keeps the user's files.
func TestReportOwns(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, reportManifest), []byte("report.md\ntask-mmlu.png\n../escape\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	owns := reportOwns(dir, []string{"versus.png"})
	for name, want := range map[string]bool{"task-mmlu.png": true, "versus.png": true, "contour.svg": true, "report.html": true,
		".report.md.tmp-123": true, "notes.txt": false, "chained.png": false, "../escape": false} {
		if owns(name) != want {
			t.Errorf("owns(%q) = %v, want %v", name, !want, want)
		}
	}
}
