package bpl

import (
	"context"
	"math"
	"testing"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/synth"
)

// vertices samples law at half-decades from 1e17 to 1e23 FLOPs, without noise.
func vertices(l Law) []Vertex {
	var vs []Vertex
	for _, c := range synth.HalfDecades(17, 23) {
		vs = append(vs, Vertex{FLOPs: c, Loss: l.Loss(c)})
	}
	return vs
}

// Fit recovers the constants of noiseless frontiers: a broken law (the acceptance design's
// break, the exponent halving at 1e19 with smoothness 0.3) and a single law.
func TestFitRecoversKnownLaws(t *testing.T) {
	g := synth.Printed.Alpha * synth.Printed.Beta / (synth.Printed.Alpha + synth.Printed.Beta)
	for name, tc := range map[string]struct {
		law    Law
		single bool
	}{
		"broken":  {Law{E: 1.69, K: 2000, Gamma: g, DeltaGamma: -g / 2, Cb: 1e19, S: 0.3}, false},
		"single":  {Law{E: 1.69, K: 2000, Gamma: g, S: 0.3}, true},
		"speedup": {Law{E: 1.2, K: 500, Gamma: 0.1, DeltaGamma: 0.08, Cb: 3e20, S: 0.3}, false},
	} {
		r, err := Fit(vertices(tc.law), Options{Single: tc.single, Smoothness: 0.3})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := r.Law
		if math.Abs(got.E-tc.law.E) > 1e-4 || math.Abs(got.Gamma-tc.law.Gamma) > 1e-5 || math.Abs(got.DeltaGamma-tc.law.DeltaGamma) > 1e-5 {
			t.Errorf("%s: fitted %v, want %v", name, got, tc.law)
		}
		if !tc.single && math.Abs(math.Log(got.Cb/tc.law.Cb)) > 1e-3 {
			t.Errorf("%s: break at %g FLOPs, want %g", name, got.Cb, tc.law.Cb)
		}
		if r.RMSE > 1e-7 || !r.Converged {
			t.Errorf("%s: rmse %g, converged %v on noiseless minima", name, r.RMSE, r.Converged)
		}
		if want := map[bool]int{true: 3, false: 5}[tc.single]; r.Free != want {
			t.Errorf("%s: %d free constants, want %d", name, r.Free, want)
		}
	}
}

// The local exponents are the derivatives they claim to be (central differences in ln C).
func TestLocalExponentIsTheDerivative(t *testing.T) {
	l := Law{E: 1.69, K: 2000, Gamma: 0.15, DeltaGamma: -0.07, Cb: 1e19, S: 0.3}
	for _, c := range []float64{1e17, 3e18, 1e19, 4e19, 1e22} {
		h := 1e-4
		up, dn := math.Exp(math.Log(c)+h), math.Exp(math.Log(c)-h)
		red := -(math.Log(l.Reducible(up)) - math.Log(l.Reducible(dn))) / (2 * h)
		tot := -(math.Log(l.Loss(up)) - math.Log(l.Loss(dn))) / (2 * h)
		if math.Abs(red-l.LocalExponent(c)) > 1e-7 || math.Abs(tot-l.LocalExponentTotal(c)) > 1e-7 {
			t.Errorf("at %g: local exponent %g (numeric %g), total %g (numeric %g)", c, l.LocalExponent(c), red, l.LocalExponentTotal(c), tot)
		}
	}
	// far from the break the exponent is γ below and γ + Δγ above
	if math.Abs(l.LocalExponent(1e13)-0.15) > 1e-9 || math.Abs(l.LocalExponent(1e25)-0.08) > 1e-9 {
		t.Errorf("exponents far from the break: %g and %g, want 0.15 and 0.08", l.LocalExponent(1e13), l.LocalExponent(1e25))
	}
}

func TestTooFewVertices(t *testing.T) {
	vs := vertices(Law{E: 1.7, K: 1000, Gamma: 0.15, S: 0.3})
	for _, tc := range []struct {
		n      int
		single bool
		ok     bool
	}{{3, true, false}, {4, true, true}, {5, false, false}, {6, false, true}} {
		_, err := Fit(vs[:tc.n], Options{Single: tc.single})
		if (err == nil) != tc.ok {
			t.Errorf("%d minima, single %v: error %v, want ok %v", tc.n, tc.single, err, tc.ok)
		}
	}
	if _, err := Fit(vs, Options{Smoothness: -1}); err == nil {
		t.Error("a negative smoothness was accepted")
	}
}

