package audit

import (
	"errors"
	"fmt"
	"strings"
)

// HSTSPolicy is a parsed Strict-Transport-Security header.
type HSTSPolicy struct {
	// MaxAge is the max-age directive, in seconds (capped at 2^63-1).
	MaxAge int64
	// IncludeSubDomains is true when the includeSubDomains directive is
	// present.
	IncludeSubDomains bool
	// Preload is true when the preload directive (not in RFC 6797, used
	// by browsers' preload lists) is present.
	Preload bool
}

// ParseHSTS parses the value of a Strict-Transport-Security header along
// the grammar of RFC 6797, section 6.1. An error means browsers ignore the
// header.
func ParseHSTS(value string) (HSTSPolicy, error) {
	var p HSTSPolicy
	seen := map[string]bool{}
	maxAge := false
	// Strict-Transport-Security = [ directive ] *( ";" [ directive ] )
	for d := range strings.SplitSeq(value, ";") {
		d = strings.Trim(d, " \t")
		if d == "" {
			continue
		}
		// directive = directive-name [ "=" directive-value ]
		name, val, hasVal := strings.Cut(d, "=")
		name = strings.Trim(name, " \t")
		val = strings.Trim(val, " \t")
		if !isToken(name) {
			return HSTSPolicy{}, fmt.Errorf("directive name %q is not a token", name)
		}
		if hasVal {
			// directive-value = token | quoted-string
			if val == "" {
				return HSTSPolicy{}, fmt.Errorf("directive %s: empty value", name)
			}
			if strings.HasPrefix(val, `"`) {
				u, err := unquote(val)
				if err != nil {
					return HSTSPolicy{}, fmt.Errorf("directive %s: %v", name, err)
				}
				val = u
			} else if !isToken(val) {
				return HSTSPolicy{}, fmt.Errorf("directive %s: value %q is not a token", name, val)
			}
		}
		// Section 6.1, rule 3: directive names are case-insensitive.
		lname := strings.ToLower(name)
		// Section 6.1, rule 2: all directives appear at most once,
		// else the header is invalid.
		if seen[lname] {
			return HSTSPolicy{}, fmt.Errorf("directive %s appears more than once", name)
		}
		seen[lname] = true
		switch lname {
		case "max-age":
			// Section 6.1.1: max-age = "max-age" "=" delta-seconds,
			// delta-seconds = 1*DIGIT.
			if !hasVal {
				return HSTSPolicy{}, errors.New("max-age has no value")
			}
			n, err := deltaSeconds(val)
			if err != nil {
				return HSTSPolicy{}, err
			}
			p.MaxAge = n
			maxAge = true
		case "includesubdomains":
			// Section 6.1.2: a valueless directive.
			if hasVal {
				return HSTSPolicy{}, fmt.Errorf("includeSubDomains takes no value, got %q", val)
			}
			p.IncludeSubDomains = true
		case "preload":
			p.Preload = true
		default:
			// Section 6.1, rule 4: unknown directives are ignored.
		}
	}
	// Section 6.1.1: max-age is required.
	if !maxAge {
		return HSTSPolicy{}, errors.New("no max-age directive")
	}
	return p, nil
}

// deltaSeconds parses 1*DIGIT, saturating at the largest int64.
func deltaSeconds(s string) (int64, error) {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("max-age %q is not a number of seconds", s)
		}
		if n > (1<<63-1-9)/10 {
			n = 1<<63 - 1
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// isToken reports whether s is a token (RFC 9110, section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// unquote decodes a quoted-string (RFC 9110, section 5.6.4) that must
// make up all of s.
func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' {
		return "", fmt.Errorf("bad quoted string %s", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if i != len(s)-1 {
				return "", fmt.Errorf("text after quoted string %s", s)
			}
			return b.String(), nil
		case c == '\\':
			i++
			if i >= len(s)-1 {
				return "", fmt.Errorf("unterminated quoted string %s", s)
			}
			b.WriteByte(s[i])
		case c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f):
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("control character in quoted string %q", s)
		}
	}
	return "", fmt.Errorf("unterminated quoted string %s", s)
}
