package main

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// report writes report.html (every figure report.md links, inline as SVG; well-formed; no
// fetches, no links to local files) and summary.md (no images, under 1 MiB, the same
// sections), and a headless browser renders the page when one is installed.
func TestReportHTMLAndSummary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, errOut, code := runCLI(t, "", "report", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "-o", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	page := readFile(t, filepath.Join(dir, "report.html"))
	summary := readFile(t, filepath.Join(dir, "summary.md"))

	figures := regexp.MustCompile(`!\[([^\]]*)\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if len(figures) < 4 {
		t.Fatalf("report.md links %d figures, want >= 4", len(figures))
	}
	if n := strings.Count(page, "<svg"); n != len(figures) {
		t.Errorf("report.html inlines %d SVG figures, report.md links %d", n, len(figures))
	}
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.Entity = true, xml.HTMLEntity
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("report.html is not well-formed XML: %v", err)
		}
	}
	for _, m := range regexp.MustCompile(`(?:src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		u := m[1]
		if !strings.HasPrefix(u, "#") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://www.w3.org/") {
			t.Errorf("report.html refers to %q: not self-contained", u)
		}
	}
	for _, h := range regexp.MustCompile(`(?m)^#{2,3} (.+)$`).FindAllStringSubmatch(md, -1) {
		if !strings.Contains(page, ">"+h[1]+"</h") && !strings.Contains(page, ">"+strings.ReplaceAll(h[1], "&", "&amp;")+"</h") {
			t.Errorf("report.html lacks the section %q", h[1])
		}
	}

	if len(summary) >= 1<<20 || strings.Contains(summary, "![") || strings.Contains(summary, ".png") {
		t.Errorf("summary.md (%d bytes) must be under 1 MiB with no images", len(summary))
	}
	for _, want := range []string{"converged", "Approaches side by side", "## Warnings"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}

	// Render it as a reader would, where a headless browser exists.
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Log("no chromium: report.html not rendered")
		return
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=412,2000", "--screenshot="+shot, "file://"+filepath.Join(dir, "report.html"))
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("chromium rendered no page: %v", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
