package runs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/scalefit/scalefit/internal/limits"
)

// Issue 26's loader defects (hardening III), each a test named after it.

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestD05NestedJSONDepth: nested JSON objects were flattened by copying the key prefix at
// every level (depth 30,000 took 955 MB); nesting is now capped at limits.MaxJSONDepth with
// an error that says so, in memory linear in the input.
func TestD05NestedJSONDepth(t *testing.T) {
	const depth = 5000
	obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
	for _, c := range []struct{ name, text string }{
		{"d.jsonl", `{"params": 1e8, "tokens": 2e9, "loss": 3.1, "x": ` + obj + "}\n"},
		{"d.json", `[{"params": 1e8, "tokens": 2e9, "loss": 3.1, "x": ` + obj + "}]\n"},
	} {
		var err error
		n := allocated(func() { _, err = Load(strings.NewReader(c.text), c.name, Options{}) })
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("nested more than %d deep", limits.MaxJSONDepth)) {
			t.Errorf("%s: %v, want an error naming the depth cap", c.name, err)
		}
		if n > 64*uint64(len(c.text))+4<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte input: want linear", c.name, n, len(c.text))
		}
	}
	// 64 levels are read.
	ok := strings.Repeat(`{"a":`, limits.MaxJSONDepth-1) + "3.1" + strings.Repeat("}", limits.MaxJSONDepth-1)
	s, err := Load(strings.NewReader(`{"params": 1e8, "tokens": 2e9, "l": `+ok[5:]+"\n"), "ok.jsonl", Options{LossCol: "l/" + strings.Repeat("a/", limits.MaxJSONDepth-3) + "a"})
	if err != nil || s.Runs[0].Loss != 3.1 {
		t.Errorf("64 levels: %v", err)
	}
}

