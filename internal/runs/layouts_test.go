package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/testutil"
)

// olmoLab writes the OLMo ladder's curves (testdata/olmo_curves.csv, reruns left out) the
// way a lab keeps them: a W&B wide export of the loss by step (with __MIN/__MAX), a folder
// of one JSON Lines log per run (step and train/loss only), a per-run metadata table
// (params, total tokens, flops, batch size), and the tidy table of final points the two
// must reproduce (each run's last logged point).
func olmoLab(t *testing.T) (dir string) {
	t.Helper()
	col, rows := testutil.ReadTable(t, "olmo_curves.csv")
	type point struct {
		step       int
		tokens     float64
		loss, orig string
	}
	curves := map[string][]point{}
	var order []string
	params := map[string]string{}
	batch := map[string]string{}
	for _, r := range rows {
		if r[col["rerun"]] != "0" {
			continue
		}
		id := r[col["run"]]
		if _, ok := curves[id]; !ok {
			order = append(order, id)
		}
		st, _ := strconv.Atoi(r[col["step"]])
		tok, _ := strconv.ParseFloat(r[col["tokens"]], 64)
		curves[id] = append(curves[id], point{st, tok, r[col["loss_c4_en"]], ""})
		params[id], batch[id] = r[col["params"]], r[col["batch_size_tokens"]]
	}
	dir = t.TempDir()
	var tidy, meta bytes.Buffer
	tidy.WriteString("run,params,tokens,flops,loss\n")
	meta.WriteString("run,params,tokens,flops,batch_size_tokens\n")
	steps := map[int]bool{}
	loss := map[string]map[int]string{}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, id := range order {
		c := curves[id]
		sort.Slice(c, func(i, j int) bool { return c[i].step < c[j].step })
		last := c[len(c)-1]
		n, _ := strconv.ParseFloat(params[id], 64)
		flops := strconv.FormatFloat(6*n*last.tokens, 'g', -1, 64)
		tokens := strconv.FormatFloat(last.tokens, 'g', -1, 64)
		fmt.Fprintf(&tidy, "%s,%s,%s,%s,%s\n", id, params[id], tokens, flops, last.loss)
		fmt.Fprintf(&meta, "%s,%s,%s,%s,%s\n", id, params[id], tokens, flops, batch[id])
		loss[id] = map[int]string{}
		var log bytes.Buffer
		for _, p := range c {
			steps[p.step] = true
			loss[id][p.step] = p.loss
			l, _ := strconv.ParseFloat(p.loss, 64)
			b, _ := json.Marshal(map[string]any{"step": p.step, "train/loss": l})
			log.Write(append(b, '\n'))
		}
		write(t, filepath.Join(dir, "logs", id+".jsonl"), log.String())
	}
	write(t, filepath.Join(dir, "tidy.csv"), tidy.String())
	write(t, filepath.Join(dir, "meta.csv"), meta.String())
	var ss []int
	for s := range steps {
		ss = append(ss, s)
	}
	sort.Ints(ss)
	var w bytes.Buffer
	w.WriteString("Step")
	for _, id := range order {
		fmt.Fprintf(&w, ",%s - train/loss,%s - train/loss__MIN,%s - train/loss__MAX", id, id, id)
	}
	w.WriteByte('\n')
	for _, s := range ss {
		w.WriteString(strconv.Itoa(s))
		for _, id := range order {
			v := loss[id][s]
			fmt.Fprintf(&w, ",%s,%s,%s", v, v, v)
		}
		w.WriteByte('\n')
	}
	write(t, filepath.Join(dir, "wandb.csv"), w.String())
	return dir
}

