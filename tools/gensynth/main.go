// Command gensynth writes the synthetic example data from known laws. Run it from the
// repository root:
//
//	go run ./tools/gensynth > testdata/synthetic.csv
//	go run ./tools/gensynth -versus > testdata/versus_synthetic.csv
//
// The first is runs of synth.Example (E 1.7, A 450, B 1600, alpha 0.33, beta 0.37); the
// second three designs with known compute multipliers (synth.VersusLaws).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/scalefit/scalefit/internal/synth"
)

func main() {
	vs := flag.Bool("versus", false, "write the three-design comparison data (testdata/versus_synthetic.csv)")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	write := synth.WriteExample
	if *vs {
		write = synth.WriteVersusExample
	}
	if err := write(w); err != nil {
		fmt.Fprintln(os.Stderr, "gensynth:", err)
		os.Exit(2)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gensynth:", err)
		os.Exit(2)
	}
}
