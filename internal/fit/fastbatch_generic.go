//go:build !amd64 || purego

package fit

// expBatch and logBatch are the Go loops where no vector kernel is available.
func expBatch(dst, x []float64) { expBatchGo(dst, x) }
func logBatch(dst, s []float64) { logBatchGo(dst, s) }

type batchImpl struct {
	name     string
	exp, log func(dst, x []float64)
}

// batchImpls lists the implementations the tests compare: the Go loops only.
func batchImpls() []batchImpl { return []batchImpl{{"go", expBatchGo, logBatchGo}} }

// lse3 runs the three-term kernel on the first n rows of quad, in Go.
func lse3(quad []float64, n int, c *lse3Args, f *[4]float64, out []float64, acc *lse3Acc) {
	lse3Go(quad, n, c, f, out, acc)
}

// lse3Impls lists the kernels the tests compare.
func lse3Impls() map[string]func([]float64, int, *lse3Args, *[4]float64, []float64, *lse3Acc) {
	return map[string]func([]float64, int, *lse3Args, *[4]float64, []float64, *lse3Acc){"go": lse3Go}
}

func screen3(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64) {
	screen3Go(c0, c1, c2, y, w, d, f)
}

// screen3Impls lists the screening kernels the tests compare.
func screen3Impls() map[string]func(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64) {
	return map[string]func(c0, c1, c2, y, w []float64, d *[2][4]float64, f *[4]float64){"go": screen3Go}
}
