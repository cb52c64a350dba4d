package warn

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/warnings.md from the catalogue")

// emitted finds the warning codes the source emits: Code constants, warn.New("code", ...)
// and Code: "code" literals in every non-test Go file of the repository.
func emitted(t *testing.T) map[string][]string {
	t.Helper()
	pats := []*regexp.Regexp{
		regexp.MustCompile(`\b[cC]ode[A-Za-z0-9]*\s*=\s*"([a-z0-9-]+)"`),
		regexp.MustCompile(`\bwarn\.New\("([a-z0-9-]+)"`),
		regexp.MustCompile(`\bCode:\s*"([a-z0-9-]+)"`),
	}
	out := map[string][]string{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, re := range pats {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				out[m[1]] = append(out[m[1]], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every code the source emits is in the catalogue, once, and every catalogued code is emitted.
func TestCatalogueCoversEveryCode(t *testing.T) {
	have := map[string]bool{}
	for _, e := range Catalogue() {
		if have[e.Code] {
			t.Errorf("%s is catalogued twice", e.Code)
		}
		have[e.Code] = true
		if e.Meaning == "" || e.Action == "" {
			t.Errorf("%s: want a meaning and what to do", e.Code)
		}
	}
	codes := emitted(t)
	var missing []string
	for c, files := range codes {
		if !have[c] {
			missing = append(missing, c+" ("+files[0]+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("codes emitted but not in the catalogue (internal/warn/catalogue.go): %s", strings.Join(missing, ", "))
	}
	for c := range have {
		if _, ok := codes[c]; !ok {
			t.Errorf("%s is catalogued but no source emits it (a constant, warn.New or Code: literal)", c)
		}
	}
}

// docs/warnings.md is the catalogue, rendered.
func TestWarningsPage(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Warnings, and what to do about them\n\n")
	b.WriteString("<!-- generated from internal/warn/catalogue.go by `go test ./internal/warn -update`; do not edit -->\n\n")
	b.WriteString("Every warning has a stable code (lower-case, hyphenated) and prints as `code: message` on stderr, after\n")
	b.WriteString("its context when a document gathers several analyses (`group, approach 3: code: message`). In JSON\n")
	b.WriteString("(schema version 2) every `\"warnings\"` array holds objects `{\"code\", \"message\", \"group\", \"source\"}`\n")
	b.WriteString("(`group` and `source` only when set). Warnings never change the exit code, except a fit that did not\n")
	b.WriteString("converge under `--strict` (and the codes a gate names as failing).\n\n")
	b.WriteString("| code | meaning | what to do |\n|---|---|---|\n")
	cells := strings.NewReplacer("|", "\\|", "\n", " ")
	for _, e := range Catalogue() {
		code := "`" + e.Code + "`"
		if e.Scope != "" {
			code += " " + cells.Replace(e.Scope)
		}
		b.WriteString("| " + code + " | " + cells.Replace(e.Meaning) + " | " + cells.Replace(e.Action) + " |\n")
	}
	path := filepath.Join("..", "..", "docs", "warnings.md")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Errorf("docs/warnings.md is not the catalogue: run go test ./internal/warn -update")
	}
}
