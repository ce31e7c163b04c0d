// Package target turns what a user types into the domain vigie audits.
//
// Parse accepts a bare name ("example.fr"), a name in upper case or with a
// final dot ("EXAMPLE.FR."), a URL ("https://Mairie-Évry.FR/contact") and a
// name in Unicode, and returns its A-label form (RFC 5890 section 2.3.2.1),
// lower case, without port, path or final dot. It rejects what cannot be
// audited as an organisation's domain: IP literals, names that are not
// valid host names, single labels and bare public suffixes ("fr",
// "gouv.fr").
//
// It does no I/O: whether the domain exists is for the DNS probe to find.
package target

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Target is a normalised domain to audit.
type Target struct {
	// Input is the text the user gave, unchanged.
	Input string
	// Domain is the A-label form, lower case, without final dot
	// ("xn--mairie-vry-b7a.fr").
	Domain string
	// Unicode is the U-label form, for display ("mairie-évry.fr"); it
	// equals Domain for an ASCII name.
	Unicode string
	// Registrable is the registrable domain, the public suffix plus one
	// label ("example.fr" for "www.example.fr").
	Registrable string
}

// Errors returned by Parse, wrapped with the input; callers pick their
// message with errors.Is.
var (
	// ErrEmpty: nothing was given.
	ErrEmpty = errors.New("empty name")
	// ErrIPLiteral: an IPv4 or IPv6 address was given instead of a name.
	ErrIPLiteral = errors.New("IP address, not a domain name")
	// ErrScheme: a URL with a scheme other than http or https.
	ErrScheme = errors.New("unsupported URL scheme, want http or https")
	// ErrSyntax: the text is not a host name nor a URL.
	ErrSyntax = errors.New("not a domain name")
	// ErrInvalidChar: a character that no host name may hold.
	ErrInvalidChar = errors.New("invalid character")
	// ErrEmptyLabel: two dots in a row, or a leading dot.
	ErrEmptyLabel = errors.New("empty label")
	// ErrLabelTooLong: a label over 63 octets (RFC 1035 section 2.3.4).
	ErrLabelTooLong = errors.New("label longer than 63 octets")
	// ErrNameTooLong: a name over 253 octets (RFC 1035 section 2.3.4).
	ErrNameTooLong = errors.New("name longer than 253 octets")
	// ErrIDNA: a Unicode or xn-- label that IDNA rejects (RFC 5891).
	ErrIDNA = errors.New("invalid internationalised name")
	// ErrSingleLabel: a name of one label ("localhost").
	ErrSingleLabel = errors.New("single-label name")
	// ErrPublicSuffix: a public suffix, under which anyone registers
	// ("fr", "gouv.fr", "co.uk").
	ErrPublicSuffix = errors.New("public suffix, not a registrable domain")
)

// maxInput bounds the text Parse looks at: a URL longer than this is not
// worth parsing to find a host of at most 253 octets.
const maxInput = 4096

// mapping maps a name for lookup as RFC 5895 and UTS 46 describe (case,
// width, normalisation) and validates its labels (RFC 5891 section 5.4),
// hyphens and the Bidi rule (RFC 5893) included. Lengths are checked by
// Parse itself, for clearer errors.
var mapping = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.VerifyDNSLength(false),
)

// display turns an A-label name back into Unicode for display.
var display = idna.New(idna.ValidateForRegistration())

