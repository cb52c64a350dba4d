// Command bench measures scalefit as a user runs it and prints one Markdown table: each
// row a piece of work (a whole scalefit process on a generated or shipped input, the scipy
// reference on the same data, or a Go benchmark), its input, CPU time, wall time, max RSS
// and its ratio to the peer or to the load time, with the goal it is held to (issue 31).
// Run it from the repository root through make:
//
//	make bench     # go run ./tools/bench -o docs/benchmarks.md
//
// The rows are the table of cases in cases.go: add one there. Process figures are medians
// over -runs runs (after one run to warm the page cache); CPU time is user + system from
// the process's rusage (os/exec's ProcessState), max RSS its peak resident set. The scipy
// reference (../shared/bench/ref_chinchilla.py, Debian's python3-scipy) runs when present;
// its rows are left out otherwise.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scalefit/scalefit/internal/safefile"
	"github.com/scalefit/scalefit/internal/synth"
)

// Case is one row of the table (see cases).
type Case struct {
	ID, Work, Input string
	// Args runs the scalefit binary ("{input}": the input's path, "{out}": a fresh path in a
	// temporary directory); ExitCode is the exit status it must end with.
	Args     []string
	ExitCode int
	// RowsPerCPU reports the input's rows per CPU-second in the ratio column.
	RowsPerCPU bool
	// Peer runs the scipy reference script with these arguments.
	Peer []string
	// Bench runs a Go benchmark and reports one of its metrics.
	Bench Bench
	// Runs overrides -runs for this case.
	Runs int
	// Ratio is the ID of the case this one is compared with; Goal judges the ratio (or,
	// for a Go benchmark, its figure).
	Ratio string
	Goal  func(float64) string
}

// Bench names a Go benchmark (package, full name with sub-benchmarks, metric).
type Bench struct{ Pkg, Name, Metric string }

// Input is a named input: a file in the repository (Path) or one Make writes.
type Input struct {
	Desc string
	Rows int
	Path string
	Make func(path string) error
}

func flatSweep(rows int) func(string) error {
	return func(path string) error {
		return safefile.Write(path, func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 1<<20)
			if err := synth.WriteFlatSweep(bw, rows, 1); err != nil {
				return err
			}
			return bw.Flush()
		})
	}
}

type result struct {
	cpu, wall time.Duration // medians
	rss       int64         // max over runs, KB
	figure    float64       // a Go benchmark's metric (median)
	wallFig   float64       // the same benchmark's wall-clock figure (ns/row or ns/run)
	unit      string
	skipped   string // why the case did not run
}

var (
	runsFlag  = flag.Int("runs", 5, "runs of each process (the table gives medians)")
	countFlag = flag.Int("count", 5, "go test -count for the Go benchmarks")
	outFlag   = flag.String("o", "", "also write the table, with the machine it ran on, to this file (atomically)")
	onlyFlag  = flag.String("only", "", "run only the cases whose ID matches this regular expression (and those they are compared with)")
	scipyFlag = flag.String("scipy", "", "the scipy reference script (default: ../shared/bench/ref_chinchilla.py from the repository or its parent; rows left out when absent)")
	pyFlag    = flag.String("python", "/usr/bin/python3", "the Python with numpy and scipy")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	start, load0 := time.Now(), loadAverage()
	tmp, err := os.MkdirTemp("", "scalefit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "scalefit")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/scalefit").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	want := selected()
	made := map[string]string{}
	inputPath := func(name string) (string, error) {
		in := inputs[name]
		if in.Path != "" || in.Make == nil {
			return in.Path, nil
		}
		if p, ok := made[name]; ok {
			return p, nil
		}
		p := filepath.Join(tmp, name+".csv")
		fmt.Fprintf(os.Stderr, "bench: writing %s\n", in.Desc)
		if err := in.Make(p); err != nil {
			return "", err
		}
		made[name] = p
		return p, nil
	}
	res := map[string]*result{}
	for _, c := range cases {
		if !want[c.ID] {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s\n", c.ID)
		var r *result
		switch {
		case c.Bench.Name != "":
			r, err = goBench(c.Bench)
		case c.Peer != nil:
			r, err = peer(c)
		default:
			var in string
			if in, err = inputPath(c.Input); err == nil {
				r, err = process(bin, c, in)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.ID, err)
		}
		res[c.ID] = r
	}
	var b bytes.Buffer
	table(&b, res, want)
	os.Stdout.Write(b.Bytes())
	if *outFlag == "" {
		return nil
	}
	var doc bytes.Buffer
	fmt.Fprintf(&doc, "# Benchmarks\n\n")
	fmt.Fprintf(&doc, "Written by `make bench` (tools/bench; its cases are tools/bench/cases.go), which prints this table: do not\n")
	fmt.Fprintf(&doc, "edit it by hand. Process rows are medians of whole `scalefit` processes (start-up included) after one\n")
	fmt.Fprintf(&doc, "warm-up run; CPU time is user + system, max RSS the peak resident set, both from the process's rusage;\n")
	fmt.Fprintf(&doc, "the scipy rows run `../shared/bench/ref_chinchilla.py` (the same recipe in numpy/scipy) on the same data.\n")
	fmt.Fprintf(&doc, "Go benchmark rows give the benchmark's figure in CPU time (wall time in the next column). On a shared\n")
	fmt.Fprintf(&doc, "machine wall times vary with the load; CPU times much less.\n\n")
	fmt.Fprintf(&doc, "Machine: %s, %d logical CPUs, %s/%s, %s; load average %s at the start, %s at the end; %s, commit %s; %s.\n\n",
		cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), load0, loadAverage(),
		start.UTC().Format("2006-01-02 15:04 MST"), commit(), time.Since(start).Round(time.Second))
	doc.Write(b.Bytes())
	return safefile.WriteBytes(*outFlag, doc.Bytes())
}

