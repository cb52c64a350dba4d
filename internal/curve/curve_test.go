package curve

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

func TestParseSchedules(t *testing.T) {
	type at struct {
		s  int
		lr float64
	}
	cases := []struct {
		spec string
		want []at
	}{
		{"constant:warmup=2160,steps=24000,peak=3e-4", []at{{0, 0}, {1, 3e-4 / 2159}, {2159, 3e-4}, {23999, 3e-4}}},
		{"cosine:warmup=2160,steps=24000,peak=3e-4,final=3e-5", []at{{2160, 3e-4}, {2160 + (24000-2160)/2, 1.65e-4}, {23999, 3e-5 + 2.7e-4*(1+math.Cos(math.Pi*21839/21840))/2}}},
		{"linear:steps=100,peak=1,final=0", []at{{0, 1}, {50, 0.5}, {99, 0.01}}},
		{"wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=exp", []at{{19999, 3e-4}, {20000, 3e-4}, {22000, math.Sqrt(3e-4 * 3e-5)}}},
		{"wsd:steps=100,peak=1,final=0,decay_start=50,decay=linear", []at{{75, 0.5}}},
		{"wsd:steps=100,peak=1,final=0,decay_start=50,decay=cosine", []at{{75, 0.5}}},
		{"wsd:steps=100,peak=1,final=0,decay_start=50,decay=sqrt", []at{{75, 1 - math.Sqrt(0.5)}}},
		{"step:warmup=2160,steps=16000,peak=3e-4,at=8000:9e-5", []at{{7999, 3e-4}, {8000, 9e-5}, {15999, 9e-5}}},
		{"step:steps=100,peak=1,at=60:0.1;30:0.5", []at{{29, 1}, {30, 0.5}, {59, 0.5}, {60, 0.1}}},
	}
	for _, c := range cases {
		sc, err := Parse(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		for _, a := range c.want {
			if got := sc.LR(a.s); math.Abs(got-a.lr) > 1e-12*math.Max(1, a.lr)+1e-15 {
				t.Errorf("%s: lr(%d) = %g, want %g", c.spec, a.s, got, a.lr)
			}
		}
		if again, err := Parse(sc.Canonical()); err != nil || again.LR(sc.Steps-1) != sc.LR(sc.Steps-1) {
			t.Errorf("%s: canonical %q does not round-trip (%v)", c.spec, sc.Canonical(), err)
		}
	}
}

func TestParseBadSpecs(t *testing.T) {
	cases := map[string]string{
		"poly:steps=10,peak=1":                                   "unknown kind",
		"cosine:steps=10,peak=1,colour=red":                      "unknown key",
		"constant:steps=10,peak=-1":                              "cannot be negative",
		"cosine:steps=10,peak=3e-4,final=-1e-5":                  "cannot be negative",
		"cosine:peak=1":                                          `missing key "steps"`,
		"wsd:steps=10,peak=1,final=0.1":                          `missing key "decay_start"`,
		"wsd:steps=10,peak=1,final=0.1,decay_start=12":           "decay_start=12",
		"wsd:steps=10,peak=1,final=0.1,decay_start=5,decay=poly": "decay=poly",
		"step:steps=10,peak=1,at=20:0.1":                         "at=20",
		"constant:steps=10,peak=1,warmup=10":                     "warmup=10",
		"constant:steps=1.5,peak=1":                              "whole number",
		"constant":                                               "KIND:key=value",
		"constant:steps=10,peak=1,peak=2":                        "given twice",
	}
	for spec, want := range cases {
		_, err := Parse(spec)
		var se *SpecError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), spec) {
			t.Errorf("Parse(%q) = %v, want a SpecError naming the spec and containing %q", spec, err, want)
		}
	}
}

// The quadrature of the loss-drop sum matches the direct O(t) sum on every test curve.
func TestQuadratureMatchesExactSum(t *testing.T) {
	p := publishedParams(t, "400M")
	worst := 0.0
	for _, c := range mplCurves(t, "400M", "test") {
		pred := Predict(p, c.LR, c.Steps)
		for i := 0; i < len(c.Steps); i += 23 {
			e := exactMPL(p, c.LR, c.Steps[i])
			worst = math.Max(worst, math.Abs(pred[i]-e)/e)
		}
	}
	if worst > 3e-6 {
		t.Errorf("largest relative difference %.3g, want <= 3e-6", worst)
	}
}

