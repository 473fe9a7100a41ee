package readers

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// blocks are the elements that start a new line of text.
var blocks = map[string]bool{"p": true, "div": true, "br": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true, "table": true, "ul": true, "ol": true, "hr": true}

var blankLines = regexp.MustCompile(`\n{3,}`)

// Body formats (a mapping's body_format).
const (
	BodyText = "text" // sent as written
	BodyHTML = "html" // turned into readable text
	BodyAuto = "auto" // turned into text when it looks like HTML
)

// htmlStructure is what makes a body HTML: a document's own tags, or an
// element that lays text out in blocks (a paragraph, a line break, a list,
// a table), as every HTML mail has. Inline tags ("<b>"), entities
// ("&amp;") and anything in angle brackets ("<john@example.com>",
// "a < b > c", "<script>" in a developer's question) do not: a plain text
// holding them is sent as written, losing nothing.
var htmlStructure = regexp.MustCompile(`(?i)<!doctype\s+html|</?(html|head|body|p|div|br|table|tbody|tr|td|ul|ol|li|blockquote|h[1-6]|pre|hr)(\s+[a-z-]+(\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=]+))?)*\s*/?>`)

// LooksLikeHTML reports whether a body is HTML by its structure
// (htmlStructure).
func LooksLikeHTML(s string) bool { return strings.Contains(s, "<") && htmlStructure.MatchString(s) }

// elements are the names of HTML's elements: a tag of another name
// ("<john@example.com>", "<name>") is text, kept as written.
var elements = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Fields(`a abbr acronym address area article aside audio b base basefont bdi bdo big blink blockquote body br button
		canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure
		font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map
		mark marquee menu meta meter nav nobr noframes noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp
		script section select small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time
		title tr track tt u ul var video wbr o:p xml`) {
		m[e] = true
	}
	return m
}()

// HTMLText turns an HTML message body into readable text: paragraphs and
// line breaks become lines, list items get a dash, links keep their
// address, scripts, styles and comments go, entities are decoded, and
// anything in angle brackets that is no HTML element stays as written.
// Bodies read from helpdesks that store HTML (FreeScout) go through it, so
// every source sends Assembly plain text.
func HTMLText(s string) string {
	text, _ := htmlText(s)
	return text
}

// htmlText is HTMLText, and counts the letters and digits of the text it
// dropped that were not markup: a script's (mail has none: it is most
// likely text that looked like one), or what a style or comment left open
// swallowed to the end. A closed style or comment is presentation; a tag
// cut off at the end is kept as text.
func htmlText(s string) (string, int) {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	var skip string // the script or style element being skipped
	var skipped int // its letters so far
	var dropped int // letters lost that were not markup
	var href string
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			dropped += skipped // a script or style left open
			if skip == "" {
				b.Write(raw) // a tag cut off at the end is text
			}
			out := blankLines.ReplaceAllString(b.String(), "\n\n")
			lines := strings.Split(out, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight(strings.Join(strings.Fields(l), " "), " ")
			}
			return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")), dropped
		case html.TextToken:
			if skip == "" {
				b.WriteString(strings.ReplaceAll(string(z.Text()), "\n", " "))
			} else {
				skipped += wordRunes(string(z.Text()))
			}
		case html.CommentToken:
			if !strings.HasSuffix(string(raw), "-->") && !strings.HasSuffix(string(raw), "--!>") {
				dropped += wordRunes(string(z.Text())) // left open: it swallowed the rest
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if !elements[tag] {
				if skip == "" {
					b.WriteString(strings.ReplaceAll(string(raw), "\n", " ")) // not markup: text
				}
				continue
			}
			if tt == html.EndTagToken {
				switch {
				case tag == skip:
					if skip == "script" {
						dropped += skipped
					}
					skip, skipped = "", 0
				case tag == "a" && href != "" && !strings.HasPrefix(href, "mailto:"):
					b.WriteString(" (" + href + ")")
					href = ""
				case blocks[tag]:
					b.WriteString("\n")
				}
				continue
			}
			switch {
			case tag == "script" || tag == "style":
				if tt == html.StartTagToken {
					skip = tag
				}
			case tag == "li":
				b.WriteString("\n- ")
			case tag == "a" && hasAttr:
				href = ""
				for {
					k, v, more := z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
					if !more {
						break
					}
				}
			case blocks[tag]:
				b.WriteString("\n")
			}
		}
	}
}

// wordRunes counts the letters and digits of s.
func wordRunes(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
