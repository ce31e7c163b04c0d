package mailprobe

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// commonSelectors are DKIM selectors in wide use (hosting panels, mail
// providers, mailing services), asked for when the user names none or in
// addition to those named: DNS cannot list selectors.
var commonSelectors = []string{
	"default", "dkim", "mail", "selector1", "selector2", "google", "k1", "k2",
	"s1", "s2", "smtp", "mx", "key1", "dkim1", "email", "mta", "sig1", "everlytickey1",
}

// parseDKIMKey parses a DKIM key record (RFC 6376 section 3.6.1) into sel:
// tags, key type and size, revocation, flags and hash algorithms, with the
// syntax errors.
func parseDKIMKey(record string, sel *audit.DKIMSelector) {
	record, errs := capRecord(record)
	tags, terrs := parseTags(record)
	errs = append(errs, terrs...)
	sel.Tags = tags
	if v, ok := tag(tags, "v"); ok && (tags[0].Name != "v" || v != "DKIM1") {
		errs = append(errs, `v= must be first and be "DKIM1"`)
	}
	sel.KeyType = "rsa" // RFC 6376 section 3.6.1: the default
	if k, ok := tag(tags, "k"); ok {
		sel.KeyType = strings.ToLower(k)
	}
	if t, ok := tag(tags, "t"); ok {
		for _, f := range strings.Split(t, ":") {
			if f = strings.TrimSpace(f); f != "" {
				sel.Flags = append(sel.Flags, f)
			}
		}
	}
	if h, ok := tag(tags, "h"); ok {
		for _, a := range strings.Split(h, ":") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				sel.HashAlgorithms = append(sel.HashAlgorithms, a)
			}
		}
	}
	p, ok := tag(tags, "p")
	switch {
	case !ok:
		errs = append(errs, "no p= tag (the public key is required)")
	default:
		// RFC 6376 section 3.6.1: white space may be folded into p=.
		p = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, p)
		if p == "" {
			sel.Revoked = true
			break
		}
		bits, err := keyBits(sel.KeyType, p)
		if err != nil {
			errs = append(errs, err.Error())
		}
		sel.KeyBits = bits
	}
	sel.Errors = errs
}

// keyBits decodes a DKIM public key and returns its size: the RSA modulus
// (the key is a SubjectPublicKeyInfo, RFC 6376 section 3.6.1, or an
// RSAPublicKey as some publish it), 256 for Ed25519 (RFC 8463 section 4).
func keyBits(keyType, p string) (int, error) {
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return 0, fmt.Errorf("p= is not valid base64")
	}
	switch keyType {
	case "rsa":
		if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
			if k, ok := pub.(*rsa.PublicKey); ok {
				return k.N.BitLen(), nil
			}
			return 0, fmt.Errorf("p= holds a %T key, not RSA", pub)
		}
		if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
			return k.N.BitLen(), nil
		}
		return 0, fmt.Errorf("p= is not an RSA public key")
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return 0, fmt.Errorf("p= is %d bytes, an Ed25519 key is %d", len(der), ed25519.PublicKeySize)
		}
		return 256, nil
	}
	return 0, fmt.Errorf("unknown key type k=%s", clip(keyType))
}