// Luo et al.'s published parameters reproduce their published test PredE (SOURCE.md).
func TestPublishedPredE(t *testing.T) {
	for size, want := range map[string]float64{"25M": 0.00110, "100M": 0.00142, "400M": 0.00168} {
		got := PredE(mustEval(t, publishedParams(t, size), mplCurves(t, size, "test")))
		if math.Abs(got-want) > 5e-6 {
			t.Errorf("%s: PredE %.6f, want %.5f to 3 significant figures", size, got, want)
		}
	}
	perCurve := map[string]float64{"constant_72000": 0.00145, "cosine_72000": 0.00202, "wsd_20000_24000": 0.00165,
		"wsdld_20000_24000": 0.00134, "wsdcon_3": 0.00278, "wsdcon_18": 0.00084}
	for _, s := range mustEval(t, publishedParams(t, "400M"), mplCurves(t, "400M", "test")) {
		if math.Abs(s.PredE-perCurve[s.Run]) > 5e-6 {
			t.Errorf("400M %s: PredE %.6f, want %.5f", s.Run, s.PredE, perCurve[s.Run])
		}
	}
}

// The analytic gradients of both laws' objectives agree with central differences.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	curves := mplCurves(t, "100M", "train")
	for _, law := range []string{LawMPL, LawTissue} {
		obj, err := newObjective(law, curves, 1e-3, DefaultLambda)
		if err != nil {
			t.Fatal(err)
		}
		x := []float64{math.Log(2.6), math.Log(0.6), math.Log(0.45), math.Log(400), math.Log(2), math.Log(0.6), math.Log(0.65)}
		if law == LawTissue {
			x = []float64{math.Log(2.7), math.Log(0.55), math.Log(0.52), math.Log(0.47)}
		}
		g := make([]float64, len(x))
		obj.ValueGrad(x, g)
		num := fd.Gradient(nil, obj.Value, x, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		for i := range g {
			if math.Abs(g[i]-num[i]) > 1e-5*math.Max(1e-3, math.Abs(num[i])) {
				t.Errorf("%s: d/dx%d analytic %.8g, numeric %.8g", law, i, g[i], num[i])
			}
		}
	}
}

// Fitting a synthetic curve set drawn from a known Tissue law recovers its parameters.
func TestFitRecoversSyntheticLaw(t *testing.T) {
	truth := Params{Law: LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5, Lambda: DefaultLambda}
	var curves []*Curve
	for _, spec := range []string{"cosine:warmup=500,steps=8000,peak=3e-4,final=3e-5", "constant:warmup=500,steps=8000,peak=3e-4",
		"step:warmup=500,steps=6000,peak=3e-4,at=3000:9e-5"} {
		sc, _ := Parse(spec)
		c := &Curve{Run: sc.Kind, Schedule: sc, LR: sc.LRs()}
		for s := 600; s < sc.Steps; s += 64 {
			c.Steps = append(c.Steps, s)
		}
		c.Loss = Predict(truth, c.LR, c.Steps)
		curves = append(curves, c)
	}
	res, err := Fit(curves, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := res.Params.Values(), truth.Values()
	for i, n := range truth.Names() {
		if math.Abs(got[i]-want[i]) > 1e-3*want[i] {
			t.Errorf("%s = %.6g, want %.6g", n, got[i], want[i])
		}
	}
	if !res.Converged || res.StartsAtBest < 2 {
		t.Errorf("converged %v, %d starts at the best", res.Converged, res.StartsAtBest)
	}
}

// The default fit of each size's three train curves predicts its six test curves (measured:
// 25M 0.00152, 100M 0.00140, 400M 0.00182; published multi-power law 0.00110, 0.00142,
// 0.00168).
func TestDefaultFitPredictsTestCurves(t *testing.T) {
	want := map[string]float64{"25M": 0.00152, "100M": 0.00140, "400M": 0.00182}
	pub := map[string]float64{"25M": 0.00110, "100M": 0.00142, "400M": 0.00168}
	sum := 0.0
	for _, size := range []string{"25M", "100M", "400M"} {
		res, err := Fit(mplCurves(t, size, "train"), FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := PredE(mustEval(t, res.Params, mplCurves(t, size, "test")))
		sum += got
		if math.Abs(got-want[size]) > 2e-5 {
			t.Errorf("%s: test PredE %.5f, measured %.5f", size, got, want[size])
		}
		if got > 1.5*pub[size] {
			t.Errorf("%s: test PredE %.5f > 1.5 x published %.5f", size, got, pub[size])
		}
		if !res.Converged {
			t.Errorf("%s: not converged (%s)", size, res.Status)
		}
	}
	if sum/3 > 1.2*0.00140 {
		t.Errorf("mean test PredE %.5f > 1.2 x 0.00140", sum/3)
	}
}

// Luo et al.'s recipe, rerun here, lands on their published 400M parameters.
func TestRecipeMPL2025ReproducesPublished(t *testing.T) {
	if testing.Short() {
		t.Skip("2 s")
	}
	res, err := Fit(mplCurves(t, "400M", "train"), FitOptions{Law: LawMPL, Recipe: RecipeMPL2025})
	if err != nil {
		t.Fatal(err)
	}
	pub := publishedParams(t, "400M")
	got, want := res.Params.Values(), pub.Values()
	for i, n := range pub.Names() {
		if math.Abs(got[i]-want[i]) > 0.03*want[i] {
			t.Errorf("%s = %.5g, published %.5g", n, got[i], want[i])
		}
	}
	if pe := PredE(mustEval(t, res.Params, mplCurves(t, "400M", "test"))); math.Abs(pe-0.00168) > 5e-5 {
		t.Errorf("test PredE %.5f, want about the published 0.00168", pe)
	}
}

func TestReadCurvesErrors(t *testing.T) {
	pts := func(steps ...int) string {
		s := "run,step,loss\n"
		for _, st := range steps {
			s += "a," + itoa(st) + ",3.1\n"
		}
		return s
	}
	ten := []int{100, 200, 300, 400, 500, 600, 700, 800, 900}
	spec := "constant:warmup=10,steps=1000,peak=1e-3"
	cases := map[string]struct{ in, want string }{
		"beyond":    {pts(append(ten, 1001)...), "c.csv:11: run \"a\": step 1001 is beyond the schedule"},
		"at T ok":   {pts(append(ten, 1000)...), ""},
		"unsorted":  {pts(100, 300, 200, 400, 500, 600, 700, 800, 900, 950), "c.csv:4: run \"a\": step 200 after step 300"},
		"duplicate": {pts(100, 200, 200, 400, 500, 600, 700, 800, 900, 950), "c.csv:4: run \"a\": duplicate step 200"},
		"few":       {pts(100, 200), "c.csv:2: run \"a\" has 2 points where the law is defined: want at least 3"},
		"bad loss":  {"run,step,loss\na,1,x\n", "c.csv:2:3: loss \"x\""},
		"no step":   {"run,loss\na,1\n", "no step column"},
	}
	for name, c := range cases {
		_, _, err := ReadCurves(strings.NewReader(c.in), "c.csv", ReadOptions{Schedule: spec})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
	// a bad schedule names the spec and where it came from
	_, _, err := ReadCurves(strings.NewReader("run,step,loss,schedule\n"+"a,1,3,\"cosine:steps=10,peak=-1\"\n"), "c.csv", ReadOptions{MinPoints: 1})
	if err == nil || !strings.Contains(err.Error(), "c.csv:2") || !strings.Contains(err.Error(), "cosine:steps=10,peak=-1") {
		t.Errorf("bad schedule column: %v", err)
	}
}

func TestReadCurvesLRColumn(t *testing.T) {
	dense := "run,step,lr,loss\n"
	sparse := "run,step,lr,loss\n"
	for s := 0; s < 20; s++ {
		dense += "a," + itoa(s) + ",0.001,3\n"
		if s%2 == 0 {
			sparse += "a," + itoa(s) + "," + itoa(s) + "e-4,3\n"
		}
	}
	cs, ws, err := ReadCurves(strings.NewReader(dense), "d.csv", ReadOptions{})
	if err != nil || len(ws) != 0 || len(cs[0].LR) != 20 {
		t.Fatalf("dense: %v %v", err, ws)
	}
	cs, ws, err = ReadCurves(strings.NewReader(sparse), "s.csv", ReadOptions{})
	// (its lr is 0 at step 0: that point is dropped, with a count)
	if err != nil || len(ws) != 2 || ws[0].Code != "lr-interpolated" || ws[1].Code != CodePointsDropped {
		t.Fatalf("sparse: %v %v", err, ws)
	}
	if got := cs[0].LR[5]; math.Abs(got-5e-4) > 1e-12 {
		t.Errorf("interpolated lr at step 5 = %g, want 5e-4", got)
	}
	// a schedule that contradicts the logged lr is warned about
	_, ws, err = ReadCurves(strings.NewReader(dense), "d.csv", ReadOptions{Schedule: "constant:steps=20,peak=2e-3"})
	if err != nil || len(ws) != 1 || ws[0].Code != "lr-mismatch" {
		t.Errorf("mismatch: %v %v", err, ws)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Parse never panics, and what it accepts gives finite, non-negative learning rates.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"cosine:warmup=2160,steps=24000,peak=3e-4,final=3e-5", "wsd:warmup=5,steps=100,peak=1,final=0.1,decay_start=50,decay=sqrt",
		"step:steps=100,peak=1,at=60:0.1;30:0.5", "linear:steps=3,peak=1e5,final=0", "constant:steps=2,peak=1e-300,warmup=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		sc, err := Parse(spec)
		if err != nil || sc.Steps > 100000 {
			return
		}
		for s, v := range sc.LRs() {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("%q: lr(%d) = %g", spec, s, v)
			}
		}
		// the streamed prediction walks any accepted schedule: a loss finite and positive,
		// or a *LossError, never a panic
		law := Params{Law: LawTissue, L0: 2, A: 1, Alpha: 0.5, C: 1, Lambda: DefaultLambda}
		err = PredictEach(law, sc, PredictEachOptions{Every: max(1, sc.Steps/7)}, func(step int, _, loss float64, _ []float64) error {
			if !finitePositive(loss) {
				t.Fatalf("%q: loss %g at step %d passed the check", spec, loss, step)
			}
			return nil
		})
		var le *LossError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("%q: %v", spec, err)
		}
	})
}

