package tasks

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/stats"
)

var olmoCols = Columns{Task: "task", TaskLoss: "task_bpb", Metric: "task_acc"}

// loadOLMo reads testdata/olmo_ladder_tasks.csv (the 16 ladder runs of the OLMo recipe
// and the 7B and 13B targets) with the targets held out.
func loadOLMo(t testing.TB) (*Data, []Target) {
	t.Helper()
	f, err := os.Open("../../testdata/olmo_ladder_tasks.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Load(f, "olmo_ladder_tasks.csv", olmoCols, "params>=5e9")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := HeldTargets(d)
	if err != nil {
		t.Fatal(err)
	}
	return d, tg
}

var olmoOnce struct {
	sync.Once
	res *Result
	err error
}

// olmoDefault is the analysis of the OLMo ladder with the default recipe, shared by the
// tests that read it (it must not be modified).
func olmoDefault(t testing.TB) (*Data, []Target, *Result) {
	t.Helper()
	d, tg := loadOLMo(t)
	olmoOnce.Do(func() { olmoOnce.res, olmoOnce.err = Analyze(d, tg, Options{}) })
	if olmoOnce.err != nil {
		t.Fatal(olmoOnce.err)
	}
	return d, tg, olmoOnce.res
}

// published reads testdata/olmo_ladder_tasks_published.csv keyed by "target/task".
func published(t testing.TB) map[string]map[string]float64 {
	t.Helper()
	recs := testutil.ReadCSV(t, "olmo_ladder_tasks_published.csv")
	out := map[string]map[string]float64{}
	for _, r := range recs[1:] {
		m := map[string]float64{}
		for i, h := range recs[0][2:] {
			if v, err := strconv.ParseFloat(r[i+2], 64); err == nil {
				m[h] = v
			}
		}
		out[r[0]+"/"+r[1]] = m
	}
	return out
}

// The OLMo recipe reproduces the published chained predictions of all 16 (target, task)
// pairs and the 13B step-1 task losses (Bhagia et al. 2024; published_predictions.csv).
func TestOLMoLadderReproducesPublished(t *testing.T) {
	d, tg, res := olmoDefault(t)
	if len(tg) != 2 || tg[0].Run != "7B-4T" || tg[1].Run != "13B-5T" {
		t.Fatalf("targets %+v: want 7B-4T and 13B-5T", tg)
	}
	if len(d.Tasks) != 8 {
		t.Fatalf("%d tasks, want 8", len(d.Tasks))
	}
	pub := published(t)
	pairs, losses := 0, 0
	for _, tr := range res.Tasks {
		if len(tr.Ladder) != 16 {
			t.Errorf("%s: %d ladder runs, want 16", tr.Task, len(tr.Ladder))
		}
		for _, p := range tr.Predictions {
			want := pub[p.Run+"/"+tr.Task]
			if want == nil {
				t.Fatalf("no published row for %s/%s", p.Run, tr.Task)
			}
			pairs++
			// Measured: every pair within 2e-5 of the published accuracy.
			if got := p.Metric; math.Abs(got-want["acc_predicted_chained"]) > 0.001 {
				t.Errorf("%s/%s: chained prediction %.4f, published %.4f", p.Run, tr.Task, got, want["acc_predicted_chained"])
			}
			if math.Abs(p.MetricActual-want["acc_actual"]) > 0.0005 {
				t.Errorf("%s/%s: actual %.4f, published %.4f", p.Run, tr.Task, p.MetricActual, want["acc_actual"])
			}
			if l, ok := want["bpb_predicted_step1"]; ok {
				losses++
				if r := p.TaskLoss/l - 1; math.Abs(r) > 0.005 {
					t.Errorf("%s/%s: step-1 task loss %.4f, published %.4f (%.2f%%)", p.Run, tr.Task, p.TaskLoss, l, 100*r)
				}
				if r := p.TaskLossActual/want["bpb_actual"] - 1; math.Abs(r) > 1e-5 {
					t.Errorf("%s/%s: actual task loss %.5f, published %.5f", p.Run, tr.Task, p.TaskLossActual, want["bpb_actual"])
				}
			}
		}
	}
	if pairs != 16 || losses != 8 {
		t.Errorf("compared %d pairs and %d task losses, want 16 and 8", pairs, losses)
	}
	// The published 13B MMLU law: L = 38.07/N^0.23 + 100.09/D^0.24 + 0.45 (SOURCE.md).
	mmlu := res.Tasks[0].Step1
	for _, c := range []struct{ got, want, tol float64 }{{mmlu.A, 38.07, 0.01}, {mmlu.B, 100.09, 0.01}, {mmlu.E, 0.45, 0.02}, {mmlu.Alpha, 0.23, 0.02}, {mmlu.Beta, 0.24, 0.02}} {
		if math.Abs(c.got/c.want-1) > c.tol {
			t.Errorf("MMLU step 1 %+v: want A 38.07, B 100.09, E 0.45, alpha 0.23, beta 0.24", mmlu)
			break
		}
	}
}

// The bootstrap refits both steps over resamples of the ladder runs; its 95% intervals
// cover the actual accuracy in at least 10 of the 16 pairs (12 measured with 1,000
// resamples, seed 1; here 200 resamples keep the test fast).
func TestOLMoLadderIntervalsCover(t *testing.T) {
	if testing.Short() {
		t.Skip("bootstrap")
	}
	d, tg := loadOLMo(t)
	res, err := Analyze(d, tg, Options{Bootstrap: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cover := 0
	for _, tr := range res.Tasks {
		if tr.Resamples < 195 {
			t.Errorf("%s: %d usable resamples of 200", tr.Task, tr.Resamples)
		}
		for _, p := range tr.Predictions {
			iv := p.MetricInterval
			if !p.HasInterval || !(iv[0] <= p.Metric && p.Metric <= iv[1]) {
				t.Errorf("%s/%s: interval %v does not contain the prediction %.4f", p.Run, tr.Task, iv, p.Metric)
			}
			if iv[0] <= p.MetricActual && p.MetricActual <= iv[1] {
				cover++
			}
		}
	}
	if cover < 10 {
		t.Errorf("intervals cover the actual in %d of 16 pairs, want >= 10", cover)
	}
}

// The bootstrap is reproducible and independent of the number of workers.
func TestBootstrapDeterministic(t *testing.T) {
	d, tg := loadOLMo(t)
	d.Tasks = d.Tasks[:2]
	var got []string
	for _, w := range []int{1, 3} {
		var last, total atomic.Int64
		res, err := Analyze(d, tg, Options{Bootstrap: 20, Seed: 7, Workers: w, Progress: func(done, tot int) {
			for {
				l := last.Load()
				if int64(done) <= l || last.CompareAndSwap(l, int64(done)) {
					break
				}
			}
			total.Store(int64(tot))
		}})
		if err != nil {
			t.Fatal(err)
		}
		if last.Load() != 40 || total.Load() != 40 {
			t.Errorf("progress reached %d of %d, want 40 of 40 (2 tasks x 20)", last.Load(), total.Load())
		}
		got = append(got, fmt.Sprint(res.Tasks[0].Predictions, res.Tasks[1].Predictions))
	}
	if got[0] != got[1] {
		t.Errorf("1 worker:\n%s\n3 workers:\n%s", got[0], got[1])
	}
}

// Step 1 recovers a known law from noiseless ladder points (16 runs: 4 sizes x 4 token
// multiples), interior and with E = 0 on its bound.
func TestStep1RecoversKnownLaw(t *testing.T) {
	for _, want := range []chinchilla.Law{
		{E: 0.45, A: 38, B: 100, Alpha: 0.23, Beta: 0.24},
		{E: 0.6, A: 400, B: 10, Alpha: 0.4, Beta: 0.15},
		{E: 0, A: 57, B: 11, Alpha: 0.235, Beta: 0.111},
	} {
		var n, d, l []float64
		for _, np := range []float64{190e6, 370e6, 760e6, 1.3e9} {
			for _, m := range []float64{20, 40, 100, 200} {
				n, d, l = append(n, np), append(d, m*np), append(l, want.Loss(np, m*np))
			}
		}
		s, err := newStep1(n, d, l, fit.Loss{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.fitFull(0)
		if err != nil {
			t.Fatal(err)
		}
		got := f.Law
		for _, q := range [][2]float64{{13e9, 5e12}, {7e9, 4e12}, {70e9, 15e12}} {
			if r := got.Loss(q[0], q[1])/want.Loss(q[0], q[1]) - 1; math.Abs(r) > 1e-4 {
				t.Errorf("law %+v: fitted %+v predicts %.5f at N=%g D=%g, want %.5f", want, got, got.Loss(q[0], q[1]), q[0], q[1], want.Loss(q[0], q[1]))
			}
		}
		if want.E == 0 && f.Face != "E=0" && !(got.E < 1e-4) {
			t.Errorf("law %+v: fitted E %g on face %q, want E = 0 or nearly", want, got.E, f.Face)
		}
	}
}

// The screened search (48 polished starts of 6,100) finds the optimum of starting from every
// grid point on the OLMo ladder (three tasks here, for time: MMLU, ARC-Challenge with the
// largest exponent, CSQA whose optimum is on the bound E = 0; all eight pass).
func TestStep1ScreenedSearchMatchesFullGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("full grid")
	}
	d, _ := loadOLMo(t)
	for _, ti := range []int{0, 2, 5} {
		task := d.Tasks[ti]
		n, dd, l := make([]float64, len(task.Ladder)), make([]float64, len(task.Ladder)), make([]float64, len(task.Ladder))
		for i, s := range task.Ladder {
			n[i], dd[i], l[i] = step1Point(s, 5)
		}
		s, err := newStep1(n, dd, l, fit.Loss{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.fitFull(0)
		if err != nil {
			t.Fatal(err)
		}
		// Every grid start, capped at 60 evaluations, then the best 5 polished.
		ms, err := fit.MultiStart(s.obj, step1Grid(), fit.MultiStartOptions{Admissible: admissible, LocalOptions: fit.LocalOptions{FuncEvaluations: 60}})
		if err != nil {
			continue
		}
		idx := make([]int, len(ms.Finals))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return stats.CompareNaNLast(ms.Objectives[a], ms.Objectives[b]) })
		var best [][]float64
		for _, i := range idx[:5] {
			best = append(best, ms.Finals[i])
		}
		ms, err = fit.MultiStart(s.obj, best, fit.MultiStartOptions{Admissible: admissible})
		if err == nil && ms.F < f.Objective && !fit.WithinBest(f.Objective, ms.F, 1e-6) {
			t.Errorf("%s: screened objective %.8g, full grid %.8g", task.Name, f.Objective, ms.F)
		}
	}
}

// Step 2 recovers a known sigmoid and a known exponential link, and keeps the bounds.
func TestLinkRecoversKnownParameters(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		kind LinkKind
		p    []float64
	}{
		{Sigmoid, []float64{-0.74, 0.62, 4.8, 1}},
		{Sigmoid, []float64{-0.6, 0.9, 7, 0.95}},
		{Exp, []float64{0.75, 0.9, 1.2}},
	}
	for _, c := range cases {
		want := Link{Kind: c.kind, Params: c.p, Max: 1}
		var x, y []float64
		for i := 0; i < 400; i++ {
			xi := 0.4 + 1.4*r.Float64()
			x, y = append(x, xi), append(y, want.Metric(xi)+0.002*r.NormFloat64())
		}
		lp := newLinkProblem(c.kind, 1, x, y, nil)
		got, _ := lp.fit(linkStarts(c.kind, 0.25, 1), linkIters)
		for i := range c.p {
			if math.Abs(got.Params[i]-c.p[i]) > 0.05*math.Max(1, math.Abs(c.p[i])) {
				t.Errorf("%s %v: fitted %v", c.kind, c.p, got.Params)
				break
			}
		}
	}
	// A rising metric (the wrong sign for a loss) cannot be followed with a in [-1, 0] and
	// k >= 0: the best link is flat (k = 0 or a = 0).
	var x, y []float64
	for i := 0; i < 50; i++ {
		x = append(x, 0.5+float64(i)/50)
		y = append(y, 0.3+0.2*float64(i)/50)
	}
	got, _ := newLinkProblem(Sigmoid, 1, x, y, nil).fit(linkStarts(Sigmoid, 0.25, 1), linkIters)
	lo := []float64{-1, 0, 0, 0}
	hi := []float64{0, math.Inf(1), math.Inf(1), 1}
	for i, v := range got.Params {
		if v < lo[i] || v > hi[i] {
			t.Errorf("parameter %d = %g outside [%g, %g]", i, v, lo[i], hi[i])
		}
	}
	if d := got.Metric(0.5) - got.Metric(1.5); math.Abs(d) > 1e-6 {
		t.Errorf("link %v changes by %g over the data, want flat for a rising metric", got.Params, d)
	}
}

func TestTrailingMeanAndSkip(t *testing.T) {
	got := trailingMean([]float64{1, 2, 3, 4, 5, 6}, 3)
	want := []float64{1, 1.5, 2, 3, 4, 5}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("trailingMean = %v, want %v", got, want)
	}
	s := Series{}
	for i := 0; i < 11; i++ {
		s.Checkpoints = append(s.Checkpoints, Checkpoint{Tokens: float64(i), TaskLoss: float64(i), Metric: float64(10 * i)})
	}
	// ceil(0.1·11) = 2 checkpoints dropped, then a 2-point trailing mean.
	x, y := step2Points(s, 0.1, 2)
	if fmt.Sprint(x) != "[2 2.5 3.5 4.5 5.5 6.5 7.5 8.5 9.5]" || y[1] != 25 {
		t.Errorf("step2Points: x %v y %v", x, y)
	}
	if n, d, l := step1Point(s, 5); n != 0 || d != 10 || l != 8 {
		t.Errorf("step1Point = %v %v %v, want 0 10 8", n, d, l)
	}
}

// Bad input is an error that marks ErrInput (exit 2): a task with fewer than 5 ladder runs,
// a held-out run without rows for a task; a metric below chance is a warning.
func TestBadInput(t *testing.T) {
	row := func(run string, n, d float64, task string, loss, acc float64) string {
		return fmt.Sprintf("%s,%g,%g,%s,%g,%g,0.25\n", run, n, d, task, loss, acc)
	}
	law := chinchilla.Law{E: 0.5, A: 40, B: 100, Alpha: 0.23, Beta: 0.24}
	build := func(tasks []string, runsPerTask int, skipTarget string) string {
		var b strings.Builder
		b.WriteString("run,params,tokens,task,bpb,acc,acc_chance\n")
		for _, task := range tasks {
			for i := 0; i < runsPerTask; i++ {
				n := 1e8 * math.Pow(2, float64(i))
				for k := 1; k <= 10; k++ {
					d := 20 * n * float64(k) / 10 * float64(1+i%3)
					l := law.Loss(n, d)
					b.WriteString(row(fmt.Sprintf("r%d", i), n, d, task, l, 0.2+0.5/(1+math.Exp(5*(l-1)))))
				}
			}
			if task != skipTarget {
				b.WriteString(row("big", 1e10, 2e11, task, law.Loss(1e10, 2e11), 0.6))
			}
		}
		return b.String()
	}
	cols := Columns{Task: "task", TaskLoss: "bpb", Metric: "acc"}
	opts := Options{}
	analyze := func(csvText string) (*Result, error) {
		d, err := Load(strings.NewReader(csvText), "x.csv", cols, "params>=5e9")
		if err != nil {
			return nil, err
		}
		tg, err := HeldTargets(d)
		if err != nil {
			return nil, err
		}
		return Analyze(d, tg, opts)
	}
	if _, err := analyze(build([]string{"a", "b"}, 4, "")); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "4 ladder runs") {
		t.Errorf("4 runs: err %v, want ErrInput naming 4 ladder runs", err)
	}
	if _, err := analyze(build([]string{"a", "b"}, 6, "b")); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "big has no rows for task b") {
		t.Errorf("target without rows: err %v, want ErrInput", err)
	}
	res, err := analyze(build([]string{"a"}, 6, ""))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || w.Code == "metric-below-chance"
	}
	if !found {
		t.Errorf("warnings %v: want metric-below-chance (metrics from 0.2)", res.Warnings)
	}
	// One model size for every ladder run: step 1 cannot separate A/N^alpha from E.
	d, err := Load(strings.NewReader(build([]string{"a"}, 6, "")), "x.csv", cols, "")
	if err == nil {
		for i := range d.Tasks[0].Ladder {
			d.Tasks[0].Ladder[i].Params = 1e8
		}
		_, err = Analyze(d, []Target{{Run: "p", Params: 1e9, Tokens: 1e11, Hypothetical: true}}, Options{})
	}
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "same parameter count N") {
		t.Errorf("one size: err %v, want ErrInput naming N", err)
	}
	// --chance overrides the column: every one of the 61 rows is below 0.99.
	opts = Options{Chance: 0.99, ChanceSet: true}
	if res, err = analyze(build([]string{"a"}, 6, "")); err != nil || !strings.Contains(fmt.Sprint(res.Warnings), "61 rows have a metric below the chance level 0.99") {
		t.Errorf("--chance 0.99: err %v, warnings %v", err, res.Warnings)
	}
	if _, err := Load(strings.NewReader("run,params,tokens,task,bpb,acc\nr,1e8,1e9,a,1,x\n"), "x.csv", cols, ""); err == nil || !strings.Contains(err.Error(), "x.csv:2:6") {
		t.Errorf("bad metric: err %v, want x.csv:2:6", err)
	}
}

// A link that does not move over the ladder is flagged flat; a prediction whose change
// from the ladder's best run is within twice the noise is flagged within-noise; a task that
// moves and a prediction far beyond the ladder get neither.
func TestTaskWarnings(t *testing.T) {
	ladder := []LadderPoint{{Run: "a", TaskLoss: 1.2}, {Run: "b", TaskLoss: 1.1}, {Run: "c", TaskLoss: 1.0}}
	moving := Link{Kind: Sigmoid, Params: []float64{-0.7, 0.8, 5, 1}, Max: 1}
	flat := Link{Kind: Sigmoid, Params: []float64{-0.7, 0.8, 0, 1}, Max: 1}
	codes := func(tr *TaskResult) string {
		var c []string
		for _, w := range taskWarnings(tr) {
			if w.Group != "t" {
				t.Errorf("warning %v: group %q, want t", w, w.Group)
			}
			c = append(c, w.Code)
		}
		return strings.Join(c, ",")
	}
	for _, c := range []struct {
		name string
		link Link
		loss float64 // predicted task loss
		want string
	}{
		{"moving, far", moving, 0.6, ""},
		{"moving, near the best run", moving, 0.999, "within-noise"},
		{"flat", flat, 0.6, "flat-link,within-noise"},
	} {
		tr := &TaskResult{Task: "t", Ladder: ladder, Link: c.link, Noise: 0.005, Step1Converged: true,
			Predictions: []Prediction{{Run: "big", TaskLoss: c.loss, Metric: c.link.Metric(c.loss)}}}
		if got := codes(tr); got != c.want {
			t.Errorf("%s: warnings %q, want %q", c.name, got, c.want)
		}
	}
}

