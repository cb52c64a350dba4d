package versus

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/synth"
)

// Issue 23 #2: a group's fits and bootstrap draws do not depend on the order of its runs
// or on where the other groups come in the input.
func TestCompareInvariantToRowAndGroupOrder(t *testing.T) {
	ref, half, steep := synth.VersusLaws()
	gs := []Group{synthGroup("ref", ref, 0.005, 1), synthGroup("half", half, 0.005, 2), synthGroup("steep", steep, 0.005, 3)}
	shuffle := func(g Group, seed uint64) Group {
		sigma := make([]int, len(g.Loss))
		for i := range sigma {
			sigma[i] = i
		}
		rand.New(rand.NewPCG(seed, 23)).Shuffle(len(sigma), func(i, j int) { sigma[i], sigma[j] = sigma[j], sigma[i] })
		p := func(v []float64) []float64 {
			out := make([]float64, len(v))
			for k, i := range sigma {
				out[k] = v[i]
			}
			return out
		}
		g.Params, g.Tokens, g.FLOPs, g.Loss = p(g.Params), p(g.Tokens), p(g.FLOPs), p(g.Loss)
		return g
	}
	for _, o := range []Options{{Bootstrap: 12, Seed: 4}, {Bootstrap: 8, Seed: 4, SharedE: true}, {Bootstrap: 8, Seed: 4, Frontier: FrontierIsoFLOP}} {
		want, err := Compare(gs, o)
		if err != nil {
			t.Fatal(err)
		}
		// rows shuffled, the two other groups swapped
		got, err := Compare([]Group{shuffle(gs[0], 1), shuffle(gs[2], 2), shuffle(gs[1], 3)}, o)
		if err != nil {
			t.Fatal(err)
		}
		byName := func(r *Result) string {
			fits := slices.Clone(r.Fits)
			slices.SortFunc(fits, func(a, b GroupFit) int { return cmpString(a.Group, b.Group) })
			var cs []string
			for _, c := range r.Comparisons {
				s := fmt.Sprintf("%+v", c)
				for _, m := range c.Multipliers {
					s += fmt.Sprintf(" %+v", *m.Interval)
				}
				cs = append(cs, s)
			}
			slices.Sort(cs)
			return fmt.Sprintf("%+v\n%s\n%v %v", fits, pointers.ReplaceAllString(strings.Join(cs, "\n"), "0x"), r.E, r.EInterval)
		}
		if a, b := byName(want), byName(got); a != b {
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Errorf("shared E %v, frontier %q: rows and group order shuffled: the fits changed at byte %d:\n...%s\n...%s", o.SharedE, o.Frontier, i, a[max(0, i-300):min(len(a), i+100)], b[max(0, i-300):min(len(b), i+100)])
		}
	}
}

var pointers = regexp.MustCompile(`0x[0-9a-f]+`)

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
