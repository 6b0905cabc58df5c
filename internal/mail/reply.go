package mail

import (
	"regexp"
	"strings"
)

// Split is a message body cut into the new reply and what follows it
// (quoted history, signatures, forwarded originals), which is kept but not
// shown by default.
type Split struct {
	Reply  string
	Quoted string
}

var (
	// attribution lines that introduce a quote, in a few languages.
	attribution = regexp.MustCompile(`(?i)^(on\s.+\bwrote|am\s.+\bschrieb|le\s.+\ba\s+écrit|el\s.+\bescribió|op\s.+\bschreef)(\s.*)?:\s*$`)
	originalMsg = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}\s*$`)
	headerLine  = regexp.MustCompile(`(?i)^\*?(from|von|de|sent|gesendet|envoyé|date|datum|to|an|à|subject|betreff|objet|cc)\s*:\*?\s`)
	underscores = regexp.MustCompile(`^_{10,}\s*$`)
)

// SplitReply cuts text at the first line that starts quoted history or a
// signature: an "On ... wrote:" attribution, a "> " quote, the "-- "
// signature delimiter, an Outlook "-----Original Message-----" or
// "From: / Sent:" header block. When nothing but quote would be left as
// the reply (bottom posting), the whole text is the reply.
func SplitReply(text string) Split {
	lines := strings.Split(text, "\n")
	cut := -1
	for i := 0; i < len(lines) && cut < 0; i++ {
		if startsHistory(lines, i) {
			cut = i
		}
	}
	if cut < 0 {
		return Split{Reply: strings.TrimSpace(text)}
	}
	reply := strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	if reply == "" {
		return Split{Reply: strings.TrimSpace(text)}
	}
	return Split{Reply: reply, Quoted: strings.TrimSpace(strings.Join(lines[cut:], "\n"))}
}

func startsHistory(lines []string, i int) bool {
	l := strings.TrimRight(lines[i], " \t\r")
	t := strings.TrimSpace(l)
	switch {
	case l == "-- " || l == "--":
		return true
	case strings.HasPrefix(t, ">"):
		return true
	case attribution.MatchString(t), originalMsg.MatchString(t):
		return true
	case i+1 < len(lines) && attribution.MatchString(t+" "+strings.TrimSpace(lines[i+1])):
		// An attribution wrapped onto two lines.
		return strings.HasPrefix(strings.ToLower(t), "on ") || strings.HasPrefix(strings.ToLower(t), "am ") || strings.HasPrefix(strings.ToLower(t), "le ")
	case underscores.MatchString(t) && i+1 < len(lines) && headerLine.MatchString(strings.TrimSpace(lines[i+1])):
		return true
	case headerLine.MatchString(t) && isFrom(t):
		// An Outlook header block: From: followed by Sent:/Date:/To:.
		n := 0
		for j := i + 1; j < len(lines) && j <= i+4; j++ {
			if headerLine.MatchString(strings.TrimSpace(lines[j])) {
				n++
			}
		}
		return n >= 2
	}
	return false
}

func isFrom(t string) bool {
	t = strings.ToLower(strings.TrimLeft(t, "*"))
	return strings.HasPrefix(t, "from:") || strings.HasPrefix(t, "von:") || strings.HasPrefix(t, "de:")
}

// numberInSubject finds [ABC0000000] tokens: three letters and at least
// seven digits between brackets.
var numberInSubject = regexp.MustCompile(`\[\s*([A-Za-z]{3}[0-9]{7,15})\s*\]`)

// SubjectNumbers returns the record numbers written in brackets in subject
// ("Re: [INC0000042] Printer"), upper case, first first. The caller checks
// they name real records; a subject's words alone never match a record.
func SubjectNumbers(subject string) []string {
	var out []string
	for _, m := range numberInSubject.FindAllStringSubmatch(subject, 5) {
		out = append(out, strings.ToUpper(m[1]))
	}
	return out
}
