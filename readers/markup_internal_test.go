package readers

import "testing"

func TestJiraText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"h3. Steps\n*Bold* and _italic_ and -struck- and +under+ text.", "Steps\nBold and italic and struck and under text."},
		{"See [the runbook|https://wiki.example.com/rb?a=1] or [https://x.io/y].", "See the runbook (https://wiki.example.com/rb?a=1) or https://x.io/y."},
		{"Thanks [~accountid:557058:b0b]!", "Thanks @557058:b0b!"},
		{"{code:java}\nint a = b * c * d; // *not bold*\n{code}", "int a = b * c * d; // *not bold*"},
		{"{noformat}\n[x|y] _raw_\n{noformat}", "[x|y] _raw_"},
		{"{quote}\nIt broke.\nTwice.\n{quote}\nbq. Also this", "> It broke.\n> Twice.\n> Also this"},
		{"* one\n** nested\n* two\n# first\n# second", "- one\n  - nested\n- two\n1. first\n2. second"},
		{"||Host||Status||\n|vpn1|down|", "Host | Status\nvpn1 | down"},
		{"!screenshot.png|thumbnail! and !diagram.jpg!", "[image: screenshot.png] and [image: diagram.jpg]"},
		{"{color:red}Urgent{color}: use {{kubectl get pods}}", "Urgent: use kubectl get pods"},
		{"line one\\\\line two\n----\nafter", "line one\nline two\n———\nafter"},
		// Plain text that only looks like markup is kept.
		{"5 * 3 = 15, a-b-c, snake_case_name, 2024-03-07, e-mail: first_last@x.io", "5 * 3 = 15, a-b-c, snake_case_name, 2024-03-07, e-mail: first_last@x.io"},
		{"*a* *b* *c*", "a b c"},
	} {
		if got := jiraText(tt.in); got != tt.want {
			t.Errorf("jiraText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"## Steps\n**Bold**, *italic*, ~~gone~~ and `code`.", "Steps\nBold, italic, gone and code."},
		{"Read [the guide](https://x.io/guide \"Guide\") or <https://x.io>.", "Read the guide (https://x.io/guide) or https://x.io."},
		{"![screen](https://x.io/s.png) [https://x.io](https://x.io)", "[image: screen] (https://x.io/s.png) https://x.io"},
		{"```sh\nrm -rf *build* **x**\n```\n- item\n> quoted", "rm -rf *build* **x**\n- item\n> quoted"},
		{"2 * 3 * 4 and snake_case_name", "2 * 3 * 4 and snake_case_name"},
	} {
		if got := markdownText(tt.in); got != tt.want {
			t.Errorf("markdownText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
