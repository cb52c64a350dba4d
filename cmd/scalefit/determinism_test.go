package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestDeterminismAcrossGOMAXPROCS checks that the same input and seed give byte-identical
// stdout whatever the parallelism: the bootstrap and the multi-start search may run on any
// number of goroutines, but results must not depend on scheduling.
func TestDeterminismAcrossGOMAXPROCS(t *testing.T) {
	boot := "200"
	if testing.Short() || raceEnabled() {
		boot = "40"
	}
	cases := [][]string{
		{"fit", repoFile("testdata", "chinchilla.csv"), "--drop-highest-loss", "5", "--format", "json",
			"--bootstrap", boot, "--seed", "7", "--draws"},
		{"fit", repoFile("testdata", "synthetic.csv"), "--format", "json"},
		{"fit", repoFile("testdata", "synthetic.csv"), "--format", "json", "--bootstrap", boot, "--seed", "3"},
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, args := range cases {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			var first string
			for _, procs := range []int{1, 2, 8} {
				runtime.GOMAXPROCS(procs)
				stdout, stderr, code := runCLI(t, "", args...)
				runtime.GOMAXPROCS(prev)
				if code != 0 {
					t.Fatalf("GOMAXPROCS=%d: exit %d: %s", procs, code, stderr)
				}
				if procs == 1 {
					first = stdout
					if !strings.Contains(stdout, `"approach": 3`) {
						t.Fatalf("no approach-3 fit in the output:\n%.2000s", stdout)
					}
					continue
				}
				if stdout != first {
					t.Errorf("GOMAXPROCS=%d: stdout differs from GOMAXPROCS=1: %s", procs, firstDiff(first, stdout))
				}
			}
		})
	}
}

// firstDiff describes where two outputs first differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(al), len(bl))
}
