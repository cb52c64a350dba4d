package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/runs"
	"go.yaml.in/yaml/v3"
)

// actionFile is the part of action.yml a composite action is made of.
type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Shell            string            `yaml:"shell"`
	Run              string            `yaml:"run"`
	WorkingDirectory string            `yaml:"working-directory"`
	Env              map[string]string `yaml:"env"`
}

// actionRun runs action.yml's shell steps as GitHub's runner would (bash -eo pipefail, the
// step's env and working directory, ${{ }} expressions of inputs, github.action_path,
// runner.temp and earlier steps' outputs), with fake GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
// files. It skips `uses:` steps (setup-go: Go is already here) and returns the summary, the
// action's outputs and the exit code of the first failing step.
func actionRun(t *testing.T, a *actionFile, workspace string, with map[string]string) (summary string, outputs map[string]string, code int) {
	t.Helper()
	tmp := t.TempDir()
	sumFile := filepath.Join(tmp, "summary")
	inputs := map[string]string{}
	for k, in := range a.Inputs {
		inputs[k] = in.Default
	}
	for k, v := range with {
		inputs[k] = v
	}
	stepOut := map[string]map[string]string{}
	expr := regexp.MustCompile(`\$\{\{\s*([^}]+?)\s*\}\}`)
	eval := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			e := expr.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(e, "inputs."):
				return inputs[strings.TrimPrefix(e, "inputs.")]
			case e == "github.action_path":
				return repoFile()
			case e == "runner.temp":
				return tmp
			case strings.HasPrefix(e, "steps."):
				p := strings.Split(e, ".") // steps.ID.outputs.NAME
				return stepOut[p[1]][p[3]]
			}
			t.Fatalf("action.yml: unknown expression %q", e)
			return ""
		})
	}
	cond := regexp.MustCompile(`^inputs\.([\w-]+) (==|!=) '([^']*)'$`)
	for _, s := range a.Runs.Steps {
		if s.If != "" {
			m := cond.FindStringSubmatch(s.If)
			if m == nil {
				t.Fatalf("step %q: condition %q not understood by the test", s.Name, s.If)
			}
			if (inputs[m[1]] == m[3]) != (m[2] == "==") {
				continue
			}
		}
		if s.Uses != "" {
			continue
		}
		if s.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash (composite steps must name their shell)", s.Name, s.Shell)
		}
		outFile := filepath.Join(tmp, "output-"+s.ID)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
		cmd.Dir = workspace
		if s.WorkingDirectory != "" {
			cmd.Dir = eval(s.WorkingDirectory)
		}
		cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY="+sumFile, "GITHUB_OUTPUT="+outFile, "RUNNER_TEMP="+tmp)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+eval(v))
		}
		out, err := cmd.CombinedOutput()
		if s.ID != "" {
			stepOut[s.ID] = map[string]string{}
			b, _ := os.ReadFile(outFile)
			for _, l := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					stepOut[s.ID][k] = v
				}
			}
		}
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("step %q: %v", s.Name, err)
			}
			t.Logf("step %q exits %d:\n%s", s.Name, ee.ExitCode(), out)
			code = ee.ExitCode()
			break
		}
	}
	outputs = map[string]string{}
	for k, o := range a.Outputs {
		outputs[k] = eval(o.Value)
	}
	b, _ := os.ReadFile(sumFile)
	return string(b), outputs, code
}

