package fitfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// chinchillaNames are the constants of the Chinchilla law, in the order of its draws.
var chinchillaNames = []string{"E", "A", "B", "alpha", "beta"}

// kaplanOrder is the order of Kaplan's constants in its draws (each form uses a subset).
var kaplanOrder = []string{"Nc", "Dc", "alpha_N", "alpha_D", "E"}

// DefaultDrawNames is the order of a fit's draw columns when DrawNames is nil, as schema
// version 1 wrote "bootstrap" rows: E, A, B, alpha, beta for Chinchilla; Kaplan's constants of
// the form (Nc, Dc, alpha_N, alpha_D, E, those the fit has); otherwise the params in sorted order.
func (f *Fit) DefaultDrawNames() []string {
	if f.DrawNames != nil {
		return f.DrawNames
	}
	if f.Law == "chinchilla" {
		return chinchillaNames
	}
	var out []string
	if f.Law == "kaplan" {
		for _, k := range kaplanOrder {
			if _, ok := f.Params[k]; ok {
				out = append(out, k)
			}
		}
		return out
	}
	for k := range f.Params {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fitJSON is Fit without its methods, so that Fit's MarshalJSON can encode the plain fields.
type fitJSON Fit

// MarshalJSON writes the fit with its draws keyed by parameter name, columns in DrawNames
// order: "draws": {"E": [1.79, 1.83, ...], "A": [...], ...}.
func (f Fit) MarshalJSON() ([]byte, error) {
	plain, err := json.Marshal(fitJSON(f))
	if err != nil || (len(f.Bootstrap) == 0 && len(f.Extra) == 0) {
		return plain, err
	}
	var b bytes.Buffer
	b.Write(plain[:len(plain)-1])
	if len(f.Extra) > 0 {
		known := knownKeys()
		keys := make([]string, 0, len(f.Extra))
		for k := range f.Extra {
			if !known[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, err := json.Marshal(f.Extra[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			kb, _ := json.Marshal(k)
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.Write(kb)
			b.WriteByte(':')
			b.Write(v)
		}
	}
	if len(f.Bootstrap) == 0 {
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	names := f.DefaultDrawNames()
	b.WriteString(`,"draws":{`)
	for j, name := range names {
		if j > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteString(":[")
		for i, row := range f.Bootstrap {
			if i > 0 {
				b.WriteByte(',')
			}
			if j >= len(row) {
				return nil, fmt.Errorf("bootstrap row %d has %d values: want %d (%v)", i+1, len(row), len(names), names)
			}
			v, err := json.Marshal(row[j])
			if err != nil {
				return nil, err
			}
			b.Write(v)
		}
		b.WriteByte(']')
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// UnmarshalJSON reads a fit of schema version 2 ("draws" keyed by name) or 1 ("bootstrap"
// rows in the law's default order).
func (f *Fit) UnmarshalJSON(data []byte) error {
	var aux struct {
		fitJSON
		Draws     json.RawMessage `json:"draws"`
		Bootstrap [][]float64     `json:"bootstrap"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*f = Fit(aux.fitJSON)
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err == nil {
		known := knownKeys()
		for k, raw := range all {
			if known[k] {
				continue
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if f.Extra == nil {
				f.Extra = map[string]any{}
			}
			f.Extra[k] = v
		}
	}
	if len(aux.Draws) > 0 && string(aux.Draws) != "null" {
		names, cols, err := orderedColumns(aux.Draws)
		if err != nil {
			return fmt.Errorf("draws: %w", err)
		}
		n := 0
		for j, c := range cols {
			if j > 0 && len(c) != n {
				return fmt.Errorf("draws: %q has %d values and %q %d: want one value per resample in each", names[j], len(c), names[0], n)
			}
			n = len(c)
		}
		f.DrawNames = names
		f.Bootstrap = make([][]float64, n)
		for i := range f.Bootstrap {
			row := make([]float64, len(cols))
			for j := range cols {
				row[j] = cols[j][i]
			}
			f.Bootstrap[i] = row
		}
		return nil
	}
	f.Bootstrap = aux.Bootstrap
	return nil
}

// knownKeys are the JSON names of Fit's fields and of its draws ("draws", and schema 1's
// "bootstrap"): the names Extra never takes.
func knownKeys() map[string]bool {
	out := map[string]bool{"draws": true, "bootstrap": true}
	t := reflect.TypeOf(fitJSON{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// orderedColumns reads {"name": [numbers], ...} keeping the keys' order; a repeated key is
// an error.
func orderedColumns(raw json.RawMessage) ([]string, [][]float64, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("want an object of parameter name -> values")
	}
	var names []string
	var cols [][]float64
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		name, _ := t.(string)
		if seen[name] {
			return nil, nil, fmt.Errorf("parameter %q appears twice", name)
		}
		seen[name] = true
		var col []float64
		if err := dec.Decode(&col); err != nil {
			return nil, nil, fmt.Errorf("%q: want an array of numbers", name)
		}
		names, cols = append(names, name), append(cols, col)
	}
	return names, cols, nil
}

// DrawRows returns the bootstrap draws with their values in the order of names (one row per
// resample); a name the draws lack is an error.
func (f *Fit) DrawRows(names []string) ([][]float64, error) {
	have := f.DefaultDrawNames()
	idx := make([]int, len(names))
	for j, n := range names {
		idx[j] = -1
		for k, h := range have {
			if h == n {
				idx[j] = k
			}
		}
		if idx[j] < 0 && len(f.Bootstrap) > 0 {
			return nil, fmt.Errorf("draws have no %q (they have %v)", n, have)
		}
	}
	out := make([][]float64, len(f.Bootstrap))
	for i, r := range f.Bootstrap {
		if len(r) != len(have) {
			return nil, fmt.Errorf("bootstrap row %d has %d values: want %d (%v)", i+1, len(r), len(have), have)
		}
		row := make([]float64, len(names))
		for j, k := range idx {
			row[j] = r[k]
		}
		out[i] = row
	}
	return out, nil
}

// Interval is a 95% interval [lo, hi]. An end the data do not bound is -Inf or +Inf, written
// as null in JSON (which has no infinity): "R_N*": [3.9, null].
type Interval [2]float64

// InfiniteAsNull marks Interval for report.CheckFinite: an unbounded end is an answer here,
// written as null, not a degenerate number.
func (Interval) InfiniteAsNull() {}

// MarshalJSON writes non-finite ends as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range iv {
		if i > 0 {
			b.WriteByte(',')
		}
		if math.IsInf(v, 0) || math.IsNaN(v) {
			b.WriteString("null")
			continue
		}
		x, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(x)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// UnmarshalJSON reads [lo, hi]; a null lo is -Inf and a null hi +Inf.
func (iv *Interval) UnmarshalJSON(data []byte) error {
	var p [2]*float64
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("interval %s: want [lo, hi]", data)
	}
	iv[0], iv[1] = math.Inf(-1), math.Inf(1)
	if p[0] != nil {
		iv[0] = *p[0]
	}
	if p[1] != nil {
		iv[1] = *p[1]
	}
	return nil
}
