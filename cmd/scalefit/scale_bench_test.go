package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Issue 12, finding 11: report must stay linear in rows. On 100 runs x 10,000 curve points
// (1 million rows, a synthetic Chinchilla law with 0.5% noise) report took 43 s and 2 GB
// against 3.1 s for the fit; figures now thin points that would overlap (and say so).
// Compare the two benchmarks: report's ns/op within 3x of fit's.
//
//	go test ./cmd/scalefit -run '^$' -bench 'MillionCurvePoints' -benchtime 1x -benchmem

// writeCurves writes runs x points loss-curve rows (run, params, tokens, loss) to w.
func writeCurves(w io.Writer, nRuns, points int) error {
	bw := bufio.NewWriter(w)
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintln(bw, "run,params,tokens,loss")
	for i := 0; i < nRuns; i++ {
		n := 1e7 * math.Pow(10, 3*float64(i)/float64(nRuns))
		dEnd := 20 * n * math.Pow(10, float64(i%10-5)/10)
		for k := 1; k <= points; k++ {
			d := dEnd * float64(k) / float64(points)
			l := (1.7 + 450/math.Pow(n, 0.33) + 1600/math.Pow(d, 0.37)) * math.Exp(0.005*rng.NormFloat64())
			fmt.Fprintf(bw, "r%d,%.6g,%.6g,%.5f\n", i, n, d, l)
		}
	}
	return bw.Flush()
}

func millionRows(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "curves.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeCurves(f, 100, 10000); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkFitMillionCurvePoints(b *testing.B) {
	path := millionRows(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := run([]string{"fit", path}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkReportMillionCurvePoints(b *testing.B) {
	path := millionRows(b)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := run([]string{"report", path, "-o", filepath.Join(dir, fmt.Sprint(i))}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
