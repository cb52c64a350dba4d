package limits

import (
	"strconv"
	"unicode/utf8"
)

// Caps on what scalefit writes for people from the user's input: figure labels, file names
// derived from names, and input echoed in error messages.
const (
	// MaxFigureGroups caps how many groups a figure names and colours apart: Tableau's
	// palette has ten colours, and a legend strip holds about fifty entries. Past it the
	// groups a figure does not name are drawn grey and counted in its notes (every group is
	// in the tables).
	MaxFigureGroups = 10
	// MaxLabelRunes caps a name in a figure's legend, title or axis label: past it the name
	// is shortened in the middle ("head…tail"). A 300-character reference group emptied the
	// multiplier panel.
	MaxLabelRunes = 32
	// MaxFileNameBytes caps a file name scalefit derives from a name in the input (a task's
	// figure task-<name>.png): past it the name is cut and a hash of the whole name keeps
	// the file unique. Linux refuses names over 255 bytes (ENAMETOOLONG).
	MaxFileNameBytes = 120
	// MaxEchoRunes caps how much of the user's input an error message quotes (an
	// expression, a value): a 120 KB --where expression was echoed whole.
	MaxEchoRunes = 200
)

// Echo returns s for an error message: whole up to MaxEchoRunes runes, else its first
// MaxEchoRunes runes, "..." and the total length.
func Echo(s string) string {
	if utf8.RuneCountInString(s) <= MaxEchoRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxEchoRunes {
			return s[:i] + "... (" + strconv.Itoa(len(s)) + " bytes)"
		}
		n++
	}
	return s
}
