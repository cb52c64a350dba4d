package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFlopsGPT2(t *testing.T) {
	args := []string{"flops", "--layers", "12", "--d-model", "768", "--heads", "12", "--vocab", "50257", "--context", "1024", "--tied"}
	out, errs, code := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"84,934,656", "124,439,808", "124,318,464"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %s:\n%s", want, out)
		}
	}
	golden(t, "flops_gpt2.txt", out, errs)
	out, errs, code = runCLI(t, "", append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
	var doc struct {
		Rows []struct {
			Convention    string  `json:"convention"`
			Params        float64 `json:"params"`
			FLOPsPerToken float64 `json:"flops_per_token"`
		} `json:"rows"`
		Breakdown []struct {
			Total float64 `json:"total"`
		} `json:"forward_breakdown"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{
		"6n":              {124439808, 6 * 124439808},
		"6n-nonembedding": {84934656, 6 * 84934656},
		"kaplan":          {84934656, 6*84934656 + 6*12*1024*768},
		"hoffmann":        {124439808, 1087349760},
		"deepseek":        {84934656, 72*12*768*768 + 6*12*768*1024},
	}
	if len(doc.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(doc.Rows), len(want))
	}
	if len(doc.Breakdown) != 1 || 3*doc.Breakdown[0].Total != want["hoffmann"][1] {
		t.Errorf("breakdown %+v, want 3 × total = the hoffmann count %v", doc.Breakdown, want["hoffmann"][1])
	}
	for _, r := range doc.Rows {
		if w := want[r.Convention]; r.Params != w[0] || r.FLOPsPerToken != w[1] {
			t.Errorf("%s: params %v flops/token %v, want %v", r.Convention, r.Params, r.FLOPsPerToken, w)
		}
	}
}

func TestFlopsCSV(t *testing.T) {
	out, errs, code := runCLI(t, "", "flops", repoFile("testdata", "architectures.csv"), "--convention", "6n", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Rows []struct {
			Name   string `json:"name"`
			Line   int    `json:"line"`
			Params int64  `json:"params"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// Totals: GPT-2 small and medium as released (124,439,808 and 354,823,168), Llama 2 7B and
	// 70B (6,738,415,616 and 68,976,648,192); the Chinchilla row has no relative-position
	// parameters, so it is below Table A9's 6,796M.
	want := []struct {
		name  string
		total int64
	}{{"gpt2-small", 124439808}, {"gpt2-medium", 354823168}, {"chinchilla-table-a4-6.8b", 0}, {"llama2-7b", 6738415616}, {"llama2-70b", 68976648192}}
	if len(doc.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(doc.Rows), len(want))
	}
	for i, w := range want {
		r := doc.Rows[i]
		if r.Name != w.name || r.Line != i+2 || (w.total > 0 && r.Params != w.total) {
			t.Errorf("row %d: %+v, want %s on line %d with %d parameters", i, r, w.name, i+2, w.total)
		}
	}
}

func TestFlopsErrors(t *testing.T) {
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"flops", "--layers", "12", "--d-model", "768", "--heads", "7", "--vocab", "50257", "--context", "1024"}, "--heads 7: does not divide d_model 768"},
		{"", []string{"flops", "--layers", "0", "--d-model", "768", "--heads", "12", "--vocab", "50257", "--context", "1024"}, "--layers 0"},
		{"", []string{"flops", "--layers", "12"}, "missing --d-model, --heads, --vocab, --context"},
		{"", []string{"flops", "--layers", "12", "--d-model", "768", "--heads", "12", "--vocab", "50257", "--context", "1024", "--convention", "7n"}, "unknown convention"},
		{"layers,d_model,heads,vocab,context\n12,768,12,50257,1024\n12,768,7,50257,1024\n", []string{"flops", "-"}, "<stdin>:3:3: heads 7"},
		{"layers,d_model,heads,vocab,context\n0,768,12,50257,1024\n", []string{"flops", "-"}, "<stdin>:2:1: layers 0"},
		{"", []string{"flops", repoFile("testdata", "architectures.csv"), "--layers", "3"}, "--layers: the shape comes from"},
		{"", []string{"flops", "no-such.csv"}, "cannot read architectures"},
	} {
		_, errs, code := runCLI(t, tc.stdin, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
