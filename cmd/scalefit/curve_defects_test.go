package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
)

// Regression tests of issue 26's curve defects (D01, D02, D03, D04, D14, D22) and issue 24's
// minimum data and degenerate laws, each failing on the code before the fix.

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// synthCurves writes runs under two schedules (cosine and constant, 10,000 steps) following a
// Tissue-like law, each with n points from step 500 on, and returns the file and its meta.
func synthCurves(t *testing.T, n int, zeroStep bool) (string, string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("run,step,loss\n")
	for _, run := range []string{"cos", "con"} {
		if zeroStep {
			fmt.Fprintf(&b, "%s,0,10.8\n", run)
		}
		for i := range n {
			s := 500 + i*9000/max(1, n-1)
			x := float64(s) * 1e-3
			l := 2.5 + 1.2/(1+x)
			if run == "cos" {
				l -= 0.08 * float64(s) / 10000
			}
			fmt.Fprintf(&b, "%s,%d,%.5f\n", run, s, l)
		}
	}
	meta := "run,schedule\ncos,\"cosine:warmup=100,steps=10000,peak=1e-3,final=1e-4\"\ncon,\"constant:warmup=100,steps=10000,peak=1e-3\"\n"
	return writeTemp(t, "c.csv", b.String()), writeTemp(t, "m.csv", meta)
}

// D01: predict --every 1 streams its rows (memory independent of the rows printed).
func TestD01PredictEveryOneStreams(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, errs, code := runCLI(t, "", "curve", "predict", "--law", "mpl2025-25m", "--schedule", "constant:warmup=100,steps=60000,peak=3e-4", "--every", "1", "--format", "csv")
	runtime.ReadMemStats(&after)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "\n"); n < 59999 {
		t.Fatalf("%d lines, want a row per step", n)
	}
	// the output itself is ~2 MB in the test's buffer; the old code kept ~12 KB per row (700 MB)
	if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 300<<20 {
		t.Errorf("allocated %d MB for 60,000 rows: want a streamed output", grew>>20)
	}
	if _, errs, code := runCLI(t, "", "curve", "predict", "--law", "mpl2025-25m", "--schedule", "constant:warmup=100,steps=60000,peak=3e-4", "--every", "1", "--format", "json"); code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
}

// D02: memory O(points + distinct schedules): six 10-point runs on a 10M-step schedule fit
// in bounded memory; the multi-power law past its prefix budget is refused cleanly.
func TestD02MemoryPointsNotScheduleLength(t *testing.T) {
	var b strings.Builder
	b.WriteString("run,step,loss,schedule\n")
	for r := range 6 {
		spec := "cosine:warmup=1000,steps=10000000,peak=1e-3,final=1e-4"
		if r%2 == 1 {
			spec = "constant:warmup=1000,steps=10000000,peak=1e-3"
		}
		for i := range 10 {
			s := 10000 + i*900000
			fmt.Fprintf(&b, "r%d,%d,%.4f,\"%s\"\n", r, s, 2.5+3/(1+float64(s)*1e-4)-0.01*float64(r%2), spec)
		}
	}
	p := writeTemp(t, "big.csv", b.String())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, errs, code := runCLI(t, "", "curve", "fit", p, "--format", "json")
	runtime.ReadMemStats(&after)
	if code == 0 || code == 1 {
		// two distinct schedules of 80 MB each, shared by the runs; the old code kept ~10
		// arrays of the schedule's length per run (4.8 GB)
		if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 600<<20 {
			t.Errorf("allocated %d MB for 60 points: want O(points + distinct schedules)", grew>>20)
		}
	} else if !strings.Contains(errs, "want at most") {
		t.Errorf("exit %d: want a fit or a clean refusal naming the budget: %s", code, errs)
	}
	_, errs, code = runCLI(t, "", "curve", "fit", p, "--law", "mpl")
	if code != 2 || !strings.Contains(errs, "want at most") {
		t.Errorf("mpl on 2 x 10M steps: exit %d, %q: want a refusal naming the budget", code, errs)
	}
}

// D03: a loss at step 0 is dropped with a count; NaN or all-zero lr columns are errors naming
// the line; the exit code does not depend on the format.
func TestD03StepZeroAndBadLR(t *testing.T) {
	p, meta := synthCurves(t, 12, true)
	codes := map[int]bool{}
	for _, f := range []string{"table", "json", "csv", "markdown"} {
		out, errs, code := runCLI(t, "", "curve", "fit", p, "--meta", meta, "--strict", "--format", f)
		codes[code] = true
		if !strings.Contains(errs, "points-dropped") || !strings.Contains(errs, "2 point(s)") {
			t.Errorf("%s: no points-dropped warning with the count: %q", f, errs)
		}
		if strings.Contains(out, "Inf") || strings.Contains(out, "NaN") {
			t.Errorf("%s: non-finite output:\n%s", f, out)
		}
	}
	if len(codes) != 1 {
		t.Errorf("exit codes %v differ by format", codes)
	}
	nan := writeTemp(t, "nan.csv", "run,step,lr,loss\na,1,1e-3,3\na,2,NaN,2.9\na,3,1e-3,2.8\n")
	if _, errs, code := runCLI(t, "", "curve", "fit", nan); code != 2 || !strings.Contains(errs, "nan.csv:3") {
		t.Errorf("NaN lr: exit %d, %q: want 2 naming nan.csv:3", code, errs)
	}
	zero := writeTemp(t, "zero.csv", "run,step,lr,loss\na,1,0,3\na,2,0,2.9\na,3,0,2.8\na,4,0,2.7\n")
	if _, errs, code := runCLI(t, "", "curve", "fit", zero); code != 2 || !strings.Contains(errs, "zero.csv:2") || !strings.Contains(errs, "lr") {
		t.Errorf("zero lr: exit %d, %q: want 2 naming zero.csv:2 and the lr column", code, errs)
	}
	huge := writeTemp(t, "huge.csv", "run,step,lr,loss\na,1,1e300,3\na,2,1e-3,2.9\n")
	if _, errs, code := runCLI(t, "", "curve", "fit", huge); code != 2 || !strings.Contains(errs, "huge.csv:2") {
		t.Errorf("lr 1e300: exit %d, %q: want 2 naming huge.csv:2", code, errs)
	}
}

// D04: a non-finite (or non-positive) forecast is exit 2, with or without a gate, in any format.
func TestD04NonFiniteForecastExit2(t *testing.T) {
	prior := writeTemp(t, "prior.json", `{"schema_version": 1, "kind": "curve-fit", "law": "mpl", "params": {"L0": 2.5, "A": 1, "alpha": 0.5, "B": 1e9, "C": 2, "beta": 0.6, "gamma": 0.6}, "curves": [], "pred_e_mean": 0}`)
	var b strings.Builder
	b.WriteString("run,step,loss\n")
	for i := range 12 {
		fmt.Fprintf(&b, "r,%d,%.4f\n", 200+100*i, 3.5-0.02*float64(i))
	}
	run := writeTemp(t, "r.csv", b.String())
	// a drop of the learning rate after the logged steps: the prior's annealing term takes
	// the loss below zero at the end
	spec := "step:steps=10000,peak=1e-3,at=5000:1e-5"
	for _, extra := range [][]string{nil, {"--target", "1"}, {"--scaling-law", "chinchilla2022", "--params", "1e8", "--tokens", "2e9"}, {"--format", "csv", "--target", "1"}, {"--format", "json"}} {
		args := append([]string{"curve", "forecast", run, "--schedule", spec, "--fit", prior, "--bootstrap", "20"}, extra...)
		out, errs, code := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d (want 2)\n%s%s", extra, code, out, errs)
		}
	}
}

