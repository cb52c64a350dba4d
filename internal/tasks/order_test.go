package tasks

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// Issue 23 #2: each task's two-step fit, its bootstrap intervals and its ladder table do
// not depend on the order of the rows (testdata/olmo_ladder_tasks.csv shuffled).
func TestAnalyzeInvariantToRowOrder(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/olmo_ladder_tasks.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	analyze := func(rows []string) map[string]string {
		t.Helper()
		d, err := Load(strings.NewReader(lines[0]+"\n"+strings.Join(rows, "\n")+"\n"), "tasks.csv", olmoCols, "params>=5e9")
		if err != nil {
			t.Fatal(err)
		}
		tg, err := HeldTargets(d)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(d.Tasks, func(a, b Task) int { return strings.Compare(a.Name, b.Name) })
		d.Tasks = d.Tasks[:2]
		for i := range d.Tasks { // line numbers echo the input
			for _, ss := range [][]Series{d.Tasks[i].Ladder, d.Tasks[i].Held} {
				for j := range ss {
					for k := range ss[j].Checkpoints {
						ss[j].Checkpoints[k].Line = 0
					}
				}
			}
		}
		res, err := Analyze(d, tg, Options{Bootstrap: 16, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, tr := range res.Tasks {
			// predictions come per target, in the order the targets were met (an echo of
			// the input): compare them by target
			preds := map[string]string{}
			for _, p := range tr.Predictions {
				preds[p.Run] = fmt.Sprintf("%+v", p)
			}
			tr.Predictions = nil
			out[tr.Task] = fmt.Sprintf("%+v %v", tr, preds)
		}
		return out
	}
	body := lines[1:]
	want := analyze(body)
	for seed := uint64(1); seed <= 2; seed++ {
		rows := slices.Clone(body)
		rand.New(rand.NewPCG(seed, 23)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		got := analyze(rows)
		for task, w := range want {
			if g := got[task]; g != w {
				t.Errorf("task %s, rows shuffled (seed %d): the fit changed:\n%.700s\n%.700s", task, seed, w, g)
			}
		}
	}
}
