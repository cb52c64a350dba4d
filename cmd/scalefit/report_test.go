package main

import (
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/report"
)

// report.md on the Chinchilla runs, pinned without its timing line; every figure it links
// exists and decodes as a PNG at least 1000 px wide; fit.json is readable.
func TestReportChinchilla(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "report.md") {
		t.Errorf("stdout lists the files written: %q", out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(([^)]+\.png)\)`).FindAllStringSubmatch(string(md), -1)
	if len(links) < 5 {
		t.Fatalf("report links %d figures, want >= 5", len(links))
	}
	for _, l := range links {
		f, err := os.Open(filepath.Join(dir, l[1]))
		if err != nil {
			t.Fatalf("link %s: %v", l[1], err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width < 1000 {
			t.Errorf("%s: %v, width %d", l[1], err, cfg.Width)
		}
	}
	if _, err := report.ReadDocument(filepath.Join(dir, "fit.json")); err != nil {
		t.Error(err)
	}
	var kept []string
	for _, line := range strings.Split(string(md), "\n") {
		if !strings.HasPrefix(line, "Generated ") {
			kept = append(kept, line)
		}
	}
	got := strings.ReplaceAll(strings.Join(kept, "\n"), repoFile("testdata"), "testdata")
	golden(t, "report_chinchilla.md.golden", got, errOut)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"report", repoFile("testdata", "chinchilla.csv")},
		{"report", repoFile("testdata", "chinchilla.csv"), "-o", dir, "--image-format", "gif"},
		{"report", filepath.Join(dir, "missing.csv"), "-o", dir},
	} {
		if _, errOut, code := runCLI(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left %d files", len(entries))
	}
}
