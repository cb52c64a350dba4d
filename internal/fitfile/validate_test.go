package fitfile

import (
	"bytes"
	"strings"
	"testing"
)

// D4, D12: a fit.json whose numbers are outside their valid ranges is refused with the field
// named (Approach-2 a = -0.5 planned nonsense; rmse 1e308 made check --sigma pass every run;
// alpha 1e308 made predict print NaN).
func TestDecodeRefusesOutOfRangeFields(t *testing.T) {
	doc, err := Read(golden)
	if err != nil {
		t.Fatal(err)
	}
	i3, i2 := -1, -1
	for i, f := range doc.Fits {
		switch {
		case f.Law == "chinchilla" && f.Approach == 3:
			i3 = i
		case f.Law == "chinchilla" && f.Approach == 2:
			i2 = i
		}
	}
	if i3 < 0 || i2 < 0 {
		t.Fatal("golden file lacks Approaches 2 and 3")
	}
	for _, c := range []struct {
		name string
		edit func(d *Document)
		want string
	}{
		{"alpha 1e308", func(d *Document) { d.Fits[i3].Params["alpha"] = 1e308 }, "params.alpha = 1e308"},
		{"beta 0", func(d *Document) { d.Fits[i3].Params["beta"] = 0 }, "params.beta = 0"},
		{"E 5e6", func(d *Document) { d.Fits[i3].Params["E"] = 5e6 }, "params.E"},
		{"A negative", func(d *Document) { d.Fits[i3].Params["A"] = -1 }, "params.A = -1"},
		{"approach 2 a -0.5", func(d *Document) { v := -0.5; d.Fits[i2].A = &v }, ".a = -0.5"},
		{"approach 2 b 1.5", func(d *Document) { v := 1.5; d.Fits[i2].B = &v }, ".b = 1.5"},
		{"rmse 1e308", func(d *Document) { v := 1e308; d.Fits[i3].RMSE = &v }, "rmse_log_loss = 1e308"},
		{"draw alpha 1e308", func(d *Document) { d.Fits[i3].Bootstrap[3][3] = 1e308 }, "bootstrap row 4: alpha"},
		{"interval reversed", func(d *Document) { d.Fits[i3].Intervals["alpha"] = [2]float64{0.4, 0.3} }, "intervals.alpha"},
		{"allocation flops 0", func(d *Document) { d.Fits[i3].Allocations[0].FLOPs = 0 }, "allocations[0].flops"},
		{"range reversed", func(d *Document) { d.Range.Params = [2]float64{2, 1} }, "range.params"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := Read(golden)
			c.edit(d)
			var b bytes.Buffer
			if err := d.Encode(&b); err != nil {
				t.Fatal(err)
			}
			_, err := Decode(&b, "fit.json")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "fit.json: fits[") && !strings.HasPrefix(err.Error(), "fit.json: range") {
				t.Errorf("Decode: %v; want an error naming %q", err, c.want)
			}
		})
	}
}
