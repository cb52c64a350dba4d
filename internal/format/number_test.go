package format

import (
	"testing"
)

func TestNumberFormats(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Count(7.0243e9), "7.02B"}, {Count(237.3e9), "237B"}, {Count(2.657e12), "2.66T"},
		{Count(400e6), "400M"}, {Count(12.5e3), "12.5K"}, {Count(999.6e6), "1.00B"}, {Count(42), "42.0"},
		{Count(9.9996e9), "10.0B"}, {Count(3e21), "3e21"},
		{Sci(5.76e23), "5.76e23"}, {Sci(1e21), "1e21"}, {Sci(1.3e22), "1.30e22"}, {Sci(2.5e-3), "2.50e-3"}, {Sci(9.999e20), "1e21"},
		{Float(0.347311, 5), "0.34731"}, {Float(1.0182740e-3, 8), "0.0010182740"}, {Float(1.2e-5, 3), "1.20e-5"},
		{Float(0.32, 3), "0.320"}, {Float(2.14, 4), "2.140"}, {Float(2143.4, 5), "2143.4"}, {Float(20, 3), "20.0"}, {Float(123456, 3), "123456"},
		{Float(0.99996, 3), "1.00"}, {Float(0, 3), "0"}, {Float(-0.5, 3), "-0.500"},
		{Ratio(5.3703), "5.37x"}, {Ratio(3e40), "3.00e40x"}, {Ratio(1e5), "1.00e5x"}, {Ratio(9999), "9999.00x"}, {Percent(0.0071), "0.710%"}, {Percent(0.099996), "10.0%"}, {Percent(0.1), "10.0%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Output{"table": Text, "JSON": JSON, "csv": CSV, "md": Markdown, "markdown": Markdown} {
		if f, err := Parse(in); err != nil || f != want {
			t.Errorf("Parse(%q) = %q, %v", in, f, err)
		}
	}
	if _, err := Parse("xml"); err == nil {
		t.Error("want an error for xml")
	}
}
