package mailprobe

import (
	"fmt"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// maxRecord caps the length of one DNS text record the parsers read: a
// longer record is reported and cut, so that absurd records cost bounded
// time and memory.
const maxRecord = 8 << 10

// maxTags caps the tags (or terms) parsed in one record.
const maxTags = 64

// parseTags splits a tag-list ("v=DMARC1; p=none") as DMARC (RFC 7489
// section 6.4), DKIM (RFC 6376 section 3.2), MTA-STS and TLS-RPT records
// write it: tags separated by ";", each "name=value", white space around
// names and values ignored, a final ";" allowed. Duplicate names are an
// error (RFC 6376 section 3.2).
func parseTags(record string) ([]audit.Tag, []string) {
	var tags []audit.Tag
	var errs []string
	seen := map[string]bool{}
	for i, part := range strings.Split(record, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(tags) == maxTags {
			errs = append(errs, fmt.Sprintf("more than %d tags: the rest is ignored", maxTags))
			break
		}
		name, value, ok := strings.Cut(part, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !isTagName(name) {
			errs = append(errs, fmt.Sprintf("tag %d %q is not name=value", i+1, clip(part)))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Sprintf("tag %q appears more than once", name))
			continue
		}
		seen[name] = true
		tags = append(tags, audit.Tag{Name: name, Value: value})
	}
	return tags, errs
}

// isTagName checks tag-name = ALPHA *ALNUMPUNC (RFC 6376 section 3.2).
func isTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tag returns the value of the tag named name, and whether it is there.
func tag(tags []audit.Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// capRecord cuts a record to maxRecord bytes, with an error saying so.
func capRecord(r string) (string, []string) {
	if len(r) <= maxRecord {
		return r, nil
	}
	return r[:maxRecord], []string{fmt.Sprintf("record of %d bytes cut to %d", len(r), maxRecord)}
}

// clip shortens a piece of untrusted text for an error message.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