// ReadCurves never panics: bad input is an error naming the file.
func FuzzReadCurves(f *testing.F) {
	f.Add("run,step,loss\na,1,3\na,2,2.9\n", "constant:steps=10,peak=1")
	f.Add("run,step,lr,loss\na,0,0.1,3\na,5,0.05,2.9\n", "")
	f.Add("run,step,loss,schedule\na,9,3,\"step:steps=10,peak=1,at=5:0.5\"\n", "")
	f.Fuzz(func(t *testing.T, in, spec string) {
		cs, _, err := ReadCurves(strings.NewReader(in), "f.csv", ReadOptions{Schedule: spec, MinPoints: 1})
		if err != nil {
			if !strings.Contains(err.Error(), "f.csv") && !strings.Contains(err.Error(), "schedule") {
				t.Fatalf("error without the file or spec: %v", err)
			}
			return
		}
		for _, c := range cs {
			if c.LR != nil && c.Steps[len(c.Steps)-1] >= len(c.LR) {
				t.Fatalf("step %d beyond the schedule of %d steps", c.Steps[len(c.Steps)-1], len(c.LR))
			}
			if c.LR != nil && !(c.LR[0] >= 0) {
				t.Fatalf("lr %g", c.LR[0])
			}
		}
		// what loads can be checked and scored: errors, never a panic or a non-finite score
		if _, err := CheckData(cs, LawTissue, false); err != nil {
			return
		}
		for _, c := range cs {
			if c.LR == nil || c.Len() > 100000 {
				return
			}
		}
		sc, err := Evaluate(Params{Law: LawTissue, L0: 2, A: 1, Alpha: 0.5, C: 1, Lambda: DefaultLambda}, cs)
		if err == nil {
			for _, s := range sc {
				if math.IsNaN(s.PredE) || math.IsInf(s.PredE, 0) {
					t.Fatalf("PredE %g", s.PredE)
				}
			}
		}
	})
}