// TestD06JSONArrayOneLine: a JSON array written on one line over 1 MiB, as pandas'
// to_json(orient="records") writes it, is an array of runs (it was refused as "binary
// data?"), and a pretty-printed array names each object's line.
func TestD06JSONArrayOneLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteByte('[')
	const n = 20000
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"params":%d,"tokens":%d,"loss":%.4f,"note":"run number %d"}`, 100000000+i, 2000000000+i, 3+float64(i%100)/1000, i)
	}
	b.WriteByte(']')
	if b.Len() <= limits.MaxLineBytes {
		t.Fatalf("the test's array is %d bytes: want more than a line's cap", b.Len())
	}
	for _, r := range []io.Reader{bytes.NewReader(b.Bytes()), struct{ io.Reader }{bytes.NewReader(b.Bytes())}} {
		s, err := Load(r, "records.json", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Runs) != n || s.Format != FormatJSON || s.Runs[n-1].Params != 100000000+n-1 {
			t.Fatalf("%d runs, format %s: want %d from a JSON array", len(s.Runs), s.Format, n)
		}
	}
	pretty := "[\n  {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3},\n  {\"params\": 2e8,\n   \"tokens\": 4e9, \"loss\": \"x\"}\n]\n"
	if _, err := Load(strings.NewReader(pretty), "p.json", Options{}); err == nil || !strings.HasPrefix(err.Error(), `p.json:3: loss "x"`) {
		t.Errorf("pretty-printed array: %v, want the second object's line 3", err)
	}
}

// TestD07NamedInputsOpenedOnce: a named input was opened twice (once to scan, once to
// read), so a FIFO hung and `fit <(cat runs.csv)` read nothing the second time ("header
// only"). Each input is now opened and read once.
func TestD07NamedInputsOpenedOnce(t *testing.T) {
	const text = "params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n"
	dir := t.TempDir()
	fifo := filepath.Join(dir, "runs.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString(text)
			f.Close()
		}
	}()
	type result struct {
		s   *Set
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := LoadFiles([]string{fifo}, nil, Options{})
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || len(r.s.Runs) != 3 {
			t.Errorf("FIFO: %v", r.err)
		}
	case <-time.After(20 * time.Second):
		// Unblock a second open of the FIFO before failing.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("FIFO: LoadFiles hung (the FIFO was opened a second time)")
	}
	// A pipe named by /dev/fd, as the shell's <(cat runs.csv) gives it.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		pw.WriteString(text)
		pw.Close()
	}()
	name := fmt.Sprintf("/dev/fd/%d", pr.Fd())
	if _, err := os.Stat(name); err != nil {
		t.Skipf("no /dev/fd: %v", err)
	}
	s, err := LoadFiles([]string{name}, nil, Options{})
	if err != nil || len(s.Runs) != 3 {
		t.Errorf("%s: %v, want 3 runs", name, err)
	}
}

// TestD17JSONKeyCollisions: in JSON Lines a flat "eval/loss" and a nested
// {"eval": {"loss": ...}} name one column, and a key given twice keeps one value: both
// were silent; they are bad rows now, as a CSV with a column twice is refused.
func TestD17JSONKeyCollisions(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`{"params": 1e8, "tokens": 2e9, "eval/loss": 3.0, "eval": {"loss": 3.1}}`, `flat "eval/loss" and a nested {"eval": {"loss": ...}}`},
		{`{"params": 1e8, "tokens": 2e9, "loss": 3.0, "loss": 3.1}`, `key "loss" twice`},
	} {
		good := `{"params": 2e8, "tokens": 4e9, "loss": 2.9, "eval/loss": 2.9}` + "\n"
		_, err := Load(strings.NewReader(good+c.text+"\n"), "d.jsonl", Options{LossCol: "loss"})
		if err == nil || !strings.Contains(err.Error(), "d.jsonl:2: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error at line 2 saying %q", c.text, err, c.want)
		}
		s, err := Load(strings.NewReader(good+c.text+"\n"), "d.jsonl", Options{LossCol: "loss", SkipInvalid: true})
		if err != nil || len(s.Runs) != 1 || s.Skipped != 1 {
			t.Errorf("%s with --skip-invalid: %v", c.text, err)
		}
		// The same in a JSON array.
		if _, err := Load(strings.NewReader("["+strings.TrimSpace(good)+",\n"+c.text+"]"), "d.json", Options{LossCol: "loss"}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("array %s: %v, want %q", c.text, err, c.want)
		}
	}
}

// TestD20DerivedValuesCapped: params 1e29 and tokens 1e29 derived C = 6e58, beyond the
// 1e40 cap every given flops cell is held to; derived values are checked against
// internal/limits too.
func TestD20DerivedValuesCapped(t *testing.T) {
	for _, c := range []struct {
		text string
		opts Options
		want string
	}{
		{"params,tokens,loss\n1e8,2e9,3\n1e29,1e29,2.5\n", Options{}, "r.csv:3: derived flops 6e58 (6 x params x tokens): want a number from 1e-30 to 1e40"},
		{"run,params,tokens,loss\na,1e29,1e29,2.5\n", Options{Layout: LayoutCurves}, "r.csv:2: derived flops 6e58"},
		{"params,flops,loss\n1e-20,1e30,2.5\n", Options{}, "r.csv:2: derived tokens 1.667e49 (flops / (6 params))"},
		{"flops,tokens,loss\n1e40,1e-20,2.5\n", Options{}, "r.csv:2: derived params"},
		{"arch,tokens,loss\nx,1e29,2.5\n", Options{Derive: &Deriver{Name: "test", Func: func(func(string) string) (float64, float64, string, error) { return 1e8, 1e12, "", nil }}}, "r.csv:2: derived flops 1e41"},
	} {
		_, err := Load(strings.NewReader(c.text), "r.csv", c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

// endless yields n bytes of a valid CSV without being a file: a stream, as stdin is.
type endless struct {
	n    int64
	line []byte
	at   int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && e.n > 0 {
		c := copy(p[k:], e.line[e.at:])
		if int64(c) > e.n {
			c = int(e.n)
		}
		k += c
		e.n -= int64(c)
		e.at = (e.at + c) % len(e.line)
	}
	return k, nil
}

// TestD21StreamOverCap: a stream (stdin) just over 1 GiB ran out of memory where the same
// file says "capped at 1024 MiB": a stream is now copied under the cap, to disk past a few
// MiB, and refused at the cap in bounded memory.
func TestD21StreamOverCap(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GiB to a temporary file (-short)")
	}
	header := "params,tokens,loss\n"
	r := io.MultiReader(strings.NewReader(header), &endless{n: limits.MaxInputBytes, line: []byte("100000000,2000000000,3.1\n")})
	var err error
	n := allocated(func() { _, err = Load(r, "<stdin>", Options{}) })
	if err == nil || !strings.Contains(err.Error(), "capped at 1024 MiB") {
		t.Errorf("a stream over the cap: %v, want the cap named", err)
	}
	if n > 256<<20 {
		t.Errorf("%d MiB allocated reading a stream to the cap: want it bounded (a few MiB)", n>>20)
	}
}

// TestD23ClearMessages: UTF-16 text, a folder of symlinked run files and a JSON file of
// the wrong kind each get a message that says what is wrong.
func TestD23ClearMessages(t *testing.T) {
	utf16le := func(s string) []byte {
		var b bytes.Buffer
		b.Write([]byte{0xff, 0xfe})
		for _, u := range utf16.Encode([]rune(s)) {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
		return b.Bytes()
	}
	jl := "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}\n"
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"utf16 JSON Lines with BOM", utf16le(jl)},
		{"utf16 JSON Lines without BOM", utf16le(jl)[2:]},
		{"utf16 CSV", utf16le("params,tokens,loss\n1e8,2e9,3.1\n")},
	} {
		_, err := Load(bytes.NewReader(c.data), "r.jsonl", Options{})
		if err == nil || !strings.Contains(err.Error(), "UTF-16") || !strings.Contains(err.Error(), "want UTF-8") {
			t.Errorf("%s: %v, want UTF-16 named", c.name, err)
		}
	}
	// A folder whose run files are symbolic links (as a shared results tree often is).
	dir := t.TempDir()
	real, links := filepath.Join(dir, "real"), filepath.Join(dir, "links")
	for _, d := range []string{real, links} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, run := range []string{"a", "b"} {
		p := write(t, filepath.Join(real, run+".csv"), "params,tokens,loss\n1e8,2e9,3.1\n")
		if err := os.Symlink(p, filepath.Join(links, run+".csv")); err != nil {
			t.Skipf("no symbolic links: %v", err)
		}
	}
	if s, err := LoadFiles([]string{links}, nil, Options{}); err != nil || len(s.Runs) != 2 {
		t.Errorf("a folder of symlinked run files: %v", err)
	}
	// A JSON object spread over lines, and a scalefit fit.json given as runs.
	for _, c := range []struct{ text, want string }{
		{"{\n  \"schema_version\": 2,\n  \"fits\": []\n}\n", "a scalefit fit.json"},
		{"{\n  \"params\": 1e8,\n  \"loss\": 3\n}\n", "a JSON object spread over several lines"},
	} {
		_, err := Load(strings.NewReader(c.text), "x.json", Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	// A step beyond the cap says so.
	if _, err := ParseStep("1e12"); err == nil || !strings.Contains(err.Error(), "beyond the cap of 1e9 steps") {
		t.Errorf("step 1e12: %v", err)
	}
	var le *Error
	if _, err := Load(strings.NewReader("{\n"), "x.json", Options{}); !errors.As(err, &le) {
		t.Errorf("a JSON file of the wrong kind: %T %v, want a located error", err, err)
	}
}
