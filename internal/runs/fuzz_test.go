package runs

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
)

// Native fuzz targets for the loader, the --where parser and the number parser.
// `make fuzz` runs each for $(FUZZTIME); `go test` runs the seeds (f.Add below and
// testdata/fuzz/FuzzXxx) as ordinary tests.

// fuzzOptions picks one of a few option combinations from a byte, so the fuzzer explores
// column overrides, --drop-highest-loss and --where together with the file's bytes.
func fuzzOptions(mode uint8, where string) Options {
	var o Options
	switch mode % 8 {
	case 1:
		o.DropHighestLoss = int(mode/8) % 4
	case 2:
		o.ParamsCol, o.TokensCol, o.LossCol = "size", "toks", "xent"
	case 3:
		o.FLOPsCol, o.GroupCol, o.RunCol, o.BudgetCol = "C", "group", "id", "budget"
	case 4:
		o.Where = "flops>=1e19 and loss<4"
	case 5:
		o.Where = "group==a and tokens_per_param>=20"
	case 6, 7:
		o.Where = where
		o.DropHighestLoss = int(mode/8) % 3
	}
	return o
}

func FuzzLoad(f *testing.F) {
	seeds := []string{
		"params,tokens,loss\n1e8,2e9,3.1\n4e8,8e9,2.9\n",
		"N,D,L\r\n70B,1.4T,1.94\r\n400M,8B,3.0\r\n",
		"\xef\xbb\xbfparams,flops,loss\n1e9,1.2e20,2.5\n\n1e10,1.2e21,2.3\n",
		"params,tokens,flops,loss,group,id,budget\n1e8,2e9,1.2e18,3.1,a,r1,1e18\n2e8,1e9,1.2e18,3.0,b,r2,1e18\n",
		"size,toks,xent\n1e8,2e9,3.1\n",
		"params,C,loss,group,id,budget\n1e8,1.2e18,3.1,a,r1,1e18\n",
		"\"params\",\"tokens\",\"loss\",\"note\"\n\"1e8\",\"2e9\",\"3.1\",\"a, b\"\n",
		"params,tokens,loss\n1e-200,1e-200,1\n",
		"params,flops,loss\n1e300,1e-300,1\n",
		"params,tokens,loss\n1e400,1,1\n",
		"params,tokens,loss\nNaN,1,1\n",
		"params,tokens,loss\n-1,1,1\n",
		"params,tokens,loss\n",
		"",
		"1e8,2e9,3.1\n",
		"params,params,loss\n1,2,3\n",
		"params,tokens,loss\n1,2\n",
		"params,tokens,loss\n\xe9,1,1\n",
		"par\xe9ms,tokens,loss\n1,1,1\n",
		"params,tokens,loss\n\"1,1,1\n",
		"{\"params\": 1e8, \"tokens\": 2e9, \"eval\": {\"loss\": 3.1}, \"loss\": 3}\n\n{\"params\": \"4e8\", \"tokens\": 8e9, \"loss\": null}\n",
		"[{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1},\n {\"params\": 4e8, \"tokens\": [1], \"loss\": {\"a\": 1}}]",
		"tokens,a - loss,a - loss__MIN,b - loss,b - params\n2e9,3.1,3.1,,1e8\n4e9,,,2.9,4e8\n",
		"params;tokens;loss\n1,5E+08;2E+09;3,1\nTotal;;\n",
		"Params (M),tokens [B],flops (PFLOP-days),loss (bits)\n100,2,0.001,4\nmean,1,1,1\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i), "loss<3 and params>=1e8")
	}
	f.Add([]byte(seeds[0]), uint8(6), "")
	f.Add([]byte(seeds[3]), uint8(7), "run==r1")
	f.Add([]byte(seeds[3]), uint8(14), "group!='a' and budget>=1e18 and tokens_per_param>0")
	f.Add([]byte(seeds[len(seeds)-2]), uint8(128), "")
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, where string) {
		opts := fuzzOptions(mode, where)
		opts.SkipInvalid = mode >= 128
		s, err := Load(bytes.NewReader(data), "fuzz.csv", opts)
		if err != nil {
			if s != nil {
				t.Fatalf("Load returned both a set and an error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if s == nil || len(s.Runs) == 0 {
			t.Fatalf("Load succeeded with no runs: %+v", s)
		}
		if s.Excluded < 0 || s.Excluded != s.Read-len(s.Runs) {
			t.Fatalf("read %d, kept %d, excluded %d", s.Read, len(s.Runs), s.Excluded)
		}
		ok := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
		for i, r := range s.Runs {
			if !ok(r.Params) || !ok(r.Tokens) || !ok(r.FLOPs) || !ok(r.Loss) {
				t.Fatalf("run %d (line %d): want finite positive values, got N=%g D=%g C=%g L=%g",
					i, r.Line, r.Params, r.Tokens, r.FLOPs, r.Loss)
			}
			if r.Budget < 0 || math.IsInf(r.Budget, 0) || math.IsNaN(r.Budget) {
				t.Fatalf("run %d: budget %g", i, r.Budget)
			}
			if first := 2 - b2i(s.Format == FormatJSONL || s.Format == FormatJSON); r.Line < first {
				t.Fatalf("run %d: line %d, want >= %d (after the header)", i, r.Line, first)
			}
			for _, h := range s.Headers {
				if _, ok := r.Field(h); !ok {
					t.Fatalf("run %d: header %q has no field", i, h)
				}
			}
		}
		_ = s.Summarize()
		// Everything downstream must cope with any loaded set.
		e, err := ParseExpr("loss<3 and params>=1e8")
		if err != nil {
			t.Fatal(err)
		}
		Filter(s.Runs, e)
		Groups(s.Runs)
		Columns(s.Runs)
	})
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{
		"", "flops>=1e19 and loss<4", "group==rwkv", "group = 'a b'", "params<70B && tokens>1.4T",
		"tokens_per_param>=20", "loss<", "loss<<3", "and", "a==\"x", "note!=\"\"", "x.y>1 AND z<=2",
		"flops>=1e400", "loss<NaN", "params==1e8 and", "\xe9==1", "run == r1 and budget != 0",
		"a=='x'y", "loss>-1", "a==1 and b==2 and c==3 and d==4",
	} {
		f.Add(s, "a", 1.5, 2e9)
	}
	csv := "params,tokens,loss,group,id,budget,note,x.y,a\n1e8,2e9,3.1,rwkv,r1,1e18,\"a b\",7,x\n"
	f.Fuzz(func(t *testing.T, src, text string, v, w float64) {
		e, err := ParseExpr(src)
		if err != nil {
			if e != nil {
				t.Fatalf("ParseExpr(%q) returned an expression and the error %v", src, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if e == nil {
			if strings.TrimSpace(src) != "" {
				t.Fatalf("ParseExpr(%q): nil expression for a non-empty source", src)
			}
			return
		}
		if e.String() != src {
			t.Fatalf("String() = %q, want %q", e.String(), src)
		}
		// Match on a run from a file, on a bare run (no set), and on a run with odd fields.
		s, err := Load(strings.NewReader(csv), "x.csv", Options{})
		if err != nil {
			t.Fatal(err)
		}
		e.Match(&s.Runs[0])
		_ = s.CheckExprColumns("--where", e)
		for _, r := range []Run{
			{},
			{Params: v, Tokens: w, FLOPs: 6 * v * w, Loss: v, Group: text, ID: text, Budget: w},
			{Params: math.NaN(), Tokens: math.Inf(1), Loss: -v},
		} {
			e.Match(&r)
		}
		r := s.Runs[0]
		r.loc = uint64(len(text)) << 3 // an offset that is not a run's: Field must not panic
		e.Match(&r)
	})
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{
		"1", "1.4e12", "70B", "400M", "1.5k", "2G", "3T", "1P", "1e400", "1e-400", "NaN", "inf", "-Inf",
		"0x1p3", "1_000", "", " ", "K", "-", ".", "e5", "1e", "+.5e-3M", " 7 ", "1e308K", "--1", "5KB",
	} {
		f.Add(s, 1.0)
	}
	f.Add("0", math.SmallestNonzeroFloat64)
	f.Add("-0", -math.MaxFloat64)
	f.Fuzz(func(t *testing.T, s string, x float64) {
		v, err := ParseQuantity(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
		} else if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseQuantity(%q) = %g, want a finite number or an error", s, v)
		}
		if list, err := ParseQuantityList(s); err == nil {
			for _, v := range list {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("ParseQuantityList(%q) holds %g", s, v)
				}
			}
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		for _, fmtc := range []byte{'g', 'e', 'f'} {
			str := strconv.FormatFloat(x, fmtc, -1, 64)
			got, err := ParseQuantity(str)
			if err != nil || got != x {
				t.Fatalf("ParseQuantity(%q) = %g, %v; want %g", str, got, err, x)
			}
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
