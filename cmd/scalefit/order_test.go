package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 23 #2: a fit does not depend on the order of the rows or of the files. The rows of
// testdata inputs are shuffled (seeded), or split into two files given in either order,
// and `fit --format json` must print the same bytes, apart from what echoes the input
// (the file name, line numbers).
func TestFitInvariantToRowAndFileOrder(t *testing.T) {
	boot := "100"
	if testing.Short() {
		boot = "20"
	}
	cases := []struct {
		file string
		args []string
	}{
		{"chinchilla.csv", []string{"--law", "all", "--drop-highest-loss", "5", "--bootstrap", boot, "--seed", "3", "--draws"}},
		{"plateau_synthetic.csv", []string{"--law", "all", "--bootstrap", boot, "--seed", "5"}},
		{"porian_isoflop.csv", []string{"--where", "experiment == 'cosine_decay' and dataset == 'rw'", "--approach", "2,3", "--bootstrap", boot}},
		{"olmo_curves.csv", []string{"--loss-col", "loss_c4_en", "--where", "rerun == 0", "--bootstrap", boot, "--seed", "9"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(repoFile("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			head, body := lines[0], lines[1:]
			dir := t.TempDir()
			write := func(name string, rows []string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(head+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			fit := func(files ...string) string {
				t.Helper()
				args := append(append([]string{"fit"}, files...), append([]string{"--format", "json"}, c.args...)...)
				stdout, stderr, code := runCLI(t, "", args...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr)
				}
				return echoFree(stdout)
			}
			// with a run column of ids that follow the rows, so that several files are
			// one table rather than one run per file
			ided := make([]string, len(body))
			for i, r := range body {
				ided[i] = fmt.Sprintf("r%d,%s", i, r)
			}
			want := fit(write("input.csv", body))
			if !strings.Contains(want, `"approach": `) {
				t.Fatalf("no fit in the output:\n%.1500s", want)
			}
			for seed := uint64(1); seed <= 2; seed++ {
				rows := append([]string(nil), body...)
				rand.New(rand.NewPCG(seed, 23)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
				if got := fit(write("input.csv", rows)); got != want {
					t.Errorf("rows shuffled (seed %d): %s", seed, firstDiff(want, got))
				}
			}
			if strings.Contains(head, "run,") {
				return // the rows already carry run ids: see TestFitInvariantToFileOrder
			}
			head = "run," + head
			withIDs := fit(write("input.csv", ided))
			for seed := uint64(1); seed <= 2; seed++ {
				rows := append([]string(nil), ided...)
				rand.New(rand.NewPCG(seed, 23)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
				// the shuffled rows as two files, in both orders
				a, b := write("a.csv", rows[:len(rows)/2]), write("b.csv", rows[len(rows)/2:])
				if ab, ba := fit(a, b), fit(b, a); ab != ba || ab != withIDs {
					t.Errorf("two files (seed %d): a b, b a and one file differ: %s; %s", seed, firstDiff(withIDs, ab), firstDiff(ab, ba))
				}
			}
		})
	}
}

// echoFree removes from fit's JSON what echoes the input rather than the fit: the source
// file names and the line numbers of listed runs.
var echoFields = regexp.MustCompile(`(?m)^\s*"(line|source|file)": .*\n|"(line|file)": ("[^"]*"|\d+),? ?`)

func echoFree(s string) string { return echoFields.ReplaceAllString(s, "") }

// TestFitInvariantToFileOrder: loss curves logged one file per run (the run id is the file
// name) give the same fit whatever the order of the files on the command line.
func TestFitInvariantToFileOrder(t *testing.T) {
	raw, err := os.ReadFile(repoFile("testdata", "olmo_curves.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	head := lines[0][strings.Index(lines[0], ",")+1:] // without the run column
	byRun := map[string][]string{}
	var runs []string
	for _, l := range lines[1:] {
		id, rest, _ := strings.Cut(l, ",")
		if _, ok := byRun[id]; !ok {
			runs = append(runs, id)
		}
		byRun[id] = append(byRun[id], rest)
	}
	dir := t.TempDir()
	var files []string
	for _, id := range runs {
		p := filepath.Join(dir, id+".csv")
		if err := os.WriteFile(p, []byte(head+"\n"+strings.Join(byRun[id], "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	fit := func(files []string) string {
		t.Helper()
		args := append(append([]string{"fit"}, files...), "--format", "json", "--loss-col", "loss_c4_en", "--where", "rerun == 0", "--bootstrap", "20", "--seed", "4")
		stdout, stderr, code := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return echoFree(stdout)
	}
	want := fit(files)
	rand.New(rand.NewPCG(7, 23)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	if got := fit(files); got != want {
		t.Errorf("files shuffled: %s", firstDiff(want, got))
	}
}