// D14: every printed loss is finite and positive or the command exits 2; one lr cap.
func TestD14PrintedLossesFinitePositive(t *testing.T) {
	cases := [][]string{
		{"curve", "predict", "--law", "mpl2025-400m", "--schedule", "cosine:warmup=10,steps=1000,peak=1e6,final=1e5"},
		{"curve", "predict", "--law", "mpl2025-400m", "--schedule", "cosine:warmup=10,steps=1000,peak=5e-324"},
		{"curve", "optimize", "--law", "mpl2025-400m", "--steps", "24000", "--warmup", "2160", "--peak", "1e7"},
		{"curve", "optimize", "--law", "mpl2025-400m", "--steps", "24000", "--warmup", "2160", "--peak", "1e6"},
	}
	for _, c := range cases {
		out, errs, code := runCLI(t, "", c...)
		if code != 2 {
			t.Errorf("%v: exit %d (want 2)\n%s%s", c, code, out, errs)
		}
	}
	// within the cap, a schedule the law cannot extend to is refused, not printed
	prior := writeTemp(t, "p.json", `{"schema_version": 1, "kind": "curve-fit", "law": "tissue", "params": {"L0": 2.5, "A": 1, "alpha": 0.5, "C": 1e4, "lambda": 0.999}, "curves": [], "pred_e_mean": 0}`)
	out, errs, code := runCLI(t, "", "curve", "predict", "--fit", prior, "--schedule", "step:steps=1000,peak=10,at=500:1e-3")
	if code != 2 || strings.Contains(out, "-") && strings.Contains(out, "e+") {
		t.Errorf("negative predicted loss: exit %d\n%s%s", code, out, errs)
	}
}

// D22: --every 0 and -1, forecast --at -5, --tolerance without a target are usage errors;
// optimize --final 0 says it drops the exp decay (and refuses --decay exp).
func TestD22CurveFlags(t *testing.T) {
	p, _ := synthCurves(t, 12, false)
	spec := "cosine:warmup=100,steps=10000,peak=1e-3,final=1e-4"
	bad := [][]string{
		{"curve", "predict", "--law", "mpl2025-25m", "--schedule", spec, "--every", "0"},
		{"curve", "predict", "--law", "mpl2025-25m", "--schedule", spec, "--every", "-1"},
		{"curve", "forecast", p, "--run", "cos", "--schedule", spec, "--at", "-5"},
		{"curve", "forecast", p, "--run", "cos", "--schedule", spec, "--tolerance", "2%"},
		{"curve", "optimize", "--law", "mpl2025-25m", "--steps", "24000", "--peak", "3e-4", "--final", "0", "--decay", "exp"},
	}
	for _, c := range bad {
		if _, errs, code := runCLI(t, "", c...); code != 2 {
			t.Errorf("%v: exit %d (want 2) %s", c, code, errs)
		}
	}
	out, errs, code := runCLI(t, "", "curve", "optimize", "--law", "mpl2025-25m", "--steps", "24000", "--warmup", "2160", "--peak", "3e-4", "--final", "0", "--format", "json")
	if code != 0 || !strings.Contains(errs, "decay-skipped") || !strings.Contains(out, "decay-skipped") {
		t.Errorf("--final 0: exit %d, want a decay-skipped warning: %s", code, errs)
	}
}

