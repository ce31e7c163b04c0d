package audit

import (
	"regexp"
	"strconv"
	"strings"
)

// MaxQuoted is the most bytes of a remote value that Quote keeps.
const MaxQuoted = 200

// Quote returns a remote value as messages show it: cut to MaxQuoted
// bytes (at a character boundary, the cut marked with "…"), then quoted as
// a Go string literal (double quotes, control and invalid bytes escaped,
// printable Unicode kept). internal/check/evidence documents the rule.
func Quote(s string) string {
	if len(s) > MaxQuoted {
		cut := MaxQuoted
		for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// failures classifies the error texts that probes record (Go's own
// error strings, which are stable) into message codes, the first match
// winning. The code of a failure is what other packages compare, never
// its text.
var failures = []struct {
	code     string
	contains []string
}{
	{"dns.no_such_host", []string{"no such host"}},
	{"net.refused", []string{"connection refused"}},
	{"net.reset", []string{"connection reset"}},
	{"net.unreachable", []string{"no route to host", "network is unreachable", "host is unreachable"}},
	{"net.timeout", []string{"i/o timeout", "deadline exceeded", "timed out", "timeout"}},
	{"http.redirect_loop", []string{"redirect loop"}},
	{"http.too_many_redirects", []string{"too many redirects"}},
	{"tls.unknown_authority", []string{"unknown authority"}},
	{"tls.cert_dates", []string{"expired or is not yet valid"}},
	{"tls.name_mismatch", []string{"certificate is valid for", "certificate is not valid for any names", "doesn't contain any IP SANs"}},
	{"tls.protocol_version", []string{"protocol version"}},
	{"tls.handshake", []string{"handshake", "tls: ", "remote error"}},
	{"net.eof", []string{"EOF"}},
	{"dns.servfail", []string{"SERVFAIL"}},
	{"dns.refused", []string{"REFUSED"}},
}

var (
	dialAddr   = regexp.MustCompile(`(?:dial|read|write) (?:tcp|udp)[46]? (?:\S+->)?(\S+?): `)
	lookupName = regexp.MustCompile(`lookup ([^ :]+)`)
)

// Failure returns the message of an error recorded by a probe: its code
// ("net.refused", "net.timeout", "dns.no_such_host"...), the address or
// name it was about when the text gives one, and the text itself, quoted,
// as "detail". An empty text gives the zero Message.
func Failure(text string) Message {
	if text == "" {
		return Message{}
	}
	code := "failure.other"
	for _, f := range failures {
		for _, c := range f.contains {
			if strings.Contains(text, c) {
				code = f.code
				break
			}
		}
		if code != "failure.other" {
			break
		}
	}
	m := M(code, "detail", Quote(text))
	if s := dialAddr.FindStringSubmatch(text); s != nil {
		m.Params["address"] = " (" + s[1] + ")"
	} else if s := lookupName.FindStringSubmatch(text); s != nil {
		m.Params["address"] = " (" + s[1] + ")"
	}
	return m
}

// FailureCode returns the code of Failure(text), "" for no error.
func FailureCode(text string) string { return Failure(text).Code }
