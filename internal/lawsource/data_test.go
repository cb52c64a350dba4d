package lawsource

import (
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/fitfile"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/plan"
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