// selected returns the IDs to run: those matching -only and the cases they compare with.
func selected() map[string]bool {
	want := map[string]bool{}
	re := regexp.MustCompile(*onlyFlag)
	for i := len(cases) - 1; i >= 0; i-- {
		c := cases[i]
		if re.MatchString(c.ID) || want[c.ID] {
			want[c.ID] = true
			if c.Ratio != "" {
				want[c.Ratio] = true
			}
		}
	}
	return want
}

// process runs the binary Runs times after a warm-up and keeps the medians.
func process(bin string, c Case, input string) (*result, error) {
	n := c.Runs
	if n == 0 {
		n = *runsFlag
	}
	var cpus, walls []time.Duration
	r := &result{}
	for i := 0; i <= n; i++ {
		out, err := os.MkdirTemp("", "scalefit-bench-out-")
		if err != nil {
			return nil, err
		}
		args := slices.Clone(c.Args)
		for i, a := range args {
			args[i] = strings.NewReplacer("{input}", input, "{out}", filepath.Join(out, "o")).Replace(a)
		}
		cpu, wall, rss, err := measure(bin, args, c.ExitCode)
		os.RemoveAll(out)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			continue // warm-up: page cache, binary
		}
		cpus, walls = append(cpus, cpu), append(walls, wall)
		r.rss = max(r.rss, rss)
	}
	r.cpu, r.wall = median(cpus), median(walls)
	return r, nil
}

// peer runs the scipy reference (3 runs by default: each takes tens of seconds).
func peer(c Case) (*result, error) {
	if *scipyFlag == "" {
		*scipyFlag = "../shared/bench/ref_chinchilla.py"
		for _, p := range []string{"../shared/bench/ref_chinchilla.py", "../../shared/bench/ref_chinchilla.py"} {
			if _, err := os.Stat(p); err == nil {
				*scipyFlag = p
				break
			}
		}
	}
	if _, err := os.Stat(*scipyFlag); err != nil {
		return &result{skipped: "no " + *scipyFlag}, nil
	}
	if err := exec.Command(*pyFlag, "-c", "import numpy, scipy.optimize").Run(); err != nil {
		return &result{skipped: *pyFlag + " has no numpy/scipy (apt-get install python3-numpy python3-scipy)"}, nil
	}
	n := c.Runs
	if n == 0 {
		n = 3
	}
	var cpus, walls []time.Duration
	r := &result{}
	for range n {
		cpu, wall, rss, err := measure(*pyFlag, append([]string{*scipyFlag}, c.Peer...), 0)
		if err != nil {
			return nil, err
		}
		cpus, walls = append(cpus, cpu), append(walls, wall)
		r.rss = max(r.rss, rss)
	}
	r.cpu, r.wall = median(cpus), median(walls)
	return r, nil
}

