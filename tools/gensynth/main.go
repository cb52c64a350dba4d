// Command gensynth writes the synthetic example data from known laws. Run it from the
// repository root:
//
//	go run ./tools/gensynth > testdata/synthetic.csv
//	go run ./tools/gensynth -versus > testdata/versus_synthetic.csv
//	go run ./tools/gensynth -flat 240000 > /tmp/flat240k.csv
//
// The first is runs of synth.Example (E 1.7, A 450, B 1600, alpha 0.33, beta 0.37); the
// second three designs with known compute multipliers (synth.VersusLaws); -flat N writes N
// one-point runs of the same law (synth.FlatSweep, seed -seed), the benchmarks' large inputs
// (not committed: 240,000 rows are 11 MB).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/scalefit/scalefit/internal/synth"
)

func main() {
	vs := flag.Bool("versus", false, "write the three-design comparison data (testdata/versus_synthetic.csv)")
	flat := flag.Int("flat", 0, "write this many one-point runs of the example law (a flat sweep for benchmarks)")
	seed := flag.Uint64("seed", 1, "seed of -flat")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	write := synth.WriteExample
	switch {
	case *flat > 0:
		write = func(w io.Writer) error { return synth.WriteFlatSweep(w, *flat, *seed) }
	case *vs:
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
