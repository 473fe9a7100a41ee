package readers

import (
	"regexp"
	"strconv"
	"strings"
)

// Markup formats (a mapping's body_format), beside text, html and auto:
// what Jira's and Markdown's writers type, turned into text a reader of
// Assembly reads as it was meant, nothing of it lost.
const (
	BodyJira     = "jira"     // Jira's wiki markup (Server, Data Center, and Cloud's CSV export)
	BodyMarkdown = "markdown" // Markdown (GitHub's flavour): links as "text (url)"
)

// Jira's wiki markup, as its "Text Formatting Notation Help" page writes it.
var (
	jiraBlock   = regexp.MustCompile(`(?s)\{(code|noformat)(?::[^}]*)?\}\n?(.*?)\n?\{(?:code|noformat)\}`)
	jiraQuote   = regexp.MustCompile(`(?s)\{quote\}\n?(.*?)\n?\{quote\}`)
	jiraWrap    = regexp.MustCompile(`\{(?:color|panel)(?::[^}]*)?\}`)
	jiraHeading = regexp.MustCompile(`(?m)^h[1-6]\.\s+`)
	jiraBq      = regexp.MustCompile(`(?m)^bq\.\s+`)
	jiraList    = regexp.MustCompile(`(?m)^([*#-]+)\s+`)
	jiraLink    = regexp.MustCompile(`\[([^\[\]|]+)\|([^\[\]]+)\]`)
	jiraBare    = regexp.MustCompile(`\[((?:https?|mailto|ftp)://?[^\[\]|]+)\]`)
	jiraMention = regexp.MustCompile(`\[~(?:accountid:)?([^\[\]]+)\]`)
	jiraImage   = regexp.MustCompile(`!([^!\s|][^!|\n]*?\.[A-Za-z0-9]{2,5})(?:\|[^!\n]*)?!`)
	jiraMono    = regexp.MustCompile(`\{\{(.+?)\}\}`)
	jiraTable   = regexp.MustCompile(`(?m)^\|\|?(.*?)\|\|?\s*$`)
	jiraRule    = regexp.MustCompile(`(?m)^----\s*$`)
)

// jiraEmphasis finds a pair of one mark (* _ - + ^ ~ ??) around words, at
// word edges: *bold*, -struck-, ??cited??. A lone one ("5 * 3", "a-b",
// "x_y") is text.
var jiraEmphasis = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, mark := range []string{`\*`, `_`, `-`, `\+`, `\^`, `~`, `\?\?`} {
		out = append(out, regexp.MustCompile(`(^|[\s(\[{'"])`+mark+`(\S(?:[^\n]*?\S)??)`+mark+`($|[\s)\]}.,;:!?'"])`))
	}
	return out
}()

// jiraText turns Jira wiki markup into plain text: headings and block
// quotes lose their markers, lists become "- " and "1. ", links
// "text (url)", mentions "@id", images "[image: name]", code and
// noformat blocks are kept as written, emphasis loses its marks.
func jiraText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	// Code blocks first, set aside: nothing inside them is markup.
	var blocks []string
	s = jiraBlock.ReplaceAllStringFunc(s, func(m string) string {
		blocks = append(blocks, jiraBlock.FindStringSubmatch(m)[2])
		return "\x00" + strconv.Itoa(len(blocks)-1) + "\x00"
	})
	s = jiraQuote.ReplaceAllStringFunc(s, func(m string) string {
		return quoteLines(jiraQuote.FindStringSubmatch(m)[1])
	})
	s = jiraWrap.ReplaceAllString(s, "")
	s = strings.NewReplacer("{color}", "", "{panel}", "", `\\`, "\n").Replace(s)
	s = jiraHeading.ReplaceAllString(s, "")
	s = jiraBq.ReplaceAllString(s, "> ")
	s = listItems(s)
	s = jiraRule.ReplaceAllString(s, "———")
	s = jiraTable.ReplaceAllStringFunc(s, func(m string) string {
		cells := strings.FieldsFunc(strings.TrimSpace(m), func(r rune) bool { return r == '|' })
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		return strings.Join(cells, " | ")
	})
	s = jiraMention.ReplaceAllString(s, "@$1")
	s = jiraLink.ReplaceAllString(s, "$1 ($2)")
	s = jiraBare.ReplaceAllString(s, "$1")
	s = jiraImage.ReplaceAllString(s, "[image: $1]")
	s = jiraMono.ReplaceAllString(s, "$1")
	// Again until nothing changes: a match takes the space after it, which
	// the next pair ("*a* *b*") starts with; nested ones (*_both_*) too.
	for range 5 {
		was := s
		for _, re := range jiraEmphasis {
			s = re.ReplaceAllString(s, "$1$2$3")
		}
		if s == was {
			break
		}
	}
	for i, b := range blocks {
		s = strings.Replace(s, "\x00"+strconv.Itoa(i)+"\x00", b, 1)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(s, "\n\n"))
}

