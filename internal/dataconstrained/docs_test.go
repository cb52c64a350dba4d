package dataconstrained

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/internal/plot"
)

var update = flag.Bool("update", false, "rewrite docs/data-running-out.png")

// docs/data-running-out.png is datablations' loss against epochs with the joint fit's
// curves; go test ./internal/dataconstrained -update redraws it.
func TestDocsFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("a data-constrained fit of 161 runs")
	}
	rs := datablations(t)
	r, err := Fit(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := &plot.RepetitionInput{Title: "datablations (161 runs)", Law: r.Law.Loss, LawLabel: "data-constrained fit (joint)", Series: 5}
	for _, x := range rs {
		in.Runs = append(in.Runs, plot.RepetitionRun{Params: x.Params, Tokens: x.Tokens, Unique: x.Unique, Loss: x.Loss})
	}
	fig, err := plot.Repetition(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "data-running-out.png")
	if *update {
		if err := fig.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := fig.WriteTo(&b, "png"); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/dataconstrained -update draws it)", err)
	}
	if !bytes.HasPrefix(have, []byte("\x89PNG")) || len(have) < 10000 {
		t.Errorf("%s: not the figure (%d bytes)", path, len(have))
	}
}
