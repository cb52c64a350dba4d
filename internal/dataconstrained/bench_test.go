package dataconstrained

import "testing"

// BenchmarkFitDatablations is the joint fit of the 161 datablations runs (issue 25: within
// 2 s on one core; run with -cpu 1).
func BenchmarkFitDatablations(b *testing.B) {
	rs := datablations(b)
	for b.Loop() {
		if _, err := Fit(rs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrapDatablations is the joint fit of datablations with 1,000 bootstrap
// resamples (issue 25: within 20 s).
func BenchmarkBootstrapDatablations(b *testing.B) {
	rs := datablations(b)
	for b.Loop() {
		r, err := Fit(rs, Options{Bootstrap: 1000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.BootstrapFailed), "failed/op")
	}
}
