package runs

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/testutil"
)

// olmoPoint is a row of testdata/olmo_curves.csv's columns that a fit reads, as a Parquet
// row (W&B's run history has these columns).
type olmoPoint struct {
	Run    string   `parquet:"run"`
	Rerun  int64    `parquet:"rerun"`
	Step   int64    `parquet:"step"`
	Params int64    `parquet:"params"`
	Tokens float64  `parquet:"tokens"`
	LR     *float64 `parquet:"lr,optional"`
	Loss   float64  `parquet:"loss_c4_en"`
}

// writeOLMoParquet writes testdata/olmo_curves.csv's fit columns as Parquet (row groups of
// 500 rows) with parquet-go's writer, and returns the file and the CSV's path.
func writeOLMoParquet(t testing.TB) (string, string) {
	t.Helper()
	col, rows := testutil.ReadTable(t, "olmo_curves.csv")
	var pts []olmoPoint
	for i, r := range rows {
		num := func(c string) float64 {
			v, err := strconv.ParseFloat(r[col[c]], 64)
			if err != nil {
				t.Fatalf("olmo_curves.csv row %d %s: %v", i+2, c, err)
			}
			return v
		}
		p := olmoPoint{Run: r[col["run"]], Rerun: int64(num("rerun")), Step: int64(num("step")), Params: int64(num("params")),
			Tokens: num("tokens"), Loss: num("loss_c4_en")}
		if i%7 != 0 { // some nulls
			lr := num("lr")
			p.LR = &lr
		}
		pts = append(pts, p)
	}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[olmoPoint](&b, parquet.MaxRowsPerRowGroup(500))
	if _, err := w.Write(pts); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "olmo_curves.parquet")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, testutil.Path("olmo_curves.csv")
}

// TestParquetSameFitAsCSV: a Parquet copy of testdata/olmo_curves.csv, written with
// parquet-go's own writer, reads to the same points as the CSV (detected by its magic
// bytes, or forced) and gives the same Approach-3 fit of the final points.
func TestParquetSameFitAsCSV(t *testing.T) {
	pq, csvPath := writeOLMoParquet(t)
	opts := Options{LossCol: "loss_c4_en", Where: "rerun == 0"}
	want, err := LoadFiles([]string{csvPath}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"", FormatParquet} {
		o := opts
		o.Format = format
		got, err := LoadFiles([]string{pq}, nil, o)
		if err != nil {
			t.Fatalf("format %q: %v", format, err)
		}
		if got.Format != FormatParquet || len(got.Runs) != len(want.Runs) {
			t.Fatalf("format %q: %s, %d runs; want parquet, %d", format, got.Format, len(got.Runs), len(want.Runs))
		}
		// A Parquet row's "line" is its row number: the CSV's line less its header.
		for i := range want.Runs {
			g, w := got.Runs[i], want.Runs[i]
			gs, _ := g.Field("step")
			ws, _ := w.Field("step")
			if g.ID != w.ID || g.Params != w.Params || g.Tokens != w.Tokens || g.FLOPs != w.FLOPs || g.Loss != w.Loss || gs != ws || g.Line != w.Line-1 {
				t.Fatalf("point %d: %+v step %s, want %+v step %s", i, g, gs, w, ws)
			}
		}
		if lr, _ := got.Runs[0].Field("lr"); lr != "" {
			t.Errorf("a null lr reads %q, want an empty cell", lr)
		}
		if testing.Short() {
			continue
		}
		fitOf := func(rs []Run) chinchilla.Law {
			n, d, _, l := Columns(FinalPoints(rs))
			r, err := chinchilla.Fit(n, d, l, chinchilla.FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return r.Law
		}
		g, w := fitOf(got.Runs), fitOf(want.Runs)
		if math.Abs(g.E-w.E) > 1e-12*w.E || math.Abs(g.Alpha-w.Alpha) > 1e-12*w.Alpha || math.Abs(g.Beta-w.Beta) > 1e-12*w.Beta {
			t.Errorf("Parquet fit %+v, CSV fit %+v", g, w)
		}
	}
}

// TestParquetLayouts: a W&B long export (Name column) and a wide one ("<run> - <metric>"
// columns) as Parquet read as their CSVs do; nested columns are refused.
func TestParquetLayouts(t *testing.T) {
	type long struct {
		Name  string  `parquet:"Name"`
		Step  int64   `parquet:"_step"`
		Loss  float64 `parquet:"train/loss"`
		Param float64 `parquet:"params"`
	}
	type wide struct {
		Step  int64    `parquet:"Step"`
		A     *float64 `parquet:"a - train/loss,optional"`
		AMin  *float64 `parquet:"a - train/loss__MIN,optional"`
		B     *float64 `parquet:"b - train/loss,optional"`
		Extra float64  `parquet:"zz - train/loss"`
	}
	dir := t.TempDir()
	write := func(name string, f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lp := write("long.parquet", func(b *bytes.Buffer) error {
		w := parquet.NewGenericWriter[long](b)
		if _, err := w.Write([]long{{"a", 1, 3.5, 1e8}, {"a", 2, 3.2, 1e8}, {"b", 1, 3.1, 2e8}}); err != nil {
			return err
		}
		return w.Close()
	})
	s, err := LoadFiles([]string{lp}, nil, Options{Layout: LayoutCurves})
	if err != nil || len(s.Runs) != 3 || s.Runs[2].ID != "b" || s.Runs[1].Loss != 3.2 || s.Columns["loss"] != "train/loss" {
		t.Errorf("long export: %v %+v", err, s)
	}
	f := func(v float64) *float64 { return &v }
	wp := write("wide.parquet", func(b *bytes.Buffer) error {
		w := parquet.NewGenericWriter[wide](b)
		if _, err := w.Write([]wide{{1, f(3.5), f(3.5), nil, 3}, {2, f(3.2), f(3.2), f(3.0), 2.9}}); err != nil {
			return err
		}
		return w.Close()
	})
	s, err = LoadFiles([]string{wp}, nil, Options{Layout: LayoutCurves})
	if err != nil || s.Format != FormatWandB || len(s.Runs) != 5 {
		t.Fatalf("wide export: %v %+v", err, s)
	}
	type nested struct {
		Run  string `parquet:"run"`
		Eval struct {
			Loss float64 `parquet:"loss"`
		} `parquet:"eval"`
	}
	np := write("nested.parquet", func(b *bytes.Buffer) error {
		w := parquet.NewGenericWriter[nested](b)
		if _, err := w.Write([]nested{{Run: "a"}}); err != nil {
			return err
		}
		return w.Close()
	})
	if _, err := LoadFiles([]string{np}, nil, Options{}); err == nil || !bytesContains(err.Error(), `column "eval" is a nested group: want flat columns`) {
		t.Errorf("nested column: %v", err)
	}
	// Parquet through a stream (stdin) is copied, then read.
	data, _ := os.ReadFile(lp)
	if s, err := Load(struct{ *bytes.Reader }{bytes.NewReader(data)}, "<stdin>", Options{Layout: LayoutCurves}); err != nil || len(s.Runs) != 3 {
		t.Errorf("Parquet from a stream: %v", err)
	}
}

func bytesContains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }
