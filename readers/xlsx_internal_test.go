package readers

import "testing"

func TestIntegral(t *testing.T) {
	tests := []struct{ in, want string }{
		{"123", "123"},
		{"123.0", "123"},
		{"1.2345E+05", "123450"},
		{"1.2345e5", "123450"},
		{"12.5", "12.5"},
		{"A-1.0", "A-1.0"},
		{"9.9E+20", "9.9E+20"}, // beyond float precision: kept as written
	}
	for _, tt := range tests {
		if got := integral(tt.in); got != tt.want {
			t.Errorf("integral(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
