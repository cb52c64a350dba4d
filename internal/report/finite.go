package report

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// CheckFinite walks an output document (structs, maps, slices, pointers) and returns an
// error naming the first float that is NaN or infinite by its JSON path, e.g.
// "fits[0].allocations[2].d_opt is +Inf". encoding/json cannot write such values and a
// table would print them as an answer; every format checks the same document first, so a
// document that cannot be trusted is the same error (exit 2) in table, JSON, CSV and
// Markdown alike. A value whose type says it writes infinite ends as null (an unbounded
// interval end, fitfile.Interval) is checked for NaN only.
func CheckFinite(v any) error {
	if path, x, ok := firstNonFinite(reflect.ValueOf(v), ""); ok {
		return fmt.Errorf("cannot report %s = %s: not a finite number (the inputs or the fit are degenerate; see the warnings)", strings.TrimPrefix(path, "."), strconv.FormatFloat(x, 'g', -1, 64))
	}
	return nil
}

// infiniteAsNull is implemented by types whose JSON writes ±Inf as null on purpose.
type infiniteAsNull interface{ InfiniteAsNull() }

func firstNonFinite(v reflect.Value, path string) (string, float64, bool) {
	if v.IsValid() && v.CanInterface() {
		if _, ok := v.Interface().(infiniteAsNull); ok && v.Kind() == reflect.Array {
			for i := 0; i < v.Len(); i++ {
				if x := v.Index(i); x.CanFloat() && math.IsNaN(x.Float()) {
					return path + "[" + strconv.Itoa(i) + "]", x.Float(), true
				}
			}
			return "", 0, false
		}
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if x := v.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
			return path, x, true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return firstNonFinite(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if p, x, ok := firstNonFinite(v.Index(i), path+"["+strconv.Itoa(i)+"]"); ok {
				return p, x, ok
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			if p, x, ok := firstNonFinite(v.MapIndex(k), path+"."+fmt.Sprint(k)); ok {
				return p, x, ok
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			if f.Anonymous {
				name = ""
			}
			sub := path
			if name != "" {
				sub = path + "." + name
			}
			if p, x, ok := firstNonFinite(v.Field(i), sub); ok {
				return p, x, ok
			}
		}
	}
	return "", 0, false
}
