package runs

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func load(t *testing.T, csv string, opts Options) (*Set, error) {
	t.Helper()
	return Load(strings.NewReader(csv), "runs.csv", opts)
}

func TestHeaderAliases(t *testing.T) {
	tests := []struct {
		header string
		opts   Options
	}{
		{"params,tokens,loss", Options{}},
		{"N,D,L", Options{}},
		{"n_params,n_tokens,val_loss", Options{}},
		{"model_size,train_tokens,final_loss", Options{}},
		{"Model Size,Tokens,Loss", Options{}},
		{"PARAMETERS,training_tokens,loss", Options{}},
		{"num_params,d,l", Options{}},
		{"size,toks,xent", Options{ParamsCol: "size", TokensCol: "toks", LossCol: "xent"}},
		{"params,tokens,loss,loss_c4", Options{LossCol: "LOSS_C4"}},
	}
	for _, tt := range tests {
		row := "1e8,2e9,3.1"
		if strings.Count(tt.header, ",") == 3 {
			row = "1e8,2e9,9,3.1"
		}
		s, err := load(t, tt.header+"\n"+row+"\n", tt.opts)
		if err != nil {
			t.Errorf("%q: %v", tt.header, err)
			continue
		}
		r := s.Runs[0]
		if r.Params != 1e8 || r.Tokens != 2e9 || r.Loss != 3.1 || r.FLOPs != 6*1e8*2e9 {
			t.Errorf("%q: got %+v", tt.header, r)
		}
	}
}

