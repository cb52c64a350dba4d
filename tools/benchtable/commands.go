package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Whole commands on generated inputs, measured as a user would: /usr/bin/time -v gives the
// process's CPU time and maximum resident set size (issue 31: fit and check should hold at
// most 3x the file's size). The inputs are the benchmarks' loss-curve log, 240 runs x
// 10,000 points, as CSV and as JSON Lines.

type commandResult struct {
	what, input  string
	size         int64
	cpu, wall    float64 // seconds
	rss          int64   // bytes
	exit         int
	stderrFirst  string
	measureError string
}

// genRows writes a curve log like the benchmarks' (internal/runs benchFile), as CSV or JSON
// Lines, except that run r is 5,000 + 526 x (r/12) steps long (about per on average), so
// that the final points span sizes and token counts and can be fitted.
func genRows(w io.Writer, runs, per int, jsonl bool) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if !jsonl {
		bw.WriteString("run,step,params,tokens,loss\n")
	}
	for r := 0; r < runs; r++ {
		n := 1.5e8 * float64(1+r%12)
		name := fmt.Sprintf("%dM-%dxC", int(n/1e6), 1+r/12)
		steps := per/2 + per*526/10000*(r/12)
		for s := 1; s <= steps; s++ {
			d := float64(s) * 524288
			l := 1.7 + 400/math.Pow(n, 0.34) + 410/math.Pow(d, 0.28)
			if jsonl {
				fmt.Fprintf(bw, `{"run": %q, "step": %d, "params": %.0f, "tokens": %.0f, "eval": {"c4": {"loss": %.6f}}}`+"\n", name, s, n, d, l)
			} else {
				fmt.Fprintf(bw, "%s,%d,%.0f,%.0f,%.6f\n", name, s, n, d, l)
			}
		}
	}
	return bw.Flush()
}

var (
	rssRe  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
	userRe = regexp.MustCompile(`User time \(seconds\): ([0-9.]+)`)
	sysRe  = regexp.MustCompile(`System time \(seconds\): ([0-9.]+)`)
	wallRe = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)`)
)

func measureCommands() ([]commandResult, error) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return nil, fmt.Errorf("no /usr/bin/time (apt-get install time): %w", err)
	}
	dir, err := os.MkdirTemp("", "benchtable-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "scalefit")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/scalefit").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	files := map[string]string{}
	for _, f := range []struct {
		name  string
		jsonl bool
	}{{"curves.csv", false}, {"curves.jsonl", true}} {
		p := filepath.Join(dir, f.name)
		fh, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		err = genRows(fh, 240, 10000, f.jsonl)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		files[f.name] = p
	}
	// A law to check the runs against: the final points' fit.
	fitJSON := filepath.Join(dir, "fit.json")
	var out []commandResult
	run := func(what, input string, args ...string) commandResult {
		fi, _ := os.Stat(files[input])
		r := commandResult{what: what, input: input, size: fi.Size()}
		cmd := exec.Command("/usr/bin/time", append([]string{"-v", bin}, args...)...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			r.exit = ee.ExitCode()
		} else if err != nil {
			r.measureError = err.Error()
		}
		e := stderr.String()
		num := func(re *regexp.Regexp) float64 {
			m := re.FindStringSubmatch(e)
			if m == nil {
				return math.NaN()
			}
			v, _ := strconv.ParseFloat(m[1], 64)
			return v
		}
		r.rss = int64(num(rssRe)) * 1024
		r.cpu = num(userRe) + num(sysRe)
		if m := wallRe.FindStringSubmatch(e); m != nil {
			r.wall = clock(m[1])
		}
		for _, l := range strings.Split(e, "\n") {
			if strings.HasPrefix(l, "scalefit:") {
				r.stderrFirst = l
				break
			}
		}
		return r
	}
	out = append(out,
		run("load only: `fit F --where 'loss<0'` (exits 2: no runs left)", "curves.csv", "fit", files["curves.csv"], "--where", "loss<0"),
		run("load only, JSON Lines", "curves.jsonl", "fit", files["curves.jsonl"], "--loss-col", "eval/c4/loss", "--where", "loss<0"),
	)
	r := run("`fit F --approach 3 -o fit.json` (final points)", "curves.csv", "fit", files["curves.csv"], "--approach", "3", "-o", fitJSON, "-q")
	out = append(out, r)
	if r.exit == 0 {
		out = append(out,
			run("`check F --fit fit.json`", "curves.csv", "check", files["curves.csv"], "--fit", fitJSON),
			run("`check F --fit fit.json`, JSON Lines", "curves.jsonl", "check", files["curves.jsonl"], "--loss-col", "eval/c4/loss", "--fit", fitJSON))
	}
	return out, nil
}

// clock reads h:mm:ss or m:ss.ss as seconds.
func clock(s string) float64 {
	v := 0.0
	for _, p := range strings.Split(s, ":") {
		x, _ := strconv.ParseFloat(p, 64)
		v = v*60 + x
	}
	return v
}

func writeCommands(w io.Writer, cmds []commandResult) {
	if len(cmds) == 0 {
		return
	}
	fmt.Fprintf(w, "## Whole commands\n\n")
	fmt.Fprintf(w, "The scalefit binary on generated files of such curves, 240 runs of 5,000 to 15,000 points\n")
	fmt.Fprintf(w, "(2.4M rows; JSON Lines with the loss nested as above), measured with `/usr/bin/time -v`:\n")
	fmt.Fprintf(w, "CPU is user + system seconds, max RSS the process's peak resident memory. Issue 31's goal\n")
	fmt.Fprintf(w, "for fit and check is a peak of at most 3x the file's size.\n\n")
	fmt.Fprintf(w, "| command | input | file size | CPU s | wall s | max RSS | RSS / file | exit |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cmds {
		exit := strconv.Itoa(c.exit)
		if c.measureError != "" {
			exit = "not run: " + c.measureError
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.2f | %s | %.2fx | %s |\n", c.what, c.input, bytesText(float64(c.size)),
			c.cpu, c.wall, bytesText(float64(c.rss)), float64(c.rss)/float64(c.size), exit)
	}
	fmt.Fprintln(w)
}
