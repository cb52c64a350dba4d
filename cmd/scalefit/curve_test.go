package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/report"
)

// mplFiles writes the 400M train and test curves of testdata/mpl_curves.csv (as run, step,
// loss files; the step-24000 points of the 24,000-step runs dropped, as the authors do) and
// a meta table of their schedules, and returns the three paths.
func mplFiles(t testing.TB, size string) (train, test, meta string) {
	t.Helper()
	recs := testutil.ReadCSV(t, "mpl_curves.csv")
	dir := t.TempDir()
	var b = map[string]*strings.Builder{"train": {}, "test": {}}
	for _, w := range b {
		w.WriteString("run,step,loss\n")
	}
	for _, r := range recs[1:] {
		if r[0] != size || (strings.HasSuffix(r[1], "_24000") && r[3] == "24000") {
			continue
		}
		b[r[2]].WriteString(r[1] + "," + r[3] + "," + r[4] + "\n")
	}
	var m strings.Builder
	m.WriteString("run,schedule\n")
	for run, spec := range testutil.MPLSchedules(t) {
		m.WriteString(run + ",\"" + spec + "\"\n")
	}
	train, test, meta = filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv"), filepath.Join(dir, "meta.csv")
	for p, s := range map[string]string{train: b["train"].String(), test: b["test"].String(), meta: m.String()} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return
}

func TestCurveFitPredictCLI(t *testing.T) {
	train, test, meta := mplFiles(t, "400M")
	out, errs, code := runCLI(t, "", "curve", "predict", "--law", "mpl2025-400m", "--against", test, "--meta", meta, "--format", "json")
	var doc struct {
		Law       string             `json:"law"`
		Params    map[string]float64 `json:"params"`
		PredEMean float64            `json:"pred_e_mean"`
		Curves    []struct {
			Run    string  `json:"run"`
			PredE  float64 `json:"pred_e"`
			WorstE float64 `json:"worst_e"`
		} `json:"curves"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("predict --law: exit %d, %s", code, errs)
	}
	if math.Abs(doc.PredEMean-0.00168) > 5e-6 || len(doc.Curves) != 6 || doc.Law != "mpl" {
		t.Errorf("published 400M law on the test curves: PredE %.6f over %d curves, want 0.00168 over 6", doc.PredEMean, len(doc.Curves))
	}
	fitJSON := filepath.Join(t.TempDir(), "curve.json")
	out, errs, code = runCLI(t, "", "curve", "fit", train, "--meta", meta, "-o", fitJSON)
	if code != 0 || !strings.Contains(out, "PredE") || !strings.Contains(out, "tissue") {
		t.Fatalf("curve fit: exit %d, %s\n%s", code, errs, out)
	}
	out, errs, code = runCLI(t, "", "curve", "predict", "--fit", fitJSON, "--against", test, "--meta", meta, "--format", "json")
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("predict --fit: exit %d, %s", code, errs)
	}
	if math.Abs(doc.PredEMean-0.00182) > 2e-5 {
		t.Errorf("default fit on the 400M test curves: PredE %.5f, measured 0.00182", doc.PredEMean)
	}
	out, _, code = runCLI(t, "", "curve", "predict", "--fit", fitJSON, "--schedule", testutil.MPLSchedules(t)["wsdcon_3"], "--format", "csv")
	if code != 0 || !strings.Contains(out, "step,lr,loss,interval_lo,interval_hi\n") || !strings.Contains(out, "\n15999,") {
		t.Errorf("predict --schedule: exit %d\n%s", code, out)
	}
}

// Bad inputs exit 2 and name the spec or file:line.
func TestCurveBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	pts := func(steps ...string) string {
		s := "run,step,loss\n"
		for i, st := range steps {
			s += "r," + st + "," + []string{"3.1", "3.0", "2.9"}[i%3] + "\n"
		}
		return s
	}
	ok := []string{"100", "200", "300", "400", "500", "600", "700", "800", "900"}
	spec := "cosine:warmup=10,steps=1000,peak=1e-3,final=1e-4"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"beyond", []string{"curve", "fit", write("beyond.csv", pts(append(ok, "1200")...)), "--schedule", spec}, "beyond.csv:11"},
		{"negative lr", []string{"curve", "fit", write("a.csv", pts(append(ok, "950")...)), "--schedule", "cosine:steps=1000,peak=1e-3,final=-1e-4"}, "cosine:steps=1000,peak=1e-3,final=-1e-4"},
		{"few points", []string{"curve", "fit", write("few.csv", pts("1", "2")), "--schedule", spec}, "few.csv:2"},
		{"unsorted", []string{"curve", "fit", write("uns.csv", pts("5", "4", "6", "7", "8", "9", "10", "11", "12", "13")), "--schedule", spec}, "uns.csv:3"},
		{"duplicate", []string{"curve", "fit", write("dup.csv", pts("5", "5", "6", "7", "8", "9", "10", "11", "12", "13")), "--schedule", spec}, "dup.csv:3"},
		{"unknown kind", []string{"curve", "predict", "--law", "mpl2025-25m", "--schedule", "poly:steps=10,peak=1"}, "poly:steps=10,peak=1"},
		{"unknown key", []string{"curve", "predict", "--law", "mpl2025-25m", "--schedule", "cosine:steps=10,peak=1,decay=exp"}, `unknown key "decay"`},
		{"unknown law", []string{"curve", "predict", "--law", "nope", "--schedule", spec}, "mpl2025-400m"},
		{"recipe needs mpl", []string{"curve", "fit", "x.csv", "--law", "tissue", "--recipe", "mpl2025"}, "--law mpl"},
	}
	for _, c := range cases {
		_, errs, code := runCLI(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", c.name, code, errs, c.want)
		}
	}
}

// The forecast gate exits 1 on a run whose curve bends 3% above the law and 0 on one that
// follows it; JSON carries the forecast, interval and verdict.
func TestCurveForecastGate(t *testing.T) {
	dir := t.TempDir()
	law := curve.Params{Law: curve.LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5, Lambda: curve.DefaultLambda}
	spec := "cosine:warmup=500,steps=10000,peak=3e-4,final=3e-5"
	sc, _ := curve.Parse(spec)
	var steps []int
	for s := 600; s <= 5000; s += 50 {
		steps = append(steps, s)
	}
	lossLaw := curve.Predict(law, sc.LRs(), steps)
	final := curve.Predict(law, sc.LRs(), []int{sc.Steps - 1})[0]
	doc := report.CurveDocument{SchemaVersion: 1, Kind: "curve-fit", CurveFit: &report.CurveFit{Law: law.Law, Params: law.Map()}}
	b, _ := json.Marshal(doc)
	prior := filepath.Join(dir, "curve.json")
	os.WriteFile(prior, b, 0o644)
	write := func(name string, bend float64) string {
		var sb strings.Builder
		sb.WriteString("run,step,loss\n")
		for i, s := range steps {
			x := float64(s-steps[0]) / float64(steps[len(steps)-1]-steps[0])
			fmt.Fprintf(&sb, "r,%d,%.6f\n", s, lossLaw[i]*(1+bend*x))
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(sb.String()), 0o644)
		return p
	}
	target := strconv.FormatFloat(final, 'g', -1, 64)
	for _, c := range []struct {
		name    string
		bend    float64
		code    int
		verdict string
	}{{"follows", 0, 0, "pass"}, {"bends 3% above", 0.03, 1, "fail"}} {
		out, errs, code := runCLI(t, "", "curve", "forecast", write(c.name+".csv", c.bend), "--schedule", spec, "--fit", prior,
			"--target", target, "--tolerance", "1%", "--format", "json", "--bootstrap", "50")
		var got struct {
			Run      string     `json:"run"`
			Step     int        `json:"step"`
			Forecast float64    `json:"forecast"`
			Interval [2]float64 `json:"interval"`
			Verdict  string     `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != c.code || got.Verdict != c.verdict {
			t.Errorf("%s: exit %d (want %d), verdict %q (want %q), %v\n%s", c.name, code, c.code, got.Verdict, c.verdict, err, errs)
		}
		if got.Run != "r" || got.Step != 9999 || !(got.Interval[0] <= got.Forecast && got.Forecast <= got.Interval[1]) {
			t.Errorf("%s: %+v", c.name, got)
		}
		if c.bend == 0 && math.Abs(got.Forecast-final)/final > 1e-3 {
			t.Errorf("forecast %.5f of a run on the law, want its final loss %.5f", got.Forecast, final)
		}
	}
	// fewer than 5 points, a partial curve longer than its schedule: exit 2
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("run,step,loss\nr,600,3\nr,700,2.9\nr,800,2.8\nr,900,2.7\n"), 0o644)
	if _, errs, code := runCLI(t, "", "curve", "forecast", short, "--schedule", spec); code != 2 || !strings.Contains(errs, "want at least 5") {
		t.Errorf("4 points: exit %d, %s", code, errs)
	}
	if _, errs, code := runCLI(t, "", "curve", "forecast", write("long.csv", 0), "--schedule", "cosine:steps=4000,peak=3e-4"); code != 2 || !strings.Contains(errs, "beyond the schedule") {
		t.Errorf("longer than its schedule: exit %d, %s", code, errs)
	}
}

