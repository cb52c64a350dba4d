package runs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoPerRowAllocation loads each kind of input at two sizes: the number of allocations
// must not grow with the rows (a row's record, cells or Run escaping to the heap costs an
// allocation per row, and made 2.4 million rows allocate 4.4 times the file's size).
func TestNoPerRowAllocation(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(dir, "meta.csv")
	var mb strings.Builder
	mb.WriteString("run,params,tokens\n")
	for r := 0; r < 240; r++ {
		n := 1.5e8 * float64(1+r%12)
		fmt.Fprintf(&mb, "%dM-%dxC,%.0f,%d\n", int(n/1e6), 1+r/12, n, 1<<30)
	}
	if err := os.WriteFile(meta, []byte(mb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	semicolon := func(rows int) []byte {
		return bytes.ReplaceAll(bytes.ReplaceAll(benchFile(rows), []byte{','}, []byte{';'}), []byte{'.'}, []byte{','})
	}
	wide := func(rows int) []byte {
		// 24 runs, one column each (and W&B's companions), rows/24 steps.
		var b bytes.Buffer
		b.WriteString("Step")
		for r := 0; r < 24; r++ {
			fmt.Fprintf(&b, ",r%d - train/loss,r%d - train/loss__MIN,r%d - train/loss__MAX", r, r, r)
		}
		b.WriteByte('\n')
		for s := 1; s <= rows/24; s++ {
			fmt.Fprintf(&b, "%d", s)
			for r := 0; r < 24; r++ {
				fmt.Fprintf(&b, ",%.4f,%.4f,%.4f", 2+1/float64(s+r), 2+1/float64(s+r), 2+1/float64(s+r))
			}
			b.WriteByte('\n')
		}
		return b.Bytes()
	}
	curves := Options{Layout: LayoutCurves}
	for _, c := range []struct {
		name string
		data func(rows int) []byte
		opts Options
	}{
		{"csv", benchFile, Options{}},
		{"quoted csv", benchQuoted, Options{}},
		{"semicolons and decimal commas", semicolon, Options{}},
		{"json lines", benchJSONL, Options{LossCol: "eval/c4/loss"}},
		{"csv curves", benchFile, curves},
		{"csv with --meta", func(rows int) []byte {
			return bytes.ReplaceAll(benchFile(rows), []byte("run,step,params,tokens,loss"), []byte("run,step,p,t,loss"))
		}, Options{Meta: meta}},
		{"w&b wide export", wide, Options{Layout: LayoutCurves, LossCol: "train/loss"}},
		{"where", benchFile, Options{Where: "step > 3 and loss < 10"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			allocs := func(rows int) float64 {
				data := c.data(rows)
				return testing.AllocsPerRun(2, func() {
					if _, err := Load(bytes.NewReader(data), "runs.csv", c.opts); err != nil {
						t.Fatal(err)
					}
				})
			}
			const n = 4800 // rows; more than the 4,096 after which the cells are sized
			a, b := allocs(n), allocs(2*n)
			if b-a > n/100 {
				t.Errorf("%d rows: %.0f allocations; %d rows: %.0f: %.2f more per extra row, want none", n, a, 2*n, b, (b-a)/n)
			}
		})
	}
}

// TestNoRunEscape compiles the package with escape analysis: no per-row value (the Run
// built for each row, its record or cells) may move to the heap.
func TestNoRunEscape(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package (-short)")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(gobin, "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go build -gcflags=-m: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("moved to heap")) && !bytes.Contains(out, []byte("does not escape")) {
		t.Skip("no escape analysis in the compiler's output")
	}
	perRow := regexp.MustCompile(`(?m)^(.*\.go:\d+:\d+): moved to heap: (run|rec|cells|row)$`)
	for _, m := range perRow.FindAllSubmatch(out, -1) {
		t.Errorf("%s: %s moved to heap: one allocation per row", m[1], m[2])
	}
}