// Parse normalises input into the target to audit. See the package
// documentation for what it accepts.
func Parse(input string) (Target, error) {
	host, err := hostOf(input)
	if err != nil {
		return Target{}, fmt.Errorf("target: %q: %w", clip(input), err)
	}
	if !utf8.ValidString(host) || strings.ContainsRune(host, utf8.RuneError) {
		// A URL's escapes ("%80") can make bytes that are no text.
		return Target{}, fmt.Errorf("target: %q: %w: not UTF-8", clip(input), ErrInvalidChar)
	}
	domain, err := normalise(host)
	if err != nil {
		return Target{}, fmt.Errorf("target: %q: %w", clip(input), err)
	}
	suffix, icann := publicsuffix.PublicSuffix(domain)
	if suffix == domain && icann {
		return Target{}, fmt.Errorf("target: %q: %w", clip(input), ErrPublicSuffix)
	}
	registrable, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		// A private suffix given bare ("github.io") is someone's site:
		// it is its own registrable domain.
		registrable = domain
	}
	uni, err := display.ToUnicode(domain)
	if err != nil {
		uni = domain
	}
	return Target{Input: input, Domain: domain, Unicode: uni, Registrable: registrable}, nil
}

// hostOf extracts the host part of input: input itself, or the host of a
// URL, without port nor final dot.
func hostOf(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", ErrEmpty
	}
	if len(s) > maxInput {
		return "", ErrNameTooLong
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not UTF-8", ErrInvalidChar)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }); i >= 0 {
		return "", fmt.Errorf("%w %q", ErrInvalidChar, s[i])
	}
	if isIP(s) {
		return "", ErrIPLiteral
	}
	if i := strings.Index(s, "://"); i >= 0 {
		scheme := strings.ToLower(s[:i])
		if scheme != "http" && scheme != "https" {
			return "", ErrScheme
		}
	} else {
		// A bare name, perhaps with a port or a path: parse it as
		// the authority of a URL.
		s = "//" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", ErrSyntax
	}
	host := u.Hostname()
	if host == "" {
		return "", ErrEmpty
	}
	if isIP(host) || strings.HasPrefix(u.Host, "[") {
		return "", ErrIPLiteral
	}
	return host, nil
}

// isIP reports whether s is an IP literal, bracketed or not, with or
// without a zone.
func isIP(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	_, err := netip.ParseAddr(s)
	return err == nil
}

// normalise turns a host name into its lower-case A-label form and checks
// it is a valid, multi-label host name.
func normalise(host string) (string, error) {
	host = strings.TrimSuffix(host, ".")
	for _, r := range host {
		// RFC 1123 section 2.1: letters, digits and hyphens; other
		// ASCII characters are never valid, whatever IDNA maps them to.
		if r < utf8.RuneSelf && !isLDH(byte(r)) && r != '.' {
			return "", fmt.Errorf("%w %q", ErrInvalidChar, r)
		}
	}
	if host == "" {
		return "", ErrEmpty
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" {
			return "", ErrEmptyLabel
		}
	}
	ascii, err := mapping.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrIDNA, err)
	}
	// IDNA mapping may produce a final dot (from U+3002 and the like).
	ascii = strings.TrimSuffix(ascii, ".")
	labels := strings.Split(ascii, ".")
	for _, label := range labels {
		switch {
		case label == "":
			return "", ErrEmptyLabel
		case len(label) > 63:
			return "", fmt.Errorf("%w (%d)", ErrLabelTooLong, len(label))
		}
		for i := 0; i < len(label); i++ {
			if !isLDH(label[i]) {
				return "", fmt.Errorf("%w %q", ErrInvalidChar, label[i])
			}
		}
	}
	if len(ascii) > 253 {
		return "", fmt.Errorf("%w (%d)", ErrNameTooLong, len(ascii))
	}
	if len(labels) < 2 {
		return "", ErrSingleLabel
	}
	if isIP(ascii) {
		return "", ErrIPLiteral
	}
	// RFC 3696 section 2: a top-level label is never all digits, which
	// keeps "10.1" and friends from passing for names.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", fmt.Errorf("%w: all-numeric top-level label", ErrSyntax)
	}
	return ascii, nil
}

// isLDH reports whether b is a letter, a digit or a hyphen.
func isLDH(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-'
}

// clip shortens input for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:max] + "…"
}

// String returns the domain, in its A-label form.
func (t Target) String() string { return t.Domain }
