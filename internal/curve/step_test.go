package curve

import (
	"strings"
	"testing"
)

// TestD23StepBeyondCap (issue 26, D23): a step of 1e12 said "want a whole number of
// steps"; it is one, beyond the cap, and the message says so.
func TestD23StepBeyondCap(t *testing.T) {
	_, _, err := ReadCurves(strings.NewReader("run,step,loss\na,1,3.2\na,1e12,3.1\n"), "c.csv", ReadOptions{Schedule: "constant:steps=100,peak=1e-3", MinPoints: 1})
	if err == nil || !strings.Contains(err.Error(), "c.csv:3: step 1e12: beyond the cap of 1e9 steps") {
		t.Errorf("step 1e12: %v, want the cap named at line 3", err)
	}
}
