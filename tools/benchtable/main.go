// Command benchtable runs the loader's benchmarks (internal/runs, BenchmarkLoad*) and
// writes the table of their results as Markdown: internal/runs/BENCHMARKS.md holds exactly
// what it prints. Run it from the repository root, through make:
//
//	make bench-runs        # go run ./tools/benchtable -o internal/runs/BENCHMARKS.md
//
// Each benchmark runs -count times; the table gives the median of each figure and, for the
// speeds, the range (a shared machine makes them vary). Nothing in the file is typed by
// hand.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scalefit/scalefit/internal/safefile"
)

// bench describes one benchmark for the table; the order is the table's.
type bench struct {
	name, input string
	goal        func(m metrics) string // "" when the benchmark has no goal
}

// metrics are one benchmark's figures over its runs, by unit.
type metrics map[string][]float64

func (m metrics) median(unit string) float64 {
	v := append([]float64(nil), m[unit]...)
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

func (m metrics) span(unit string) (lo, hi float64) {
	v := m[unit]
	for i, x := range v {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}

// Goals of issue 31 for the loader.
const (
	csvRowsGoal   = 2e6 // rows per CPU-second
	jsonlRowsGoal = 1e6
	allocGoal     = 2.5 // bytes allocated per byte of file
)

func goal(rows float64) func(m metrics) string {
	return func(m metrics) string {
		r, a := m.median("rows/cpu-s"), m.median("alloc/file")
		ok := func(b bool) string {
			if b {
				return "met"
			}
			return "**not met**"
		}
		return fmt.Sprintf("%s rows/CPU-s: %s; alloc <= %gx: %s", si(rows), ok(r >= rows), allocGoal, ok(a <= allocGoal))
	}
}

var benches = []bench{
	{"BenchmarkLoad2M4", "CSV loss curves `run,step,params,tokens,loss`: 240 runs x 10,000 points", goal(csvRowsGoal)},
	{"BenchmarkLoad240K", "the same, 240 runs x 1,000 points", goal(csvRowsGoal)},
	{"BenchmarkLoadQuoted240K", "the same with every cell quoted (as W&B exports)", nil},
	{"BenchmarkLoadJSONL2M4", "the 2.4M rows as JSON Lines, loss nested two levels (`eval/c4/loss`)", goal(jsonlRowsGoal)},
	{"BenchmarkLoadJSONL240K", "the 240K rows as JSON Lines", goal(jsonlRowsGoal)},
	{"BenchmarkLoadParquet240K", "the 240K rows as Parquet (one row group per 10,000 rows)", nil},
	{"BenchmarkLoadFolder3000", "a folder of 3,000 per-run CSV files of 100 points, with `--meta`", nil},
}

func main() {
	out := flag.String("o", "", "also write the table to this file (atomically)")
	count := flag.Int("count", 3, "runs of each benchmark (the table gives medians)")
	benchtime := flag.String("benchtime", "3x", "go test -benchtime")
	pattern := flag.String("bench", "^BenchmarkLoad", "go test -bench")
	commands := flag.Bool("commands", true, "also measure whole commands (max RSS with /usr/bin/time -v) on generated 2.4M-row files")
	flag.Parse()
	args := []string{"test", "-run", "^$", "-bench", *pattern, "-benchmem", "-count", strconv.Itoa(*count), "-benchtime", *benchtime, "./internal/runs"}
	load := loadAverage()
	start := time.Now()
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		os.Stderr.Write(raw)
		fmt.Fprintln(os.Stderr, "benchtable: go", strings.Join(args, " "), ":", err)
		os.Exit(1)
	}
	res, cpu := parse(raw)
	if len(res) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results in the output of go test")
		os.Exit(1)
	}
	var cmds []commandResult
	if *commands {
		if cmds, err = measureCommands(); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: whole commands:", err)
			os.Exit(1)
		}
	}
	var b bytes.Buffer
	write(&b, res, cpu, load, start, time.Since(start), "go "+strings.Join(args, " "))
	writeCommands(&b, cmds)
	os.Stdout.Write(b.Bytes())
	if *out != "" {
		if err := safefile.WriteBytes(*out, b.Bytes()); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
}

var gomaxprocs = regexp.MustCompile(`-\d+$`)

// parse reads go test's benchmark lines: name, iterations, then value-unit pairs.
func parse(raw []byte) (map[string]metrics, string) {
	res := map[string]metrics{}
	cpu := ""
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "cpu: ") {
			cpu = strings.TrimPrefix(line, "cpu: ")
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := gomaxprocs.ReplaceAllString(f[0], "")
		m := res[name]
		if m == nil {
			m = metrics{}
			res[name] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				m[f[i+1]] = append(m[f[i+1]], v)
			}
		}
	}
	return res, cpu
}

func write(w io.Writer, res map[string]metrics, cpu, load string, start time.Time, took time.Duration, command string) {
	fmt.Fprintf(w, "# Loading runs: speed and memory\n\n")
	fmt.Fprintf(w, "Generated by `make bench-runs` (tools/benchtable); do not edit by hand. The benchmarks are\n")
	fmt.Fprintf(w, "in internal/runs/bench_test.go; each input is generated there and read from memory through\n")
	fmt.Fprintf(w, "`runs.Load` (a seekable reader, as a file is) or, for the folder, `runs.LoadFiles`.\n\n")
	fmt.Fprintf(w, "- Command: `%s`\n", command)
	fmt.Fprintf(w, "- Machine: %s, %d cores (GOMAXPROCS %d), %s %s/%s; load average %s when it started\n",
		orUnknown(cpu), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, orUnknown(load))
	fmt.Fprintf(w, "- Run on %s, %s in all\n\n", start.UTC().Format("2006-01-02 15:04 MST"), took.Round(time.Second))
	fmt.Fprintf(w, "Rows per CPU-second counts the process's user and system time on every thread, the\n")
	fmt.Fprintf(w, "garbage collector's included: the per-core speed, which wall time is not when other work\n")
	fmt.Fprintf(w, "shares the machine. Figures are medians of the runs; speeds show their range.\n")
	fmt.Fprintf(w, "\"Allocated\" is every byte allocated by one load, \"kept\" the heap the loaded set holds\n")
	fmt.Fprintf(w, "after a collection, both per byte of input.\n\n")
	fmt.Fprintf(w, "| benchmark | input | rows | input size | rows per CPU-second | rows per wall-second | allocated / input | kept / input | allocations per load | goal (issue 31) |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, b := range benches {
		m, ok := res[b.name]
		if !ok {
			continue
		}
		size := m.median("MB/s") * m.median("ns/op") / 1e9 * 1e6 // bytes: SetBytes
		rows := size / m.median("filebytes/row")
		g := ""
		if b.goal != nil {
			g = b.goal(m)
		}
		lo, hi := m.span("rows/cpu-s")
		wlo, whi := m.span("rows/s")
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s (%s-%s) | %s (%s-%s) | %.2fx | %.2fx | %.0f | %s |\n",
			strings.TrimPrefix(b.name, "Benchmark"), b.input, si(rows), bytesText(size),
			si(m.median("rows/cpu-s")), si(lo), si(hi), si(m.median("rows/s")), si(wlo), si(whi),
			m.median("alloc/file"), m.median("live/file"), m.median("allocs/op"), g)
	}
	fmt.Fprintln(w)
}

// si writes a count with a suffix: 2.41M, 987K.
func si(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "K"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func bytesText(b float64) string {
	if b >= 1e6 {
		return strconv.FormatFloat(b/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(b/1e3, 'f', 0, 64) + " KB"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// loadAverage is the 1-minute load average (Linux), "" elsewhere.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}
