package lawsource

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

func hasCode(ws []warn.Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

func g(x float64) string { return "" }

// A fit.json with a data-constrained entry answers repeated-data plans with that entry (its
// base law and R_D*, R_N*, each draw its own), without the C4 constants or a double-count
// warning; one without warns that the penalty may count repetition twice.
func TestDataConstrainedEntry(t *testing.T) {
	doc := mustDoc(t)
	doc.Fits = append(doc.Fits, fitfile.Fit{Law: DataConstrained,
		Params:    map[string]float64{"E": 2.2, "A": 388.7, "B": 22827, "alpha": 0.3415, "beta": 0.4678, "R_D*": 25.09, "R_N*": 9628},
		DrawNames: dataNames[:],
		Bootstrap: [][]float64{{2.2, 388.7, 22827, 0.3415, 0.4678, 20, 100}, {2.1, 380, 22000, 0.34, 0.47, 30, 9000}},
		Extra:     map[string]any{"recipe": "joint"}})
	path := filepath.Join(t.TempDir(), "dc.json")
	if err := fitfile.Write(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := FromFile(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Data == nil || s.Chinchilla.E != 2.2 || s.RDStar != 25.09 || len(s.DataDraws) != 2 || s.DataDraws[1].RNStar != 9000 || len(s.Draws) != 2 {
		t.Fatalf("source %+v: want the data-constrained entry with its two draws", s)
	}
	dl, ws := s.DataLaw(chinchilla.Law{E: 9, A: 1, B: 1, Alpha: 1, Beta: 1}, nil, nil, g)
	if dl != *s.Data || len(ws) != 0 {
		t.Errorf("DataLaw %+v, %v: want the fitted law, no warnings", dl, ws)
	}
	rd := 3.0
	if dl, _ := s.DataLaw(chinchilla.Law{}, &rd, nil, g); dl.RDStar != 3 || dl.Law != s.Data.Law || dl.RNStar != 9628 {
		t.Errorf("--rd-star 3: %+v", dl)
	}
	if _, ok := s.ConstrainedIntervals(*s.Data, 1e22, 25e9); !ok {
		t.Errorf("no intervals from the entry's draws")
	}

	plain, err := FromFile(golden, 3)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Data != nil {
		t.Fatalf("a fit without a data-constrained entry has one: %+v", plain.Data)
	}
	dl, ws = plain.DataLaw(*plain.Chinchilla, nil, nil, g)
	if !hasCode(ws, plan.CodePenaltyDoubleCount) || !hasCode(ws, plan.CodeDefaultRepetition) || dl.Law != *plain.Chinchilla {
		t.Errorf("plain fit: %v: want penalty-may-double-count and default-repetition-constants", ws)
	}
	if _, ws := FromBuiltin(mustLaw(t, "chinchilla2022")).DataLaw(chinchilla.Law{E: 1}, nil, nil, g); hasCode(ws, plan.CodePenaltyDoubleCount) {
		t.Errorf("a published law warns of double counting: %v", ws)
	}
}

func mustLaw(t *testing.T, name string) *laws.Law {
	t.Helper()
	l, err := laws.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// check's law: the data-constrained entry predicts each run with its own unique tokens (a
// column found by the family's aliases), the base law without them; a bad count names its
// line.
func TestRunLaw(t *testing.T) {
	doc := mustDoc(t)
	doc.Fits = append(doc.Fits, fitfile.Fit{Law: DataConstrained,
		Params: map[string]float64{"E": 2.2, "A": 388.7, "B": 22827, "alpha": 0.3415, "beta": 0.4678, "R_D*": 25.09, "R_N*": 9628}})
	path := filepath.Join(t.TempDir(), "dc.json")
	if err := fitfile.Write(path, doc); err != nil {
		t.Fatal(err)
	}
	rl, err := ReadRunLaw(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := runs.Load(strings.NewReader("params,tokens,U,loss\n1e9,1e11,1e10,2.6\n1e9,1e11,1e11,2.5\n"), "new.csv", runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	us, note, err := rl.UniqueTokens(set)
	if err != nil || us[0] != 1e10 || !strings.Contains(note, "U") {
		t.Fatalf("unique tokens %v, %q, %v", us, note, err)
	}
	if a, b := rl.Predict(1e9, 1e11, us[0]), rl.Predict(1e9, 1e11, us[1]); !(a > b) || b != rl.Data.Loss(1e9, 1e11, 1e11) {
		t.Errorf("10 epochs predict %g, 1 epoch %g: want repetition to cost loss", a, b)
	}
	bad, _ := runs.Load(strings.NewReader("params,tokens,unique,loss\n1e9,1e11,1e10,2.6\n1e9,1e11,-3,2.5\n"), "bad.csv", runs.Options{})
	if _, _, err := rl.UniqueTokens(bad); err == nil || !strings.Contains(err.Error(), "bad.csv:3") {
		t.Errorf("U = -3: %v, want an error naming bad.csv:3", err)
	}
	none, _ := runs.Load(strings.NewReader("params,tokens,loss\n1e9,1e11,2.6\n"), "none.csv", runs.Options{})
	if us, note, err := rl.UniqueTokens(none); err != nil || !math.IsNaN(us[0]) || !strings.Contains(note, "unlimited") || rl.Predict(1e9, 1e11, us[0]) != rl.Law.Loss(1e9, 1e11) {
		t.Errorf("no column: %v %q %v", us, note, err)
	}
	a3, err := ReadRunLaw(golden)
	if err != nil || a3.Data != nil || a3.Name != "chinchilla approach 3" {
		t.Errorf("golden: %+v, %v", a3, err)
	}
}
