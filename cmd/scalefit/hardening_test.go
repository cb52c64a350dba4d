package main

import (
	"errors"
	"strings"
	"testing"
)

// Hardening II (issue 20): hostile flag values are refused with exit 2 and a message naming
// the flag, never a panic, a silently dropped value, or NaN in the output.
func TestHostileFlagValuesExit2(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	for _, c := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		// D1: ranges whose STOP/START overflow, budgets outside [1, 1e40].
		{"D1 fit range overflow", []string{"fit", csv, "--approach", "3", "--compute", "1e-300:1e300:x10"}, "--compute"},
		{"D1 optimal range after a budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21,1e-200:1e200:x10"}, "START"},
		{"D1 optimal tiny budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "0.5"}, "want a positive number of FLOPs from 1 to 1e40"},
		{"D1 optimal huge budget", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e41"}, "from 1 to 1e40"},
		{"D1 optimal huge STOP", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21:1e300:x10"}, "STOP"},
		{"D1 compare range", []string{"compare", "--compute", "1e-300:1e300:x10"}, "--compute"},
		{"D1 report range", []string{"report", csv, "-o", t.TempDir(), "--compute", "1e-300:1e300:x1.0001"}, "--compute"},
		{"D1 too many budgets", []string{"optimal", "--law", "chinchilla2022", "--compute", "1:1e40:x1.01"}, "more than 1000"},
		// D8, D11: bootstrap caps.
		{"D8 compare bootstrap", []string{"compare", csv, "--bootstrap", "2000000000"}, "want 0 to 100000"},
		{"D8 fit bootstrap", []string{"fit", csv, "--bootstrap", "2000000000"}, "want 0 to 100000"},
		// D12: NaN and Inf flag values.
		{"D12 min-tokens-per-param NaN", []string{"fit", csv, "--min-tokens-per-param", "NaN"}, "finite"},
		{"D12 budget-tolerance NaN", []string{"fit", csv, "--budget-tolerance", "nan"}, "finite"},
		{"D12 delta Inf", []string{"fit", csv, "--delta", "+Inf"}, "finite"},
		{"D12 rd-star NaN", []string{"optimal", "--law", "muennighoff2023", "--compute", "1e22", "--max-unique-tokens", "25B", "--rd-star", "NaN"}, "finite"},
		{"D12 rn-star Inf", []string{"predict", "--law", "muennighoff2023", "--params", "1B", "--tokens", "100B", "--unique-tokens", "10B", "--rn-star", "Inf"}, "finite"},
		{"D12 sigma NaN", []string{"check", "--fit", "fit.json", csv, "--sigma", "NaN"}, "finite"},
		{"D12 mfu NaN", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21", "--gpu", "h100-bf16", "--mfu", "NaN"}, "finite"},
		// D12, D4: counts and losses outside their ranges.
		{"D12 optimal params 1e-300", []string{"optimal", "--law", "chinchilla2022", "--params", "1e-300"}, "--params 1e-300"},
		{"D4 predict params 1e300", []string{"predict", "--law", "chinchilla2022", "--params", "1e300", "--tokens", "1e300"}, "--params 1e300"},
		{"D12 target loss 5e-324", []string{"optimal", "--law", "chinchilla2022", "--target-loss", "5e-324"}, "--target-loss"},
		{"D12 inference tokens 1e300", []string{"optimal", "--law", "chinchilla2022", "--target-loss", "2", "--inference-tokens", "1e300"}, "--inference-tokens"},
		{"D12 gpu-flops 1e-300", []string{"optimal", "--law", "chinchilla2022", "--compute", "1e21", "--gpu-flops", "1e-300"}, "--gpu-flops"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", c.args...)
			if code != 2 || !strings.Contains(errs, c.want) || strings.Contains(errs, "panic") {
				t.Errorf("exit %d, stderr %q (want exit 2 and %q)", code, errs, c.want)
			}
			if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
				t.Errorf("stdout has a non-finite value: %q", out)
			}
		})
	}
}

// The budgets of a range stay within the caps, and ranges near them still expand.
func TestParseComputeLimits(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		fail bool
	}{
		{"1:1e40:x10", 41, false},
		{"1e39:1e40:x3.16", 3, false},
		{"1e21,1e23", 2, false},
		{"0.999", 0, true},
		{"1e21,1e-200:1e200:x10", 0, true},
		{"1e40:1e40:x10", 1, false},
		{"1e21:1e20:x10", 0, true},
		{"1e21:1e25:xInf", 0, true},
		{"1e21:1e25:xNaN", 0, true},
	} {
		got, err := parseCompute(c.in)
		if (err != nil) != c.fail || (!c.fail && len(got) != c.n) {
			t.Errorf("parseCompute(%q) = %d budgets, %v; want %d, fail %v", c.in, len(got), err, c.n, c.fail)
		}
		for _, v := range got {
			if v < 1 || v > 1e40 {
				t.Errorf("parseCompute(%q): budget %g outside [1, 1e40]", c.in, v)
			}
		}
	}
}

// failWriter fails every write as /dev/full does.
type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("no space left on device") }

// D14: a result that cannot be written to stdout is an error (exit 2) for every command.
func TestStdoutWriteErrorExit2(t *testing.T) {
	csv := repoFile("testdata", "chinchilla.csv")
	for _, args := range [][]string{
		{"laws"},
		{"optimal", "--law", "chinchilla2022", "--compute", "1e21"},
		{"predict", "--law", "chinchilla2022", "--params", "1B", "--tokens", "20B"},
		{"compare", "--format", "json"},
		{"fit", csv, "--approach", "3", "--format", "markdown"},
		{"plot", csv, "--kind", "loss", "-o", t.TempDir() + "/loss.svg"},
		{"report", csv, "--approach", "3", "-o", t.TempDir()},
	} {
		var errb strings.Builder
		code := run(args, strings.NewReader(""), failWriter{}, &errb)
		if code != 2 || !strings.Contains(errb.String(), "cannot write the output") {
			t.Errorf("%v > /dev/full: exit %d, stderr %q; want 2", args, code, errb.String())
		}
	}
}
