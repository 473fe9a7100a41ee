package readers

import (
	"strings"
	"testing"
)

// TestAutoBodies runs body_format: auto over plain texts full of angle
// brackets and ampersands, which must go exactly as written, and over HTML
// mails shaped as real clients write them, whose every word must survive
// with no warning; then over HTML that loses text, which must warn.
func TestAutoBodies(t *testing.T) {
	c := &converter{bodyFormat: BodyAuto}
	plain := []string{
		"Hi,\n\nplease write to John <john@example.com> & me.\n\nThanks",
		"The check is a < b > c, and x<y.",
		"Use <b>bold</b> in the template, and never put <script>alert(1)</script> in it; everything after <script> is still here.",
		"Fish &amp; chips: the page shows &amp; literally.\nSecond line",
		"if (a<b && b>c) { return <T>(x); }\n    indented code\n",
		"Reply above this line <<<\n> quoted mail\n> On Monday, <ann@example.com> wrote:",
		"<3 this product, 10/10",
		"Price <5 EUR>; see <https://example.com/a?b=1&c=2>",
	}
	for _, s := range plain {
		got, problems := c.body(s, nil)
		if got != s || len(problems) != 0 {
			t.Errorf("plain text %q\nbecame %q (problems %v); want it as written", s, got, problems)
		}
	}

	mails := []struct{ in, want string }{
		{ // Outlook: styles and conditional comments are presentation.
			`<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8"><style><!-- p.MsoNormal {margin:0cm;} --></style>` +
				`<!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]--></head>` +
				`<body><div class="WordSection1"><p class="MsoNormal">Hello Anna,<o:p></o:p></p><p class="MsoNormal">the invoice &amp; the receipt are attached.</p>` +
				`<p class="MsoNormal">Regards, Bo &lt;bo@example.com&gt;</p></div></body></html>`,
			"Hello Anna,\n\nthe invoice & the receipt are attached.\n\nRegards, Bo <bo@example.com>"},
		{ // Gmail: divs and a quote.
			`<div dir="ltr">Thanks, that worked!<br><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Ann &lt;ann@x.io&gt; wrote:<br></div>` +
				`<blockquote class="gmail_quote">Try rebooting.</blockquote></div></div>`,
			"Thanks, that worked!\n\nOn Mon, Ann <ann@x.io> wrote:\n\nTry rebooting."},
		{ // A helpdesk's HTML with an address written raw.
			`<p>Please write to <john@example.com> or <a href="https://x.io/kb">the article</a>.</p>`,
			"Please write to <john@example.com> or the article (https://x.io/kb)."},
		{ // A tag cut off at the end is text.
			`<p>Limits:</p><p>a <b and c`,
			"Limits:\n\na <b and c"},
	}
	for _, m := range mails {
		got, problems := c.body(m.in, nil)
		if got != m.want || len(problems) != 0 {
			t.Errorf("HTML mail %q\nbecame %q (problems %v)\nwant %q", m.in, got, problems, m.want)
		}
	}

	for _, s := range []string{
		"<p>Steps</p><script>the rest of my message</script>",
		"<div>Hello</div><style>everything after this is swallowed",
		"<p>Hello</p><!-- a comment left open, then text",
	} {
		if _, problems := c.body(s, nil); len(problems) != 1 || !strings.Contains(problems[0].Message, "removed") {
			t.Errorf("HTML %q: problems %v, want a warning that text was removed", s, problems)
		}
	}
}