func TestFLOPsAliasesAndDerivation(t *testing.T) {
	for _, h := range []string{"flops", "C", "compute", "Training FLOP", "training_flops"} {
		s, err := load(t, "params,"+h+",loss\n1e9,1.2e20,2.5\n", Options{})
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		if s.Derived != "tokens" || math.Abs(s.Runs[0].Tokens-2e10) > 1 {
			t.Errorf("%q: derived %q tokens %g, want tokens = 2e10", h, s.Derived, s.Runs[0].Tokens)
		}
	}
	s, err := load(t, "params,tokens,loss\n1e9,2e10,2.5\n", Options{})
	if err != nil || s.Derived != "flops" || s.Runs[0].FLOPs != 1.2e20 {
		t.Errorf("flops from tokens: %+v %v", s, err)
	}
	s, err = load(t, "params,tokens,flops,loss\n1e9,2e10,1.3e20,2.5\n", Options{})
	if err != nil || s.Derived != "" || s.Runs[0].FLOPs != 1.3e20 {
		t.Errorf("both given: FLOPs must be kept as given: %+v %v", s, err)
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		bad  bool
	}{
		{"70B", 70e9, false}, {"1.4T", 1.4e12, false}, {"400M", 400e6, false}, {"12K", 12e3, false},
		{"12k", 12e3, false}, {"3G", 3e9, false}, {"2P", 2e15, false}, {"5.76e23", 5.76e23, false},
		{" 42 ", 42, false}, {"1e-3", 1e-3, false}, {"-3", -3, false},
		{"NaN", 0, true}, {"nan", 0, true}, {"+Inf", 0, true}, {"inf", 0, true}, {"1e400", 0, true},
		{"abc", 0, true}, {"", 0, true}, {"B", 0, true}, {"1_000", 0, true}, {"0x10", 0, true},
		{"7 B", 0, true}, {"70BB", 0, true}, {"1.5e308K", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseQuantity(tt.in)
		if (err != nil) != tt.bad || !tt.bad && math.Abs(got-tt.want) > 1e-9*math.Abs(tt.want) {
			t.Errorf("ParseQuantity(%q) = %g, %v; want %g, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestBadInputNamesLineAndColumn(t *testing.T) {
	const h = "params,tokens,loss\n"
	tests := []struct {
		name, csv string
		opts      Options
		want      string // substring of the error, including file:line[:col]
	}{
		{"nan", h + "1e8,2e9,3.1\n2e8,4e9,NaN\n", Options{}, "runs.csv:3:3: loss"},
		{"inf", h + "1e8,2e9,+Inf\n", Options{}, "runs.csv:2:3: loss"},
		{"negative", h + "-1e8,2e9,3.1\n", Options{}, "runs.csv:2:1: params"},
		{"zero", h + "1e8,0,3.1\n", Options{}, "runs.csv:2:2: tokens"},
		{"text", h + "1e8,2e9,abc\n", Options{}, "runs.csv:2:3: loss \"abc\""},
		{"overflow", h + "1e400,2e9,3\n", Options{}, "runs.csv:2:1: params \"1e400\": out of the range"},
		{"empty", "", Options{}, "runs.csv: empty file"},
		{"blank", "\n\n  \n", Options{}, "runs.csv: empty file"},
		{"header only", h, Options{}, "runs.csv:1: header only"},
		{"duplicate", "params,Params,loss\n1,2,3\n", Options{}, "runs.csv:1:2: duplicate column"},
		{"missing loss", "params,tokens\n1e8,2e9\n", Options{}, "runs.csv:1: no loss column"},
		{"missing tokens", "params,loss\n1e8,3\n", Options{}, "no tokens column"},
		{"missing params", "tokens,loss\n1e8,3\n", Options{}, "no params column"},
		{"short row", h + "1e8,2e9,3.1\n2e8,4e9\n", Options{}, "runs.csv:3: 2 fields, want 3"},
		{"long row", h + "1e8,2e9,3.1,7\n", Options{}, "runs.csv:2: 4 fields, want 3"},
		{"latin1", "params,tokens,loss,group\n1e8,2e9,3.1,caf\xe9\n", Options{}, "runs.csv:2:4: group: not UTF-8"},
		{"bad quote", h + "1e8,\"2e9,3.1\n", Options{}, "runs.csv:2"},
		{"ambiguous", "params,N,tokens,loss\n1,1,1,1\n", Options{}, "could each be params"},
		{"unknown override", h + "1,1,1\n", Options{LossCol: "xent"}, "no column \"xent\" for loss"},
		{"where syntax", h + "1,1,1\n", Options{Where: "flops >= "}, "--where"},
		{"where unknown column", h + "1,1,1\n", Options{Where: "lr<1"}, "unknown column \"lr\""},
		{"where text order", h + "1,1,1\n", Options{Where: "loss<abc"}, "want a number"},
		{"all filtered", h + "1,1,1\n", Options{Where: "loss>5"}, "no runs left"},
		{"negative drop", h + "1,1,1\n", Options{DropHighestLoss: -1}, "want 0 or more"},
	}
	for _, tt := range tests {
		_, err := load(t, tt.csv, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestErrorType(t *testing.T) {
	_, err := load(t, "params,tokens,loss\n1e8,2e9,x\n", Options{})
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Col != 3 || e.File != "runs.csv" {
		t.Fatalf("want *Error at runs.csv:2:3, got %#v", err)
	}
}

func TestTolerantInput(t *testing.T) {
	tests := []struct{ name, csv string }{
		{"crlf", "params,tokens,loss\r\n1e8,2e9,3.1\r\n2e8,4e9,3.0\r\n"},
		{"bom", "\xef\xbb\xbfparams,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n"},
		{"blank lines", "params,tokens,loss\n\n1e8,2e9,3.1\n\n2e8,4e9,3.0\n\n"},
		{"quoted", "\"params\",\"tokens\",\"loss\"\n\"1e8\",\"2e9\",\"3.1\"\n\"2e8\",\"4e9\",\"3.0\"\n"},
		{"extra columns", "name,params,lr,tokens,loss,notes\na,1e8,3e-4,2e9,3.1,\"x, y\"\nb,2e8,3e-4,4e9,3.0,\n"},
		{"suffixes", "params,tokens,loss\n100M,2B,3.1\n0.2B,4G,3.0\n"},
	}
	for _, tt := range tests {
		s, err := load(t, tt.csv, Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(s.Runs) != 2 || s.Runs[0].Params != 1e8 || s.Runs[1].Tokens != 4e9 || s.Runs[1].Loss != 3.0 {
			t.Errorf("%s: got %+v", tt.name, s.Runs)
		}
	}
}

func TestLineNumbersSkipBlankLines(t *testing.T) {
	_, err := load(t, "params,tokens,loss\n\n1e8,2e9,3.1\n\n2e8,4e9,bad\n", Options{})
	if err == nil || !strings.Contains(err.Error(), "runs.csv:5:3:") {
		t.Fatalf("want the error at line 5, got %v", err)
	}
}

const filterCSV = `params,tokens,loss,arch,lr
1e8,2e9,3.5,transformer,1e-3
2e8,4e9,3.2,transformer,1e-3
4e8,8e9,3.0,rwkv,5e-4
8e8,16e9,2.8,rwkv,5e-4
16e8,32e9,2.6,transformer,2e-4
`

func TestWhere(t *testing.T) {
	tests := []struct {
		where string
		want  int
	}{
		{"", 5},
		{"flops>=1e19", 3},
		{"flops>=1e19 and loss<3", 2},
		{"params<=400M", 3},
		{"arch==rwkv", 2},
		{"arch = 'transformer'", 3},
		{"arch!=rwkv and loss < 3.3", 2},
		{"lr<1e-3", 3},
		{"tokens_per_param==20", 5},
		{"loss>3 AND params>100M", 1},
		{"loss>3 && params>=100M", 2},
	}
	for _, tt := range tests {
		s, err := load(t, filterCSV, Options{Where: tt.where})
		if err != nil {
			t.Errorf("%q: %v", tt.where, err)
			continue
		}
		if len(s.Runs) != tt.want || s.Excluded != 5-tt.want {
			t.Errorf("%q: kept %d (excluded %d), want %d", tt.where, len(s.Runs), s.Excluded, tt.want)
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, e := range []string{"flops", "flops >", ">= 3", "loss<3 or params>1", "loss=>3", "loss<'3", "loss<3 and"} {
		if _, err := ParseExpr(e); err == nil {
			t.Errorf("ParseExpr(%q): want an error", e)
		}
	}
}

func TestDropHighestLoss(t *testing.T) {
	s, err := load(t, filterCSV, Options{DropHighestLoss: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 3 || s.Excluded != 2 || s.Runs[0].Loss != 3.0 {
		t.Errorf("kept %+v", s.Runs)
	}
	// Applied after --where.
	s, err = load(t, filterCSV, Options{Where: "arch==transformer", DropHighestLoss: 1})
	if err != nil || len(s.Runs) != 2 || s.Runs[0].Loss != 3.2 {
		t.Errorf("where then drop: %+v %v", s, err)
	}
}

func TestGroupRunBudgetColumns(t *testing.T) {
	csv := "run_id,params,tokens,loss,arch,budget\nr1,1e8,1e9,4,a,1e18\nr1,1e8,2e9,3.8,a,1e18\nr2,2e8,1e9,3.9,b,2e18\n"
	s, err := load(t, csv, Options{GroupCol: "arch"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has("run") || !s.Has("budget") || !s.Has("group") {
		t.Fatalf("columns %v", s.Columns)
	}
	if s.Runs[2].ID != "r2" || s.Runs[2].Group != "b" || s.Runs[2].Budget != 2e18 {
		t.Errorf("run %+v", s.Runs[2])
	}
	sum := s.Summarize()
	if sum.RunIDs != 2 || sum.Budgets != 2 || len(sum.Groups) != 2 || sum.DistinctParams != 2 {
		t.Errorf("summary %+v", sum)
	}
	names, by := Groups(s.Runs)
	if len(names) != 2 || len(by["a"]) != 2 {
		t.Errorf("groups %v", names)
	}
	if v, ok := s.Runs[0].Field("ARCH"); !ok || v != "a" {
		t.Errorf("Field: %q %v", v, ok)
	}
}

func TestFilterForHoldout(t *testing.T) {
	s, _ := load(t, filterCSV, Options{})
	e, err := ParseExpr("flops>=1e20")
	if err != nil {
		t.Fatal(err)
	}
	held, rest := Filter(s.Runs, e)
	if len(held)+len(rest) != 5 || len(held) != 1 {
		t.Errorf("held %d rest %d", len(held), len(rest))
	}
	if err := s.CheckExprColumns("--holdout", &Expr{conds: []cond{{name: "nope"}}}); err == nil {
		t.Error("want unknown column error")
	}
}

// Porian's IsoFLOP points sit exactly at their budgets: --budget-col flops is allowed.
func TestBudgetMayBeTheFLOPsColumn(t *testing.T) {
	s, err := load(t, "params,flops,loss\n1e8,1e19,3\n2e8,1e19,2.9\n", Options{BudgetCol: "flops"})
	if err != nil || s.Runs[1].Budget != 1e19 || s.Derived != "tokens" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := load(t, "params,tokens,loss\n1e8,1e9,3\n", Options{TokensCol: "params"}); err == nil {
		t.Error("one column for params and tokens: want an error")
	}
}

func TestDelimitersGroupsAndDuplicates(t *testing.T) {
	for name, csv := range map[string]string{
		"tab":       "params\ttokens\tloss\n1e8\t2e9\t3.1\n2e8\t4e9\t3.0\n",
		"semicolon": "params;tokens;loss\n1e8;2e9;3.1\n2e8;4e9;3.0\n",
	} {
		s, err := load(t, csv, Options{})
		if err != nil || len(s.Runs) != 2 || s.Runs[1].Tokens != 4e9 {
			t.Errorf("%s: %+v %v", name, s, err)
		}
	}
	s, err := load(t, "params,tokens,loss,arch\n1e8,2e9,3.1,\n2e8,4e9,3.0,tf\n1e8,2e9,3.1,\n", Options{GroupCol: "arch"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Runs[0].Group != EmptyGroup {
		t.Errorf("empty group cell named %q", s.Runs[0].Group)
	}
	if d := s.Duplicates(); len(d) != 1 || d[0][0] != 2 || d[0][1] != 4 {
		t.Errorf("duplicates %v, want [[2 4]]", d)
	}
}
