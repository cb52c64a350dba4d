package runs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/limits"
)

// zeros is /dev/zero: it never ends and has no newline.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	z.n += int64(len(p))
	return len(p), nil
}

// D9: an endless input without newlines (fit /dev/zero, or a pipe of it) is refused at the
// line-length cap, having read about that much, instead of reading until memory runs out.
func TestEndlessInputRefused(t *testing.T) {
	z := &zeros{}
	_, err := Load(z, "zero", Options{})
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("Load(/dev/zero): %v", err)
	}
	if z.n > 4*limits.MaxLineBytes {
		t.Errorf("read %d bytes before refusing; the cap is %d", z.n, limits.MaxLineBytes)
	}
	long := "params,tokens,loss\n1e8,2e9," + strings.Repeat("1", limits.MaxLineBytes+1) + "\n"
	if _, err := Load(strings.NewReader(long), "long.csv", Options{}); err == nil || !strings.Contains(err.Error(), "long.csv:2: a line longer than") {
		t.Errorf("a line over the cap: %v", err)
	}
}

// D12: values no run can have are refused at load with file:line:col (a loss of 5e-324
// made an outlier row "predicted 1.068e-15 ... ++Inf%").
func TestAbsurdValuesRefused(t *testing.T) {
	for _, c := range []struct{ row, want string }{
		{"1e8,2e9,5e-324", "x.csv:2:3: loss 5e-324: want a loss"},
		{"1e8,2e9,1e7", "x.csv:2:3: loss 1e7"},
		{"1e-300,2e9,3", "x.csv:2:1: params 1e-300"},
		{"1e8,1e300,3", "x.csv:2:2: tokens 1e300"},
	} {
		_, err := Load(strings.NewReader("params,tokens,loss\n"+c.row+"\n"), "x.csv", Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.row, err, c.want)
		}
	}
}

// D12: a flops column far from 6ND (here 1e5 times below) is warned about.
func TestFLOPsFarFrom6NDWarned(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,flops,loss\n")
	for i := 1; i <= 6; i++ {
		n, d := float64(i)*1e8, float64(i)*2e9
		fmt.Fprintf(&b, "%g,%g,%g,%g\n", n, d, 6*n*d*1e-5, 3.0-0.1*float64(i))
	}
	s, err := Load(strings.NewReader(b.String()), "f.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range s.Warnings {
		found = found || w.Code == CodeFLOPsNot6ND && strings.Contains(w.Msg, "1e-05 x 6ND")
	}
	if !found {
		t.Errorf("no %s warning: %v", CodeFLOPsNot6ND, s.Warnings)
	}
	// The same runs with flops = 6ND: no warning.
	b.Reset()
	b.WriteString("params,tokens,flops,loss\n")
	for i := 1; i <= 6; i++ {
		n, d := float64(i)*1e8, float64(i)*2e9
		fmt.Fprintf(&b, "%g,%g,%g,%g\n", n, d, 6*n*d, 3.0-0.1*float64(i))
	}
	if s, err := Load(strings.NewReader(b.String()), "f.csv", Options{}); err != nil || len(s.Warnings) != 0 {
		t.Errorf("flops = 6ND: %v, warnings %v", err, s.Warnings)
	}
}

// D12: --where comparing a numeric column with text, or naming a missing column, is an
// error (loss!=abc kept every run; a typo kept or dropped everything).
func TestWhereTypeAndColumnErrors(t *testing.T) {
	for _, c := range []struct{ where, want string }{
		{"loss!=abc", "loss is a number"},
		{"flops==1e21x", "flops is a number"},
		{"tokens_per_param==many", "tokens_per_param is a number"},
		{"nosuch>1", `unknown column "nosuch"`},
		{"loss<abc", "want a number for <"},
	} {
		_, err := Load(strings.NewReader("params,tokens,loss\n1e8,2e9,3\n2e8,4e9,2.9\n"), "w.csv", Options{Where: c.where})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--where %q: %v; want %q", c.where, err, c.want)
		}
	}
}
