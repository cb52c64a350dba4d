package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fitsOf reads the fits[] of a fit --format json output.
func fitsOf(t *testing.T, out string) []map[string]any {
	t.Helper()
	var doc struct {
		Fits []map[string]any `json:"fits"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return doc.Fits
}

func dcFit(fits []map[string]any) map[string]any {
	for _, f := range fits {
		if f["law"] == "data-constrained" {
			return f
		}
	}
	return nil
}

// A plain fit of runs with unique tokens adds the data-constrained entry after the
// Chinchilla ones (which stay as they are); one value for every run comes from
// --unique-tokens, a renamed column from --unique-tokens-col; a count that is not positive
// is bad input (exit 2) naming its line.
func TestFitDataConstrainedCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("three data-constrained fits: ~2 s")
	}
	db := repoFile("testdata", "datablations.csv")
	out, errOut, code := runCLI(t, "", "fit", db, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fits := fitsOf(t, out)
	f := dcFit(fits)
	if f == nil || fits[0]["law"] != "chinchilla" || f["recipe"] != "joint" || f["approach"] != 3.0 {
		t.Fatalf("fits %v: want chinchilla first, then a data-constrained entry (recipe joint, approach 3)", fits)
	}
	p := f["params"].(map[string]any)
	for _, k := range []string{"E", "A", "B", "alpha", "beta", "R_D*", "R_N*"} {
		if _, ok := p[k]; !ok {
			t.Errorf("params lack %s: %v", k, p)
		}
	}
	if !strings.Contains(errOut, "not-identified") || !strings.Contains(errOut, "R_N*") {
		t.Errorf("no not-identified warning for R_N* on datablations: %s", errOut)
	}

	// the same runs with the column renamed, and one pool for every run
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	renamed := filepath.Join(dir, "renamed.csv")
	os.WriteFile(renamed, []byte(strings.Replace(string(b), "unique_tokens", "distinct", 1)), 0o644)
	out, errOut, code = runCLI(t, "", "fit", renamed, "--approach", "3", "--unique-tokens-col", "distinct", "--recipe", "muennighoff2023", "--format", "json")
	if f := dcFit(fitsOf(t, out)); code != 0 || f == nil || f["recipe"] != "muennighoff2023" {
		t.Errorf("--unique-tokens-col distinct --recipe muennighoff2023: exit %d, %s", code, errOut)
	}
	plain := filepath.Join(dir, "plain.csv")
	os.WriteFile(plain, []byte("params,tokens,loss\n1e8,1e9,3.9\n1e8,4e9,3.5\n1e8,2e10,3.3\n4e8,1e9,3.7\n4e8,4e9,3.2\n4e8,2e10,3.0\n1e9,1e9,3.65\n1e9,4e9,3.1\n1e9,2e10,2.85\n"), 0o644)
	out, errOut, code = runCLI(t, "", "fit", plain, "--approach", "3", "--unique-tokens", "2G", "--format", "json")
	if f := dcFit(fitsOf(t, out)); code != 0 || f == nil {
		t.Errorf("--unique-tokens 2G: exit %d, %s", code, errOut)
	} else if us := f["unique_tokens"].([]any); len(us) != 1 || us[0] != 2e9 {
		t.Errorf("unique_tokens %v: want [2e9]", us)
	}
	if out, _, _ := runCLI(t, "", "fit", plain, "--approach", "3", "--format", "json"); dcFit(fitsOf(t, out)) != nil {
		t.Errorf("runs without unique tokens got a data-constrained fit")
	}
	_, errOut, code = runCLI(t, "", "fit", plain, "--approach", "3", "--recipe", "muennighoff2023")
	if code != 2 || !strings.Contains(errOut, "unique") {
		t.Errorf("--recipe without unique tokens: exit %d, %s; want 2 and what is missing", code, errOut)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("params,tokens,unique_tokens,loss\n1e8,1e9,1e9,3.9\n1e8,4e9,0,3.5\n1e8,2e10,1e9,3.3\n4e8,1e9,1e9,3.7\n4e8,4e9,1e9,3.2\n4e8,2e10,1e9,3.0\n1e9,1e9,1e9,3.65\n1e9,4e9,1e9,3.1\n1e9,2e10,1e9,2.85\n"), 0o644)
	_, errOut, code = runCLI(t, "", "fit", bad, "--approach", "3")
	if code != 2 || !strings.Contains(errOut, "bad.csv:3") {
		t.Errorf("U = 0: exit %d, %s; want 2 naming bad.csv:3", code, errOut)
	}
}
