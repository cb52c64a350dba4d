// Command gensynth writes testdata/synthetic.csv, runs generated from the known law
// synth.Example (E 1.7, A 450, B 1600, alpha 0.33, beta 0.37). Run it from the repository
// root: go run ./tools/gensynth > testdata/synthetic.csv
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/scalefit/scalefit/internal/synth"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	if err := synth.WriteExample(w); err != nil {
		fmt.Fprintln(os.Stderr, "gensynth:", err)
		os.Exit(2)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gensynth:", err)
		os.Exit(2)
	}
}
