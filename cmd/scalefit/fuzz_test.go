package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var nonFinite = regexp.MustCompile(`(^|[^A-Za-z])[+-]?(Inf|NaN)([^A-Za-z]|$)`)

// FuzzPlannerFlags runs optimal and predict with arbitrary --compute, --params and
// --target-loss values: every run must end (bounded loops, capped budgets) with exit 0 or
// 2, never a panic, and never print NaN or Inf as an answer; a refusal names the flag.
func FuzzPlannerFlags(f *testing.F) {
	for _, s := range [][3]string{
		{"1e21:1e25:x10", "400M,1B", "2.5"},
		{"1e-300:1e300:x10", "1e-300", "5e-324"},
		{"1e21,1e-200:1e200:x10", "1e300", "1e300"},
		{"1:1e40:x1.0001", "70B", "1.69"},
		{"5.76e23", "1T,1P", "1.7,1.8,1.9"},
		{"1e21:1e21:x1", "0", "-1"},
		{"1e21::x10,", ",", "NaN"},
		{"1e21:1e22:x1e300", "1e30", "1e6"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, compute, params, target string) {
		for _, args := range [][]string{
			{"optimal", "--law", "chinchilla2022-a3", "--compute", compute, "--format", "json"},
			{"optimal", "--law", "chinchilla2022-a3", "--params", params},
			{"optimal", "--law", "chinchilla2022-a3", "--target-loss", target, "--format", "csv"},
			{"optimal", "--law", "chinchilla2022-a3", "--target-loss", target, "--inference-tokens", params},
			{"predict", "--law", "chinchilla2022-a3", "--params", params, "--tokens", params},
		} {
			var out, errb bytes.Buffer
			code := run(args, strings.NewReader(""), &out, &errb)
			if code != 0 && code != 2 {
				t.Fatalf("%q: exit %d\n%s", args, code, errb.String())
			}
			if code == 2 && errb.Len() == 0 {
				t.Fatalf("%q: exit 2 without a message", args)
			}
			if code == 0 && nonFinite.Match(out.Bytes()) {
				t.Fatalf("%q: exit 0 with a non-finite answer:\n%s", args, out.String())
			}
		}
	})
}