// The family fits runs of an IsoFLOP sweep, rebuilds its law from fit.json's constants and
// predicts the compute-optimal loss from flops alone.
func TestFamily(t *testing.T) {
	g := synth.Printed.Alpha * synth.Printed.Beta / (synth.Printed.Alpha + synth.Printed.Beta)
	br := synth.Break{FLOPs: 1e19, S: 0.3, Change: -g / 2}
	var rs []runs.Run
	for _, r := range synth.BrokenGrid(synth.Printed, br, synth.HalfDecades(17, 23), 9, 10, 0, 1) {
		rs = append(rs, runs.Run{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget})
	}
	var f Family
	res, err := f.Fit(context.Background(), family.Input{Runs: rs, Options: map[string]string{"smoothness": "0.3"}, Bootstrap: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.Family != Name || r.Variant != Variant || r.Free != 5 || !r.Converged {
		t.Errorf("result %s %s, free %d, converged %v", r.Family, r.Variant, r.Free, r.Converged)
	}
	// noiseless runs: the parabola's minima carry the frontier's exponents exactly
	if math.Abs(r.Params["gamma"]-g) > 2e-3 || math.Abs(r.Params["delta_gamma"]+g/2) > 2e-3 || math.Abs(math.Log10(r.Params["C_b"]/1e19)) > 0.05 {
		t.Errorf("fitted %v: want gamma %.4f, delta_gamma %.4f, C_b 1e19", r.Params, g, -g/2)
	}
	if len(r.Draws["C_b"]) != 20 || r.Intervals["gamma"][0] > r.Intervals["gamma"][1] {
		t.Errorf("draws %d, interval %v", len(r.Draws["C_b"]), r.Intervals["gamma"])
	}
	law, err := f.Law(r.Params)
	if err != nil {
		t.Fatal(err)
	}
	p, err := law.Predict(map[string]float64{"flops": 1e21})
	if q, _ := r.Law.Predict(map[string]float64{"flops": 1e21}); err != nil || p != q {
		t.Errorf("rebuilt law predicts %g (%v), the fit %g", p, err, q)
	}
	if _, err := law.Predict(map[string]float64{"params": 1e9}); err == nil {
		t.Error("a prediction without flops was accepted")
	}
	if _, err := f.Law(map[string]float64{"E": 1, "K": -1, "gamma": 0.1, "delta_gamma": 0, "C_b": 1e19, "s": 0.3}); err == nil {
		t.Error("a negative K was accepted")
	}
	if _, err := f.Fit(context.Background(), family.Input{Runs: rs, Options: map[string]string{"vertex": "spline"}}); err == nil {
		t.Error("an unknown vertex method was accepted")
	}
}

// The screened search reaches the optimum of every grid start on noisy sweeps with and
// without a break.
func TestScreenedMatchesGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 36 frontiers twice")
	}
	for _, br := range []synth.Break{{}, {FLOPs: 1e19, S: 0.3, Change: -0.077}, {FLOPs: 3e20, S: 0.6, Change: 0.05}} {
		for seed := uint64(1); seed <= 4; seed++ {
			var pts []chinchilla.Point
			for _, r := range synth.BrokenGrid(synth.Printed, br, synth.HalfDecades(17, 23), 9, 10, 0.01, seed) {
				pts = append(pts, chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget})
			}
			iso, _ := chinchilla.IsoFLOP(pts, chinchilla.IsoFLOPOptions{Vertex: DefaultVertex})
			vs := Vertices(iso)
			for _, n := range []int{7, 10, len(vs)} {
				got, err := Fit(vs[:n], Options{})
				if err != nil {
					t.Fatal(err)
				}
				p, _ := newProblem(vs[:n], Options{})
				full, err := p.solve(p.starts(), 1)
				if err != nil {
					t.Fatal(err)
				}
				if got.Objective > full.Objective*(1+1e-6)+1e-12 {
					t.Errorf("break %+v seed %d, %d minima: screened objective %g, whole grid %g", br, seed, n, got.Objective, full.Objective)
				}
			}
		}
	}
}
