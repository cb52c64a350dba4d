package runs

import (
	"strings"
	"testing"
)

func TestLayoutTable(t *testing.T) {
	signed := Options{Layout: LayoutTable, TableLoss: &TableLoss{Aliases: []string{"lossu"}, Signed: true}}
	in := "model,params,experts,lossu\na,1e8,1,-2.5\na,2e8,8,0\nb,4e8,64,1.5\n"
	s, err := Load(strings.NewReader(in), "t.csv", signed)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 3 || s.Runs[0].Loss != -2.5 || s.Runs[1].Loss != 0 || s.Runs[2].Loss != 1.5 {
		t.Fatalf("runs %+v: want losses -2.5, 0, 1.5", s.Runs)
	}
	// params takes no role: the family reads it (and Run.Params stays 0).
	if v, ok := s.Runs[2].Field("params"); !ok || v != "4e8" || s.Runs[2].Params != 0 || s.Has("params") {
		t.Errorf("params cell %q %v, Run.Params %g: want the cell as written and no role", v, ok, s.Runs[2].Params)
	}
	// --where reads the table's own params column.
	o := signed
	o.Where = "params >= 2e8"
	if s, err := Load(strings.NewReader(in), "t.csv", o); err != nil || len(s.Runs) != 2 {
		t.Errorf("--where params >= 2e8: %v, %v", s, err)
	}
	// Without TableLoss the loss is the usual positive one, with the usual names.
	for _, tc := range []struct {
		in   string
		opts Options
		want string
	}{
		{"params,loss\n1e8,3.1\n1e8,-2\n", Options{Layout: LayoutTable}, `t.csv:3:2: loss "-2": want a positive number`},
		{"params,lossu\n1e8,3.1\n", Options{Layout: LayoutTable}, "t.csv:1: no loss column"},
		{"params,lossu\n1e8,1e7\n", signed, `t.csv:2:2: loss "1e7": want a number from -1e6 to 1e6`},
		{"params,lossu\n1e8,x\n", signed, `t.csv:2:2: loss "x": want a number`},
		{"params,loss\n1e8,3\n", Options{Layout: LayoutTable, Derive: testDeriver}, "--convention does not apply"},
	} {
		_, err := Load(strings.NewReader(tc.in), "t.csv", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	// Neither params nor tokens is required; the group is read as usual.
	s, err = Load(strings.NewReader("examples,loss,model\n0,3.1,\"('a', 'flan')\"\n"), "t.csv", Options{Layout: LayoutTable, GroupCol: "model"})
	if err != nil || s.Runs[0].Group != "('a', 'flan')" || s.Runs[0].Loss != 3.1 {
		t.Errorf("examples-only table: %+v, %v", s, err)
	}
}