// README: on the OLMo ladder the sigmoid link's mean |error| is 3.8 and 4.2 points for the
// 7B and 13B, the exponential link's 10.6 and 11.4.
func TestOLMoLadderLinksCompared(t *testing.T) {
	d, tg, sig := olmoDefault(t)
	for _, c := range []struct {
		link LinkKind
		want [2]float64
	}{{Sigmoid, [2]float64{0.038, 0.042}}, {Exp, [2]float64{0.106, 0.114}}} {
		res := sig
		if c.link != Sigmoid {
			var err error
			if res, err = Analyze(d, tg, Options{Link: c.link}); err != nil {
				t.Fatal(err)
			}
		}
		var mae [2]float64
		for _, tr := range res.Tasks {
			for j, p := range tr.Predictions {
				mae[j] += math.Abs(p.Error()) / float64(len(res.Tasks))
			}
		}
		for j := range mae {
			if math.Abs(mae[j]-c.want[j]) > 0.0005 {
				t.Errorf("%s link, %s: mean |error| %.4f, want %.3f", c.link, tg[j].Run, mae[j], c.want[j])
			}
		}
	}
}

// Bootstrap refits of step 2 stop at a relative SSE decrease of 1e-9; polishing them to
// 1e-14 moves the link's metric at the targets by well under 1e-4 on the OLMo ladder.
func TestLinkRefitTolerance(t *testing.T) {
	d, _, res := olmoDefault(t)
	worst := 0.0
	for ti, tr := range res.Tasks {
		for k := 0; k < 10; k++ {
			c := stats.Counts(rand.New(rand.NewPCG(1, uint64(k))), len(d.Tasks[ti].Ladder))
			w := make([]float64, len(tr.Step2Run))
			for i, o := range tr.Step2Run {
				w[i] = 1
				if o >= 0 {
					w[i] = float64(c[o])
				}
			}
			lp := newLinkProblem(Sigmoid, 1, tr.Step2X, tr.Step2Y, w)
			loose, _ := lp.fit([][]float64{tr.Link.Params}, linkIters)
			lp.tol = 1e-14
			tight, _ := lp.fit([][]float64{loose.Params}, 1000)
			for _, pr := range tr.Predictions {
				worst = math.Max(worst, math.Abs(loose.Metric(pr.TaskLoss)-tight.Metric(pr.TaskLoss)))
			}
		}
	}
	t.Logf("largest change %.2g", worst)
	if worst > 1e-4 {
		t.Errorf("polishing bootstrap refits moves the metric by up to %.2g, want < 1e-4", worst)
	}
}

// Step-1 bootstrap refits start from the full-data optimum only; also starting from the
// other full-data optima moves the interval ends by at most 0.001 with 1,000 resamples
// (measured with the CLI) and 0.0043 with the 200 here (MMLU and ARC-Challenge, where the
// extra starts found lower objectives; fewer draws make each percentile move more),
// against interval widths of 0.09 and more.
func TestRefitWarmStartSuffices(t *testing.T) {
	if testing.Short() {
		t.Skip("bootstrap")
	}
	d, tg := loadOLMo(t)
	d.Tasks = []Task{d.Tasks[0], d.Tasks[2]}
	one, err := Analyze(d, tg, Options{Bootstrap: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	all, err := Analyze(d, tg, Options{Bootstrap: 200, Seed: 1, refitAllStarts: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range one.Tasks {
		for j, p := range one.Tasks[i].Predictions {
			q := all.Tasks[i].Predictions[j]
			for k := range 2 {
				if math.Abs(p.MetricInterval[k]-q.MetricInterval[k]) > 0.005 {
					t.Errorf("%s/%s: interval %v with one start, %v with all", one.Tasks[i].Task, p.Run, p.MetricInterval, q.MetricInterval)
				}
			}
		}
	}
}
