package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// relErr is |got − want|/|want| (0 when equal).
func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestBatchMath: the batched exp and log against math.Exp and math.Log over the range the
// objective uses and at its edges (issue 31: relative error ≤ 1e-14; measured below
// 1e-15), and the same bits from every implementation (Go loops, AVX2 kernels).
func TestBatchMath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	const n = 1 << 18
	xs, ss, wide := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range xs {
		switch i % 4 {
		case 0:
			xs[i] = -708 * r.Float64()
		case 1:
			xs[i] = -40 * r.Float64()
		case 2:
			xs[i] = -r.Float64()
		default:
			xs[i] = -1e-9 * r.Float64()
		}
		ss[i] = 1 + 3*r.Float64()
		if i%3 == 0 {
			ss[i] = 1 + 1e-12*r.Float64()
		}
		wide[i] = math.Exp(-700 + 1400*r.Float64())
	}
	edgesX := []float64{0, math.Copysign(0, -1), -1e-300, -math.SmallestNonzeroFloat64, -math.Ln2 / 2, -math.Ln2, -1, -707.9, -708}
	edgesS := []float64{1, math.Nextafter(1, 2), math.Sqrt2, math.Nextafter(math.Sqrt2, 2), math.Nextafter(math.Sqrt2, 1), 2, math.Nextafter(2, 1), 3, 4, math.Nextafter(4, 1)}
	xs = append(xs, edgesX...)
	ss = append(ss, edgesS...)
	for _, impl := range batchImpls() {
		e, l, w := make([]float64, len(xs)), make([]float64, len(ss)), make([]float64, len(wide))
		impl.exp(e, xs)
		impl.log(l, ss)
		impl.log(w, wide)
		worstE, worstL, worstW := 0.0, 0.0, 0.0
		for i, x := range xs {
			worstE = math.Max(worstE, relErr(e[i], math.Exp(x)))
		}
		for i, s := range ss {
			if s == 1 {
				if l[i] != 0 {
					t.Errorf("%s: ln 1 = %g", impl.name, l[i])
				}
				continue
			}
			worstL = math.Max(worstL, relErr(l[i], math.Log(s)))
		}
		for i, s := range wide {
			worstW = math.Max(worstW, math.Abs(w[i]-math.Log(s))/math.Max(1, math.Abs(math.Log(s))))
		}
		if worstE > 1e-15 || worstL > 1e-15 || worstW > 4e-16 {
			t.Errorf("%s: worst relative error exp %.2g, log %.2g (want ≤ 1e-15); log on [e^-700, e^700] %.2g of max(1, |ln s|) (want ≤ 4e-16)", impl.name, worstE, worstL, worstW)
		}
		t.Logf("%s: worst relative error exp %.2g, log %.2g; wide log %.2g", impl.name, worstE, worstL, worstW)
		// clamping below −708
		impl.exp(e[:3], []float64{-709, -1e10, math.Inf(-1)})
		for _, v := range e[:3] {
			if v != math.Exp(-708) && relErr(v, math.Exp(-708)) > 1e-15 {
				t.Errorf("%s: exp below -708 = %g, want e^-708", impl.name, v)
			}
		}
	}
	// every implementation gives the same bits as the Go loops, at every length (the
	// vector kernels handle tails)
	for _, impl := range batchImpls()[1:] {
		for _, m := range []int{0, 1, 3, 4, 5, 7, 8, 9, 31, 1000} {
			a, b := make([]float64, m), make([]float64, m)
			expBatchGo(a, xs[:m])
			impl.exp(b, xs[:m])
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					t.Fatalf("%s exp(%v) = %v, Go loop %v", impl.name, xs[i], b[i], a[i])
				}
			}
			logBatchGo(a, ss[:m])
			impl.log(b, ss[:m])
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					t.Fatalf("%s log(%v) = %v, Go loop %v", impl.name, ss[i], b[i], a[i])
				}
			}
		}
	}
}

var batchSink float64

// BenchmarkBatchMath: ns per element of the batched exp and log (1,024 elements), against
// math.Exp and math.Log in a loop.
func BenchmarkBatchMath(b *testing.B) {
	x, s, d := make([]float64, 1024), make([]float64, 1024), make([]float64, 1024)
	for i := range x {
		x[i] = -float64(i) / 50
		s[i] = 1 + float64(i)/512
	}
	per := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1024, "ns/elem")
	}
	for _, impl := range batchImpls() {
		b.Run("exp/"+impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.exp(d, x)
			}
			per(b)
		})
		b.Run("log/"+impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.log(d, s)
			}
			per(b)
		})
	}
	b.Run("exp/math", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				d[i] = math.Exp(v)
			}
		}
		per(b)
	})
	b.Run("log/math", func(b *testing.B) {
		for b.Loop() {
			for i, v := range s {
				d[i] = math.Log(v)
			}
		}
		per(b)
	})
}

