package campaign

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadIdentifier: an identifier with a scheme (siren:, insee:,
// finess:) whose value does not have the scheme's form (see
// IdentifierError).
var ErrBadIdentifier = errors.New("malformed identifier")

// An IdentifierError is an identifier whose scheme is known and whose
// value is not of its form: the line is skipped.
type IdentifierError struct {
	// ID is the identifier as given (clipped); Scheme the scheme, lower
	// case; Want what a value of the scheme looks like, in English (the
	// command line has its own words).
	ID, Scheme, Want string
}

func (e *IdentifierError) Unwrap() error { return ErrBadIdentifier }

func (e *IdentifierError) Error() string {
	return fmt.Sprintf("identifier %q: a %s identifier is %s", e.ID, e.Scheme, e.Want)
}

// Identifier schemes: what a value looks like, and the check of one.
var schemes = map[string]struct {
	want  string
	valid func(string) bool
}{
	// SIREN: the 9 digits the INSEE gives a legal entity, the last a
	// Luhn check digit.
	"siren": {"9 digits with a valid check digit (Luhn)", func(v string) bool { return len(v) == 9 && digits(v) && luhn(v) }},
	// INSEE (code officiel géographique) of a commune: 5 characters,
	// digits, the department 2A or 2B for Corsica.
	"insee": {"5 characters: digits, or 2A/2B and 3 digits (Corsica)", func(v string) bool { return len(v) == 5 && corsican(v) && digits(v[2:]) }},
	// FINESS of a health or social establishment: 9 characters, the
	// department first (2A/2B for Corsica).
	"finess": {"9 characters: digits, or 2A/2B and 7 digits (Corsica)", func(v string) bool { return len(v) == 9 && corsican(v) && digits(v[2:]) }},
}

// ParseIdentifier checks and normalises an organisation's identifier. One
// that starts with a known scheme (siren:, insee:, finess:, in any case)
// is checked against the scheme's form, and comes out with the scheme in
// lower case and the value without blanks, Corsica's 2A/2B in upper case:
// " SIREN:123 456 789" is "siren:123456789". Any other identifier is
// returned as given (a bare "1", a "cog:69123"), so that the files written
// before schemes existed keep their identifiers.
func ParseIdentifier(id string) (string, error) {
	scheme, value, ok := strings.Cut(id, ":")
	if !ok {
		return id, nil
	}
	scheme = strings.ToLower(strings.TrimSpace(scheme))
	s, known := schemes[scheme]
	if !known {
		return id, nil
	}
	value = strings.ToUpper(strings.Join(strings.Fields(value), ""))
	if !s.valid(value) {
		return "", &IdentifierError{ID: clip(id), Scheme: scheme, Want: s.want}
	}
	return scheme + ":" + value, nil
}

// digits reports whether s is made of ASCII digits only.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// corsican reports whether the first two characters of s are digits or
// Corsica's department, 2A or 2B.
func corsican(s string) bool {
	if len(s) < 2 {
		return false
	}
	return digits(s[:2]) || s[:2] == "2A" || s[:2] == "2B"
}

// luhn reports whether the digits s end with a valid Luhn check digit
// (ISO/IEC 7812-1, Annex B), as a SIREN does.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