// TestMetaTotalsDoNotOrderCurves (issue 23, finding 1): per-run metadata (total tokens and
// flops) beside logs that give steps must not copy the totals onto every point, which made
// every point tie for "last" and Approaches 2-3 take each run's first point (loss 4.5 at
// step 4). Points go in step order, tokens = total x step / last step, and the W&B wide
// export and the JSON Lines folder give the tidy final-points table's runs and its
// Approach-3 fit.
func TestMetaTotalsDoNotOrderCurves(t *testing.T) {
	dir := olmoLab(t)
	meta := filepath.Join(dir, "meta.csv")
	tidy, err := LoadFiles([]string{filepath.Join(dir, "tidy.csv")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := tidy.Runs
	fitOf := func(rs []Run) *chinchilla.FitResult {
		n, d, _, l := Columns(rs)
		r, err := chinchilla.Fit(n, d, l, chinchilla.FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var ref *chinchilla.FitResult
	if !testing.Short() {
		ref = fitOf(want)
	}
	for _, c := range []struct {
		name  string
		paths []string
	}{
		{"W&B wide export + --meta", []string{filepath.Join(dir, "wandb.csv")}},
		{"JSON Lines folder + --meta", []string{filepath.Join(dir, "logs")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := LoadFiles(c.paths, nil, Options{Meta: meta, LossCol: "train/loss"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(s.Notes, "\n"), "x step / last step") {
				t.Errorf("the notes do not say how tokens were placed: %q", s.Notes)
			}
			got := FinalPoints(s.Runs)
			if len(got) != len(want) {
				t.Fatalf("%d final points, want %d", len(got), len(want))
			}
			byID := map[string]Run{}
			for _, r := range got {
				byID[r.ID] = r
			}
			for _, w := range want {
				g, ok := byID[w.ID]
				if !ok {
					t.Fatalf("no run %s", w.ID)
				}
				for _, v := range [][3]any{{"params", g.Params, w.Params}, {"tokens", g.Tokens, w.Tokens}, {"flops", g.FLOPs, w.FLOPs}, {"loss", g.Loss, w.Loss}} {
					if a, b := v[1].(float64), v[2].(float64); math.Abs(a-b) > 1e-12*b {
						t.Errorf("%s: %s %g, want %g (the tidy table's final point)", w.ID, v[0], a, b)
					}
				}
			}
			// Every point's tokens follow its step (the batch is constant): 524,288 tokens a
			// step at 190M.
			for _, r := range s.Runs {
				st, _ := r.Field("step")
				if r.ID == "190M-0.5xC" && st == "50" && math.Abs(r.Tokens-26214400) > 1e-3 {
					t.Errorf("190M-0.5xC at step 50: tokens %g, want 26214400", r.Tokens)
				}
			}
			if ref == nil {
				return
			}
			g := fitOf(got)
			for k, v := range map[string][2]float64{"E": {g.Law.E, ref.Law.E}, "A": {g.Law.A, ref.Law.A}, "B": {g.Law.B, ref.Law.B},
				"alpha": {g.Law.Alpha, ref.Law.Alpha}, "beta": {g.Law.Beta, ref.Law.Beta}} {
				if math.Abs(v[0]-v[1]) > 1e-9*math.Abs(v[1]) {
					t.Errorf("Approach 3 %s = %g, the tidy table's %g", k, v[0], v[1])
				}
			}
		})
	}
}

// TestParamsDerivedFromFLOPsAndTokens (issue 23, finding 4): compute, tokens and loss
// without a params column (Llama 3's digitised IsoFLOPs) give N = C/(6D), said in the notes.
func TestParamsDerivedFromFLOPsAndTokens(t *testing.T) {
	s, err := Load(strings.NewReader("flops,tokens,loss\n1.2e19,1e10,3.1\n6e19,2.5e10,2.9\n3e20,5e10,2.7\n"), "llama3.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Derived != "params" || !strings.Contains(strings.Join(s.Notes, ";"), "params derived as N = flops / (6 tokens)") {
		t.Errorf("derived %q, notes %q: want params, said", s.Derived, s.Notes)
	}
	for i, want := range []float64{2e8, 4e8, 1e9} {
		if got := s.Runs[i].Params; math.Abs(got-want) > 1e-9*want {
			t.Errorf("run %d: params %g, want %g", i, got, want)
		}
	}
	if _, err := Load(strings.NewReader("tokens,loss\n1e10,3.1\n"), "x.csv", Options{}); err == nil || !strings.Contains(err.Error(), "no params column") {
		t.Errorf("tokens and loss alone: %v, want no params column", err)
	}
}

// TestOneFileWithMeta (issue 23, finding 12): one log without a run column plus --meta is
// one run named by the file's stem, as each file of a folder is (it was refused).
func TestOneFileWithMeta(t *testing.T) {
	dir := t.TempDir()
	meta := write(t, filepath.Join(dir, "meta.csv"), "run,params\n1B-5xC,1.2e9\nother,3e8\n")
	log := write(t, filepath.Join(dir, "1B-5xC.csv"), "step,tokens,train/loss\n100,2e8,4.1\n200,4e8,3.6\n300,6e8,3.4\n")
	s, err := LoadFiles([]string{log}, nil, Options{Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 3 || s.Runs[2].ID != "1B-5xC" || s.Runs[2].Params != 1.2e9 || s.Runs[2].Loss != 3.4 {
		t.Errorf("runs %+v: want 3 points of 1B-5xC with params 1.2e9 and the train/loss column", s.Runs)
	}
}

// TestOneLossAliasList (issue 23, finding 12): fit reads W&B's train/loss as the loss, as
// curve does: one alias list for every layout.
func TestOneLossAliasList(t *testing.T) {
	for _, layout := range []string{"", LayoutCurves} {
		for _, h := range []string{"train/loss", "train_loss", "training_loss", "val_loss"} {
			s, err := Load(strings.NewReader("params,tokens,"+h+"\n1e8,2e9,3.1\n2e8,4e9,2.9\n"), "r.csv", Options{Layout: layout})
			if err != nil || s.Columns["loss"] != h {
				t.Errorf("layout %q, header %s: %v (loss column %q)", layout, h, err, s.Columns["loss"])
			}
		}
	}
}

// TestLogTokensWinOverMetaTotals: a log's own tokens_seen column places its points; the
// metadata's total tokens (another header) are not read for them.
func TestLogTokensWinOverMetaTotals(t *testing.T) {
	dir := t.TempDir()
	meta := write(t, filepath.Join(dir, "meta.csv"), "run,params,tokens\na,1e8,9e9\n")
	log := write(t, filepath.Join(dir, "a.csv"), "step,tokens_seen,loss\n10,1e9,3.5\n20,2e9,3.2\n")
	s, err := LoadFiles([]string{log}, nil, Options{Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	if s.Columns["tokens"] != "tokens_seen" || s.Runs[0].Tokens != 1e9 || s.Runs[1].Tokens != 2e9 {
		t.Errorf("tokens column %q, tokens %g %g: want the log's tokens_seen", s.Columns["tokens"], s.Runs[0].Tokens, s.Runs[1].Tokens)
	}
}

// TestBudgetAliases (issue 23, finding 5's input side): an IsoFLOP sweep's budget column
// is recognised under its usual names.
func TestBudgetAliases(t *testing.T) {
	for _, h := range []string{"budget", "compute_budget", "flops_budget", "budget_flops", "isoflop_budget", "C budget"} {
		s, err := Load(strings.NewReader(h+",params,tokens,loss\n1e18,1e8,1.6e9,3.1\n"), "r.csv", Options{})
		if err != nil || !s.Has("budget") || s.Runs[0].Budget != 1e18 {
			t.Errorf("header %q: %v, budget column %v", h, err, s.Columns["budget"])
		}
	}
}

// TestOLMoLabTestdata: testdata/olmo_wandb.csv and olmo_meta.csv, the W&B workflow of
// docs/inputs.md, are olmoLab's W&B wide export and metadata of testdata/olmo_curves.csv.
// RUNS_WRITE_TESTDATA=1 rewrites them.
func TestOLMoLabTestdata(t *testing.T) {
	dir := olmoLab(t)
	for _, f := range [][2]string{{"wandb.csv", "olmo_wandb.csv"}, {"meta.csv", "olmo_meta.csv"}} {
		want, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("RUNS_WRITE_TESTDATA") == "1" {
			if err := os.WriteFile(testutil.Path(f[1]), want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(testutil.Path(f[1]))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is stale (%v): RUNS_WRITE_TESTDATA=1 go test ./internal/runs -run TestOLMoLabTestdata", f[1], err)
		}
	}
}
