package testutil_test

import (
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
	"github.com/scalefit/scalefit/internal/testutil"
)

// Every run of mpl_curves.csv has a schedule in mpl_schedules.csv, each spec parses, and
// ReadTable's header index points at the named columns.
func TestMPLSchedulesCoverCurves(t *testing.T) {
	specs := testutil.MPLSchedules(t)
	if len(specs) != 9 {
		t.Fatalf("%d schedules, want the nine of Luo et al.", len(specs))
	}
	for run, spec := range specs {
		if _, err := curve.Parse(spec); err != nil {
			t.Errorf("%s: %v", run, err)
		}
	}
	col, rows := testutil.ReadTable(t, "mpl_curves.csv")
	if len(rows) != 6265 {
		t.Errorf("mpl_curves.csv: %d rows, want 6,265", len(rows))
	}
	for _, r := range rows {
		if _, ok := specs[r[col["schedule"]]]; !ok {
			t.Fatalf("run %q has no schedule", r[col["schedule"]])
		}
	}
}