// measure runs one process and returns its CPU time, wall time and max RSS (KB).
//
// (The child's max RSS counts this process's resident set at the fork, so the tool keeps
// its own small: inputs are written a row at a time, and memory is returned first.)
func measure(name string, args []string, exit int) (cpu, wall time.Duration, rss int64, err error) {
	debug.FreeOSMemory()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	t0 := time.Now()
	err = cmd.Run()
	wall = time.Since(t0)
	if cmd.ProcessState == nil {
		return 0, 0, 0, err
	}
	if code := cmd.ProcessState.ExitCode(); code != exit {
		return 0, 0, 0, fmt.Errorf("%s %s: exit %d, want %d: %s", name, strings.Join(args, " "), code, exit, lastLine(stderr.String()))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, wall, 0, nil
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, wall, int64(ru.Maxrss), nil
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// goBench runs one Go benchmark -count times and keeps the median of its metric and of
// its wall-clock twin (the metric without "cpu-").
func goBench(bch Bench) (*result, error) {
	parts := strings.Split(bch.Name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	args := []string{"test", "-run", "^$", "-bench", strings.Join(parts, "/"), "-benchmem", "-count", strconv.Itoa(*countFlag), bch.Pkg}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	wallUnit := strings.TrimPrefix(bch.Metric, "cpu-")
	var fig, wallFig []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || procsSuffix.ReplaceAllString(f[0], "") != bch.Name {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case bch.Metric:
				fig = append(fig, v)
			case wallUnit:
				wallFig = append(wallFig, v)
			}
		}
	}
	if len(fig) == 0 {
		return nil, fmt.Errorf("go %s: no %s in the output", strings.Join(args, " "), bch.Metric)
	}
	return &result{figure: medianF(fig), wallFig: medianF(wallFig), unit: bch.Metric}, nil
}

// table writes the Markdown table of the results.
func table(w io.Writer, res map[string]*result, want map[string]bool) {
	fmt.Fprintln(w, "| work | input | CPU time | wall time | max RSS | ratio | goal |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|")
	for _, c := range cases {
		r := res[c.ID]
		if !want[c.ID] || r == nil {
			continue
		}
		in := inputs[c.Input].Desc
		if in == "" {
			in = c.Input
		}
		if r.skipped != "" {
			fmt.Fprintf(w, "| %s | %s | | | | | not run: %s |\n", c.Work, in, r.skipped)
			continue
		}
		cpu, wall, rss, ratio, goal := "", "", "", "", ""
		if c.Bench.Name != "" {
			unit := strings.TrimPrefix(r.unit, "cpu-")
			cpu, wall = fmt.Sprintf("%.3g %s", r.figure, unit), fmt.Sprintf("%.3g %s", r.wallFig, unit)
			if c.Goal != nil {
				goal = c.Goal(r.figure)
			}
		} else {
			cpu, wall, rss = dur(r.cpu), dur(r.wall), fmt.Sprintf("%.1f MB", float64(r.rss)/1024)
		}
		if ref := res[c.Ratio]; c.Ratio != "" && ref != nil && ref.skipped == "" {
			var x float64
			if c.Peer != nil { // the peer's wall time over ours
				x = r.wall.Seconds() / ref.wall.Seconds()
				ratio = fmt.Sprintf("%.0fx faster (wall), %.0fx (CPU)", x, r.cpu.Seconds()/ref.cpu.Seconds())
			} else { // our CPU time over the reference case's
				x = r.cpu.Seconds() / ref.cpu.Seconds()
				ratio = fmt.Sprintf("%.1fx the load", x)
			}
			if c.Goal != nil {
				goal = c.Goal(x)
			}
		}
		if c.RowsPerCPU && r.cpu > 0 {
			ratio = fmt.Sprintf("%s rows per CPU-s", si(float64(inputs[c.Input].Rows)/r.cpu.Seconds()))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", c.Work, in, cpu, wall, rss, ratio, goal)
	}
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/1e6)
}

func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func median(v []time.Duration) time.Duration {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
