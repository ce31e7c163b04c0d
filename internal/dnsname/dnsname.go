// Package dnsname holds what vigie needs of domain names beyond
// github.com/miekg/dns: the canonical order of RFC 4034, written once for
// the DNS probe, which checks NSEC chains, and for the fake authority,
// which builds them.
//
// It does no I/O and knows nothing of zones.
package dnsname

import (
	"bytes"

	"github.com/miekg/dns"
)

// Compare orders names canonically (RFC 4034 section 6.1): label by label
// from the root, each label as a string of lower-cased octets in wire form
// (escapes such as "\065" or "\." undone), a name sorting before the names
// below it. It returns a negative number when a comes first, zero when
// the names are equal, a positive number otherwise. A name that is not a
// valid domain name sorts as the root.
func Compare(a, b string) int {
	la, lb := wireLabels(a), wireLabels(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := bytes.Compare(la[len(la)-i], lb[len(lb)-i]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// wireLabels returns the labels of name, in wire form (unescaped),
// lower-cased.
func wireLabels(name string) [][]byte {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.CanonicalName(name), buf, 0, nil, false)
	if err != nil {
		return nil
	}
	buf = buf[:n]
	var out [][]byte
	for i := 0; i < len(buf) && buf[i] != 0; i += int(buf[i]) + 1 {
		end := i + 1 + int(buf[i])
		if end > len(buf) {
			return out
		}
		label := buf[i+1 : end]
		for j, c := range label {
			if 'A' <= c && c <= 'Z' {
				label[j] = c + 'a' - 'A' // an escaped letter, as in "\065"
			}
		}
		out = append(out, label)
	}
	return out
}
