package httpprobe

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// ParseSetCookie parses the value of one Set-Cookie header along RFC 6265,
// section 5.2, and records its attributes as written: unlike a browser's
// cookie store it rejects nothing, so that a malformed cookie is still
// seen. The cookie's value is never kept; Raw holds the header with the
// value elided.
func ParseSetCookie(line string) audit.Cookie {
	// RFC 6265, section 5.2, steps 1 to 3: the name-value pair is what
	// comes before the first ';', the name what comes before its first '='.
	pair, attrs, _ := strings.Cut(line, ";")
	name, value, hasEq := strings.Cut(pair, "=")
	name = strings.Trim(name, " \t")
	value = strings.Trim(value, " \t")
	c := audit.Cookie{Name: name}

	var raw strings.Builder
	raw.WriteString(name)
	if hasEq {
		raw.WriteString("=")
		if value != "" {
			raw.WriteString("…")
		}
	}
	if attrs != "" {
		for av := range strings.SplitSeq(attrs, ";") {
			av = strings.Trim(av, " \t")
			if av == "" {
				continue
			}
			raw.WriteString("; ")
			raw.WriteString(av)
			// Section 5.2, step "unparsed-attributes": the attribute
			// name is what comes before the first '=', compared
			// without regard to case; when an attribute repeats, the
			// last one wins (section 5.3, step 3).
			k, v, _ := strings.Cut(av, "=")
			k = strings.Trim(k, " \t")
			v = strings.Trim(v, " \t")
			switch strings.ToLower(k) {
			case "expires":
				c.Expires = v
			case "max-age":
				c.MaxAge = v
			case "domain":
				c.Domain = v
			case "path":
				c.Path = v
			case "secure":
				c.Secure = true
			case "httponly":
				c.HttpOnly = true
			case "samesite":
				c.SameSite = canonicalSameSite(v)
			}
		}
	}
	c.Raw = raw.String()
	return c
}

// canonicalSameSite spells the three values the cookie draft defines
// (draft-ietf-httpbis-rfc6265bis, SameSite attribute) the way the
// observations do, and keeps any other value as written.
func canonicalSameSite(v string) string {
	for _, known := range []string{"Strict", "Lax", "None"} {
		if strings.EqualFold(v, known) {
			return known
		}
	}
	return v
}
