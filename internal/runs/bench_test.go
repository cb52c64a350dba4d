package runs

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// benchFile is a loss-curve log of rows runs of rows/runCount points each, as a trainer
// writes it: run,step,params,tokens,loss (about 50 bytes a row).
func benchFile(rows int) []byte {
	const runCount = 240
	var b bytes.Buffer
	b.Grow(rows * 56)
	b.WriteString("run,step,params,tokens,loss\n")
	per := rows / runCount
	for r := 0; r < runCount; r++ {
		n := 1.5e8 * float64(1+r%12)
		name := fmt.Sprintf("%dM-%dxC", int(n/1e6), 1+r/12)
		for s := 1; s <= per; s++ {
			d := float64(s) * 524288
			fmt.Fprintf(&b, "%s,%d,%.0f,%.0f,%.6f\n", name, s, n, d, 1.7+400/pow(n, 0.34)+410/pow(d, 0.28))
		}
	}
	return b.Bytes()
}

func pow(x, y float64) float64 { return math.Pow(x, y) }

// BenchmarkLoad2M4 loads a 2.4-million-row curve file (108 MB) from memory: rows/s (wall),
// rows/cpu-s (per core: CPU time of every thread, GC included), and memory against the
// file's size: B/op (every allocation Load makes) and live/file (the heap the loaded Set
// keeps, after a GC, per byte of file). Load reads a seekable input in two passes, so the
// file itself is never held whole.
var benchRows = 2_400_000

func BenchmarkLoad2M4(b *testing.B) {
	data := benchFile(benchRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var s *Set
	for i := 0; i < b.N; i++ {
		var err error
		s, err = Load(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	rows := float64(len(s.Runs))
	b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(rows*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	var before, after runtime.MemStats
	s = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ = Load(bytes.NewReader(data), "bench.csv", Options{})
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(data)), "live/file")
	b.ReportMetric(float64(len(data))/rows, "filebytes/row")
	runtime.KeepAlive(s)
	runtime.KeepAlive(data)
}

func BenchmarkLoad240K(b *testing.B) {
	old := benchRows
	benchRows = 240_000
	defer func() { benchRows = old }()
	BenchmarkLoad2M4(b)
}

// BenchmarkLoadJSONL240K: the same curves as JSON Lines with a nested loss (read whole, one
// object at a time through encoding/json: a tenth of the CSV's speed).
func BenchmarkLoadJSONL240K(b *testing.B) {
	csv := benchFile(240_000)
	var jl bytes.Buffer
	for i, l := range bytes.Split(bytes.TrimSpace(csv), []byte{'\n'}) {
		if i == 0 {
			continue
		}
		f := bytes.Split(l, []byte{','})
		fmt.Fprintf(&jl, `{"run": %q, "step": %s, "params": %s, "tokens": %s, "eval": {"c4": {"loss": %s}}}`+"\n", f[0], f[1], f[2], f[3], f[4])
	}
	data := jl.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var s *Set
	for i := 0; i < b.N; i++ {
		var err error
		if s, err = Load(bytes.NewReader(data), "bench.jsonl", Options{LossCol: "eval/c4/loss"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(s.Runs))*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	b.ReportMetric(float64(len(data))/float64(len(s.Runs)), "filebytes/row")
}

// BenchmarkLoadQuoted240K: the CSV with every cell quoted, as W&B exports it.
func BenchmarkLoadQuoted240K(b *testing.B) {
	var q bytes.Buffer
	for _, l := range bytes.SplitAfter(benchFile(240_000), []byte{'\n'}) {
		l = bytes.TrimSuffix(l, []byte{'\n'})
		if len(l) > 0 {
			q.WriteString(`"` + string(bytes.ReplaceAll(l, []byte{','}, []byte(`","`))) + "\"\n")
		}
	}
	data := q.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var s *Set
	for i := 0; i < b.N; i++ {
		var err error
		if s, err = Load(bytes.NewReader(data), "bench.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(s.Runs))*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	b.ReportMetric(float64(len(data))/float64(len(s.Runs)), "filebytes/row")
}

// BenchmarkLoadFolder3000: a directory of 3,000 per-run files of 100 points each (no run or
// params column) with a metadata table, as LoadFiles reads `fit runs/ --meta meta.csv`.
func BenchmarkLoadFolder3000(b *testing.B) {
	dir := b.TempDir()
	var meta bytes.Buffer
	meta.WriteString("run,params\n")
	size := 0
	for r := 0; r < 3000; r++ {
		var f bytes.Buffer
		f.WriteString("step,tokens,loss\n")
		for s := 1; s <= 100; s++ {
			fmt.Fprintf(&f, "%d,%d,%.6f\n", s*100, s*52428800, 2+1/float64(s))
		}
		name := fmt.Sprintf("run%04d", r)
		fmt.Fprintf(&meta, "%s,%d\n", name, 1e8+r)
		size += f.Len()
		if err := os.WriteFile(filepath.Join(dir, name+".csv"), f.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	mp := filepath.Join(b.TempDir(), "meta.csv")
	if err := os.WriteFile(mp, meta.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var s *Set
	for i := 0; i < b.N; i++ {
		var err error
		if s, err = LoadFiles([]string{dir}, nil, Options{Meta: mp}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(s.Runs))*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}
