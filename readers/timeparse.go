package readers

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Timestamps as helpdesk exports write them. Zoned layouts carry their
// offset; local ones are read in the export's time zone (--timezone, or the
// mapping's timezone).
var (
	zonedLayouts = [...]string{
		time.RFC3339Nano,                      // 2024-03-07T14:22:10.5+01:00, …Z
		"2006-01-02T15:04:05.999999999-0700",  // ISO 8601 without the offset's colon
		"2006-01-02 15:04:05.999999999 -0700", // 2024-03-07 14:22:10 +0100 (Zendesk, Ruby)
		"2006-01-02 15:04:05.999999999 -07:00",
		"2006-01-02 15:04:05.999999999-07:00", // PostgreSQL's text output
		"2006-01-02 15:04:05.999999999-07",
		time.RFC1123Z, // Mon, 07 Mar 2024 14:22:10 +0100 (mail headers)
		"Mon, 2 Jan 2006 15:04:05 -0700",
	}
	localLayouts = [...]string{
		"2006-01-02 15:04:05.999999999", // YYYY-MM-DD HH:MM:SS[.fraction]
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
	}
)

// utcSuffixes mark a local-looking time as UTC ("2024-03-07 14:22:10 UTC",
// as Zammad and Rails write it; RFC 1123's GMT). Other zone abbreviations
// are refused rather than guessed: Go reads an unknown one ("CET") as UTC.
var utcSuffixes = [...]string{" UTC", " GMT", " Z"}

// ParseTime reads a timestamp in one of the forms exports use: RFC 3339
// and ISO 8601 with or without fractions, "YYYY-MM-DD HH:MM:SS" with an
// offset ("+0100"), "UTC" or nothing (then in loc), RFC 1123, or Unix
// seconds. The result is in UTC. note is set, and the time still read,
// when a local time falls in a daylight-saving change of loc: a gap (the
// clock skipped it) or an overlap (it happened twice).
func ParseTime(s string, loc *time.Location) (t time.Time, note string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "", fmt.Errorf("empty timestamp")
	}
	if isDigits(s) {
		var secs int64
		if _, err := fmt.Sscan(s, &secs); err != nil || len(s) > 11 {
			return time.Time{}, "", fmt.Errorf("%q is not a Unix time in seconds (a number of 12 digits or more is milliseconds?)", s)
		}
		return time.Unix(secs, 0).UTC(), "", nil
	}
	// A timestamp fits the local layouts or the zoned ones, never both
	// (hasZone tells which): each layout that fails costs an error value,
	// and a million timestamps are read.
	if !hasZone(s) {
		if t, note, err := parseLocal(s, localLayouts[:], loc); err == nil {
			return t, note, nil
		}
	} else {
		for _, layout := range zonedLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), "", nil
			}
		}
		for _, suffix := range utcSuffixes {
			if rest, ok := strings.CutSuffix(s, suffix); ok {
				if t, _, err := parseLocal(rest, localLayouts[:], time.UTC); err == nil {
					return t, "", nil
				}
				if t, err := time.Parse("Mon, 02 Jan 2006 15:04:05", rest); err == nil { // RFC 1123
					return t.UTC(), "", nil
				}
			}
		}
	}
	return time.Time{}, "", fmt.Errorf("%q is not a timestamp (read without a layout: RFC 3339, YYYY-MM-DD HH:MM:SS with an offset, "+
		`UTC or neither, RFC 1123, Unix seconds); for another form give the mapping a time_format, written as Go writes `+
		`2006-01-02 15:04:05: "02/01/2006 15:04" for day/month/year, "01/02/2006 3:04 PM" for month/day/year`, s)
}

// hasZone says whether a timestamp may carry a zone: an offset after the
// date ("+01:00", "-0500"), a Z, a zone name, or RFC 1123's weekday first.
// None of the local layouts has any of these.
func hasZone(s string) bool {
	if len(s) < 11 || s[0] < '0' || s[0] > '9' {
		return true
	}
	rest := s[10:]
	return strings.ContainsAny(rest, "+Z") || strings.Contains(rest, "-") || strings.ContainsFunc(rest, func(r rune) bool {
		return r >= 'A' && r <= 'Y' && r != 'T'
	})
}