func TestActionComposite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scalefit and writes two reports")
	}
	a := *loadAction(t)
	if a.Runs.Using != "composite" || !a.Inputs["runs"].Required || a.Outputs["report-dir"].Value == "" {
		t.Fatalf("action.yml: want a composite action with a required runs input and a report-dir output: %+v", a)
	}
	for _, s := range a.Runs.Steps {
		if s.Run != "" && strings.Contains(s.Run, "${{") {
			t.Errorf("step %q splices ${{ }} into its script; pass inputs through env", s.Name)
		}
	}

	ws := t.TempDir()
	runsCSV, err := os.ReadFile(repoFile("testdata", "chinchilla.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "runs.csv"), runsCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	// A new run on the fitted law passes the gate; one 10% worse fails it.
	law := func(n, d float64) float64 {
		return 1.8172 + 477.83/math.Pow(n, 0.347311) + 2143.4/math.Pow(d, 0.367172)
	}
	write := func(name string, scale float64) {
		body := fmt.Sprintf("params,tokens,loss\n1e9,2e10,%.6f\n", law(1e9, 2e10)*scale)
		if err := os.WriteFile(filepath.Join(ws, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("on_law.csv", 1)
	write("worse.csv", 1.10)

	with := map[string]string{"runs": "runs.csv", "output": "out", "args": "--drop-highest-loss\n5\n", "check": "on_law.csv"}
	summary, outputs, code := actionRun(t, &a, ws, with)
	if code != 0 {
		t.Fatalf("action exits %d on a good run", code)
	}
	if outputs["report-dir"] != "out" || outputs["check-result"] != "pass" {
		t.Errorf("outputs %v, want report-dir out and check-result pass", outputs)
	}
	for _, f := range []string{"report.html", "report.md", "summary.md", "fit.json"} {
		if _, err := os.Stat(filepath.Join(ws, "out", f)); err != nil {
			t.Errorf("the action wrote no %s: %v", f, err)
		}
	}
	for _, want := range []string{"Scaling-law report", "converged", "## Gate: scalefit check"} {
		if !strings.Contains(summary, want) {
			t.Errorf("job summary lacks %q", want)
		}
	}
	if strings.Contains(summary, "![") {
		t.Error("job summary links images")
	}

	with["check"] = "worse.csv"
	_, outputs, code = actionRun(t, &a, ws, with)
	if code != 1 || outputs["check-result"] != "fail" {
		t.Errorf("a run 10%% worse: exit %d, check-result %q; want 1 and fail", code, outputs["check-result"])
	}

	// A failing report still leaves a line in the summary, and fails the job with exit 2.
	summary, _, code = actionRun(t, &a, ws, map[string]string{"runs": "missing.csv", "output": "out2"})
	if code != 2 || !strings.Contains(summary, "failed (exit 2)") {
		t.Errorf("missing runs: exit %d, summary %q; want 2 and a line saying so", code, summary)
	}
}

// loadAction reads action.yml.
func loadAction(t *testing.T) *actionFile {
	t.Helper()
	raw, err := os.ReadFile(repoFile("action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(raw, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a
}

// The worked example in docs/ passes the action only inputs it declares, and runs as written
// on the repository's own testdata (its `uses: ./` is this checkout).
func TestActionExampleWorkflow(t *testing.T) {
	a := loadAction(t)
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	raw, err := os.ReadFile(repoFile("docs", "scalefit-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("docs/scalefit-ci.yml: %v", err)
	}
	var with map[string]string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Uses != "./" && !strings.HasPrefix(s.Uses, "scalefit/scalefit") {
				continue
			}
			with = s.With
			for k := range s.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("docs/scalefit-ci.yml passes %q, which action.yml does not declare", k)
				}
			}
		}
	}
	if with == nil {
		t.Fatal("docs/scalefit-ci.yml does not use the action")
	}
	if testing.Short() {
		t.Skip("runs the example's report")
	}
	ws := t.TempDir()
	if err := os.Symlink(mustAbs(t, repoFile("testdata")), filepath.Join(ws, "testdata")); err != nil {
		t.Fatal(err)
	}
	_, outputs, code := actionRun(t, a, ws, with)
	if code != 0 || outputs["check-result"] != "pass" {
		t.Errorf("the documented workflow exits %d, check-result %q: want 0 and pass", code, outputs["check-result"])
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// D13: the action's inputs reach scalefit as data, never as flags or as shell words; a check
// that cannot run is an error, not a failed gate.
func TestD13ActionInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scalefit and writes reports")
	}
	a := loadAction(t)
	ws := t.TempDir()
	if err := os.Symlink(mustAbs(t, repoFile("testdata")), filepath.Join(ws, "testdata")); err != nil {
		t.Fatal(err)
	}
	fitRuns := func(dir string) int {
		b, err := os.ReadFile(filepath.Join(ws, dir, "fit.json"))
		if err != nil {
			return -1
		}
		var d struct {
			Runs int `json:"runs"`
		}
		if json.Unmarshal(b, &d) != nil {
			return -1
		}
		return d.Runs
	}
	chin := "testdata/chinchilla.csv"

	// An argument with spaces, one per line, is one argument: 162 of the 245 runs have
	// flops >= 1e19 and loss < 4.
	_, _, code := actionRun(t, a, ws, map[string]string{"runs": chin, "output": "o1", "args": "--where\nflops>=1e19 and loss<4\n"})
	want := 0
	for _, r := range readRuns(t, repoFile(chin)) {
		if r.flops >= 1e19 && r.loss < 4 {
			want++
		}
	}
	if code != 0 || fitRuns("o1") != want {
		t.Errorf("args on lines: exit %d, %d runs fitted, want 0 and %d", code, fitRuns("o1"), want)
	}
	// Several runs files, one per line, are all read.
	raw, err := os.ReadFile(repoFile(chin))
	if err != nil {
		t.Fatal(err)
	}
	// Each row its own run id: two tidy tables, not two runs' logs.
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = "run," + lines[i]
		} else {
			lines[i] = fmt.Sprintf("r%d,%s", i, lines[i])
		}
		lines[i] += "\n"
	}
	half := len(lines) / 2
	for name, body := range map[string]string{"a.csv": strings.Join(lines[:half], ""), "b.csv": lines[0] + strings.Join(lines[half:], "")} {
		if err := os.WriteFile(filepath.Join(ws, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, code = actionRun(t, a, ws, map[string]string{"runs": "a.csv\nb.csv", "output": "o2"})
	if all := len(readRuns(t, repoFile(chin))); code != 0 || fitRuns("o2") != all {
		t.Errorf("two runs lines: exit %d, %d runs fitted, want %d", code, fitRuns("o2"), all)
	}
	// A runs entry that looks like a flag is a file name: no report, exit 2.
	if _, _, code = actionRun(t, a, ws, map[string]string{"runs": "--help", "output": "o3"}); code != 2 {
		t.Errorf("runs --help: exit %d, want 2", code)
	}
	// A line break in output cannot add a line to $GITHUB_OUTPUT.
	_, outputs, code := actionRun(t, a, ws, map[string]string{"runs": chin, "output": "o4\ndir=/etc"})
	if code != 2 || outputs["report-dir"] == "/etc" {
		t.Errorf("output with a newline: exit %d, report-dir %q; want 2 and no injected dir", code, outputs["report-dir"])
	}
	// A check entry that looks like a flag is a file name, and a check that cannot run is
	// "error" with exit 2, never "pass" or "fail".
	_, outputs, code = actionRun(t, a, ws, map[string]string{"runs": chin, "output": "o5", "check": "--tolerance=99%"})
	if code != 2 || outputs["check-result"] != "error" {
		t.Errorf("check --tolerance=99%%: exit %d, check-result %q; want 2 and error", code, outputs["check-result"])
	}
}

type csvRun struct{ flops, loss float64 }

// readRuns reads the flops (or 6ND) and loss of a params,tokens[,flops],loss CSV.
func readRuns(t *testing.T, path string) []csvRun {
	t.Helper()
	set, err := runs.Load(mustOpen(t, path), path, runs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]csvRun, len(set.Runs))
	for i, r := range set.Runs {
		out[i] = csvRun{r.FLOPs, r.Loss}
	}
	return out
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
