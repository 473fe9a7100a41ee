package readers

import (
	"regexp"
	"strings"

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

// htmlMarkup is what makes a body look like HTML: a common element's tag
// or a named entity. "a < b" or "<3" in a plain message does not.
var htmlMarkup = regexp.MustCompile(`(?i)</?(p|div|br|span|a|b|i|u|strong|em|ul|ol|li|table|tbody|tr|td|th|html|body|blockquote|h[1-6]|img|pre|code|hr|font)(\s[^<>]*)?/?>|&(nbsp|amp|lt|gt|quot|apos|rsquo|lsquo|rdquo|ldquo|mdash|ndash|hellip|euro|#\d{2,5}|#x[0-9a-f]{2,4});`)

// LooksLikeHTML reports whether a body holds HTML markup.
func LooksLikeHTML(s string) bool { return strings.ContainsAny(s, "<&") && htmlMarkup.MatchString(s) }

// HTMLText turns an HTML message body into readable text: paragraphs and
// line breaks become lines, list items get a dash, links keep their
// address, scripts and styles go, entities are decoded. Bodies read from
// helpdesks that store HTML (FreeScout) go through it, so every source
// sends Assembly plain text.
func HTMLText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside script or style
	var href string
	for {
		switch z.Next() {
		case html.ErrorToken:
			out := blankLines.ReplaceAllString(b.String(), "\n\n")
			lines := strings.Split(out, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight(strings.Join(strings.Fields(l), " "), " ")
			}
			return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.ReplaceAll(string(z.Text()), "\n", " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch {
			case tag == "script" || tag == "style":
				skip++
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
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch {
			case tag == "script" || tag == "style":
				skip = max(0, skip-1)
			case tag == "a" && href != "" && !strings.HasPrefix(href, "mailto:"):
				b.WriteString(" (" + href + ")")
				href = ""
			case blocks[tag]:
				b.WriteString("\n")
			}
		}
	}
}
