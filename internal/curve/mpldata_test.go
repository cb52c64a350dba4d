package curve

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
)

// mplSpecs are the nine schedules of testdata/mpl_curves.csv (SOURCE.md of the data).
var mplSpecs = map[string]string{
	"cosine_24000":      "cosine:warmup=2160,steps=24000,peak=3e-4,final=3e-5",
	"cosine_72000":      "cosine:warmup=2160,steps=72000,peak=3e-4,final=3e-5",
	"constant_24000":    "constant:warmup=2160,steps=24000,peak=3e-4",
	"constant_72000":    "constant:warmup=2160,steps=72000,peak=3e-4",
	"wsd_20000_24000":   "wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=exp",
	"wsdld_20000_24000": "wsd:warmup=2160,steps=24000,peak=3e-4,final=3e-5,decay_start=20000,decay=linear",
	"wsdcon_3":          "step:warmup=2160,steps=16000,peak=3e-4,at=8000:3e-5",
	"wsdcon_9":          "step:warmup=2160,steps=16000,peak=3e-4,at=8000:9e-5",
	"wsdcon_18":         "step:warmup=2160,steps=16000,peak=3e-4,at=8000:1.8e-4",
}

// mplCurves loads testdata/mpl_curves.csv: the curves of one model size and split, with
// their schedules, keeping steps below the schedule length as the authors do.
func mplCurves(t testing.TB, model, split string) []*Curve {
	t.Helper()
	f, err := os.Open("../../testdata/mpl_curves.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []*Curve
	by := map[string]*Curve{}
	for i, r := range recs[1:] {
		if r[0] != model || r[2] != split {
			continue
		}
		c := by[r[1]]
		if c == nil {
			sc, err := Parse(mplSpecs[r[1]])
			if err != nil {
				t.Fatal(err)
			}
			c = &Curve{Run: r[1], File: "mpl_curves.csv", Schedule: sc, LR: sc.LRs()}
			by[r[1]] = c
			out = append(out, c)
		}
		st, _ := strconv.Atoi(r[3])
		l, _ := strconv.ParseFloat(strings.TrimSpace(r[4]), 64)
		if st >= c.Len() {
			continue
		}
		c.Steps = append(c.Steps, st)
		c.Loss = append(c.Loss, l)
		c.Lines = append(c.Lines, i+2)
	}
	return out
}

func publishedParams(t testing.TB, size string) Params {
	p, err := LookupPublished("mpl2025-" + strings.ToLower(size))
	if err != nil {
		t.Fatal(err)
	}
	return p.Params
}
