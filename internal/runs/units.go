package runs

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/warn"
)

// A unit in a header scales its column: "Params (B)" holds billions of parameters,
// "tokens [T]" trillions of tokens, "flops (PFLOP-days)" petaFLOP/s-days, "loss (bits)"
// bits per token. The multiplier turns the cell into the canonical unit (a count, FLOPs,
// nats per token).
var headerUnit = regexp.MustCompile(`^(.*?)\s*[\(\[]\s*([^\(\)\[\]]+?)\s*[\)\]]$`)

// countUnits are counts of parameters, tokens or FLOPs; flopUnits only apply to compute.
var countUnits = map[string]float64{
	"k": 1e3, "thousand": 1e3, "thousands": 1e3,
	"m": 1e6, "million": 1e6, "millions": 1e6, "mil": 1e6,
	"b": 1e9, "g": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
	"t": 1e12, "trillion": 1e12, "trillions": 1e12,
	"p": 1e15,
}

var flopUnits = map[string]float64{
	"flop": 1, "flops": 1,
	"kflop": 1e3, "mflop": 1e6, "gflop": 1e9, "tflop": 1e12, "pflop": 1e15, "eflop": 1e18, "zflop": 1e21,
	"pflop_days": 1e15 * 86400, "pflops_days": 1e15 * 86400, "pf_days": 1e15 * 86400, "pflop/s_days": 1e15 * 86400,
	"petaflop_days": 1e15 * 86400, "petaflop/s_days": 1e15 * 86400, "pfs_days": 1e15 * 86400,
}

var lossUnits = map[string]float64{"nats": 1, "nat": 1, "bits": math.Ln2, "bit": math.Ln2}

// unitHeader splits "Params (B)" into its name "Params", the multiplier 1e9 and the unit
// text "B", when the name is a canonical column's alias and the unit fits that column.
func unitHeader(h string) (base string, scale float64, unit string, ok bool) {
	m := headerUnit.FindStringSubmatch(strings.TrimSpace(h))
	if m == nil || m[1] == "" {
		return "", 0, "", false
	}
	base, unit = m[1], m[2]
	c := canonicalOf(NormalizeHeader(base))
	u := NormalizeHeader(strings.ReplaceAll(unit, "/s-", "/s_"))
	switch c {
	case "params", "tokens":
		scale, ok = countUnits[u]
	case "flops", "budget":
		if scale, ok = countUnits[u]; !ok {
			scale, ok = flopUnits[u]
		}
	case "loss":
		scale, ok = lossUnits[u]
	}
	return base, scale, unit, ok
}

// canonicalOf names the canonical column whose alias is the normalized header n, or "".
func canonicalOf(n string) string {
	for _, c := range canonicalOrder {
		for _, a := range Aliases[c] {
			if a == n {
				return c
			}
		}
	}
	return ""
}

var (
	commaNumber = regexp.MustCompile(`^\s*[+-]?[0-9]+,[0-9]+([eE][+-]?[0-9]+)?\s*$`)
	dotNumber   = regexp.MustCompile(`^\s*[+-]?[0-9]*\.[0-9]+([eE][+-]?[0-9]+)?\s*$`)
)

// sniffDecimalComma reports whether a ';'- or tab-separated file writes decimals with a
// comma (1,5E+08), as spreadsheets in many locales do: some cell of the first 200 rows is
// a number with a decimal comma, and none is a number with a decimal point.
func sniffDecimalComma(data []byte, comma byte) bool {
	commas, dots := 0, 0
	for i, l := range bytes.SplitN(data, []byte{'\n'}, 202) {
		if i == 0 || i == 201 {
			continue
		}
		for _, c := range bytes.Split(l, []byte{comma}) {
			c = bytes.Trim(c, "\r\" ")
			switch {
			case commaNumber.Match(c):
				commas++
			case dotNumber.Match(c):
				dots++
			}
		}
	}
	return commas > 0 && dots == 0
}

// parseCell parses a numeric cell; decimalComma reads "1,5" as 1.5.
func parseCell(s string, decimalComma bool) (float64, error) {
	return parseNumber(s, decimalComma)
}

// unitWarnings looks for the usual unit mistakes: parameter counts written in millions or
// billions without saying so, and tokens in billions beside parameters as counts.
func unitWarningsOf(s *Set, rs []Run) []warn.Warning {
	var out []warn.Warning
	if len(rs) == 0 {
		return nil
	}
	maxN := 0.0
	for _, r := range rs {
		maxN = math.Max(maxN, r.Params)
	}
	if maxN < 1000 {
		out = append(out, warn.New("params-unit",
			"the largest parameter count is %g: are params in millions or billions? Say so in the header, e.g. \"params (M)\" or \"params (B)\", or write 125M",
			maxN))
	}
	curves := s.Has("run") && len(FinalPoints(rs)) < len(rs)
	final := rs
	if curves {
		final = FinalPoints(rs)
	}
	fewer := 0
	for _, r := range final {
		if r.Tokens < r.Params {
			fewer++
		}
	}
	if fewer*2 > len(final) {
		what := "runs"
		if curves {
			what = "runs (at their last point)"
		}
		out = append(out, warn.New("tokens-unit",
			"%d of %d %s saw fewer tokens than they have parameters: are tokens in billions or params in a smaller unit? Say so in the header, e.g. \"tokens (B)\", or write 20B",
			fewer, len(final), what))
	}
	if s.Derived == "" && s.Has("flops") && s.Has("tokens") {
		// Both given: a flops column far from 6ND is a unit (PF-days, GFLOPs) or a
		// convention mistake that silently moves every compute-optimal answer.
		ratios := make([]float64, 0, len(final))
		for _, r := range final {
			ratios = append(ratios, r.FLOPs/(6*r.Params*r.Tokens))
		}
		sort.Float64s(ratios)
		if m := ratios[len(ratios)/2]; m < 1/flopsRatioWarn || m > flopsRatioWarn {
			out = append(out, warn.New(CodeFLOPsNot6ND,
				"the flops column is %.3g x 6ND at the median run: is it in another unit (PF-days are 8.64e19 FLOPs) or another convention? Compute-optimal answers use it as training FLOPs",
				m))
		}
	}
	return out
}

// CodeFLOPsNot6ND warns that a given flops column is far (flopsRatioWarn) from 6ND.
const CodeFLOPsNot6ND = "flops-not-6nd"

// flopsRatioWarn: conventions differ from 6ND by well under 3x (embeddings, attention).
const flopsRatioWarn = 10.0

// unitNote says how a header's unit scaled its column.
func unitNote(canonical, header, unit string, scale float64) string {
	return fmt.Sprintf("%s read from %q: unit %s, values multiplied by %g", canonical, header, unit, scale)
}