// listItems writes Jira's list items ("* a", "** b", "# c") as "- a",
// "  - b", "1. c", numbering each run of numbered items of one depth.
func listItems(s string) string {
	lines := strings.Split(s, "\n")
	counts := map[int]int{}
	for i, l := range lines {
		m := jiraList.FindStringSubmatchIndex(l)
		if m == nil || strings.Trim(l[m[2]:m[3]], "-") == "" && m[3]-m[2] > 1 {
			counts = map[int]int{} // not an item ("----" is a rule): numbering starts again
			continue
		}
		marks := l[m[2]:m[3]]
		depth := len(marks) - 1
		indent := strings.Repeat("  ", depth)
		rest := l[m[1]:]
		if marks[len(marks)-1] == '#' {
			counts[depth]++
			lines[i] = indent + strconv.Itoa(counts[depth]) + ". " + rest
		} else {
			lines[i] = indent + "- " + rest
		}
		for d := range counts {
			if d > depth {
				delete(counts, d)
			}
		}
	}
	return strings.Join(lines, "\n")
}

// quoteLines prefixes each line with "> ".
func quoteLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

// Markdown, as GitHub's flavour writes it.
var (
	mdFence    = regexp.MustCompile("(?ms)^```[^\n]*\n(.*?)\n?^```[ \t]*$")
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	mdAuto     = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdHeading  = regexp.MustCompile(`(?m)^#{1,6}\s+(.*?)\s*#*\s*$`)
	mdStrong   = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)??)(\*\*|__)`)
	mdEmphasis = regexp.MustCompile(`(^|[\s(])([*_])(\S(?:[^*_\n]*?\S)??)([*_])($|[\s).,;:!?])`)
	mdCode     = regexp.MustCompile("`([^`\n]+)`")
	mdStrike   = regexp.MustCompile(`~~(\S(?:.*?\S)??)~~`)
)

// markdownText turns Markdown into text that reads the same: links
// "text (url)", images "[image: alt] (url)", headings, emphasis and code
// without their marks; lists, quotes and fenced code kept as written.
func markdownText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var blocks []string
	s = mdFence.ReplaceAllStringFunc(s, func(m string) string {
		blocks = append(blocks, mdFence.FindStringSubmatch(m)[1])
		return "\x00" + strconv.Itoa(len(blocks)-1) + "\x00"
	})
	s = mdImage.ReplaceAllStringFunc(s, func(m string) string {
		p := mdImage.FindStringSubmatch(m)
		if p[1] == "" {
			return "[image] (" + p[2] + ")"
		}
		return "[image: " + p[1] + "] (" + p[2] + ")"
	})
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		p := mdLink.FindStringSubmatch(m)
		if p[1] == p[2] {
			return p[2]
		}
		return p[1] + " (" + p[2] + ")"
	})
	s = mdAuto.ReplaceAllString(s, "$1")
	s = mdHeading.ReplaceAllString(s, "$1")
	s = mdStrong.ReplaceAllString(s, "$2")
	s = mdStrike.ReplaceAllString(s, "$1")
	s = mdEmphasis.ReplaceAllString(s, "$1$3$5")
	s = mdCode.ReplaceAllString(s, "$1")
	for i, b := range blocks {
		s = strings.Replace(s, "\x00"+strconv.Itoa(i)+"\x00", b, 1)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(s, "\n\n"))
}
