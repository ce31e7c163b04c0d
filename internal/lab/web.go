package lab

import (
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie.eu/vigie/internal/tlstest"
	"vigie.eu/vigie/internal/webtest"
)

// pki is the lab's certificate authority (internal/tlstest's) and the
// keys shared by every leaf: generating a key per organisation would take
// minutes at 10,000.
type pki struct {
	ca     *tlstest.CA
	ecKey  crypto.Signer // leaves of every TLS profile but legacy
	rsaKey crypto.Signer // leaves of the legacy profile (static RSA)
	// misnamed is the hosting platform's default certificate, for a
	// name that no organisation has, per key.
	misnamedEC, misnamedRSA tls.Certificate
}

func newPKI() (*pki, error) {
	ca, err := tlstest.CreateCA("vigie lab")
	if err != nil {
		return nil, err
	}
	ecKey, err := tlstest.NewKey(tlstest.ECDSAP256)
	if err != nil {
		return nil, err
	}
	rsaKey, err := tlstest.NewKey(tlstest.RSA2048)
	if err != nil {
		return nil, err
	}
	p := &pki{ca: ca, ecKey: ecKey, rsaKey: rsaKey}
	names := []string{"default.hebergement.test"}
	if p.misnamedEC, err = p.issue(names, ecKey, CertValid); err != nil {
		return nil, err
	}
	if p.misnamedRSA, err = p.issue(names, rsaKey, CertValid); err != nil {
		return nil, err
	}
	return p, nil
}

// rootPEM is the root for SSL_CERT_FILE.
func (p *pki) rootPEM() []byte { return p.ca.RootPEM() }

// issue makes a leaf for names with key, signed by the root itself, as
// profile says (CertValid, CertExpired or CertSelfSigned).
func (p *pki) issue(names []string, key crypto.Signer, profile string) (tls.Certificate, error) {
	opts := tlstest.CertOptions{DNSNames: names, Signer: key, ByRoot: true}
	switch profile {
	case CertExpired:
		now := time.Now()
		opts.NotBefore, opts.NotAfter = now.Add(-100*24*time.Hour), now.Add(-10*24*time.Hour)
	case CertSelfSigned:
		opts.SelfSigned = true
	}
	c, err := p.ca.Create(opts)
	if err != nil {
		return tls.Certificate{}, err
	}
	return c.TLS(false), nil
}

// site is what the lab serves for one organisation.
type site struct {
	org  *Org
	cert tls.Certificate
	// page is the home page of Config.Pages it serves (PageTrackers...),
	// "" for the plain one; third marks the third parties' site.
	page  string
	third bool
}

// issueAll issues the certificate of every organisation, on every CPU.
func (p *pki) issueAll(sites []*site) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	n := runtime.GOMAXPROCS(0)
	for w := range n {
		wg.Go(func() {
			for i := w; i < len(sites); i += n {
				s := sites[i]
				key, misnamed := p.ecKey, p.misnamedEC
				if s.org.Profile.TLS == TLSLegacy {
					key, misnamed = p.rsaKey, p.misnamedRSA
				}
				if s.org.Profile.Cert == CertMisnamed {
					s.cert = misnamed
					continue
				}
				d := s.org.Domain
				c, err := p.issue([]string{d, "www." + d, "mx." + d}, key, s.org.Profile.Cert)
				if err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					return
				}
				s.cert = c
			}
		})
	}
	wg.Wait()
	return first
}

var (
	aead = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	}
	// withCBC adds the suite TLS 1.0 and 1.1 need.
	withCBC = append(append([]uint16{}, aead...), tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA)
	legacy  = []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	}
)

// tlsConfig is the server configuration of a site.
func (p *pki) tlsConfig(s *site) *tls.Config {
	cfg := &tls.Config{}
	switch s.org.Profile.TLS {
	case TLSModern:
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS12, tls.VersionTLS13, aead
	case TLSNo13:
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS12, tls.VersionTLS12, aead
	case TLS10:
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS10, tls.VersionTLS13, withCBC
	case TLS11:
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS11, tls.VersionTLS12, withCBC
	case TLSLegacy:
		cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS10, tls.VersionTLS12, legacy
	}
	cfg.Certificates = []tls.Certificate{s.cert}
	return cfg
}

// hostOnly is the host of a Host header or "host:port", lower case.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		hostport = h
	}
	return strings.TrimSuffix(strings.ToLower(hostport), ".")
}

// siteFor returns the site a request or handshake is for: the one named
// (Host, SNI), or else the first site of the local address.
func (l *Lab) siteFor(name string, local net.Addr) *site {
	if s := l.byName[hostOnly(name)]; s != nil {
		return s
	}
	if ta, ok := local.(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return l.byAddr[a.Unmap()]
		}
	}
	return nil
}

// localAddr is the address a request came in on.
func localAddr(r *http.Request) net.Addr {
	a, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return a
}

// serveHTTP answers on port 80: a redirect to HTTPS, or the page.
func (l *Lab) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s := l.siteFor(r.Host, localAddr(r))
	if s == nil {
		http.NotFound(w, r)
		return
	}
	if s.org.Profile.Redirect {
		host := hostOnly(r.Host)
		if l.httpsPort != 443 {
			host = net.JoinHostPort(host, strconv.Itoa(l.httpsPort))
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	servePage(w, r, s, false)
}

// serveHTTPS answers on port 443.
func (l *Lab) serveHTTPS(w http.ResponseWriter, r *http.Request) {
	s := l.siteFor(r.Host, localAddr(r))
	if s == nil {
		http.NotFound(w, r)
		return
	}
	if s.third {
		serveThirdParty(w, r)
		return
	}
	servePage(w, r, s, true)
}

// servePage serves the home page and security.txt after the site's
// headers profile.
func servePage(w http.ResponseWriter, r *http.Request, s *site, secure bool) {
	h := w.Header()
	headers := s.org.Profile.Headers
	switch headers {
	case "full":
		webtest.SetGoodHeaders(h, secure)
	case "partial":
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
	default:
		webtest.SetNeglectedHeaders(h)
	}
	if r.URL.Path == "/.well-known/security.txt" && headers == "full" && secure {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, webtest.SecurityTxt(s.org.Domain, time.Now()))
		return
	}
	if s.page != "" && secure {
		if s.page == PageTrackers {
			// A site that loads a tag manager lets it run.
			h.Del("Content-Security-Policy")
		}
		if r.URL.Path == "/" {
			setLabCookie(w, headers, secure)
		}
		if servePageOf(w, r, s) {
			return
		}
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	setLabCookie(w, headers, secure)
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><html lang=\"fr\"><head><title>%s</title></head><body><h1>%s</h1><p>Bienvenue.</p></body></html>",
		htmlEscape(s.org.Name), htmlEscape(s.org.Name))
}

var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&#34;").Replace

// setLabCookie sets the home page's cookie after the headers profile.
func setLabCookie(w http.ResponseWriter, headers string, secure bool) {
	switch headers {
	case "full":
		http.SetCookie(w, webtest.GoodCookie(secure))
	case "partial":
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "x", Path: "/", Secure: secure, SameSite: http.SameSiteLaxMode})
	default:
		http.SetCookie(w, webtest.NeglectedCookie())
	}
}
