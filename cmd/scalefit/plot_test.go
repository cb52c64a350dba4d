package main

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// pngSize decodes a PNG's header.
func pngSize(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" {
		t.Fatalf("%s: not a PNG: %v", path, err)
	}
	return cfg.Width, cfg.Height
}

const porianWhere = "experiment==optimizer_tuning_no_decay and dataset==rw"

// The OLMo ladder's loss curves: every kind but isoflop (no compute budgets), with
// Approach 3 fitted to the final point of each run and Approach 1 on the curves.
func TestPlotAllOLMoCurves(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "figs")
	out, errs, code := runCLI(t, "", "plot", repoFile("testdata", "olmo_curves.csv"), "--run-col", "run", "--loss-col", "loss_c4_en",
		"--kind", "all", "-o", dir, "--holdout", "params>=1e9")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "skipped isoflop figure") {
		t.Errorf("stderr %q: want a warning that isoflop was skipped", errs)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	want := "contour.png curves.png frontier.png loss.png residuals.png"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("files %q, want %q", got, want)
	}
	if n := strings.Count(out, "\n"); n != 5 {
		t.Errorf("stdout lists %d files, want 5:\n%s", n, out)
	}
	for _, n := range names {
		w, h := pngSize(t, filepath.Join(dir, n))
		// Every figure 1766 px wide (two panels stack: 1613 px tall), never over 2,000.
		wantH := 960
		if n == "frontier.png" || n == "residuals.png" {
			wantH = 1613
		}
		if w != 1766 || h != wantH {
			t.Errorf("%s: %dx%d, want 1766x%d", n, w, h, wantH)
		}
	}
}

func TestPlotIsoFLOPFormats(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		file  string
		args  []string
		check func(b []byte) bool
	}{
		{"porian.png", []string{repoFile("testdata", "porian_isoflop.csv"), "--where", porianWhere}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG")) }},
		{"porian.svg", []string{repoFile("testdata", "porian_isoflop.csv"), "--where", porianWhere}, func(b []byte) bool {
			return (bytes.HasPrefix(b, []byte("<?xml")) || bytes.HasPrefix(b, []byte("<svg"))) && bytes.Contains(b, []byte(">1e17<")) // more than 8 budgets: labelled on the canvas
		}},
		{"chinchilla.pdf", []string{repoFile("testdata", "chinchilla.csv")}, func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) }},
	} {
		path := filepath.Join(dir, c.file)
		out, errs, code := runCLI(t, "", append([]string{"plot", "--kind", "isoflop", "-o", path}, c.args...)...)
		if code != 0 || strings.TrimSpace(out) != path {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", c.file, code, out, errs)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !c.check(b) {
			t.Errorf("%s: unexpected content starting %q", c.file, b[:min(len(b), 16)])
		}
	}
	if w, _ := pngSize(t, filepath.Join(dir, "porian.png")); w < 1000 {
		t.Errorf("porian.png is %d px wide, want >= 1000", w)
	}
}

// Too few runs to fit: --law draws a published law instead; without it the figure fails.
func TestPlotLawFallback(t *testing.T) {
	csv := "params,tokens,loss\n1e8,2e9,3.4\n4e8,8e9,3.0\n1e9,2e10,2.8\n"
	path := filepath.Join(t.TempDir(), "contour.png")
	_, errs, code := runCLI(t, csv, "plot", "-", "--kind", "contour", "-o", path)
	if code != 2 || !strings.Contains(errs, "no fitted law") {
		t.Errorf("without --law: exit %d, stderr %q; want 2 and the reason", code, errs)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a failed plot left a file behind")
	}
	_, errs, code = runCLI(t, csv, "plot", "-", "--kind", "contour", "-o", path, "--law", "chinchilla2022")
	if code != 0 {
		t.Fatalf("--law chinchilla2022: exit %d: %s", code, errs)
	}
	if w, _ := pngSize(t, path); w < 1000 {
		t.Errorf("%d px wide, want >= 1000", w)
	}
}

func TestPlotBadInput(t *testing.T) {
	dir := t.TempDir()
	chin := repoFile("testdata", "chinchilla.csv")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no kind", []string{chin, "-o", filepath.Join(dir, "x.png")}, "--kind is required"},
		{"no output", []string{chin, "--kind", "loss"}, "-o is required"},
		{"unknown kind", []string{chin, "--kind", "pie", "-o", filepath.Join(dir, "x.png")}, `unknown figure kind "pie"`},
		{"unknown extension", []string{chin, "--kind", "isoflop", "-o", filepath.Join(dir, "x.gif")}, `unknown figure format ".gif"`},
		{"curves without run column", []string{chin, "--kind", "curves", "-o", filepath.Join(dir, "x.png")}, "no run column"},
		{"allocation law", []string{chin, "--kind", "contour", "--law", "kaplan2020-allocation", "-o", filepath.Join(dir, "x.png")}, "no Chinchilla loss law"},
		{"bad holdout column", []string{chin, "--kind", "isoflop", "--holdout", "size>1", "-o", filepath.Join(dir, "x.png")}, "unknown column"},
		{"missing csv", []string{filepath.Join(dir, "nope.csv"), "--kind", "loss", "-o", filepath.Join(dir, "x.png")}, "nope.csv"},
	} {
		out, errs, code := runCLI(t, "", append([]string{"plot"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 with %q", c.name, code, errs, c.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed plots left %d files in %s", len(ents), dir)
	}
}

// --group colours (or, on IsoFLOP profiles, shapes) groups; the group names reach the legend.
func TestPlotGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iso.svg")
	_, errs, code := runCLI(t, "", "plot", repoFile("testdata", "gadre.csv"), "--group", "train_dataset", "--loss-col", "loss_c4_val",
		"--kind", "isoflop", "-o", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"group c4", "group redpajama", "group refinedweb", "rejected budgets"} {
		if !bytes.Contains(b, []byte(g)) {
			t.Errorf("legend lacks %q", g)
		}
	}
}
