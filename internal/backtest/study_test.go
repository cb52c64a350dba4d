package backtest

import (
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/synth"
	"github.com/scalefit/scalefit/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the generated sections of docs/backtest.md")

// design is a synthetic IsoFLOP sweep as the acceptance check draws them: Hoffmann et al.'s
// printed law, half-decade budgets from 1e17 to 10^hi FLOPs, 9 sizes over ±1 decade around
// the optimum, 1% log-normal noise, the reducible loss bent by br (none when br.Change is 0).
type design struct {
	name string
	br   synth.Break
	hi   float64
}

var gPrinted = synth.Printed.Alpha * synth.Printed.Beta / (synth.Printed.Alpha + synth.Printed.Beta)

// the acceptance design's break: the exponent halves at 1e19 with smoothness 0.3
var accBreak = synth.Break{FLOPs: 1e19, S: 0.3, Change: -gPrinted / 2}

func (d design) points(seed uint64) []chinchilla.Point {
	var pts []chinchilla.Point
	for _, r := range synth.BrokenGrid(synth.Printed, d.br, synth.HalfDecades(17, d.hi), 9, 10, 0.01, seed) {
		pts = append(pts, chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget})
	}
	return pts
}

// rule is the break test's configuration: how minima are located, the smoothness of the
// broken law and how many of the largest cuts are scored.
type rule struct {
	vertex chinchilla.VertexMethod
	s      float64
	scored int
	margin float64
}

// claim runs the break test on one sweep: whether a break is claimed and where the broken law
// fitted to every minimum puts it.
func (r rule) claim(pts []chinchilla.Point) (claimed bool, cb float64) {
	iso, _ := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{Vertex: r.vertex})
	vs := bpl.Vertices(iso)
	if len(vs) < 8 {
		return false, 0
	}
	n := len(vs)
	var cuts []float64
	for _, v := range vs[n-1-r.scored : n-1] {
		cuts = append(cuts, v.FLOPs)
	}
	_, _, g, ok := BreakGain(vs[:n-1], cuts, vs[n-1], bpl.Options{Smoothness: r.s, Workers: 1})
	f, err := bpl.Fit(vs, bpl.Options{Smoothness: r.s, Workers: 1})
	if !ok || err != nil || g <= r.margin || !f.Law.Broken() {
		return false, 0
	}
	return true, f.Law.Cb
}

// devBootstrap is the bootstrap behind the development set's coverage (fewer resamples than
// the default: the set compares rules, it does not report intervals).
const devBootstrap = 50

// covered reports whether the 95% intervals of the local exponent of the broken law fitted to
// pts (the rule's minima and smoothness) cover the truth of d at 11 or more of its 13 budgets.
func (r rule) covered(d design, pts []chinchilla.Point, seed uint64, boot int) bool {
	fr, err := bpl.FitRuns(pts, bpl.RunsOptions{Options: bpl.Options{Smoothness: r.s, Workers: 1}, Bootstrap: boot, Seed: seed,
		IsoFLOP: chinchilla.IsoFLOPOptions{Vertex: r.vertex}})
	if err != nil {
		return false
	}
	hits := 0
	for _, c := range synth.HalfDecades(17, d.hi) {
		truth := d.br.LocalExponent(synth.Printed, c)
		if iv := around(fr, fr.Law.LocalExponent(c), func(l bpl.Law) float64 { return l.LocalExponent(c) }); iv[0] <= truth && truth <= iv[1] {
			hits++
		}
	}
	return hits >= 11
}

// correct scores a rule on the development set: no break claimed on a clean sweep; on a bent
// one, the break claimed within 3x of the truth and (withCoverage) the local exponent's
// interval covering the truth at 11 or more of the 13 budgets.
func (r rule) correct(set devSet, withCoverage bool) (clean, nClean, bent, nBent int) {
	for _, x := range set {
		d := x.d
		for _, seed := range x.seeds {
			pts := d.points(seed)
			ok, cb := r.claim(pts)
			if d.br.Change == 0 {
				nClean++
			} else {
				nBent++
			}
			switch {
			case d.br.Change == 0:
				if !ok {
					clean++
				}
			case ok && math.Abs(math.Log10(cb/d.br.FLOPs)) <= math.Log10(3):
				if !withCoverage || r.covered(d, pts, seed, devBootstrap) {
					bent++
				}
			}
		}
	}
	return clean, nClean, bent, nBent
}

// The development set: clean sweeps and bent sweeps with breaks of three places and
// smoothnesses, never the seeds the report (1-10) or the acceptance check use. The first
// stage (minima and smoothness, scored with the coverage of the local exponent, which needs
// a bootstrap per sweep) uses the small set; the later stages (decisions only) the large one.
var (
	devSmall = devSets(seedRange(11, 60), seedRange(11, 20))
	devLarge = devSets(seedRange(11, 110), seedRange(11, 40))
)

type devSet []struct {
	d     design
	seeds []uint64
}

func devSets(clean, bent []uint64) devSet {
	return devSet{
		{design{"clean", synth.Break{}, 23}, clean},
		{design{"break 1e19, s 0.3", accBreak, 23}, bent},
		{design{"break 3e18, s 0.15", synth.Break{FLOPs: 3e18, S: 0.15, Change: -gPrinted / 2}, 23}, bent},
		{design{"break 3e19, s 0.6", synth.Break{FLOPs: 3e19, S: 0.6, Change: -gPrinted / 2}, 23}, bent},
	}
}

