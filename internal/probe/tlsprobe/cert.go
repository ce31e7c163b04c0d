package tlsprobe

import (
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 old servers still present DSA keys; the probe must name them.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"time"

	"crypto/x509"

	"vigie.eu/vigie/internal/audit"
)

// describeCertificate records what a certificate says, without judging it.
func describeCertificate(c *x509.Certificate) audit.Certificate {
	sum := sha256.Sum256(c.Raw)
	out := audit.Certificate{
		Subject:               c.Subject.String(),
		Issuer:                c.Issuer.String(),
		NotBefore:             c.NotBefore.UTC(),
		NotAfter:              c.NotAfter.UTC(),
		DNSNames:              c.DNSNames,
		SignatureAlgorithm:    c.SignatureAlgorithm.String(),
		IsCA:                  c.IsCA,
		SelfSigned:            selfSigned(c),
		SHA256:                hex.EncodeToString(sum[:]),
		OCSPServers:           c.OCSPServer,
		IssuingCertificateURL: c.IssuingCertificateURL,
	}
	if c.SerialNumber != nil {
		out.Serial = c.SerialNumber.Text(16)
	}
	for _, ip := range c.IPAddresses {
		out.IPAddresses = append(out.IPAddresses, ip.String())
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyType, out.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyType, out.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		out.KeyType, out.KeyBits = "Ed25519", 256
	case *dsa.PublicKey:
		out.KeyType, out.KeyBits = "DSA", k.P.BitLen()
	default:
		out.KeyType = c.PublicKeyAlgorithm.String()
	}
	return out
}

// selfSigned says whether c is signed by its own key.
func selfSigned(c *x509.Certificate) bool {
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	if err == nil {
		return true
	}
	// crypto/x509 refuses to check SHA-1 and MD5 signatures at all;
	// a self-signed SHA-1 certificate must still be called
	// self-signed, so check those by hand.
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) {
		return false
	}
	var h crypto.Hash
	switch c.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1:
		h = crypto.SHA1
	case x509.MD5WithRSA:
		h = crypto.MD5
	default:
		return false
	}
	if !h.Available() {
		return false
	}
	d := h.New()
	d.Write(c.RawTBSCertificate)
	digest := d.Sum(nil)
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, digest, c.Signature) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, c.Signature)
	}
	return false
}

// verifyChain verifies the chain the server sent (leaf first) against
// roots at now, and host against the leaf.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool, rootsName string, now time.Time) *audit.CertVerification {
	v := &audit.CertVerification{Roots: rootsName}
	if len(chain) == 0 {
		v.TrustError = "no certificate"
		v.HostnameError = "no certificate"
		return v
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	v.Trusted = err == nil
	if err != nil {
		v.TrustError = err.Error()
	}
	name := host
	if ip := net.ParseIP(host); ip != nil {
		name = ip.String()
	}
	if err := leaf.VerifyHostname(name); err != nil {
		v.HostnameError = err.Error()
	} else {
		v.HostnameMatch = true
	}
	v.MissingIntermediate = missingIntermediate(chain, err)
	return v
}

// missingIntermediate says whether the chain fails only for want of an
// intermediate the server should have sent: no chain to a root was found,
// the last certificate sent is not self-signed, its issuer is not among
// those sent (so no root knows it either, or the chain would have been
// built), and it names where to fetch its issuer (Authority Information
// Access, CA Issuers). A browser would fetch that URL and succeed; vigie
// deliberately does not fetch AIA, so that it reports what the server
// sends, as most non-browser clients (curl, apps, mail servers) see it.
func missingIntermediate(chain []*x509.Certificate, verifyErr error) bool {
	var unknown x509.UnknownAuthorityError
	if verifyErr == nil || !errors.As(verifyErr, &unknown) {
		return false
	}
	last := chain[len(chain)-1]
	if selfSigned(last) || len(last.IssuingCertificateURL) == 0 {
		return false
	}
	for _, c := range chain {
		if string(c.RawSubject) == string(last.RawIssuer) {
			return false
		}
	}
	return true
}
