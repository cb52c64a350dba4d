// Package testutil reads the repository's testdata for tests of every package: the CSVs there
// are the published datasets the numerical tests pin against (testdata/README.md gives each
// one's source and licence). Only tests import it.
package testutil

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Path is the path of a file under the repository's testdata directory, wherever the test
// runs from.
func Path(name ...string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(here), "..", "..", "testdata"}, name...)...)
}

// ReadCSV reads testdata/name whole: every record, the header first. It fails the test on any
// error.
func ReadCSV(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(Path(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatalf("testdata/%s: empty", name)
	}
	return recs
}

// ReadTable reads testdata/name as a header index (column name to position) and the rows
// below the header.
func ReadTable(t testing.TB, name string) (map[string]int, [][]string) {
	t.Helper()
	recs := ReadCSV(t, name)
	col := make(map[string]int, len(recs[0]))
	for i, h := range recs[0] {
		col[h] = i
	}
	return col, recs[1:]
}

// MPLSchedules maps each run of testdata/mpl_curves.csv to its learning-rate schedule spec,
// from testdata/mpl_schedules.csv (the --meta table users pass to scalefit curve).
func MPLSchedules(t testing.TB) map[string]string {
	t.Helper()
	col, rows := ReadTable(t, "mpl_schedules.csv")
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r[col["run"]]] = r[col["schedule"]]
	}
	return out
}
