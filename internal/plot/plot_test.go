package plot

import (
	"bytes"
	"errors"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/runs"
)

func load(t testing.TB, name string, opts runs.Options) *runs.Set {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := runs.Load(f, name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func points(rs []runs.Run) []chinchilla.Point {
	pts := make([]chinchilla.Point, len(rs))
	for i, r := range rs {
		pts[i] = chinchilla.Point{Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs, Loss: r.Loss, Budget: r.Budget, Run: r.ID}
	}
	return pts
}

func law(t testing.TB, name string) *chinchilla.Law {
	t.Helper()
	l, err := laws.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return l.Chinchilla
}

// inputs builds the three data sets of the tests: Chinchilla (Epoch's fit as the law),
// one Porian setting and the OLMo ladder's loss curves. No Approach 3 fit runs here, so the
// package's tests stay fast; the laws stand in for fits.
func inputs(t testing.TB) map[string]*Input {
	t.Helper()
	chin := load(t, "chinchilla.csv", runs.Options{})
	iso, err := chinchilla.IsoFLOP(points(chin.Runs), chinchilla.IsoFLOPOptions{})
	if err != nil && !errors.Is(err, chinchilla.ErrTooFewBudgets) {
		t.Fatal(err)
	}
	por := load(t, "porian_isoflop.csv", runs.Options{Where: "experiment==optimizer_tuning_no_decay and dataset==rw"})
	piso, err := chinchilla.IsoFLOP(points(por.Runs), chinchilla.IsoFLOPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	olmo := load(t, "olmo_curves.csv", runs.Options{RunCol: "run", LossCol: "loss_c4_en"})
	env, err := chinchilla.Envelope(points(olmo.Runs), chinchilla.EnvelopeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held := make([]bool, len(chin.Runs))
	for i, r := range chin.Runs {
		held[i] = r.FLOPs >= 1e21
	}
	return map[string]*Input{
		"chinchilla": {Title: "chinchilla.csv", Runs: chin.Runs, Law: law(t, "epoch2024"), LawLabel: "epoch2024", IsoFLOP: iso, HeldOut: held},
		"porian":     {Title: "porian_isoflop.csv", Runs: por.Runs, Law: law(t, "chinchilla2022"), LawLabel: "chinchilla2022", IsoFLOP: piso},
		"olmo":       {Title: "olmo_curves.csv", Runs: olmo.Runs, Curves: true, Law: law(t, "muennighoff2023"), LawLabel: "muennighoff2023", Envelope: env},
	}
}

// wantWidth is the PNG width of a figure with panels panels at DPI.
func wantWidth(panels int) int {
	return int((PanelWidth + LegendWidth).Dots(DPI) + 0.5) // the same for any number of panels: they stack
}

func TestRenderAllEveryKind(t *testing.T) {
	in := inputs(t)
	wantSkipped := map[string][]Kind{"chinchilla": {KindCurves}, "porian": {KindCurves}, "olmo": {KindIsoFLOP}}
	for name, input := range in {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			written, skipped, err := RenderAll(dir, input, "")
			if err != nil {
				t.Fatal(err)
			}
			var sk []Kind
			for _, s := range skipped {
				if s.Reason == "" {
					t.Errorf("skipped %s without a reason", s.Kind)
				}
				sk = append(sk, s.Kind)
			}
			if !reflect.DeepEqual(sk, wantSkipped[name]) {
				t.Errorf("skipped %v, want %v", sk, wantSkipped[name])
			}
			if len(written)+len(skipped) != len(Kinds) {
				t.Errorf("%d written + %d skipped, want %d kinds", len(written), len(skipped), len(Kinds))
			}
			for _, path := range written {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				cfg, format, err := image.DecodeConfig(f)
				f.Close()
				if err != nil || format != "png" {
					t.Fatalf("%s: not a PNG: %v", path, err)
				}
				panels := 1
				if k := Kind(strings.TrimSuffix(filepath.Base(path), ".png")); k == KindFrontier || k == KindResiduals {
					panels = 2
				}
				// Issue 12: no PNG wider than 2,000 px at 192 DPI (the two-panel frontier was
				// 2,803), none narrower than 1,000: several panels stack vertically.
				wantH := int(Height.Dots(DPI) + 0.5)
				if panels > 1 {
					wantH = int((StackedHeight * vg.Length(panels)).Dots(DPI) + 0.5)
				}
				if cfg.Width < 1000 || cfg.Width > 2000 || cfg.Width != wantWidth(panels) || cfg.Height != wantH {
					t.Errorf("%s: %dx%d px, want %dx%d", path, cfg.Width, cfg.Height, wantWidth(panels), wantH)
				}
			}
			// No temporary files left behind by the atomic writes.
			ents, _ := os.ReadDir(dir)
			if len(ents) != len(written) {
				t.Errorf("%d files in %s, wrote %d", len(ents), dir, len(written))
			}
		})
	}
}

func TestSaveFormatsByExtension(t *testing.T) {
	in := inputs(t)["porian"]
	f, err := Build(KindIsoFLOP, in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, ext := range []string{"svg", "pdf"} {
		path := filepath.Join(dir, "iso."+ext)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case "svg":
			if !bytes.HasPrefix(b, []byte("<?xml")) && !bytes.HasPrefix(b, []byte("<svg")) {
				t.Errorf("SVG starts with %q", b[:min(20, len(b))])
			}
			if !bytes.Contains(b, []byte("1e17")) || !bytes.Contains(b, []byte("100M")) {
				t.Errorf("SVG lacks the readable tick labels 1e17 and 100M")
			}
		case "pdf":
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("PDF starts with %q", b[:min(20, len(b))])
			}
		}
	}
	if err := f.Save(filepath.Join(dir, "iso.gif")); err == nil {
		t.Error("Save to .gif: want an error naming the formats")
	}
	if _, err := os.Stat(filepath.Join(dir, "iso.gif")); err == nil {
		t.Error("Save to .gif left a file behind")
	}
}

func TestUnsupportedKinds(t *testing.T) {
	rs := []runs.Run{{Params: 1e8, Tokens: 2e9, FLOPs: 1.2e18, Loss: 3}}
	in := &Input{Runs: rs}
	for _, k := range []Kind{KindIsoFLOP, KindFrontier, KindCurves, KindResiduals, KindContour} {
		_, err := Build(k, in)
		if !IsUnsupported(err) {
			t.Errorf("%s without the inputs it needs: err %v, want *Unsupported", k, err)
		}
	}
	if _, err := Build(KindLoss, in); err != nil {
		t.Errorf("loss of one run: %v", err)
	}
	if _, err := Build(KindLoss, &Input{}); !IsUnsupported(err) {
		t.Errorf("no runs: err %v, want *Unsupported", err)
	}
}

// Values <= 0 must not reach a log axis (gonum's LogScale panics on them).
func TestNonPositiveValuesDoNotPanic(t *testing.T) {
	rs := []runs.Run{
		{Params: 1e8, Tokens: 2e9, FLOPs: 1.2e18, Loss: 3},
		{Params: 2e8, Tokens: 1e9, FLOPs: 1.2e18, Loss: 0},
		{Params: 0, Tokens: 0, FLOPs: 0, Loss: -1},
		{Params: 4e8, Tokens: 5e8, FLOPs: 1.2e18, Loss: 3.1},
	}
	in := &Input{Runs: rs, Law: law(t, "chinchilla2022"), LawLabel: "chinchilla2022"}
	for _, k := range []Kind{KindLoss, KindResiduals, KindContour, KindFrontier} {
		f, err := Build(k, in)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if err := f.WriteTo(&bytes.Buffer{}, "svg"); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
}

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTicks(t *testing.T) {
	cases := []struct {
		name     string
		got      []plot.Tick
		want     []string
		minTicks int
	}{
		{"counts, 4 decades", logTicker{q: Counts}.Ticks(3e5, 2e9), []string{"1M", "10M", "100M", "1B"}, 20},
		{"counts, 2 decades", logTicker{q: Counts}.Ticks(1e8, 1.5e10), []string{"100M", "200M", "500M", "1B", "2B", "5B", "10B"}, 10},
		{"flops", logTicker{q: FLOPs}.Ticks(5e17, 3e21), []string{"1e18", "1e19", "1e20", "1e21"}, 10},
		{"flops, 16 decades", logTicker{q: FLOPs}.Ticks(1e10, 1e26), []string{"1e10", "1e13", "1e16", "1e19", "1e22", "1e25"}, 6},
		{"loss, narrow", logTicker{q: Loss}.Ticks(2.05, 3.9), []string{"2.5", "3", "3.5"}, 6},
		{"loss", lossTicker{q: Loss}.Ticks(1.8, 4.2), []string{"2", "2.5", "3", "3.5", "4"}, 10},
		{"residuals", lossTicker{q: Plain}.Ticks(-0.3, 0.3), []string{"-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"}, 7},
	}
	for _, c := range cases {
		if got := labels(c.got); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: labels %q, want %q", c.name, got, c.want)
		}
		if len(c.got) < c.minTicks {
			t.Errorf("%s: %d ticks, want at least %d (minor ticks)", c.name, len(c.got), c.minTicks)
		}
	}
}

func TestTrimZeros(t *testing.T) {
	for in, want := range map[string]string{"1.00M": "1M", "2.50B": "2.5B", "100M": "100M", "1e20": "1e20", "0.500": "0.5", "10.0K": "10K"} {
		if got := trimZeros(in); got != want {
			t.Errorf("trimZeros(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	in := inputs(b)
	cases := []struct {
		kind Kind
		data string
	}{
		{KindIsoFLOP, "chinchilla"}, {KindFrontier, "chinchilla"}, {KindLoss, "chinchilla"},
		{KindCurves, "olmo"}, {KindResiduals, "chinchilla"}, {KindContour, "chinchilla"},
	}
	for _, c := range cases {
		b.Run(string(c.kind), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				f, err := Build(c.kind, in[c.data])
				if err != nil {
					b.Fatal(err)
				}
				buf.Reset()
				if err := f.WriteTo(&buf, "png"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len())/1024, "KiB/figure")
		})
	}
}
