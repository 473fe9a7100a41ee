package planner

import "testing"

func TestOrigins(t *testing.T) {
	var o origins
	for _, s := range []string{"replies.csv:17", "Replies!C67", "messages id=88", "tickets.csv:0", "tickets.csv:007", "inline", "x:99999999999"} {
		if got := o.get(o.add(s)); got != s {
			t.Errorf("origin %q came back as %q", s, got)
		}
	}
	if len(o.prefixes) != 7 {
		t.Errorf("prefixes %q", o.prefixes)
	}
	o.add("replies.csv:18")
	if len(o.prefixes) != 7 {
		t.Errorf("a second origin of replies.csv added a prefix: %q", o.prefixes)
	}
}
