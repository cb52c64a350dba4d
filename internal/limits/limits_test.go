package limits

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"budget 1", Budget(1), true},
		{"budget 1e40", Budget(1e40), true},
		{"budget 0.5", Budget(0.5), false},
		{"budget 1e41", Budget(1e41), false},
		{"budget NaN", Budget(math.NaN()), false},
		{"budget +Inf", Budget(math.Inf(1)), false},
		{"count 1", Count("--params", 1), true},
		{"count 1e-300", Count("--params", 1e-300), false},
		{"count 1e300", Count("--tokens", 1e300), false},
		{"count NaN", Count("--tokens", math.NaN()), false},
		{"loss 2", Loss("loss", 2), true},
		{"loss 5e-324", Loss("loss", 5e-324), false},
		{"loss Inf", Loss("loss", math.Inf(1)), false},
		{"loss NaN", Loss("loss", math.NaN()), false},
		{"resamples 4000", Resamples(4000, 1), true},
		{"resamples -1", Resamples(-1, 1), false},
		{"resamples 100001", Resamples(100001, 1), false},
		{"resamples 1000 x 100 groups", Resamples(1000, 100), true},
		{"resamples 1000 x 200 groups", Resamples(1000, 200), false},
		{"resamples overflow", Resamples(math.MaxInt/2, 4), false},
	} {
		if (c.err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok %v", c.name, c.err, c.ok)
		}
	}
	if err := Resamples(1000, 200); err == nil || !strings.Contains(err.Error(), "200000 resamples") || !strings.Contains(err.Error(), "at most 500 per group") {
		t.Errorf("grouped cap message: %v", err)
	}
}

func TestNamesCapped(t *testing.T) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	got := Names(names)
	if !strings.HasSuffix(got, ", c49, and 950 more") || strings.Contains(got, "c50,") {
		t.Errorf("Names(1000) = %q", got)
	}
	if got := Names(names[:3]); got != "c0, c1, c2" {
		t.Errorf("Names(3) = %q", got)
	}
}

func TestThin(t *testing.T) {
	for _, c := range []struct{ n, max int }{{10, 20}, {100000, 2000}, {2001, 2000}, {0, 5}} {
		idx := Thin(c.n, c.max)
		want := min(c.n, c.max)
		if len(idx) != want {
			t.Fatalf("Thin(%d, %d): %d indices, want %d", c.n, c.max, len(idx), want)
		}
		for i := 1; i < len(idx); i++ {
			if idx[i] <= idx[i-1] || idx[i] >= c.n {
				t.Fatalf("Thin(%d, %d): indices not increasing within range at %d: %v", c.n, c.max, i, idx[i-1:i+1])
			}
		}
	}
}

func ExampleBudget() {
	fmt.Println(Budget(5.76e23))
	fmt.Println(Budget(1e-300))
	fmt.Println(Names([]string{"params", "tokens", "loss"}))
	// Output:
	// <nil>
	// 1e-300 FLOPs: want a positive number of FLOPs from 1 to 1e40
	// params, tokens, loss
}

func TestDerived(t *testing.T) {
	if err := Derived("flops", "6 x params x tokens", 6e58); err == nil || !strings.Contains(err.Error(), "derived flops 6e58 (6 x params x tokens): want a number from 1e-30 to 1e40") {
		t.Errorf("Derived(6e58) = %v", err)
	}
	if err := Derived("params", "flops / (6 tokens)", 1e31); err == nil || !strings.Contains(err.Error(), "1e30") {
		t.Errorf("Derived(params 1e31) = %v", err)
	}
	if err := Derived("tokens", "x", 2e9); err != nil {
		t.Errorf("Derived(tokens 2e9) = %v", err)
	}
}
