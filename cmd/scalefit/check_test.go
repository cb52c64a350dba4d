package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/report"
)

// epochLaw is Epoch's refit of Chinchilla (the Approach-3 fit of testdata/chinchilla.csv
// with the 5 highest-loss runs dropped).
func epochLaw(t *testing.T) chinchilla.Law {
	t.Helper()
	l, err := laws.Lookup("epoch2024")
	if err != nil {
		t.Fatal(err)
	}
	return *l.Chinchilla
}

// writeFit writes a hand-built fit.json holding law, rmse and bootstrap draws.
func writeFit(t *testing.T, l chinchilla.Law, rmse float64, draws []chinchilla.Law) string {
	t.Helper()
	f := fitfile.Fit{Law: "chinchilla", Approach: 3,
		Params: map[string]float64{"E": l.E, "A": l.A, "B": l.B, "alpha": l.Alpha, "beta": l.Beta}}
	if rmse > 0 {
		f.RMSE = report.F(rmse)
	}
	for _, d := range draws {
		f.Bootstrap = append(f.Bootstrap, []float64{d.E, d.A, d.B, d.Alpha, d.Beta})
	}
	doc := fitfile.Document{SchemaVersion: fitfile.SchemaVersion, Runs: 240, Fits: []fitfile.Fit{f},
		Range: &fitfile.Range{FLOPs: [2]float64{1e18, 1e22}}}
	path := filepath.Join(t.TempDir(), "fit.json")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// newRuns writes a CSV of runs whose loss is factor times the law's prediction.
func newRuns(t *testing.T, l chinchilla.Law, factor float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("run,params,tokens,loss\n")
	for i, nd := range [][2]float64{{4e8, 8e9}, {1e9, 2e10}, {2.8e9, 5.6e10}, {7e9, 1.4e11}} {
		fmt.Fprintf(&b, "r%d,%g,%g,%v\n", i+1, nd[0], nd[1], factor*l.Loss(nd[0], nd[1]))
	}
	path := filepath.Join(t.TempDir(), "new.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckRunsOnTheLawPass(t *testing.T) {
	l := epochLaw(t)
	fit := writeFit(t, l, 0.02, nil)
	out, errs, code := runCLI(t, "", "check", "--fit", fit, newRuns(t, l, 1))
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	golden(t, "check.golden", out, errs)
	if errs != "" {
		t.Errorf("stderr %q, want empty", errs)
	}
}

func TestCheckTenPercentWorseFails(t *testing.T) {
	l := epochLaw(t)
	fit := writeFit(t, l, 0.02, nil)
	for _, args := range [][]string{{}, {"--tolerance", "5%"}, {"--tolerance", "0.09"}, {"--sigma", "3"}} {
		out, errs, code := runCLI(t, "", append([]string{"check", "--fit", fit, newRuns(t, l, 1.1), "--format", "markdown"}, args...)...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1\n%s%s", args, code, out, errs)
		}
		if n := strings.Count(out, "OUTSIDE"); n != 4 {
			t.Errorf("%v: %d runs OUTSIDE, want 4:\n%s", args, n, out)
		}
		if len(args) == 0 {
			golden(t, "check_outside.golden", out, errs)
		}
	}
	// A band wider than 10% lets them through.
	if _, _, code := runCLI(t, "", "check", "--fit", fit, newRuns(t, l, 1.1), "--tolerance", "11%"); code != 0 {
		t.Errorf("--tolerance 11%%: exit %d, want 0", code)
	}
}

func TestCheckBadInput(t *testing.T) {
	l := epochLaw(t)
	fit := writeFit(t, l, 0.02, nil)
	good := newRuns(t, l, 1)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("params,tokens,loss\n1e9,2e10,n/a\n"), 0o644)
	notJSON := filepath.Join(t.TempDir(), "fit.json")
	os.WriteFile(notJSON, []byte("params,tokens\n"), 0o644)
	noA3 := filepath.Join(t.TempDir(), "a2.json")
	os.WriteFile(noA3, []byte(`{"schema_version":1,"runs":3,"excluded":0,"warnings":[],"fits":[{"law":"chinchilla","approach":2,"a":0.5,"b":0.5}]}`), 0o644)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad csv", []string{"--fit", fit, bad}, "bad.csv:2"},
		{"missing fit.json", []string{"--fit", filepath.Join(t.TempDir(), "nope.json"), good}, "nope.json"},
		{"no --fit", []string{good}, "--fit is required"},
		{"not a fit.json", []string{"--fit", notJSON, good}, "not a scalefit fit.json"},
		{"no approach 3", []string{"--fit", noA3, good}, "no Chinchilla Approach-3 fit"},
		{"both bands", []string{"--fit", fit, good, "--tolerance", "3%", "--sigma", "2"}, "exclusive"},
		{"bad tolerance", []string{"--fit", fit, good, "--tolerance", "3"}, "(0.03 or 3%)"},
		{"negative sigma", []string{"--fit", fit, good, "--sigma", "-1"}, "positive"},
		{"sigma without spread", []string{"--fit", writeFit(t, l, 0, nil), good, "--sigma", "2"}, "neither bootstrap draws nor rmse_log_loss"},
	} {
		out, errs, code := runCLI(t, "", append([]string{"check"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 2, stderr containing %q, no stdout", c.name, code, errs, out, c.want)
		}
	}
}

// On the runs the fit was made from, check flags exactly the runs whose relative error
// exceeds the tolerance: a few of Chinchilla's 245 runs (the 5 high-loss outliers that
// Epoch drops and a handful of others).
func TestCheckFitRunsFewOutside(t *testing.T) {
	l := epochLaw(t)
	fit := writeFit(t, l, 0.0208, nil)
	set, err := (&runFlags{}).load(&env{}, repoFile("testdata", "chinchilla.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tol := range []float64{0.03, 0.05} {
		want := 0
		for _, r := range set.Runs {
			if p := l.Loss(r.Params, r.Tokens); math.Abs(r.Loss-p)/p > tol {
				want++
			}
		}
		if want == 0 || want > len(set.Runs)/20 {
			t.Fatalf("tolerance %g: %d of %d runs outside: not the few the fit implies", tol, want, len(set.Runs))
		}
		out, errs, code := runCLI(t, "", "check", "--fit", fit, repoFile("testdata", "chinchilla.csv"), "--tolerance", fmt.Sprint(tol), "--format", "json")
		if code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, errs)
		}
		var res report.CheckResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Outside != want || res.Runs != len(set.Runs) {
			t.Errorf("tolerance %g: %d of %d outside, want %d of %d", tol, res.Outside, res.Runs, want, len(set.Runs))
		}
	}
}

// With --sigma the band is K·sqrt(sd(ln L̂ over draws)² + rmse²): a run 1.5σ above its
// prediction passes at K = 2 and fails at K = 1.
func TestCheckSigmaBand(t *testing.T) {
	l := epochLaw(t)
	var draws []chinchilla.Law
	for i := -2; i <= 2; i++ {
		d := l
		d.E *= 1 + 0.01*float64(i)
		draws = append(draws, d)
	}
	rmse := 0.01
	fit := writeFit(t, l, rmse, draws)
	n, d := 1e9, 2e10
	var lns []float64
	for _, dl := range draws {
		lns = append(lns, math.Log(dl.Loss(n, d)))
	}
	var mean, ss float64
	for _, x := range lns {
		mean += x / float64(len(lns))
	}
	for _, x := range lns {
		ss += (x - mean) * (x - mean)
	}
	sigma := math.Sqrt(ss/float64(len(lns)-1) + rmse*rmse)
	loss := l.Loss(n, d) * math.Exp(1.5*sigma)
	path := filepath.Join(t.TempDir(), "one.csv")
	os.WriteFile(path, []byte(fmt.Sprintf("params,tokens,loss\n%g,%g,%.12g\n", n, d, loss)), 0o644)
	for k, wantCode := range map[string]int{"2": 0, "1": 1} {
		out, errs, code := runCLI(t, "", "check", "--fit", fit, path, "--sigma", k, "--format", "json")
		if code != wantCode {
			t.Fatalf("--sigma %s: exit %d, want %d: %s", k, code, wantCode, errs)
		}
		var res report.CheckResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if got := res.Rows[0].Sigma; math.Abs(got-sigma) > 1e-9*sigma {
			t.Errorf("sigma %g, want %g", got, sigma)
		}
	}
}
