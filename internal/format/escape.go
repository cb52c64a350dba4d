package format

import (
	"fmt"
	"strings"
	"unicode"
)

// Terminal makes text from the input (group names, headers, run ids, file names, and the
// warnings and errors that quote them) safe to print on a terminal: control characters
// (ANSI escape sequences start with ESC), C1 controls and bidirectional overrides are shown
// as Go escapes (\x1b, \u202e) instead of being obeyed. Newlines and tabs are kept when
// keepLines is set (multi-line messages), else shown escaped too.
func Terminal(s string) string { return escapeControls(s, false) }

// TerminalLines is Terminal for multi-line text: newlines stay.
func TerminalLines(s string) string { return escapeControls(s, true) }

func escapeControls(s string, keepLines bool) string {
	if !needsEscape(s, keepLines) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(" ")
		default:
			writeShown(&b, r)
		}
	}
	return b.String()
}

func needsEscape(s string, keepLines bool) bool {
	for _, r := range s {
		if isControl(r) && !(keepLines && (r == '\n' || r == '\t')) || r == '\t' && !keepLines {
			return true
		}
	}
	return false
}

// isControl: C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and
// isolates that reorder what a terminal or a browser shows.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

// MarkdownText makes text from the input safe inside Markdown meant for a job summary or
// an HTML page: control characters are escaped as for a terminal, newlines become spaces
// (a line cannot start a heading or a table), "|" is escaped (it would split a table
// cell), the "<" that would open an HTML tag or an autolink becomes "&lt;", and the "]"
// that would close a link's text before "(" or "[" becomes "&#93;". A group named "<script>", "[x](http://...)"
// or "a|b" reads as itself; text such as "gradient < 1e-10" or "R_D*" is left as it is.
func MarkdownText(s string) string {
	s = Terminal(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
	if !strings.ContainsAny(s, "|<]") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		var next byte
		if i+1 < len(s) {
			next = s[i+1]
		}
		switch {
		case c == '<' && (next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' || next == '/' || next == '!' || next == '?'):
			b.WriteString("&lt;") // an entity, not \<: the text must not contain "<script" at all
			continue
		case c == ']' && (next == '(' || next == '['):
			b.WriteString("&#93;") // an entity: a naive renderer might not honour \]
			continue
		case c == '|':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TerminalStream is Terminal for what scalefit writes to stderr: newlines, tabs and carriage
// returns stay, and so does the one escape sequence scalefit itself sends (ESC [ K, which
// clears a progress line); every other control character is shown escaped.
func TerminalStream(s string) string {
	if !needsEscape(strings.NewReplacer("\r", "", "\x1b[K", "").Replace(s), true) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteRune(r)
		case r == 0x1b && strings.HasPrefix(s[i:], "\x1b[K"):
			b.WriteRune(r)
		default:
			writeShown(&b, r)
		}
	}
	return b.String()
}

// writeShown writes r as it is, or, for a control character, as the Go escape that shows it
// (\x1b, \u202e). An invalid byte, already read as U+FFFD, stays the replacement character.
func writeShown(b *strings.Builder, r rune) {
	switch {
	case r == unicode.ReplacementChar || !isControl(r):
		b.WriteRune(r)
	case r < 0x100:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		fmt.Fprintf(b, `\u%04x`, r)
	}
}
