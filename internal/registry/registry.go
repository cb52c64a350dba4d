// Package registry lists scalefit's law families: adding a family is one line in families
// below (plus its own package and docs page). Commands look families and their built-in
// published laws up here by name.
package registry

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scalefit/scalefit/internal/bpl"
	"github.com/scalefit/scalefit/internal/dataconstrained"
	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/moe"
	"github.com/scalefit/scalefit/internal/sft"
	"github.com/scalefit/scalefit/internal/vocab"
)

// families is the registry: one line per family, in the order `scalefit laws` lists them.
var families = []family.Family{
	dataconstrained.Family{},
	bpl.Family{}, // broken-power-law: the compute-optimal frontier with one smooth break
	moe.Family{},
	vocab.Family{},
	sft.Family{},
}

// All returns every registered family, in registry order.
func All() []family.Family { return append([]family.Family(nil), families...) }

// Lookup returns the family named name (case-insensitive).
func Lookup(name string) (family.Family, error) {
	for _, f := range families {
		if strings.EqualFold(f.Info().Name, name) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("no law family %q: want one of %s", name, strings.Join(Names(), ", "))
}

// Names returns the registered families' names, sorted.
func Names() []string {
	out := make([]string, 0, len(families))
	for _, f := range families {
		out = append(out, f.Info().Name)
	}
	sort.Strings(out)
	return out
}

// Builtin returns the family and the built-in published law named name (case-insensitive),
// or ok false when no family has it.
func Builtin(name string) (family.Family, family.Builtin, bool) {
	for _, f := range families {
		for _, b := range f.Info().Builtins {
			if strings.EqualFold(b.Name, name) {
				return f, b, true
			}
		}
	}
	return nil, family.Builtin{}, false
}