// Issue 24: two 7-point curves fit (14 points for a 4-parameter law), with a few-points
// warning giving the totals; one schedule or too few points in total are refused.
func TestCurveFitMinimumData(t *testing.T) {
	p, meta := synthCurves(t, 7, false)
	out, errs, code := runCLI(t, "", "curve", "fit", p, "--meta", meta, "--format", "json")
	if code != 0 || !strings.Contains(errs, "few-points") || !strings.Contains(errs, "14 points") {
		t.Fatalf("two 7-point curves: exit %d, %q", code, errs)
	}
	var doc struct {
		Params map[string]float64 `json:"params"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Params) == 0 {
		t.Fatalf("no params: %v", err)
	}
	two, meta2 := synthCurves(t, 3, false)
	if _, errs, code := runCLI(t, "", "curve", "fit", two, "--meta", meta2); code != 2 || !strings.Contains(errs, "want at least 8 points") {
		t.Errorf("6 points for 4 parameters: exit %d, %q", code, errs)
	}
	one, _ := synthCurves(t, 12, false)
	if _, errs, code := runCLI(t, "", "curve", "fit", one, "--schedule", "constant:warmup=100,steps=10000,peak=1e-3"); code != 2 || !strings.Contains(errs, "2 distinct schedules") {
		t.Errorf("one schedule: exit %d, %q", code, errs)
	}
}

// Issue 24: a degenerate law (flat curves under two schedules: neither the power of S1 nor
// the annealing term has anything to fit) is degenerate-law, not converged, and --strict exits
// 1 in every format.
func TestCurveFitDegenerateStrict(t *testing.T) {
	var b strings.Builder
	b.WriteString("run,step,loss,schedule\n")
	for _, spec := range []string{"constant:warmup=100,steps=10000,peak=1e-3", "cosine:warmup=100,steps=10000,peak=1e-3,final=1e-4"} {
		sc, err := curve.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		for s := 700; s < sc.Steps; s += 700 {
			fmt.Fprintf(&b, "%s,%d,3,\"%s\"\n", sc.Kind, s, spec)
		}
	}
	p := writeTemp(t, "deg.csv", b.String())
	for _, f := range []string{"table", "json", "csv", "markdown"} {
		out, errs, code := runCLI(t, "", "curve", "fit", p, "--strict", "--format", f)
		if code != 1 || !strings.Contains(errs, "degenerate-law") {
			t.Errorf("%s: exit %d (want 1 with degenerate-law)\n%s%s", f, code, out, errs)
		}
	}
}

// Issue 24: curve optimize refuses a degenerate law, and states the law's own error beside
// the gain, declining to recommend a gain within it.
func TestCurveOptimizeDegenerateAndNoGain(t *testing.T) {
	var b strings.Builder
	b.WriteString("run,step,loss,schedule\n")
	for _, spec := range []string{"constant:warmup=100,steps=10000,peak=1e-3", "cosine:warmup=100,steps=10000,peak=1e-3,final=1e-4"} {
		for s := 700; s < 10000; s += 700 {
			fmt.Fprintf(&b, "%s,%d,3,\"%s\"\n", spec[:6], s, spec)
		}
	}
	fitJSON := filepath.Join(t.TempDir(), "deg.json")
	runCLI(t, "", "curve", "fit", writeTemp(t, "deg.csv", b.String()), "-o", fitJSON, "-q")
	if _, errs, code := runCLI(t, "", "curve", "optimize", "--fit", fitJSON, "--steps", "10000", "--peak", "1e-3"); code != 2 || !strings.Contains(errs, "degenerate") {
		t.Errorf("degenerate law: exit %d, %q: want a refusal", code, errs)
	}
	noisy := writeTemp(t, "noisy.json", `{"schema_version": 1, "kind": "curve-fit", "law": "tissue", "params": {"L0": 2.5, "A": 1, "alpha": 0.5, "C": 1, "lambda": 0.999}, "curves": [], "pred_e_mean": 0, "loo_error": 0.5}`)
	out, errs, code := runCLI(t, "", "curve", "optimize", "--fit", noisy, "--steps", "10000", "--warmup", "100", "--peak", "1e-3", "--format", "json")
	var o struct {
		LawError    float64 `json:"law_error"`
		Recommended bool    `json:"recommended"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &o) != nil || o.Recommended || o.LawError != 0.5 || !strings.Contains(errs, "no-gain") {
		t.Errorf("gain within a 50%% law error: exit %d, %+v, %q: want not recommended with no-gain", code, o, errs)
	}
}