// excelLocal is how a workbook's date cell reads: its wall-clock time,
// without a zone.
const excelLocal = "2006-01-02T15:04:05"

// ParseTimeLayouts reads a timestamp in one of layouts (a mapping's
// time_format), local ones in loc, or failing those as RFC 3339 or as a
// workbook's date cell (excelLocal, in loc). note is as for ParseTime.
func ParseTimeLayouts(s string, layouts []string, loc *time.Location) (t time.Time, note string, err error) {
	s = strings.TrimSpace(s)
	if t, note, err := parseLocal(s, layouts, loc); err == nil {
		return t, note, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), "", nil
	}
	if t, note, err := parseLocal(s, []string{excelLocal}, loc); err == nil {
		return t, note, nil
	}
	return time.Time{}, "", fmt.Errorf("%q does not match the mapping's time_format %q", s, strings.Join(layouts, `", "`))
}

// parseLocal reads s in the first of layouts that fits, in loc (a layout
// with an offset uses its own), and notes a daylight-saving gap or overlap.
func parseLocal(s string, layouts []string, loc *time.Location) (time.Time, string, error) {
	var err error
	for _, layout := range layouts {
		var t time.Time
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			t, note := daylightSaving(s, layout, t, loc)
			return t.UTC(), note, nil
		}
	}
	return time.Time{}, "", err
}

// daylightSaving settles a local time that a daylight-saving change of loc
// skipped (kept as Go reads it: the clock before the change, run on) or
// repeated (the first of the two), and says so; any other time it returns
// as it is, with "".
func daylightSaving(s, layout string, t time.Time, loc *time.Location) (time.Time, string) {
	if loc == time.UTC || t.Location() != loc {
		return t, "" // no daylight saving, or the layout carried its own offset
	}
	wall, err := time.ParseInLocation(layout, s, time.UTC) // the clock as written
	if err != nil {
		return t, ""
	}
	sameClock := func(u time.Time) bool {
		y, m, d := u.Date()
		h, mi, se := u.Clock()
		return time.Date(y, m, d, h, mi, se, u.Nanosecond(), time.UTC).Equal(wall)
	}
	if !sameClock(t) {
		return t, fmt.Sprintf("%s does not exist in %s (the clocks skipped it for daylight saving): read as %s",
			s, loc, t.Format("2006-01-02 15:04:05 -0700"))
	}
	_, before := t.Add(-12 * time.Hour).Zone()
	_, after := t.Add(12 * time.Hour).Zone()
	if shift := time.Duration(before-after) * time.Second; shift != 0 {
		for _, other := range []time.Time{t.Add(shift), t.Add(-shift)} {
			if other.Equal(t) || !sameClock(other.In(loc)) {
				continue
			}
			first, second := t, other
			if second.Before(first) {
				first, second = second, first
			}
			return first, fmt.Sprintf("%s happened twice in %s (the clocks went back for daylight saving): read as the first, %s, not %s",
				s, loc, first.In(loc).Format("15:04:05 -0700"), second.In(loc).Format("15:04:05 -0700"))
		}
	}
	return t, ""
}

// Layouts is a mapping's time_format: one layout, or a list tried in order.
type Layouts []string

// UnmarshalJSON takes a string or a list of strings.
func (l *Layouts) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*l = nonEmpty([]string{one})
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("time_format: want a layout or a list of layouts")
	}
	*l = nonEmpty(many)
	return nil
}

// UnmarshalYAML takes a string or a list of strings.
func (l *Layouts) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = nonEmpty([]string{n.Value})
		return nil
	}
	var many []string
	if err := n.Decode(&many); err != nil {
		return fmt.Errorf("time_format (line %d): want a layout or a list of layouts", n.Line)
	}
	*l = nonEmpty(many)
	return nil
}
