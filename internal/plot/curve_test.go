package plot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/curve"
)

func TestCurveFigures(t *testing.T) {
	law := curve.Params{Law: curve.LawTissue, L0: 2.5, A: 0.6, Alpha: 0.45, C: 0.5}
	sc, _ := curve.Parse("wsd:warmup=100,steps=2000,peak=3e-4,final=3e-5,decay_start=1500,decay=sqrt")
	c := &curve.Curve{Run: "run-a", Schedule: sc, LR: sc.LRs()}
	for s := 200; s <= 1000; s += 50 {
		c.Steps = append(c.Steps, s)
	}
	c.Loss = curve.Predict(law, c.LR, c.Steps)
	ms, ml := ModelPath(law, c.LR, 200, 100)
	if ms[len(ms)-1] != 1999 || len(ml) != len(ms) {
		t.Fatalf("model path ends at %d", ms[len(ms)-1])
	}
	fig, err := CurvesFigure("curves", []CurveSeries{{Run: c.Run, Steps: c.Steps, Loss: c.Loss, ModelSteps: ms, Model: ml, LR: c.LR}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := fig.WriteTo(&b, "svg"); err != nil || !strings.Contains(b.String(), "run-a") {
		t.Fatalf("curves figure: %v", err)
	}
	fc, err := curve.ForecastCurve(c, curve.ForecastOptions{Prior: &law, Bootstrap: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Band) != len(fc.Path) || fc.Path[len(fc.Path)-1] != 1999 {
		t.Fatalf("forecast path %v", fc.Path)
	}
	fig, err = ForecastFigure(c, fc)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := fig.WriteTo(&b, "svg"); err != nil || !strings.Contains(b.String(), "forecast of run-a") {
		t.Fatalf("forecast figure: %v", err)
	}
	if _, err := CurvesFigure("x", nil); !IsUnsupported(err) {
		t.Errorf("no curves: %v", err)
	}
}
