package tasks

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time of the whole process (all threads), to set beside wall time
// on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOLMoLadder: all 8 tasks of the OLMo ladder, both steps, the full-data fits and
// (Bootstrap1000) 1,000 resamples refitting both steps: 16,000 fits. The goal is <= 5 s
// wall on the project's 2-core machine.
func BenchmarkOLMoLadder(b *testing.B) {
	d, tg := loadOLMo(b)
	for _, c := range []struct {
		name string
		k    int
	}{{"Fit", 0}, {"Bootstrap1000", 1000}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			t0 := processCPU()
			for b.Loop() {
				if _, err := Analyze(d, tg, Options{Bootstrap: c.k, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}
