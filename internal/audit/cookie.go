package audit

import (
	"strconv"
	"strings"
	"time"
)

// ParseSetCookie parses the value of one Set-Cookie header along RFC 6265,
// section 5.2, and records its attributes as written: unlike a browser's
// cookie store it rejects nothing, so that a malformed cookie is still
// seen. The cookie's value is never kept; Raw holds the header with the
// value elided.
func ParseSetCookie(line string) Cookie {
	// RFC 6265, section 5.2, steps 1 to 3: the name-value pair is what
	// comes before the first ';', the name what comes before its first '='.
	pair, attrs, _ := strings.Cut(line, ";")
	name, value, hasEq := strings.Cut(pair, "=")
	name = strings.Trim(name, " \t")
	value = strings.Trim(value, " \t")
	c := Cookie{Name: name}

	var raw strings.Builder
	raw.WriteString(name)
	if hasEq {
		raw.WriteString("=")
		if value != "" {
			raw.WriteString("…")
		}
	}
	for _, av := range cookieAttributes(attrs) {
		raw.WriteString("; ")
		raw.WriteString(av)
		a := cookieAttribute(av)
		// When an attribute repeats, the last one wins (section 5.3,
		// step 3).
		switch strings.ToLower(a.Name) {
		case "expires":
			c.Expires = a.Value
		case "max-age":
			c.MaxAge = a.Value
		case "domain":
			c.Domain = a.Value
		case "path":
			c.Path = a.Value
		case "secure":
			c.Secure = true
		case "httponly":
			c.HttpOnly = true
		case "samesite":
			c.SameSite = canonicalSameSite(a.Value)
		}
	}
	c.Raw = raw.String()
	return c
}

// CookieAttribute is one attribute of a Set-Cookie header: its name and
// value as written, white space around them trimmed.
type CookieAttribute struct {
	Name  string
	Value string
}

// Attributes returns the attributes of the cookie as it was received, in
// order, a repeated one each time, read from Raw: the same attributes
// ParseSetCookie read, for the readers that need more than its fields
// (a SameSite given with no value, an attribute given twice).
func (c Cookie) Attributes() []CookieAttribute {
	_, attrs, _ := strings.Cut(c.Raw, ";")
	var out []CookieAttribute
	for _, av := range cookieAttributes(attrs) {
		out = append(out, cookieAttribute(av))
	}
	return out
}

// cookieAttributes splits the unparsed-attributes of a Set-Cookie header
// (RFC 6265, section 5.2): attributes separated by ';', white space
// trimmed, empty ones skipped.
func cookieAttributes(attrs string) []string {
	var out []string
	for av := range strings.SplitSeq(attrs, ";") {
		if av = strings.Trim(av, " \t"); av != "" {
			out = append(out, av)
		}
	}
	return out
}

// cookieAttribute reads one attribute (RFC 6265, section 5.2, step
// "unparsed-attributes"): the name is what comes before the first '=',
// compared by readers without regard to case.
func cookieAttribute(av string) CookieAttribute {
	k, v, _ := strings.Cut(av, "=")
	return CookieAttribute{Name: strings.Trim(k, " \t"), Value: strings.Trim(v, " \t")}
}

// MaxAgeSeconds returns the Max-Age attribute as a number of seconds, and
// false when it is absent or not a number. A cookie set with a Max-Age of
// zero or less is being deleted (RFC 6265, section 5.2.2).
func (c Cookie) MaxAgeSeconds() (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(c.MaxAge), 10, 64)
	return n, err == nil
}

// httpDates are the formats of an HTTP date a recipient accepts (RFC
// 9110, section 5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime
// formats.
var httpDates = []string{"Mon, 02 Jan 2006 15:04:05 GMT", time.RFC850, time.ANSIC}

// ExpiresTime returns the Expires attribute as a time, and false when it
// is absent or not an HTTP date (RFC 9110, section 5.6.7).
func (c Cookie) ExpiresTime() (time.Time, bool) {
	for _, layout := range httpDates {
		if t, err := time.Parse(layout, c.Expires); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
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
