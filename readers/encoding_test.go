package readers

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func readCSV(t *testing.T, data []byte, m *Mapping) ([][]string, error) {
	t.Helper()
	return newCSVReader(strings.NewReader(string(data)), "tickets.csv", m).ReadAll()
}

func utf16le(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// What spreadsheet programs save: UTF-8 with or without a byte-order mark,
// Excel's "Unicode text" (UTF-16 with a mark, tabs), a German Excel's CSV
// (Windows-1252, semicolons), each read to the same rows.
func TestEncodingsAndDelimiters(t *testing.T) {
	want := [][]string{{"id", "name"}, {"1", "María; Jürgen"}, {"2", "Zoë"}}
	cp1252 := []byte("id;name\r\n1;\"Mar\xeda; J\xfcrgen\"\r\n2;Zo\xeb\r\n")
	for _, tt := range []struct {
		name string
		data []byte
		m    *Mapping
	}{
		{"utf-8", []byte("id,name\n1,\"María; Jürgen\"\n2,Zoë\n"), nil},
		{"utf-8 with a byte-order mark", []byte("\ufeffid,name\n1,\"María; Jürgen\"\n2,Zoë\n"), nil},
		{"utf-16 with a mark, tabs", utf16le("id\tname\r\n1\tMaría; Jürgen\r\n2\tZoë\r\n", true), nil},
		{"windows-1252, semicolons", cp1252, &Mapping{Encoding: "windows-1252"}},
		{"pipes, delimiter given", []byte("id|name\n1|María; Jürgen\n2|Zoë\n"), &Mapping{Delimiter: "|"}},
	} {
		got, err := readCSV(t, tt.data, tt.m)
		if err != nil || len(got) != len(want) || strings.Join(got[1], "/") != strings.Join(want[1], "/") || got[2][1] != "Zoë" {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, want)
		}
	}
	_, err := readCSV(t, cp1252, nil)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "tickets.csv line 2: byte 0xED is not UTF-8") ||
		!strings.Contains(err.Error(), "encoding: windows-1252") {
		t.Errorf("Windows-1252 without a mapping: %v; want an error naming line 2 and the encoding key", err)
	}
}

// A character split between two reads is whole again; a broken one is
// found wherever the reads fall.
func TestUTF8CheckerAcrossReads(t *testing.T) {
	text := strings.Repeat("naïve 日本 😀\n", 50)
	got, err := io.ReadAll(&utf8Checker{r: iotest.OneByteReader(strings.NewReader(text)), name: "f"})
	if err != nil || string(got) != text {
		t.Fatalf("one byte at a time: %v", err)
	}
	bad := text + "caf\xe9\n" + text
	_, err = io.ReadAll(&utf8Checker{r: iotest.HalfReader(strings.NewReader(bad)), name: "f"})
	if err == nil || !strings.Contains(err.Error(), "f line 51: byte 0xE9") {
		t.Errorf("a broken character: %v, want line 51", err)
	}
	_, err = io.ReadAll(&utf8Checker{r: strings.NewReader("ok\n\xe6\x97"), name: "f"}) // cut off at the end
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a character cut off at the end: %v", err)
	}
}
