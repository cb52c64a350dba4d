package format

import (
	"testing"
)

func TestTerminalEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain group":            "plain group",
		"\x1b[31mred\x1b[0m":     `\x1b[31mred\x1b[0m`,
		"bell\a":                 `bell\x07`,
		"tab\there":              "tab here",
		"line\nbreak":            `line\x0abreak`,
		"c1\u009bcsi":            `c1\x9bcsi`,
		"bidi\u202egnp.exe":      `bidi\u202egnp.exe`,
		"unicode α β 7.02B ≥ 2x": "unicode α β 7.02B ≥ 2x",
	} {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	if got := TerminalStream("\rbootstrap 3/10\x1b[K\x1b]0;title\x07\n"); got != "\rbootstrap 3/10\x1b[K\\x1b]0;title\\x07\n" {
		t.Errorf("TerminalStream = %q", got)
	}
}

func TestMarkdownTextEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"<script>x</script>":          `&lt;script>x&lt;/script>`,
		"[click](http://evil)":        `[click&#93;(http://evil)`,
		"![img](x.png)":               `![img&#93;(x.png)`,
		"a|b":                         `a\|b`,
		"\x1b[31mred":                 `\x1b[31mred`,
		"two\nlines":                  "two lines",
		"gradient norm < 1e-10":       "gradient norm < 1e-10",
		"R_D* 15.39, [4.85e+19 (2x)]": "R_D* 15.39, [4.85e+19 (2x)]",
		"<http://autolink>":           `&lt;http://autolink>`,
	} {
		if got := MarkdownText(in); got != want {
			t.Errorf("MarkdownText(%q) = %q, want %q", in, got, want)
		}
	}
}
