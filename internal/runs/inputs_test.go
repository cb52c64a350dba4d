package runs

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewBadInputs: every bad input of the new layouts is an error naming the file and line
// (exit 2 in the CLI), or a warning with a stable code, as README's catalogue says.
func TestNewBadInputs(t *testing.T) {
	dir := t.TempDir()
	const tidy = "run,params,tokens,loss\na,1e8,2e9,3.1\nb,2e8,4e9,2.9\nc,4e8,8e9,2.7\n"
	meta := write(t, filepath.Join(dir, "meta.csv"), "run,params\na,1e8\nb,2e8\n")
	meta3 := write(t, filepath.Join(dir, "meta3.csv"), "run,params\na,1e8\nb,2e8\nc,4e8\nzz,9e9\n")
	noParams := "run,tokens,loss\na,2e9,3.1\nb,4e9,2.9\nc,8e9,2.7\n"
	write(t, filepath.Join(dir, "empty", "notes.md"), "x")
	tests := []struct {
		name    string
		file    string // written to dir/name's file
		text    string
		paths   []string // instead of file
		opts    Options
		err     string // substring of the error ("" = no error)
		warning string // code of a warning expected when there is no error
	}{
		{name: "empty JSON line", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3}\n\n{\"params\": 2e8, \"tokens\": 2e9, \"loss\": 3}\n",
			err: "r.jsonl:2: empty line: want one JSON object per line"},
		{name: "empty JSON line skipped", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3}\n\n{\"params\": 2e8, \"tokens\": 2e9, \"loss\": 3}\n",
			opts: Options{SkipInvalid: true}, warning: "skipped-rows"},
		{name: "JSON object for a number", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3}\n{\"params\": 2e8, \"tokens\": 2e9, \"loss\": {\"c4\": 3}}\n",
			err: `r.jsonl:2: loss: "loss" is a JSON object on this line, want a number`},
		{name: "JSON object column", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": {\"c4\": 3}}\n",
			opts: Options{LossCol: "loss"}, err: `"loss" is a JSON object, not a number: name one of its fields, loss/c4`},
		{name: "JSON array for a number", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": [3]}\n",
			err: `r.jsonl:1: loss "(a JSON array)": want a number`},
		{name: "JSON not an object", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3}\n[1, 2]\n",
			err: "r.jsonl:2: \"[1, 2]\": want a JSON object"},
		{name: "JSON malformed", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3\n",
			err: "r.jsonl:1:41: malformed JSON"},
		{name: "JSON two values", file: "r.jsonl", text: "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3} {}\n",
			err: "r.jsonl:1:43: more than one JSON value"},
		{name: "JSON array of numbers", file: "r.json", text: "[\n  {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3},\n  7\n]\n",
			err: "r.json:3: 7: want a JSON object"},
		{name: "JSON array key missing", file: "r.json", text: "[\n  {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3},\n  {\"params\": 1e8, \"tokens\": 2e9}\n]\n",
			err: "r.json:3: loss empty: want a number"},
		{name: "W&B column without ' - '", file: "w.csv", text: "Step,a - loss,a - loss__MIN,b - loss,extra\n1,3,3,3,1\n",
			err: `w.csv:1:5: column "extra": a W&B wide export names every column after the first "<run> - <metric>"`},
		{name: "W&B forced on a plain CSV", file: "w.csv", text: tidy, opts: Options{Format: FormatWandB},
			err: `w.csv:1:2: column "params": a W&B wide export`},
		{name: "glob matching nothing", paths: []string{filepath.Join(dir, "nothing", "*.csv")},
			err: "nothing/*.csv: the glob matches no file"},
		{name: "directory without runs files", paths: []string{filepath.Join(dir, "empty")},
			err: "a directory with no runs files"},
		{name: "file given twice", paths: []string{filepath.Join(dir, "meta.csv"), filepath.Join(dir, "meta.csv")},
			err: "given twice"},
		{name: "meta row for an unknown run", file: "r.csv", text: noParams, opts: Options{Meta: meta3},
			warning: "meta-unknown-run"},
		{name: "metadata contradicting the data", file: "r.csv", text: tidy, opts: Options{Meta: write(t, filepath.Join(dir, "m3.csv"), "run,params,arch\na,100M,x\nb,3e8,y\nc,4e8,z\n")},
			warning: "meta-conflict"},
		{name: "metadata agreeing with the data", file: "r.csv", text: tidy, opts: Options{Meta: write(t, filepath.Join(dir, "m4.csv"), "run,params (M),arch\na,100,x\nb,200,y\nc,400,z\n")},
			warning: ""},
		{name: "run without metadata", file: "r.csv", text: noParams, opts: Options{Meta: meta},
			err: `r.csv:4: run "c" has no row in --meta`},
		{name: "run without metadata skipped", file: "r.csv", text: noParams, opts: Options{Meta: meta, SkipInvalid: true},
			warning: "skipped-rows"},
		{name: "meta without run column", file: "r.csv", text: noParams, opts: Options{Meta: write(t, filepath.Join(dir, "m.csv"), "who,params\na,1\n")},
			err: "m.csv:1: --meta: no run column to join on"},
		{name: "meta run twice", file: "r.csv", text: noParams, opts: Options{Meta: write(t, filepath.Join(dir, "m2.csv"), "run,params\na,1e8\na,2e8\n")},
			err: `m2.csv:3:1: --meta: run "a" already has a row (line 2)`},
		{name: "one file without run ids: its stem is the run", file: "r.csv", text: "params,tokens,loss\n1e8,2e9,3\n", opts: Options{Meta: meta},
			err: `r.csv:2: run "r" has no row in --meta`},
		{name: "run pattern no match", file: "r.csv", text: noParams, opts: Options{RunPattern: `^(?P<params>[0-9]+M)$`},
			err: `r.csv:2: run "a" does not match --run-pattern`},
		{name: "run pattern without names", file: "r.csv", text: noParams, opts: Options{RunPattern: `([0-9]+)`},
			err: "no named group"},
		{name: "bad input format", file: "r.csv", text: tidy, opts: Options{Format: "xlsx"}, err: `--input-format "xlsx"`},
		{name: "Total line", file: "r.csv", text: tidy + "Total,,,\n", err: "r.csv:5:2: params empty: want a number (--skip-invalid skips such rows, with a warning)"},
		{name: "Total line skipped", file: "r.csv", text: tidy + "Total,,,\n", opts: Options{SkipInvalid: true}, warning: "skipped-rows"},
		{name: "mean row", file: "r.csv", text: tidy + "mean,2.333e8,4.667e9,2.9\n", warning: "aggregate-row"},
		{name: "row of column means", file: "r.csv", text: "params,tokens,loss\n1e8,2e9,3.0\n2e8,4e9,2.9\n6e8,12e9,2.5\n3e8,6e9,2.8\n", warning: "aggregate-row"},
		{name: "params in billions", file: "r.csv", text: "params,tokens,loss\n0.1,2e9,3.1\n0.4,8e9,2.7\n1,2e10,2.5\n", warning: "params-unit"},
		{name: "tokens in billions", file: "r.csv", text: "params,tokens,loss\n1e8,2,3.1\n4e8,8,2.7\n1e9,20,2.5\n", warning: "tokens-unit"},
		{name: "did you mean", file: "r.csv", text: "params,tokens,final_val_loss\n1e8,2e9,3.1\n", opts: Options{LossCol: "final_val_los"},
			err: "(did you mean final_val_loss?)"},
		{name: "where did you mean", file: "r.csv", text: "params,tokens,loss,peak_lr\n1e8,2e9,3.1,1e-3\n", opts: Options{Where: "peak_rl<1"},
			err: "(did you mean peak_lr?)"},
	}
	for _, tt := range tests {
		paths := tt.paths
		if tt.file != "" {
			paths = []string{write(t, filepath.Join(dir, tt.name, tt.file), tt.text)}
		}
		s, err := LoadFiles(paths, nil, tt.opts)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		default:
			var codes []string
			for _, w := range s.Warnings {
				codes = append(codes, w.Code)
			}
			if tt.warning == "" && len(codes) == 0 {
				continue
			}
			if len(codes) != 1 || codes[0] != tt.warning {
				t.Errorf("%s: warnings %v, want one %q", tt.name, s.Warnings, tt.warning)
			}
		}
	}
}

func TestSkipInvalidNamesTheFirstLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("params,tokens,loss\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "1e8,2e9,%d.5\n", i+1)
		if i%2 == 0 {
			b.WriteString("1e8,,3\n")
		}
	}
	s, err := Load(strings.NewReader(b.String()), "runs.csv", Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 10 || s.Skipped != 5 || len(s.Warnings) != 1 {
		t.Fatalf("runs %d skipped %d warnings %v", len(s.Runs), s.Skipped, s.Warnings)
	}
	w := s.Warnings[0].String()
	for _, want := range []string{"skipped-rows: 5 invalid row(s) skipped", "runs.csv:3:2: tokens empty", "runs.csv:6:2", "runs.csv:15:2"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if _, err := Load(strings.NewReader("params,tokens,loss\n1e8,,3\n"), "runs.csv", Options{SkipInvalid: true}); err == nil || !strings.Contains(err.Error(), "no valid rows: all 1 skipped") {
		t.Errorf("all skipped: %v", err)
	}
}

func TestColumnErrorListsFiftyHeaders(t *testing.T) {
	var hs []string
	for i := 0; i < 114; i++ {
		hs = append(hs, fmt.Sprintf("metric_%03d", i))
	}
	hs = append(hs, "params", "tokens", "final_val_loss")
	_, err := Load(strings.NewReader(strings.Join(hs, ",")+"\n"+strings.Repeat("1,", len(hs)-1)+"1\n"), "wide.csv", Options{LossCol: "final_val_los"})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, want := range []string{"metric_000, metric_001", "metric_049 and 67 more", "did you mean final_val_loss?"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "metric_050") {
		t.Errorf("%q lists more than 50 headers", msg)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"params", "tokens", "final_val_loss", "peak_lr", "loss_c4_en"}
	for _, tt := range []struct{ in, want string }{
		{"final_val_los", "final_val_loss"}, {"Final Val Loss2", "final_val_loss"}, {"peaklr", "peak_lr"},
		{"loss_c4", "loss_c4_en"}, {"zzzzzz", ""}, {"x", ""},
	} {
		if got := closest(tt.in, cands); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStreamedAndWholeReadAlike: a seekable input is read in two passes (streamed), a pipe
// whole; both give the same runs and the same errors.
func TestStreamedAndWholeReadAlike(t *testing.T) {
	texts := []string{
		"\xef\xbb\xbfrun,params,tokens,loss,note\r\na,1e8,2e9,3.1,x\r\n\r\nb,2e8,4e9,2.9,\r\n",
		"\n\nparams;tokens;loss\n1,5E+08;2E+09;3,1\n2E+08;4E+09;2,9",
		"params\ttokens\tloss\tgroup\n1e8\t2e9\t3.1\tA\n2e8\t4e9\t2.9\t\n",
		"tokens,a - loss,a - loss__MIN,b - loss\n1e9,3,3,\n2e9,,,2.5\n",
		"params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9\n",
		"params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,caf\xe9\n",
		"params,tokens,loss\n",
		"  \n\t\n",
		"\"tokens\",\"a - loss\",\"a - loss__MIN\",\"a - params\",\"b - loss\",\"b - params\"\n\"1e9\",\"3.1\",\"3\",1e8,\"\",\n2e9,2.9,,1e8,\"2.5\",\"4e8\"\n",
		"run,params,tokens,loss,note\n\"a,\"\"x\"\"\",1e8,2e9,3.1,\"\"\n\"b\",2e8,4e9,2.9,\"say \"\"hi\"\"\"\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,a\"b\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,\"a\"b\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,\"a\n",
		"params,tokens,loss,note\n1e8,2e9,3.1,\"a\nb\"\n2e8,4e9,2.9,c\n",
		"{\"params\": 1e8, \"tokens\": 2e9, \"l\": {\"c4\": 3.1}}\n\n \n{\"params\": 2e8, \"tokens\": 4e9, \"l\": {\"c4\": 2.9}, \"loss\": 2.9}\n\n\n",
		"\xef\xbb\xbf{\"run\": \"a\\u00e9\", \"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1, \"tags\": [\"x\", {\"y\": 1}]}\r\n{\"run\": \"b\", \"params\": 2e8, \"tokens\": 4e9, \"loss\": 2.9}",
	}
	succeeded := 0
	for _, text := range texts {
		for _, opts := range []Options{{}, {SkipInvalid: true}} {
			s1, err1 := Load(strings.NewReader(text), "r.csv", opts)
			s2, err2 := Load(struct{ io.Reader }{strings.NewReader(text)}, "r.csv", opts)
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("%q: streamed error %v, whole %v", text, err1, err2)
				continue
			}
			if err1 != nil {
				continue
			}
			succeeded++
			if s1.Format != s2.Format || len(s1.Runs) != len(s2.Runs) || fmt.Sprint(s1.Notes, s1.Warnings, s1.Headers) != fmt.Sprint(s2.Notes, s2.Warnings, s2.Headers) {
				t.Errorf("%q: streamed %d runs %v, whole %d runs %v", text, len(s1.Runs), s1.Notes, len(s2.Runs), s2.Notes)
				continue
			}
			for i := range s1.Runs {
				a, b := s1.Runs[i], s2.Runs[i]
				if a.Params != b.Params || a.Tokens != b.Tokens || a.Loss != b.Loss || a.ID != b.ID || a.Group != b.Group || a.Line != b.Line {
					t.Errorf("%q: run %d streamed %+v, whole %+v", text, i, a, b)
				}
			}
		}
	}
	if succeeded < 14 {
		t.Errorf("%d loads succeeded: the texts no longer exercise reading", succeeded)
	}
}

func TestWandBLongAndForcedFormats(t *testing.T) {
	// W&B's long export: a Name column (the run id) and one row per logged step.
	long := "Name,_step,_runtime,params,tokens,loss\nr1,10,5.1,1e8,2e9,3.1\nr1,20,9.9,1e8,4e9,2.9\nr2,10,6.0,4e8,2e9,2.8\n"
	s, err := Load(strings.NewReader(long), "long.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != FormatCSV || !s.IsCurves() || s.Runs[1].ID != "r1" || s.Runs[2].ID != "r2" {
		t.Errorf("long export: format %s, ids %q %q", s.Format, s.Runs[1].ID, s.Runs[2].ID)
	}
	// A wide export whose metrics include params: no --meta needed.
	wide := "tokens,a - loss,a - params,b - loss,b - params,b - loss__MAX\n2e9,3.1,1e8,,,\n4e9,2.9,1e8,2.5,4e8,2.6\n"
	s, err = Load(strings.NewReader(wide), "wide.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintln(len(s.Runs), s.Runs[0].ID, s.Runs[1].ID, s.Runs[2].ID, s.Runs[2].Params, s.Runs[2].Loss, s.Headers)
	if want := "3 a a b 4e+08 2.5 [tokens run loss params]\n"; got != want {
		t.Errorf("wide export: %s, want %s", got, want)
	}
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "1 __MIN/__MAX companion columns left out") {
		t.Errorf("wide export notes %q", s.Notes)
	}
	// --input-format csv reads a W&B-looking header as plain columns; tsv forces tabs.
	if _, err := Load(strings.NewReader(wide), "wide.csv", Options{Format: FormatCSV}); err == nil || !strings.Contains(err.Error(), "no params column") {
		t.Errorf("forced csv: %v", err)
	}
	tsv := "params\ttokens\tloss\tlr,wd\n1e8\t2e9\t3.1\t1e-3,0.1\n"
	if _, err := Load(strings.NewReader(tsv), "t.txt", Options{}); err == nil {
		t.Errorf("sniffed: a comma in the header makes it comma-separated: want an error")
	}
	s, err = Load(strings.NewReader(tsv), "t.txt", Options{Format: FormatTSV})
	if err != nil || s.Headers[3] != "lr,wd" || s.Runs[0].Loss != 3.1 {
		t.Errorf("forced tsv: %v %v", err, s)
	}
}