func TestCurveOptimizeCLI(t *testing.T) {
	out, errs, code := runCLI(t, "", "curve", "optimize", "--law", "mpl2025-400m", "--steps", "24000", "--warmup", "2160", "--peak", "3e-4", "--final", "3e-5", "--format", "json")
	var got struct {
		Best struct {
			Schedule string
			Loss     float64
		} `json:"best"`
		Cosine struct {
			Schedule string
			Loss     float64
		} `json:"cosine"`
		Gain   float64 `json:"gain"`
		Caveat string  `json:"caveat"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(got.Best.Schedule, "wsd:") || !strings.HasPrefix(got.Cosine.Schedule, "cosine:") || math.Abs(got.Cosine.Loss-got.Best.Loss-got.Gain) > 1e-12 || got.Caveat == "" {
		t.Errorf("%+v", got)
	}
	if _, _, code := runCLI(t, "", "curve", "optimize", "--law", "mpl2025-400m", "--steps", "100", "--peak", "1", "--decay", "poly"); code != 2 {
		t.Errorf("--decay poly: exit %d", code)
	}
}

func TestCurvePlotFlags(t *testing.T) {
	train, test, meta := mplFiles(t, "25M")
	dir := t.TempDir()
	fig := filepath.Join(dir, "fit.svg")
	if _, errs, code := runCLI(t, "", "curve", "fit", train, "--meta", meta, "--plot", fig, "-q", "-o", filepath.Join(dir, "c.json")); code != 0 {
		t.Fatalf("fit --plot: exit %d %s", code, errs)
	}
	if b, err := os.ReadFile(fig); err != nil || !strings.Contains(string(b), "wsdcon_9") {
		t.Errorf("fit figure: %v", err)
	}
	if _, errs, code := runCLI(t, "", "curve", "predict", "--law", "mpl2025-25m", "--against", test, "--meta", meta, "--plot", filepath.Join(dir, "p.png")); code != 0 {
		t.Errorf("predict --plot: exit %d %s", code, errs)
	}
	if _, _, code := runCLI(t, "", "curve", "fit", train, "--meta", meta, "--plot", filepath.Join(dir, "fit.txt")); code != 2 {
		t.Errorf("--plot fit.txt: exit %d, want 2", code)
	}
}

// --strict: exit 1 after the output when a fit did not converge (the mpl2025 recipe stops
// early by design); 0 for the default fit, which converges.
func TestCurveFitStrict(t *testing.T) {
	train, _, meta := mplFiles(t, "25M")
	if out, errs, code := runCLI(t, "", "curve", "fit", train, "--meta", meta, "--strict"); code != 0 || !strings.Contains(out, "PredE") {
		t.Errorf("default fit --strict: exit %d %s", code, errs)
	}
	if out, errs, code := runCLI(t, "", "curve", "fit", train, "--meta", meta, "--recipe", "mpl2025", "--strict"); code != 1 || !strings.Contains(out, "PredE") || !strings.Contains(errs, "did not converge") {
		t.Errorf("mpl2025 --strict: exit %d %s", code, errs)
	}
}

// The gate's target may be a scaling law's L(N, D) for the run; flags that would be ignored
// or conflict exit 2.
func TestCurveForecastScalingLawTarget(t *testing.T) {
	dir := t.TempDir()
	law := curve.Params{Law: curve.LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5}
	sc, _ := curve.Parse("cosine:warmup=500,steps=10000,peak=3e-4,final=3e-5")
	var sb strings.Builder
	sb.WriteString("run,step,loss\n")
	steps := []int{600, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000}
	for i, l := range curve.Predict(law, sc.LRs(), steps) {
		fmt.Fprintf(&sb, "r,%d,%.6f\n", steps[i], l)
	}
	p := filepath.Join(dir, "r.csv")
	os.WriteFile(p, []byte(sb.String()), 0o644)
	// chinchilla2022 at 1B params, 20B tokens predicts 2.58; the run ends higher than 1% above it
	out, errs, code := runCLI(t, "", "curve", "forecast", p, "--schedule", sc.String(), "--scaling-law", "chinchilla2022",
		"--params", "1B", "--tokens", "20B", "--format", "json", "--bootstrap", "20")
	var got struct {
		Target  float64 `json:"target"`
		Source  string  `json:"target_source"`
		Verdict string  `json:"verdict"`
	}
	if json.Unmarshal([]byte(out), &got) != nil || !strings.Contains(got.Source, "chinchilla2022") || math.Abs(got.Target-(1.69+406.4/math.Pow(1e9, 0.34)+410.7/math.Pow(20e9, 0.28))) > 1e-9 {
		t.Fatalf("exit %d %s\n%s", code, errs, out)
	}
	final := curve.Predict(law, sc.LRs(), []int{sc.Steps - 1})[0]
	if final <= got.Target*1.01 || got.Verdict != "fail" || code != 1 {
		t.Errorf("run ending at %.4f against the law's %.4f: verdict %q, exit %d; want fail and 1", final, got.Target, got.Verdict, code)
	}
	for _, args := range [][]string{
		{"--target", "2.5", "--scaling-law", "chinchilla2022", "--params", "1B", "--tokens", "20B"},
		{"--scaling-law", "chinchilla2022"},
		{"--params", "1B"},
		{"--target", "2.5", "--tolerance", "150%"},
	} {
		if _, _, code := runCLI(t, "", append([]string{"curve", "forecast", p, "--schedule", sc.String()}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// The OLMo ladder end to end: siblings' schedules inferred from their lr columns, the 1B
// 10xC run forecast from its first half with them as the prior (TestForecastOLMoLadder pins
// all five runs).
func TestCurveOLMoInferredSchedules(t *testing.T) {
	src, err := os.ReadFile(repoFile("testdata", "olmo_curves.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	var sib, half strings.Builder
	sib.WriteString(lines[0] + "\n")
	half.WriteString(lines[0] + "\n")
	actual := 0.0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		switch {
		case strings.HasPrefix(l, "1B-10xC,"):
			step, _ := strconv.Atoi(f[5])
			if step <= 162694/2 {
				half.WriteString(l + "\n")
			}
			actual, _ = strconv.ParseFloat(f[12], 64)
		case strings.HasPrefix(l, "1B-"):
			sib.WriteString(l + "\n")
		}
	}
	dir := t.TempDir()
	sibPath, halfPath, prior := filepath.Join(dir, "sib.csv"), filepath.Join(dir, "half.csv"), filepath.Join(dir, "sib.json")
	os.WriteFile(sibPath, []byte(sib.String()), 0o644)
	os.WriteFile(halfPath, []byte(half.String()), 0o644)
	if _, errs, code := runCLI(t, "", "curve", "fit", sibPath, "--loss-col", "loss_c4_en", "--infer-schedule", "cosine", "-q", "-o", prior); code != 0 || !strings.Contains(errs, "schedule-inferred") {
		t.Fatalf("fit: exit %d %s", code, errs)
	}
	spec := "cosine:warmup=804,steps=162694,peak=0.0005154377073139458,final=5.154392348953897e-05"
	out, errs, code := runCLI(t, "", "curve", "forecast", halfPath, "--loss-col", "loss_c4_en", "--schedule", spec, "--fit", prior, "--format", "json")
	var got struct {
		Forecast float64 `json:"forecast"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || math.Abs(got.Forecast-actual)/actual > 0.001 {
		t.Errorf("forecast %.4f of a final loss %.4f (exit %d, %s)", got.Forecast, actual, code, errs)
	}
	if _, errs, code := runCLI(t, "", "curve", "forecast", halfPath, "--loss-col", "loss_c4_en", "--infer-schedule", "cosine"); code != 2 || !strings.Contains(errs, "--schedule SPEC") {
		t.Errorf("forecast --infer-schedule: exit %d %s", code, errs)
	}
}

// CSV is machine-readable: full precision, intervals as _lo/_hi columns.
func TestCurveCSVFullPrecision(t *testing.T) {
	train, _, meta := mplFiles(t, "25M")
	out, _, code := runCLI(t, "", "curve", "fit", train, "--meta", meta, "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, ","); len(f) == 3 && f[1] == "alpha" {
			if len(strings.TrimLeft(f[2], "0.")) < 10 {
				t.Errorf("alpha %q: want full precision", f[2])
			}
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "r.csv")
	os.WriteFile(p, []byte("run,step,loss\nr,100,4\nr,200,3.8\nr,300,3.7\nr,400,3.65\nr,500,3.6\nr,600,3.58\nr,700,3.56\nr,800,3.55\n"), 0o644)
	out, _, code = runCLI(t, "", "curve", "forecast", p, "--schedule", "cosine:warmup=10,steps=2000,peak=1e-3,final=1e-4", "--format", "csv", "--bootstrap", "20")
	if code != 0 || !strings.Contains(out, "interval_lo,interval_hi") {
		t.Errorf("forecast csv: exit %d\n%s", code, out)
	}
}

// --group: one law per model, matched by group when predicting; run ids may repeat across
// groups.
func TestCurveGroups(t *testing.T) {
	f, err := os.Open(repoFile("testdata", "mpl_curves.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, _ := csv.NewReader(f).ReadAll()
	var train, test strings.Builder
	for _, b := range []*strings.Builder{&train, &test} {
		b.WriteString("model,run,step,loss,schedule\n")
	}
	specs := testutil.MPLSchedules(t)
	for _, r := range recs[1:] {
		if r[0] == "400M" || (strings.HasSuffix(r[1], "_24000") && r[3] == "24000") {
			continue
		}
		b := &train
		if r[2] == "test" {
			b = &test
		}
		fmt.Fprintf(b, "%s,%s,%s,%s,%q\n", r[0], r[1], r[3], r[4], specs[r[1]])
	}
	dir := t.TempDir()
	tr, te, js := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv"), filepath.Join(dir, "g.json")
	os.WriteFile(tr, []byte(train.String()), 0o644)
	os.WriteFile(te, []byte(test.String()), 0o644)
	if _, errs, code := runCLI(t, "", "curve", "fit", tr, "--group", "model", "-q", "-o", js); code != 0 {
		t.Fatalf("fit --group: exit %d %s", code, errs)
	}
	out, errs, code := runCLI(t, "", "curve", "predict", "--fit", js, "--against", te, "--group", "model", "--format", "json")
	var doc struct {
		Groups []struct {
			Group     string  `json:"group"`
			PredEMean float64 `json:"pred_e_mean"`
		} `json:"groups"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Groups) != 2 {
		t.Fatalf("predict --group: exit %d %s\n%s", code, errs, out)
	}
	want := map[string]float64{"25M": 0.00152, "100M": 0.00140}
	for _, g := range doc.Groups {
		if math.Abs(g.PredEMean-want[g.Group]) > 2e-5 {
			t.Errorf("group %s: PredE %.5f, want %.5f", g.Group, g.PredEMean, want[g.Group])
		}
	}
	if _, errs, code := runCLI(t, "", "curve", "predict", "--fit", js, "--against", te); code != 2 || !strings.Contains(errs, "--group") {
		t.Errorf("without --group: exit %d %s", code, errs)
	}
}
