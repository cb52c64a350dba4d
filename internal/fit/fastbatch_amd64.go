//go:build amd64 && !purego

package fit

//go:noescape
func expBatchAVX2(dst, x []float64)

//go:noescape
func logBatchAVX2(dst, s []float64)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA and the OS saves the YMM registers.
func hasAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}

// useAVX2 is set once at package initialisation and read-only after.
var useAVX2 = hasAVX2FMA()

// expBatch writes e^x[i] into dst[i] for x ≤ 0 (below −708 taken as −708); len(x) ≥
// len(dst). The AVX2 kernel does four elements at a time, the Go loop the rest, with the
// same bits.
func expBatch(dst, x []float64) {
	if useAVX2 {
		n := len(dst) &^ 3
		expBatchAVX2(dst[:n], x[:n])
		dst, x = dst[n:], x[n:len(dst)]
	}
	expBatchGo(dst, x)
}

// logBatch writes ln s[i] into dst[i] for normal positive s; len(s) ≥ len(dst).
func logBatch(dst, s []float64) {
	if useAVX2 {
		n := len(dst) &^ 3
		logBatchAVX2(dst[:n], s[:n])
		dst, s = dst[n:], s[n:len(dst)]
	}
	logBatchGo(dst, s)
}

type batchImpl struct {
	name     string
	exp, log func(dst, x []float64)
}

// batchImpls lists the implementations the tests compare: the Go loops, and the AVX2
// kernels when the CPU has them.
func batchImpls() []batchImpl {
	out := []batchImpl{{"go", expBatchGo, logBatchGo}}
	if useAVX2 {
		out = append(out, batchImpl{"avx2", expBatch, logBatch})
	}
	return out
}

//go:noescape
func lse3AVX2(quad []float64, groups int, c *lse3Args, f *[4]float64, out []float64, acc *lse3Acc)

// lse3 runs the three-term kernel on the first n rows of quad: the AVX2 kernel on whole
// groups of four, lse3Go on the rest.
func lse3(quad []float64, n int, c *lse3Args, f *[4]float64, out []float64, acc *lse3Acc) {
	if useAVX2 && n >= 4 {
		g := n / 4
		_ = quad[g*quadGroup-1]
		if out != nil {
			_ = out[g*quadOut-1]
		}
		lse3AVX2(quad, g, c, f, out, acc)
		quad, n = quad[g*quadGroup:], n-4*g
		if out != nil {
			out = out[g*quadOut:]
		}
	}
	lse3Go(quad, n, c, f, out, acc)
}

// lse3Impls lists the kernels the tests compare.
func lse3Impls() map[string]func([]float64, int, *lse3Args, *[4]float64, []float64, *lse3Acc) {
	m := map[string]func([]float64, int, *lse3Args, *[4]float64, []float64, *lse3Acc){"go": lse3Go}
	if useAVX2 {
		m["avx2"] = lse3
	}
	return m
}

//go:noescape
func screen3AVX2(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64)

// screen3 runs the screening kernel: AVX2 on whole groups of four runs, screen3Go on the
// rest (lanes continue where the groups end).
func screen3(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64) {
	if useAVX2 {
		n := len(y) &^ 3
		_, _, _ = c0[:len(y)], c1[:len(y)], c2[:len(y)]
		if w != nil {
			_ = w[:len(y)]
		}
		screen3AVX2(c0, c1, c2, y[:n], w, d, f)
		c0, c1, c2, y = c0[n:], c1[n:], c2[n:], y[n:]
		if w != nil {
			w = w[n:]
		}
	}
	screen3Go(c0, c1, c2, y, w, d, f)
}

// screen3Impls lists the screening kernels the tests compare.
func screen3Impls() map[string]func(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64) {
	m := map[string]func(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64){"go": screen3Go}
	if useAVX2 {
		m["avx2"] = screen3
	}
	return m
}
