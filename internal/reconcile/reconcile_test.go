package reconcile

import (
	"math"
	"strconv"
	"testing"

	"github.com/scalefit/scalefit/internal/testutil"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
)

func TestPearceSongRelation(t *testing.T) {
	// By hand: N_E = 1e6 has cube root 100, so N_total = 1e6 + 4,749,100.
	if got := TotalFromNonEmbedding(1e6); got != 5_749_100 {
		t.Errorf("N_total(1e6) = %v, want 5,749,100", got)
	}
	for _, nE := range []float64{1, 1e3, 1e6, 8.5e7, 1e9, 7e10, 1e13} {
		if got := NonEmbeddingFromTotal(TotalFromNonEmbedding(nE)); math.Abs(got/nE-1) > 1e-12 {
			t.Errorf("round trip of %g gives %g", nE, got)
		}
	}
	if !math.IsNaN(NonEmbeddingFromTotal(0)) {
		t.Error("N_total 0 should have no non-embedding count")
	}
}

func lookup(t *testing.T, name string) Law {
	t.Helper()
	l, err := laws.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return FromBuiltin(l)
}

// TestPearceSong reproduces Pearce & Song (2024): Chinchilla's and Epoch's laws read in
// Kaplan's convention over Kaplan's range of non-embedding compute have local exponents near
// 0.74 and 0.78, against their own 0.46 and 0.51.
func TestPearceSong(t *testing.T) {
	for _, tc := range []struct {
		law      string
		local, a float64 // Pearce & Song's local exponent; the law's a = beta/(alpha+beta)
	}{
		{"chinchilla2022", 0.74, 0.28 / (0.34 + 0.28)},
		{"epoch2024", 0.78, 0.367172 / (0.347311 + 0.367172)},
	} {
		l := lookup(t, tc.law)
		r, err := Read(l, Kaplan, KaplanRangeLo, KaplanRangeHi, 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Local-tc.local) > 0.01 || r.Method != Reoptimised {
			t.Errorf("%s in kaplan: local %.4f (%s), Pearce & Song %.2f", tc.law, r.Local, r.Method, tc.local)
		}
		own, err := Read(l, Total, KaplanRangeLo, KaplanRangeHi, 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(own.Local-tc.a) > 1e-6 || math.Abs(own.A-tc.a) > 1e-6 || own.Method != Own {
			t.Errorf("%s in its own convention: local %.6f a %.6f, want %.6f", tc.law, own.Local, own.A, tc.a)
		}
		// Far beyond Kaplan's range the embeddings are negligible and the law's own exponent
		// returns.
		far, _ := Read(l, Kaplan, 1e32, 1e36, 0)
		if math.Abs(far.Local-far.A) > 0.01 {
			t.Errorf("%s in kaplan at 1e32-1e36: local %.4f, want about a = %.4f", tc.law, far.Local, far.A)
		}
	}
}

// TestReoptimised checks one budget by brute force: the N_E that the reading returns
// minimises L(N_total(N_E), C/(6 N_E)) over a fine grid.
func TestReoptimised(t *testing.T) {
	law := chinchilla.Law{E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28}
	c := 1e17
	loss := func(nE float64) float64 { return law.Loss(TotalFromNonEmbedding(nE), c/(6*nE)) }
	n := argminN(loss, c)
	best, bestN := math.Inf(1), 0.0
	for x := 2.0; x < 12; x += 1e-4 {
		if v := loss(math.Pow(10, x)); v < best {
			best, bestN = v, math.Pow(10, x)
		}
	}
	if math.Abs(math.Log(n/bestN)) > 3e-4 {
		t.Errorf("argmin %g, grid %g", n, bestN)
	}
}

// TestRelabelled checks allocation rules: the models Chinchilla's 20 tokens per parameter
// makes optimal, recounted with non-embedding N, have compute 6·N_E·D at the budget asked.
func TestRelabelled(t *testing.T) {
	l := lookup(t, "chinchilla2022-equal")
	c := 1e18
	nE := relabel(l.Optimal, NonEmbeddingFromTotal, c)
	nT := TotalFromNonEmbedding(nE)
	if d := 20 * nT; math.Abs(6*nE*d/c-1) > 1e-9 {
		t.Errorf("recounted compute %g, want %g", 6*nE*d, c)
	}
	r, err := Read(l, Kaplan, KaplanRangeLo, KaplanRangeHi, 0)
	if err != nil || r.Method != Relabelled || !(r.Local > 0.5) {
		t.Errorf("equal scaling read in kaplan: %+v %v (want relabelled, steeper than 0.5)", r, err)
	}
	// Kaplan's own allocation reads 0.73 in its convention; counted with embeddings it is
	// shallower.
	k := lookup(t, "kaplan2020-allocation")
	own, _ := Read(k, Kaplan, KaplanRangeLo, KaplanRangeHi, 0)
	tot, _ := Read(k, Total, KaplanRangeLo, KaplanRangeHi, 0)
	if math.Abs(own.Local-0.73) > 1e-9 || !(tot.Local < 0.7) || tot.Method != Relabelled {
		t.Errorf("kaplan2020-allocation: own %.4f, 6n %.4f (%s)", own.Local, tot.Local, tot.Method)
	}
}

func TestReadErrors(t *testing.T) {
	l := lookup(t, "chinchilla2022")
	for _, tc := range []struct {
		conv   Convention
		lo, hi float64
	}{{Kaplan, 0, 1e20}, {Kaplan, 1e20, 1e19}, {"hoffmann", 1e13, 1e20}, {Kaplan, 1e13, math.Inf(1)}} {
		if _, err := Read(l, tc.conv, tc.lo, tc.hi, 0); err == nil {
			t.Errorf("%s [%g, %g]: no error", tc.conv, tc.lo, tc.hi)
		}
	}
}

// TestChainData checks the embedded chain against testdata: the same points, and the
// published exponents of porian_published_fits.csv.
func TestChainData(t *testing.T) {
	pts, err := ChainPoints()
	if err != nil {
		t.Fatal(err)
	}
	col, rows := testutil.ReadTable(t, "porian_isoflop.csv")
	want := map[string]int{}
	for _, r := range rows {
		if r[col["dataset"]] != "rw" {
			continue
		}
		e := r[col["experiment"]]
		if _, ok := pts[e]; !ok {
			continue
		}
		p := pts[e][want[e]]
		want[e]++
		for _, c := range []struct {
			name string
			v    float64
		}{{"flops", p.FLOPs}, {"params", p.Params}, {"tokens", p.Tokens}, {"loss", p.Loss}} {
			x, _ := strconv.ParseFloat(r[col[c.name]], 64)
			if x != c.v {
				t.Fatalf("%s point %d: %s %v, testdata %v", e, want[e], c.name, c.v, x)
			}
		}
	}
	var names []string
	published := map[string]Variant{}
	for _, s := range PorianChain {
		names = append(names, s.Experiment)
		published[s.Experiment] = Variant{s.Experiment, s.Published, s.PublishedInterval}
		if s.Attention != nil {
			names = append(names, s.Attention.Experiment)
			published[s.Attention.Experiment] = *s.Attention
		}
	}
	for _, e := range names {
		if want[e] != len(pts[e]) || want[e] == 0 {
			t.Errorf("%s: %d embedded points, %d in testdata", e, len(pts[e]), want[e])
		}
	}
	if len(pts) != len(names) {
		t.Errorf("%d embedded experiments, want %d", len(pts), len(names))
	}
	col, rows = testutil.ReadTable(t, "porian_published_fits.csv")
	found := 0
	for _, r := range rows {
		s, ok := published[r[col["experiment"]]]
		if !ok || r[col["dataset"]] != "rw" {
			continue
		}
		found++
		a, _ := strconv.ParseFloat(r[col["a_n_exponent"]], 64)
		lo, _ := strconv.ParseFloat(r[col["a_ci95_lo"]], 64)
		hi, _ := strconv.ParseFloat(r[col["a_ci95_hi"]], 64)
		if a != s.Published || lo != s.PublishedInterval[0] || hi != s.PublishedInterval[1] {
			t.Errorf("%s: published %v %v, testdata %v [%v, %v]", s.Experiment, s.Published, s.PublishedInterval, a, lo, hi)
		}
	}
	if found != len(published) {
		t.Errorf("%d chain settings in porian_published_fits.csv, want %d", found, len(published))
	}
}

// TestChain reproduces Porian et al.'s chain 0.835, 0.706, 0.602, 0.571, 0.497 within 0.02.
func TestChain(t *testing.T) {
	steps, err := Chain(200, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 5 {
		t.Fatalf("%d steps, want 5", len(steps))
	}
	for i, s := range steps {
		t.Logf("%-26s a %.4f (%.4f, %.4f) published %.4f, budgets %d/%d", s.Experiment, s.A, s.Interval.Lo, s.Interval.Hi, s.Published, s.Accepted, s.Budgets)
		if math.Abs(s.A-s.Published) > 0.02 {
			t.Errorf("%s: a %.4f, published %.4f", s.Experiment, s.A, s.Published)
		}
		if !s.Interval.Contains(s.A) || !(s.Interval.Hi-s.Interval.Lo < 0.15) {
			t.Errorf("%s: interval %v around %.4f", s.Experiment, s.Interval, s.A)
		}
		if v := s.Attention; v != nil {
			t.Logf("  with attention FLOPs a %.4f (%.4f, %.4f) published %.4f", s.AttentionA, s.AttentionInterval.Lo, s.AttentionInterval.Hi, v.Published)
			if math.Abs(s.AttentionA-v.Published) > 0.02 || !s.AttentionInterval.Contains(s.AttentionA) {
				t.Errorf("%s: a %.4f %v, published %.4f", v.Experiment, s.AttentionA, s.AttentionInterval, v.Published)
			}
		} else if s.AttentionA != 0 {
			t.Errorf("%s has no attention variant but a = %v", s.Experiment, s.AttentionA)
		}
		if i > 0 && !(s.A < steps[i-1].A) {
			t.Errorf("%s: a %.4f does not fall from %.4f", s.Experiment, s.A, steps[i-1].A)
		}
	}
}
