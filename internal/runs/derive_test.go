package runs

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// testDeriver derives params = 1e6·width and 6 params FLOPs per token; width 7 is refused.
var testDeriver = &Deriver{Name: "test", Func: func(field func(string) string) (float64, float64, string, error) {
	w, err := strconv.ParseFloat(field("Width"), 64)
	if err != nil || w == 7 {
		return 0, 0, "width", errors.New("width: want a number other than 7")
	}
	return 1e6 * w, 6e6 * w, "", nil
}}

func TestDerive(t *testing.T) {
	in := "width,tokens,loss,params\n2,1e9,3.1,999\n4,2e9,2.9,999\n"
	s, err := Load(strings.NewReader(in), "a.csv", Options{Derive: testDeriver})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 2 || s.Runs[0].Params != 2e6 || s.Runs[1].FLOPs != 6*4e6*2e9 || s.Runs[1].Tokens != 2e9 || s.Derived != "" {
		t.Errorf("runs %+v, derived %q", s.Runs, s.Derived)
	}
	if notes := strings.Join(s.Notes, "\n"); !strings.Contains(notes, "params and flops derived: test") || !strings.Contains(notes, `params column "params" is replaced`) {
		t.Errorf("notes %q", s.Notes)
	}
	// --where sees the derived params.
	s, err = Load(strings.NewReader(in), "a.csv", Options{Derive: testDeriver, Where: "params>3e6"})
	if err != nil || len(s.Runs) != 1 || s.Runs[0].Params != 4e6 {
		t.Errorf("--where on derived params: %v %v", s, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"width,tokens,loss\n2,1e9,3.1\n7,1e9,3.0\n", "a.csv:3:1: width: want a number other than 7"},
		{"width,flops,loss\n2,1e19,3.1\n", "a.csv:1: no tokens column (training tokens, which test multiplies"},
		{"width,tokens\n2,1e9\n", "a.csv:1: no loss column"},
		{"width,tokens,loss\n2,x,3.1\n", "a.csv:2:2: tokens"},
	} {
		_, err := Load(strings.NewReader(tc.in), "a.csv", Options{Derive: testDeriver})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want prefix %q", tc.in, err, tc.want)
		}
	}
	s, err = Load(strings.NewReader("width,tokens,loss\n2,1e9,3.1\n7,1e9,3.0\n"), "a.csv", Options{Derive: testDeriver, SkipInvalid: true})
	if err != nil || len(s.Runs) != 1 || s.Skipped != 1 {
		t.Errorf("--skip-invalid: %v %v", s, err)
	}
}
