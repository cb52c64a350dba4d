package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// BacktestInput is one of the three public datasets of the backtest docs and acceptance
// check, written in canonical columns (params, tokens, flops, loss[, budget]).
type BacktestInput struct {
	Name, Title string
	Path        string // a CSV in a temporary directory
}

// BacktestInputs writes the backtest's three public datasets from testdata, as the
// acceptance check selects them: the 240 Chinchilla runs left after dropping the 5 highest
// losses (chinchilla.csv, Epoch's digitisation); Porian et al.'s optimizer_tuning_no_decay
// setting on RefinedWeb (121 IsoFLOP runs, budget = flops; porian_isoflop.csv); and the 25
// OLMo ladder runs at 0.5-10x Chinchilla (final points, no reruns or targets; flops 6ND, C4
// loss averaged over the last five evaluations; olmo_final.csv).
func BacktestInputs(t testing.TB) []BacktestInput {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, header []string, rows [][]string) string {
		var b bytes.Buffer
		b.WriteString(strings.Join(header, ",") + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("testdata: %q: %v", s, err)
		}
		return v
	}
	var out []BacktestInput
	col, rows := ReadTable(t, "chinchilla.csv")
	sort.SliceStable(rows, func(i, j int) bool { return num(rows[i][col["loss"]]) < num(rows[j][col["loss"]]) })
	var ep [][]string
	for _, r := range rows[:len(rows)-5] {
		ep = append(ep, []string{r[col["params"]], r[col["tokens"]], r[col["flops"]], r[col["loss"]]})
	}
	out = append(out, BacktestInput{"epoch", "Chinchilla (Epoch's 240 runs)", write("epoch.csv", []string{"params", "tokens", "flops", "loss"}, ep)})
	col, rows = ReadTable(t, "porian_isoflop.csv")
	var po [][]string
	for _, r := range rows {
		if r[col["experiment"]] == "optimizer_tuning_no_decay" && r[col["dataset"]] == "rw" && r[col["param_count"]] == "standard" {
			po = append(po, []string{r[col["params"]], r[col["tokens"]], r[col["flops"]], r[col["loss"]], r[col["flops"]]})
		}
	}
	out = append(out, BacktestInput{"porian", "Porian et al. (tuned, RefinedWeb, 121 runs)", write("porian.csv", []string{"params", "tokens", "flops", "loss", "budget"}, po)})
	col, rows = ReadTable(t, "olmo_final.csv")
	var ol [][]string
	for _, r := range rows {
		m := r[col["chinchilla_multiple"]]
		if r[col["rerun"]] == "0" && m != "" && m != "NA" && strings.Contains(r[col["run"]], "xC") {
			ol = append(ol, []string{r[col["params"]], r[col["tokens"]], r[col["flops_6ND"]], r[col["loss_c4_en_mean_last5"]]})
		}
	}
	out = append(out, BacktestInput{"olmo", "OLMo ladder (25 runs)", write("olmo.csv", []string{"params", "tokens", "flops", "loss"}, ol)})
	return out
}

// ReplaceSection replaces the text between the lines "<!-- NAME:begin -->" and
// "<!-- NAME:end -->" of the repository file path (e.g. "docs/backtest.md") with body when
// update is true; otherwise it fails the test when the file's section differs from body
// (a generated section gone stale).
func ReplaceSection(t testing.TB, path, name, body string, update bool) {
	t.Helper()
	p := filepath.Join(filepath.Dir(Path()), path)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	i, j := bytes.Index(b, []byte(begin)), bytes.Index(b, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s: no section %q (want the lines %q and %q)", path, name, strings.TrimSpace(begin), end)
	}
	old := string(b[i+len(begin) : j])
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if old == body {
		return
	}
	if !update {
		t.Errorf("%s: the generated section %q is stale: rerun this test with -update", path, name)
		return
	}
	nb := append(append(append([]byte{}, b[:i+len(begin)]...), body...), b[j:]...)
	if err := os.WriteFile(p, nb, 0o644); err != nil {
		t.Fatal(err)
	}
}
