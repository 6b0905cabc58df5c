package mail

import (
	"strings"

	"golang.org/x/net/html"
)

// blockTags end a line before and after themselves.
var blockTags = map[string]bool{
	"p": true, "div": true, "table": true, "tr": true, "ul": true, "ol": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true, "hr": true,
	"section": true, "article": true, "header": true, "footer": true, "address": true, "form": true,
}

// hiddenTags hold no readable text.
var hiddenTags = map[string]bool{"head": true, "script": true, "style": true, "title": true, "template": true, "noscript": true}

// HTMLText converts mail HTML to clean plain text: the words in reading
// order, paragraphs and line breaks kept, list items marked, link targets
// shown once after their text, scripts and styles dropped.
func HTMLText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	hidden := 0
	pre := 0
	var href []string
	newline := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return normalise(b.String())
		case html.TextToken:
			if hidden > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				t = collapse(t, b.String())
			}
			b.WriteString(t)
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch {
			case hiddenTags[tag]:
				hidden++
			case tag == "br":
				b.WriteByte('\n')
			case tag == "li":
				newline()
				b.WriteString("- ")
			case tag == "td" || tag == "th":
				if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
					b.WriteByte(' ')
				}
			case tag == "a":
				href = append(href, attr(z, "href"))
			case tag == "img":
				if alt := attr(z, "alt"); alt != "" {
					b.WriteString("[" + alt + "]")
				}
			case blockTags[tag]:
				if tag == "pre" {
					pre++
				}
				newline()
				if tag == "p" || tag == "blockquote" || strings.HasPrefix(tag, "h") {
					b.WriteByte('\n')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch {
			case hiddenTags[tag]:
				hidden = max(0, hidden-1)
			case tag == "a" && len(href) > 0:
				h := href[len(href)-1]
				href = href[:len(href)-1]
				if (strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://")) && !strings.HasSuffix(strings.TrimSpace(b.String()), h) {
					b.WriteString(" <" + h + ">")
				}
			case blockTags[tag]:
				if tag == "pre" {
					pre = max(0, pre-1)
				}
				newline()
				if tag == "p" || tag == "blockquote" || strings.HasPrefix(tag, "h") {
					b.WriteByte('\n')
				}
			}
		}
	}
}

func attr(z *html.Tokenizer, key string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return strings.TrimSpace(string(v))
		}
		if !more {
			return ""
		}
	}
}

// collapse folds runs of white space in HTML text to one space, and drops
// leading space at the start of a line.
func collapse(t, before string) string {
	f := strings.Fields(t)
	if len(f) == 0 {
		if before != "" && !strings.HasSuffix(before, "\n") && !strings.HasSuffix(before, " ") && t != "" {
			return " "
		}
		return ""
	}
	s := strings.Join(f, " ")
	if isSpace(t[0]) && before != "" && !strings.HasSuffix(before, "\n") && !strings.HasSuffix(before, " ") {
		s = " " + s
	}
	if isSpace(t[len(t)-1]) {
		s += " "
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }
