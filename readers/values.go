package readers

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Column is the source column a field reads and, for a field the export
// writes in its own words, which of them mean what. In a mapping file it
// is the column's name alone, or the name with lists of words:
//
//	internal: {column: Message type, true: [note]}
//	status: {column: State, open: [new, waiting], closed: [done, spam]}
type Column struct {
	Name string
	// Values maps each value of the field to the source's words for it.
	Values map[string][]string
}

// valueFields are the fields whose words a mapping may translate: for
// internal, true and false (a word in no list is the other one when only
// one list is given); for status, any words (a word in no list is kept as
// written, and --open-statuses says which are open).
var valueFields = []string{"internal", "status"}

func (c *Column) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.Name = n.Value
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a column's name, or {column: NAME, VALUE: [WORDS…]}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		if key == "column" {
			if val.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: column wants the column's name", val.Line)
			}
			c.Name = val.Value
			continue
		}
		var words []string
		switch val.Kind {
		case yaml.ScalarNode:
			words = []string{val.Value}
		case yaml.SequenceNode:
			if err := val.Decode(&words); err != nil {
				return fmt.Errorf("line %d: %s wants a list of the source's words: %w", val.Line, key, err)
			}
		default:
			return fmt.Errorf("line %d: %s wants a list of the source's words", val.Line, key)
		}
		c.add(key, words)
	}
	return nil
}

func (c *Column) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &c.Name); err == nil {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New(`want a column's name, or {"column": NAME, VALUE: [WORDS…]}`)
	}
	for key, raw := range obj {
		if key == "column" {
			if err := json.Unmarshal(raw, &c.Name); err != nil {
				return errors.New("column wants the column's name")
			}
			continue
		}
		var words []string
		if err := json.Unmarshal(raw, &words); err != nil {
			var word string
			if json.Unmarshal(raw, &word) != nil {
				return fmt.Errorf("%s wants a list of the source's words", key)
			}
			words = []string{word}
		}
		c.add(key, words)
	}
	return nil
}

func (c *Column) add(value string, words []string) {
	if c.Values == nil {
		c.Values = map[string][]string{}
	}
	c.Values[value] = append(c.Values[value], words...)
}

// check says what is wrong with the column of field, after "tickets.FIELD".
func (c Column) check(field string) error {
	if strings.TrimSpace(c.Name) == "" {
		return errors.New("names no column")
	}
	if len(c.Values) == 0 {
		return nil
	}
	if !slices.Contains(valueFields, field) {
		return fmt.Errorf("lists words, which only %s may", strings.Join(valueFields, " and "))
	}
	seen := map[string]string{}
	for _, value := range slices.Sorted(maps.Keys(c.Values)) { // in a fixed order, so the error names the same word each time
		words := c.Values[value]
		if field == "internal" {
			if _, err := ParseBool(value); err != nil || strings.TrimSpace(value) == "" {
				return fmt.Errorf("lists words for %q: internal's lists are true and false", value)
			}
		}
		for _, w := range words {
			if other, ok := seen[normalizeColumn(w)]; ok && other != value {
				return fmt.Errorf("lists %q under both %s and %s", w, other, value)
			}
			seen[normalizeColumn(w)] = value
		}
	}
	return nil
}

// words translates the source's words of a field's column into the field's
// values; matching ignores case and surrounding spaces.
type words struct {
	to map[string]string
	// other is the value of a word in no list; "" keeps it as written.
	other string
}

func (c Column) words(field string) words {
	w := words{to: map[string]string{}}
	lists := map[bool]bool{}
	for value, list := range c.Values {
		if field == "internal" {
			b, _ := ParseBool(value)
			value = fmt.Sprint(b)
			lists[b] = true
		}
		for _, word := range list {
			w.to[normalizeColumn(word)] = value
		}
	}
	if field == "internal" && len(lists) == 1 {
		w.other = fmt.Sprint(!lists[true]) // the words of one list are true, or false; the rest the other
	}
	return w
}

func (w words) apply(cell string) string {
	if v, ok := w.to[normalizeColumn(cell)]; ok {
		return v
	}
	if w.other != "" {
		return w.other
	}
	return cell
}

// Ticket rows (Mapping.TicketRow).
const (
	TicketRowLatest = "latest"
	TicketRowFirst  = "first"
)

// Skipped is a row skip_rows left out: not a message.
type Skipped struct {
	Origin string
	// Why names the column and its word: `Message type "assignment"`.
	Why string
}

// resolveSkips finds in h the columns skip_rows names.
func (h *header) resolveSkips(m *Mapping) {
	if m == nil {
		return
	}
	for col, values := range m.SkipRows {
		for _, i := range h.column(col) {
			set := map[string]bool{}
			for _, v := range values {
				set[normalizeColumn(v)] = true
			}
			h.skip = append(h.skip, skipColumn{i, set})
		}
	}
	slices.SortFunc(h.skip, func(a, b skipColumn) int { return a.i - b.i })
}

// skipped says why skip_rows leaves out row n, or "" when it does not.
func (h *header) skipped(t table, n int, cells []string) string {
	for _, s := range h.skip {
		if s.i < len(cells) && s.words[normalizeColumn(t.value(n, s.i, "", cells[s.i]))] {
			return fmt.Sprintf("%s %q", h.found[s.i], strings.TrimSpace(cells[s.i]))
		}
	}
	return ""
}

// checkSkips says which skip_rows column no table's header has.
func checkSkips(m *Mapping, headers [][]*header) error {
	if m == nil {
		return nil
	}
	for col := range m.SkipRows {
		found := false
		var have []string
		for _, hs := range headers {
			for _, h := range hs {
				found = found || len(h.column(col)) > 0
				have = append(have, h.name+": "+strings.Join(nonEmpty(h.found), ", "))
			}
		}
		if !found {
			return &InputError{Err: fmt.Errorf("skip_rows names column %q, which no table has (%s)", col, strings.Join(slices.Compact(have), "; "))}
		}
	}
	return nil
}