func seedRange(lo, hi uint64) []uint64 {
	var out []uint64
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

// The break test's rule is chosen on the development set one setting at a time, the earlier
// settings at their choice: first how minima are located and the smoothness (scored on the
// decisions and the coverage of the local exponent), then the number of scored cuts, then
// the margin (decisions only: neither moves the local exponent). A rule's score is its
// balanced accuracy, the mean of its rates of correct answers on clean and on bent sweeps;
// ties go to the setting listed first. The defaults must be these choices.
func TestBreakRuleDevelopment(t *testing.T) {
	if testing.Short() {
		t.Skip("fits thousands of frontiers")
	}
	var b strings.Builder
	b.WriteString("| minima | smoothness | scored cuts | margin | no break claimed on clean sweeps | break within 3x on bent sweeps | balanced accuracy |\n|---|---|---|---|---|---|---|\n")
	def := rule{bpl.DefaultVertex, bpl.DefaultSmoothness, DefaultScored, BreakMargin}
	pick := func(rules []rule, set devSet, coverage bool) rule {
		best, bestAcc := rules[0], -1.0
		for _, r := range rules {
			nc, tc, nb, tb := r.correct(set, coverage)
			acc := (float64(nc)/float64(tc) + float64(nb)/float64(tb)) / 2
			cov := ""
			if coverage {
				cov = " and local exponent covered"
			}
			fmt.Fprintf(&b, "| %s | %g | %d | %s | %d of %d | %d of %d%s | %.3f |\n", r.vertex, r.s, r.scored, format.Percent(r.margin), nc, tc, nb, tb, cov, acc)
			if acc > bestAcc+1e-12 {
				best, bestAcc = r, acc
			}
		}
		return best
	}
	var rules []rule
	for _, v := range []chinchilla.VertexMethod{chinchilla.VertexParabola, chinchilla.VertexAkima} {
		for _, s := range []float64{0.15, 0.3, 0.5, 1} {
			rules = append(rules, rule{v, s, 3, 0})
		}
	}
	got := pick(rules, devSmall, true)
	rules = nil
	for _, k := range []int{1, 2, 3, 4} {
		rules = append(rules, rule{got.vertex, got.s, k, 0})
	}
	got = pick(rules, devLarge, false)
	rules = nil
	for _, m := range []float64{0, 0.0025, 0.005, 0.01} {
		rules = append(rules, rule{got.vertex, got.s, got.scored, m})
	}
	got = pick(rules, devLarge, false)
	fmt.Print(b.String())
	testutil.ReplaceSection(t, "docs/backtest.md", "backtest-dev", b.String(), *update)
	if got != def {
		t.Errorf("the development set chooses %+v, the defaults are %+v", got, def)
	}
}

// The report set: the acceptance check's designs (the clean law, and the exponent halving at
// 1e19) with seeds 1-10 of scalefit's generator. Floors, not exact figures: no break claimed
// on at least 7 of 10 clean sweeps (the development set's false-break rate is 4%: a floor of
// 7 fails by chance once in ~1,000 seed sets); on the bent ones the break found within 3x in
// at least 8 of 10, and the local exponent's 95% interval covering the truth at 11 or more
// of the 13 budgets in at least 8 of 10. The reach rows say how far past the break the data
// must go.
func TestBreakRuleReport(t *testing.T) {
	if testing.Short() {
		t.Skip("bootstraps twenty frontiers")
	}
	def := rule{bpl.DefaultVertex, bpl.DefaultSmoothness, DefaultScored, BreakMargin}
	seeds := seedRange(1, 10)
	var b strings.Builder
	b.WriteString("| sweeps (seeds 1-10) | last budget | break claimed | within 3x of 1e19 | local exponent covered at >= 11 of 13 budgets |\n|---|---|---|---|---|\n")
	clean := design{"clean Chinchilla law", synth.Break{}, 23}
	bent := design{"exponent halving at 1e19", accBreak, 23}
	for _, d := range []design{clean, bent} {
		claimed, within, covered := 0, 0, 0
		for _, seed := range seeds {
			pts := d.points(seed)
			ok, cb := def.claim(pts)
			if ok {
				claimed++
				if math.Abs(math.Log10(cb/1e19)) <= math.Log10(3) {
					within++
				}
			}
			fr, err := bpl.FitRuns(pts, bpl.RunsOptions{Bootstrap: DefaultBootstrap, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			hits := 0
			for _, c := range synth.HalfDecades(17, 23) {
				truth := d.br.LocalExponent(synth.Printed, c)
				if iv := around(fr, fr.Law.LocalExponent(c), func(l bpl.Law) float64 { return l.LocalExponent(c) }); iv[0] <= truth && truth <= iv[1] {
					hits++
				}
			}
			if hits >= 11 {
				covered++
			}
		}
		fmt.Fprintf(&b, "| %s | 1e23 | %d of 10 | %s | %d of 10 |\n", d.name, claimed, map[bool]string{true: "-", false: fmt.Sprintf("%d of 10", within)}[d.br.Change == 0], covered)
		switch {
		case d.br.Change == 0 && claimed > 3:
			t.Errorf("clean law: a break claimed on %d of 10 sweeps (want at most 3)", claimed)
		case d.br.Change != 0 && (within < 8 || covered < 8):
			t.Errorf("break at 1e19: found within 3x on %d of 10 sweeps, local exponent covered on %d of 10 (want 8 or more of each)", within, covered)
		}
	}
	for _, hi := range []float64{21, 22} {
		d := design{"exponent halving at 1e19", accBreak, hi}
		claimed := 0
		for _, seed := range seeds {
			if ok, cb := def.claim(d.points(seed)); ok && math.Abs(math.Log10(cb/1e19)) <= math.Log10(3) {
				claimed++
			}
		}
		fmt.Fprintf(&b, "| %s | 1e%g | %d of 10 (within 3x) | | |\n", d.name, hi, claimed)
	}
	fmt.Print(b.String())
	testutil.ReplaceSection(t, "docs/backtest.md", "backtest-report", b.String(), *update)
}
