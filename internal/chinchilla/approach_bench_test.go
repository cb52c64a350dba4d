package chinchilla

import "testing"

var benchSink float64

func benchIsoFLOP(b *testing.B, sets [][]Point, k int) {
	b.ReportAllocs()
	for b.Loop() {
		for _, pts := range sets {
			res, err := IsoFLOP(pts, IsoFLOPOptions{Bootstrap: k, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			benchSink += res.A
		}
	}
}

func porianSets(b *testing.B) [][]Point {
	var sets [][]Point
	for _, s := range loadPorian(b) {
		sets = append(sets, s.pts)
	}
	return sets
}

// Approach 2 on cosine_decay/rw (12 budgets, 131 points).
func BenchmarkIsoFLOPPorianOne(b *testing.B)        { benchIsoFLOP(b, porianSets(b)[3:4], 0) }
func BenchmarkIsoFLOPPorianOneBoot200(b *testing.B) { benchIsoFLOP(b, porianSets(b)[3:4], 200) }

// Approach 2 on all 15 Porian settings.
func BenchmarkIsoFLOPPorianAll(b *testing.B)        { benchIsoFLOP(b, porianSets(b), 0) }
func BenchmarkIsoFLOPPorianAllBoot200(b *testing.B) { benchIsoFLOP(b, porianSets(b), 200) }

func benchEnvelope(b *testing.B, k int) {
	pts := loadOLMoCurves(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Envelope(pts, EnvelopeOptions{Bootstrap: k, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		benchSink += res.A
	}
}

// Approach 1 on the 30 OLMo ladder curves (3,569 points, 1,500 grid values).
func BenchmarkEnvelopeOLMo(b *testing.B)        { benchEnvelope(b, 0) }
func BenchmarkEnvelopeOLMoBoot200(b *testing.B) { benchEnvelope(b, 200) }
