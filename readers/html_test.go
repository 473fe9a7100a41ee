package readers_test

import (
	"testing"

	"github.com/assembly-import/assembly-import/readers"
)

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<p>Hello&nbsp;Anna,</p><p>the <b>invoice</b> is fixed.<br>Regards</p>", "Hello Anna,\n\nthe invoice is fixed.\nRegards"},
		{"<div>Steps:<ul><li>one</li><li>two</li></ul></div>", "Steps:\n\n- one\n- two"},
		{`See <a href="https://x.example/kb">the article</a>.`, "See the article (https://x.example/kb)."},
		{"<style>p{color:red}</style><script>alert(1)</script><p>Ä &amp; Ö</p>", "Ä & Ö"},
	}
	for _, tt := range tests {
		if got := readers.HTMLText(tt.in); got != tt.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLooksLikeHTML(t *testing.T) {
	for s, want := range map[string]bool{
		`<div class="zd-comment"><p>Hello</p></div>`: true,
		"line one<br>line two":                       true,
		"<!DOCTYPE html><title>x</title>":            true,
		"Thanks&nbsp;a lot":                          false, // an entity alone: kept as written
		"Tom &amp; Jerry <tom@example.com>":          false,
		"Use <b>bold</b> or <script>":                false, // inline tags alone
		"<ptag> is not a paragraph":                  false,
		"if a < b and c > d":                         false,
		"I <3 this":                                  false,
		"Q&A session at 10":                          false,
		"Use <name> as the placeholder":              false,
		"plain text":                                 false,
	} {
		if got := readers.LooksLikeHTML(s); got != want {
			t.Errorf("LooksLikeHTML(%q) = %v, want %v", s, got, want)
		}
	}
}
