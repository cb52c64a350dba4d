package runs

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The loader's benchmarks. Each reports, besides ns/op, B/op and allocs/op:
//   rows/cpu-s  rows per CPU-second of the process (user + system time of every thread, the
//               garbage collector's included): the per-core speed, which wall time is not on
//               a shared machine;
//   rows/s      rows per wall-second;
//   alloc/file  bytes allocated per load divided by the input's size;
//   live/file   the heap the loaded Set keeps (after a GC) divided by the input's size;
//   filebytes/row.
// `make bench-runs` runs them and writes BENCHMARKS.md (tools/benchtable).

// benchFile is a loss-curve log of rows runs of rows/runCount points each, as a trainer
// writes it: run,step,params,tokens,loss (about 45 bytes a row).
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
			fmt.Fprintf(&b, "%s,%d,%.0f,%.0f,%.6f\n", name, s, n, d, 1.7+400/math.Pow(n, 0.34)+410/math.Pow(d, 0.28))
		}
	}
	return b.Bytes()
}

// benchJSONL is benchFile as JSON Lines with the loss nested two levels down.
func benchJSONL(rows int) []byte {
	var jl bytes.Buffer
	for i, l := range bytes.Split(bytes.TrimSpace(benchFile(rows)), []byte{'\n'}) {
		if i == 0 {
			continue
		}
		f := bytes.Split(l, []byte{','})
		fmt.Fprintf(&jl, `{"run": %q, "step": %s, "params": %s, "tokens": %s, "eval": {"c4": {"loss": %s}}}`+"\n", f[0], f[1], f[2], f[3], f[4])
	}
	return jl.Bytes()
}

// benchQuoted is benchFile with every cell quoted, as W&B exports it.
func benchQuoted(rows int) []byte {
	var q bytes.Buffer
	for _, l := range bytes.SplitAfter(benchFile(rows), []byte{'\n'}) {
		l = bytes.TrimSuffix(l, []byte{'\n'})
		if len(l) > 0 {
			q.WriteString(`"` + string(bytes.ReplaceAll(l, []byte{','}, []byte(`","`))) + "\"\n")
		}
	}
	return q.Bytes()
}

// benchLoad measures load, which reads an input of size bytes.
func benchLoad(b *testing.B, size int, load func() (*Set, error)) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	cpu0 := cpuTime()
	var s *Set
	for i := 0; i < b.N; i++ {
		s = nil // a command loads once: the previous set is garbage
		var err error
		if s, err = load(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&m1)
	rows := float64(len(s.Runs))
	b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(rows*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N)/float64(size), "alloc/file")
	b.ReportMetric(float64(size)/rows, "filebytes/row")
	// The heap the set keeps: the heap with it, less the heap once it is dropped (two
	// collections each: sync.Pools, as parquet-go's, empty over two).
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m0)
	runtime.KeepAlive(s)
	s = nil
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(int64(m0.HeapAlloc)-int64(m1.HeapAlloc))/float64(size), "live/file")
}

// benchReader loads data from memory through Load (a seekable reader, as a file is).
func benchReader(b *testing.B, data []byte, name string, opts Options) {
	benchLoad(b, len(data), func() (*Set, error) { return Load(bytes.NewReader(data), name, opts) })
}

// BenchmarkLoad2M4: a 2.4-million-row curve log (108 MB).
func BenchmarkLoad2M4(b *testing.B) { benchReader(b, benchFile(2_400_000), "bench.csv", Options{}) }

// BenchmarkLoad240K: the same at a tenth of the size.
func BenchmarkLoad240K(b *testing.B) { benchReader(b, benchFile(240_000), "bench.csv", Options{}) }

// BenchmarkLoadJSONL240K: the same curves as JSON Lines with a nested loss.
func BenchmarkLoadJSONL240K(b *testing.B) {
	benchReader(b, benchJSONL(240_000), "bench.jsonl", Options{LossCol: "eval/c4/loss"})
}

// BenchmarkLoadJSONL2M4: the 2.4-million-row log as JSON Lines (270 MB).
func BenchmarkLoadJSONL2M4(b *testing.B) {
	benchReader(b, benchJSONL(2_400_000), "bench.jsonl", Options{LossCol: "eval/c4/loss"})
}

// BenchmarkLoadQuoted240K: the CSV with every cell quoted, as W&B exports it.
func BenchmarkLoadQuoted240K(b *testing.B) {
	benchReader(b, benchQuoted(240_000), "bench.csv", Options{})
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
	benchLoad(b, size, func() (*Set, error) { return LoadFiles([]string{dir}, nil, Options{Meta: mp}) })
}

// benchPoint is a row of benchFile as Parquet.
type benchPoint struct {
	Run    string  `parquet:"run"`
	Step   int64   `parquet:"step"`
	Params float64 `parquet:"params"`
	Tokens float64 `parquet:"tokens"`
	Loss   float64 `parquet:"loss"`
}

// BenchmarkLoadParquet240K: benchFile's 240,000 rows as Parquet (row groups of 10,000, the
// writer's default compression). Its sizes (input size, alloc/file, live/file) are those of
// the decoded data: the CSV text of the same rows.
func BenchmarkLoadParquet240K(b *testing.B) {
	text := benchFile(240_000)
	s, err := Load(bytes.NewReader(text), "bench.csv", Options{})
	if err != nil {
		b.Fatal(err)
	}
	pts := make([]benchPoint, len(s.Runs))
	for i, r := range s.Runs {
		st, _ := r.Field("step")
		n, _ := strconv.ParseInt(st, 10, 64)
		pts[i] = benchPoint{r.ID, n, r.Params, r.Tokens, r.Loss}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[benchPoint](&buf, parquet.MaxRowsPerRowGroup(10_000))
	if _, err := w.Write(pts); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	benchLoad(b, len(text), func() (*Set, error) { return Load(bytes.NewReader(data), "bench.parquet", Options{}) })
}