// TestLSE3KernelsAgree: the AVX2 kernel and the Go loop give the same bits (lane sums and
// per-row outputs) for every row count, at ordinary and at extreme parameters.
func TestLSE3KernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const n = 203
	quad := make([]float64, (n+3)/4*quadGroup)
	for i := range n {
		g, k := i/4, i%4
		q := quad[g*quadGroup:]
		q[k], q[4+k], q[8+k], q[12+k] = 16+8*r.Float64(), 18+10*r.Float64(), 0.5+r.Float64(), float64(1+r.IntN(3))
	}
	args := []*lse3Args{
		newLSE3Args(6.2, 0.35, 7.7, 0.37, 0.6, 1e-3),
		newLSE3Args(25, 0, 0, 2, -1, 1e-3),
		newLSE3Args(0, 2, 25, 0, 1, math.Inf(1)),
		newLSE3Args(690, 40, -690, -40, 300, 1e-3),
	}
	impls := lse3Impls()
	for ai, c := range args {
		for _, m := range []int{0, 1, 3, 4, 5, 8, 101, n} {
			var fs [][4]float64
			var outs [][]float64
			var accs []lse3Acc
			for _, name := range []string{"go", "avx2"} {
				impl, ok := impls[name]
				if !ok {
					continue
				}
				var f, f2 [4]float64
				var acc lse3Acc
				out := make([]float64, (m+3)/4*quadOut)
				impl(quad, m, c, &f, out, nil)
				impl(quad, m, c, &f2, nil, &acc)
				if f != f2 {
					t.Fatalf("%s: lane sums differ with and without the accumulation", name)
				}
				fs, outs, accs = append(fs, f), append(outs, out), append(accs, acc)
			}
			for k := 1; k < len(accs); k++ {
				for e := range accs[0] {
					for j := range 4 {
						if math.Float64bits(accs[0][e][j]) != math.Float64bits(accs[k][e][j]) {
							t.Fatalf("args %d, %d rows: accumulator %d lane %d: %v vs %v", ai, m, e, j, accs[k][e][j], accs[0][e][j])
						}
					}
				}
			}
			for k := 1; k < len(fs); k++ {
				for j := range fs[0] {
					if math.Float64bits(fs[0][j]) != math.Float64bits(fs[k][j]) {
						t.Fatalf("args %d, %d rows: lane %d sum %v vs %v", ai, m, j, fs[k][j], fs[0][j])
					}
				}
				for j := range outs[0] {
					if math.Float64bits(outs[0][j]) != math.Float64bits(outs[k][j]) {
						t.Fatalf("args %d, %d rows: output %d: %v vs %v", ai, m, j, outs[k][j], outs[0][j])
					}
				}
			}
		}
	}
}

// TestScreen3KernelsAgree: ValueMany's kernels give the same bits, weighted or not.
func TestScreen3KernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	const n = 107
	c0, c1, c2, y, w := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		c0[i], c1[i], c2[i] = math.Exp(-5*r.Float64()), math.Exp(3*r.Float64()), math.Exp(-600*r.Float64())
		y[i], w[i] = 2*r.Float64(), float64(1+r.IntN(4))
	}
	for _, d := range []float64{1e-3, math.Inf(1)} {
		dd := [2][4]float64{{d, d, d, d}, {-d, -d, -d, -d}}
		for _, ww := range [][]float64{nil, w} {
			for _, m := range []int{0, 1, 4, 7, n} {
				var want [4]float64
				screen3Go(c0, c1, c2, y[:m], ww, &dd, &want)
				for name, impl := range screen3Impls() {
					var got [4]float64
					impl(c0, c1, c2, y[:m], ww, &dd, &got)
					if got != want {
						t.Fatalf("%s, δ %g, weighted %v, %d runs: lanes %v, Go %v", name, d, ww != nil, m, got, want)
					}
				}
			}
		}
	}
}

// Log takes any input: values the batch log does not (0, subnormal, negative, Inf, NaN)
// get math.Log's answer; the rest match logBatch.
func TestLogAnyInput(t *testing.T) {
	in := []float64{2, 0, 1e-310, -1, math.Inf(1), math.NaN(), 3.5, math.MaxFloat64, 0x1p-1022, 1}
	got := make([]float64, len(in))
	Log(got, in)
	for i, v := range in {
		want := math.Log(v)
		if v >= 0x1p-1022 && v <= math.MaxFloat64 {
			want = logElem(v)
		}
		if !(got[i] == want || math.IsNaN(got[i]) && math.IsNaN(want)) {
			t.Errorf("Log(%g) = %g, want %g", v, got[i], want)
		}
	}
	Log(in, in) // in place
	if in[0] != got[0] || in[6] != got[6] {
		t.Error("in place: different values")
	}
}

// Residuals agree with y − LogPredict (math.Exp and math.Log) to rounding.
func TestResidualsMatchLogPredict(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	n := 203
	lnN, lnD, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		lnN[i], lnD[i] = 16+8*r.Float64(), 18+10*r.Float64()
		y[i] = math.Log(1.7 + 450*math.Exp(-0.33*lnN[i]) + 1600*math.Exp(-0.37*lnD[i]) + 0.01*r.NormFloat64())
	}
	o, err := NewLSE(y, []Term{{0, 3, lnN}, {1, 4, lnD}, {2, -1, nil}}, 5, Loss{}, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{math.Log(450), math.Log(1600), math.Log(1.7), 0.33, 0.37}
	got, pred := make([]float64, n), make([]float64, n)
	o.Residuals(got, x)
	o.LogPredict(pred, x)
	for i := range got {
		if d := math.Abs(got[i] - (y[i] - pred[i])); d > 1e-15*math.Max(1, math.Abs(y[i])) { // a few ulp of the prediction
			t.Fatalf("run %d: residual %g, y - LogPredict %g", i, got[i], y[i]-pred[i])
		}
	}
}
