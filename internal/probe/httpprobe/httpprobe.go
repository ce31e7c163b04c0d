// Package httpprobe fetches web pages the way a visitor's browser first
// meets them: it requests a start URL, follows the redirect chain itself,
// and records every response (status, headers, parsed cookies), then the
// start of the final body. It also fetches /.well-known/security.txt
// (RFC 9116).
//
// It records and never judges: internal/check/httpcheck does that. Every
// request has a deadline, headers and bodies are capped, and nothing it
// reads can make it hang past the deadline or hold unbounded memory.
//
// Certificates are verified against Config.Roots. When verification fails,
// the URL is fetched again without verification so that its headers can
// still be judged; the response is then marked TLSUnverified, and the
// certificate problem itself is for the TLS probe to report.
package httpprobe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
)

// Config says how to probe.
type Config struct {
	// Lookup resolves host names; nil means the system resolver.
	Lookup probe.LookupFunc
	// Guard checks every address dialled, the redirects' included; nil
	// refuses the addresses that are not on the public internet (see
	// package guard).
	Guard *guard.Guard
	// RedirectPorts are ports, besides 80, 443 and the start URL's,
	// that a redirect may lead to (a lab's HTTP and HTTPS ports); a
	// redirect to any other port is refused.
	RedirectPorts []int
	// Roots are the trusted roots; nil means the system roots (or the
	// file named by SSL_CERT_FILE).
	Roots *x509.CertPool
	// Timeout bounds each request, body included; 0 means 10s.
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed; 0 means 10.
	MaxRedirects int
	// MaxBody is how many bytes of the final body are kept; 0 means
	// 1 MiB. At most MaxBody+1 bytes are read.
	MaxBody int64
	// MaxScan is how many bytes of a final body longer than MaxBody are
	// read to find the page's later tags (audit.ScanLate); 0 means
	// 16 MiB. Only the tags are kept.
	MaxScan int64
	// UserAgent is sent with every request; "" means "vigie".
	UserAgent string
	// Connections, when set, are the connections the probe uses, shared
	// with the other probes given the same; nil means connections of
	// its own, closed when it ends.
	Connections *Connections
}

// Limits that are not configurable.
const (
	// maxHeaderBytes caps the response headers of one response.
	maxHeaderBytes = 64 << 10
	// securityTxtMaxBody caps the security.txt file.
	securityTxtMaxBody = 64 << 10
	// securityTxtMaxRedirects is how many same-host redirects are
	// followed to find security.txt.
	securityTxtMaxRedirects = 3
)

func (cfg Config) withDefaults() Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 10
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxScan <= 0 {
		cfg.MaxScan = 16 << 20
	}
	if cfg.MaxScan < cfg.MaxBody {
		cfg.MaxScan = cfg.MaxBody
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "vigie"
	}
	return cfg
}

// client holds the two transports of one probe: one that verifies
// certificates and one, used only after a verification failure, that does
// not. They share a cookie jar, as a browser's tab would. Requests go
// straight to the transports: redirects are followed by hand, to record
// each one, even one whose Location net/http's Client would refuse.
type client struct {
	cfg        Config
	jar        http.CookieJar
	verified   *http.Transport
	unverified *http.Transport
	own        bool // the transports are the client's, closed with it
}

func newClient(cfg Config) *client {
	jar, _ := cookiejar.New(nil) // never fails with nil options
	conns, own := cfg.Connections, false
	if conns == nil {
		conns, own = NewConnections(cfg), true
	}
	return &client{cfg: cfg, jar: jar, verified: conns.verified, unverified: conns.unverified, own: own}
}

// close releases idle connections of the probe's own, so that no
// goroutine of the transports outlives the probe.
func (c *client) close() {
	if c.own {
		c.verified.CloseIdleConnections()
		c.unverified.CloseIdleConnections()
	}
}

// Connections are HTTP connections that several probes of one audit
// share, each with its own cookies: the redirect of http://DOMAIN/ to
// https://DOMAIN/ and the request for security.txt then reuse the
// connection of the https:// probe rather than open TLS sessions of
// their own, which spares the audited server and the auditor a full
// handshake each. Close releases them once the probes have ended.
type Connections struct {
	verified, unverified *http.Transport
}

// NewConnections makes connections for probes with cfg's lookup, roots
// and timeout.
func NewConnections(cfg Config) *Connections {
	cfg = cfg.withDefaults()
	mk := func(insecure bool) *http.Transport {
		d := &probe.Dialer{Lookup: cfg.Lookup, Guard: cfg.Guard}
		return &http.Transport{
			Proxy:       nil, // never a proxy from the environment
			DialContext: d.DialContext,
			TLSClientConfig: &tls.Config{
				RootCAs:            cfg.Roots,
				InsecureSkipVerify: insecure,
				// Classical groups only: the hybrid post-quantum share
				// costs twice the CPU, and the TLS probe tests it.
				CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384},
			},
			ForceAttemptHTTP2:      true,
			MaxResponseHeaderBytes: maxHeaderBytes,
			TLSHandshakeTimeout:    cfg.Timeout,
			ResponseHeaderTimeout:  cfg.Timeout,
		}
	}
	return &Connections{verified: mk(false), unverified: mk(true)}
}

// Close closes the idle connections; the probes that used them must have
// ended.
func (c *Connections) Close() {
	c.verified.CloseIdleConnections()
	c.unverified.CloseIdleConnections()
}

// fetched is one request's outcome.
type fetched struct {
	resp      audit.HTTPResponse
	next      *url.URL // redirect target to follow, nil when final
	body      []byte
	truncated bool
	bodyErr   error
	late      []audit.HTMLElement // tags after the cap (audit.ScanLate)
	lateNo    []audit.HTMLElement // and inside <noscript> content
	lateCut   bool                // the page went on past the scan's limits
	lateErr   error
	badLoc    error // a redirect whose Location cannot be followed
	err       error // no response at all
}

// get requests u once (twice when the certificate fails verification) and
// reads the body when the response is not a redirect.
func (c *client) get(ctx context.Context, u *url.URL, maxBody int64) fetched {
	f := c.getWith(ctx, c.verified, u, maxBody)
	var verr *tls.CertificateVerificationError
	if f.err != nil && u.Scheme == "https" && errors.As(f.err, &verr) {
		g := c.getWith(ctx, c.unverified, u, maxBody)
		if g.err == nil {
			g.resp.TLSUnverified = true
			g.resp.TLSError = verr.Err.Error()
			return g
		}
	}
	return f
}

func (c *client) getWith(ctx context.Context, rt http.RoundTripper, u *url.URL, maxBody int64) (f fetched) {
	f.resp.URL = u.String()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		f.err = err
		f.resp.Error = errorText(ctx, c.cfg.Timeout, err)
		return f
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		f.err = err
		f.resp.Error = errorText(ctx, c.cfg.Timeout, err)
		return f
	}
	defer resp.Body.Close()
	f.resp.Status = resp.StatusCode
	if resp.TLS != nil {
		f.resp.TLSVersion = tls.VersionName(resp.TLS.Version)
	}
	f.resp.Headers = make(map[string][]string, len(resp.Header))
	for name, values := range resp.Header {
		// Cookie values are secrets of the visitor: they are kept
		// parsed, with their values elided, in Cookies.
		if name == "Set-Cookie" {
			continue
		}
		f.resp.Headers[name] = append([]string(nil), values...)
	}
	c.jar.SetCookies(u, resp.Cookies())
	for _, line := range resp.Header.Values("Set-Cookie") {
		f.resp.Cookies = append(f.resp.Cookies, audit.ParseSetCookie(line))
	}
	if isRedirect(resp.StatusCode) && resp.Header.Get("Location") != "" {
		loc, err := resp.Location()
		if err != nil {
			// A redirect nobody can follow: the chain stops here.
			f.resp.Location = resp.Header.Get("Location")
			f.badLoc = fmt.Errorf("invalid Location %q: %v", f.resp.Location, err)
			return f
		}
		f.resp.Location = loc.String()
		f.next = loc
		return f
	}
	// The final response: keep the start of its body.
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(resp.Body, maxBody+1))
	f.body = buf.Bytes()
	if err != nil {
		f.bodyErr = errors.New(errorText(ctx, c.cfg.Timeout, err))
	}
	if int64(len(f.body)) > maxBody {
		if err == nil && maxBody == c.cfg.MaxBody {
			c.scanLate(ctx, &f, resp.Body, maxBody)
		}
		f.body = f.body[:maxBody]
		f.truncated = true
	}
	return f
}

// scanLate reads on the final body f.body, longer than maxBody, up to
// the scan cap, and keeps the tags that Body, cut at maxBody, misses.
func (c *client) scanLate(ctx context.Context, f *fetched, rest io.Reader, maxBody int64) {
	n := &countingReader{r: io.LimitReader(rest, c.cfg.MaxScan-int64(len(f.body))+1)}
	els, noscript, err := audit.ScanLate(io.MultiReader(bytes.NewReader(f.body), n), maxBody)
	f.late, f.lateNo = els, noscript
	switch {
	case errors.Is(err, audit.ErrLateTruncated):
		f.lateCut = true
	case err != nil:
		f.lateErr = errors.New(errorText(ctx, c.cfg.Timeout, err))
	case ctx.Err() != nil:
		// The request's deadline passed while the scan read: the
		// transport, closing the connection, may end the body with a
		// clean EOF, but the page was cut by the timeout, not ended.
		f.lateErr = errors.New(errorText(ctx, c.cfg.Timeout, ctx.Err()))
	}
	if int64(len(f.body))+n.n > c.cfg.MaxScan {
		f.lateCut = true
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// isRedirect reports whether status is a redirect a browser follows
// (RFC 9110, section 15.4).
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// errorText makes err readable: net/http's wrapping is removed (the URL is
// recorded beside the error) and a deadline says how long it was.
func errorText(ctx context.Context, timeout time.Duration, err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("timeout after %s", timeout)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Sprintf("timeout after %s", timeout)
	}
	return err.Error()
}

// Probe fetches startURL (http or https), follows its redirects wherever
// they lead, up to cfg.MaxRedirects, and records the chain. It never
// returns nil; what went wrong is in the observation's Error.
func Probe(ctx context.Context, cfg Config, startURL string) *audit.HTTPObservation {
	cfg = cfg.withDefaults()
	obs := &audit.HTTPObservation{URL: startURL}
	u, err := parseStart(startURL)
	if err != nil {
		obs.Error = "httpprobe: " + err.Error()
		return obs
	}
	c := newClient(cfg)
	defer c.close()
	start := u
	seen := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			obs.Error = fmt.Sprintf("httpprobe: GET %s: %v", u, err)
			return obs
		}
		seen[u.String()] = true
		f := c.get(ctx, u, cfg.MaxBody)
		obs.Responses = append(obs.Responses, f.resp)
		if f.err != nil {
			obs.Error = fmt.Sprintf("httpprobe: GET %s: %s", u, f.resp.Error)
			return obs
		}
		if f.badLoc != nil {
			obs.Error = fmt.Sprintf("httpprobe: %s: %v", u, f.badLoc)
			return obs
		}
		if f.next == nil {
			obs.Body = string(f.body)
			obs.BodyTruncated = f.truncated
			if f.bodyErr != nil {
				obs.BodyError = "httpprobe: " + f.bodyErr.Error()
			}
			obs.LateElements, obs.LateNoscript, obs.LateTruncated = f.late, f.lateNo, f.lateCut
			if f.lateErr != nil {
				obs.LateError = "httpprobe: " + f.lateErr.Error()
			}
			return obs
		}
		next := f.next
		switch {
		case next.Scheme != "http" && next.Scheme != "https":
			obs.Error = fmt.Sprintf("httpprobe: %s redirects to unsupported scheme %q", u, next.Scheme)
			return obs
		case !cfg.redirectPortAllowed(start, next):
			// A redirect is a way to make vigie knock on any port of
			// any host: only the web's ports are followed.
			err := cfg.Guard.Refuse(next.Host, guard.BadPort)
			obs.Error = fmt.Sprintf("httpprobe: %s redirects to %s: %v", u, next, err)
			return obs
		case seen[next.String()]:
			obs.Error = fmt.Sprintf("httpprobe: redirect loop: %s redirects to %s, already visited", u, next)
			return obs
		case len(obs.Responses) > cfg.MaxRedirects:
			obs.Error = fmt.Sprintf("httpprobe: too many redirects (%d)", cfg.MaxRedirects)
			return obs
		}
		u = next
	}
}

// redirectPortAllowed reports whether a redirect from a chain that began
// at start may be followed to next: on port 80 or 443, start's own port,
// or one of cfg.RedirectPorts.
func (cfg Config) redirectPortAllowed(start, next *url.URL) bool {
	p := effectivePort(next)
	if p == "80" || p == "443" || p == effectivePort(start) {
		return true
	}
	for _, rp := range cfg.RedirectPorts {
		if strconv.Itoa(rp) == p {
			return true
		}
	}
	return false
}

// effectivePort is u's port, or its scheme's default.
func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// parseStart checks that s is an absolute http or https URL with a host.
func parseStart(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: not an http or https URL", s)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q: no host", s)
	}
	return u, nil
}

// ProbeSecurityTxt fetches https://HOST/.well-known/security.txt (RFC 9116,
// section 3), following at most three redirects on the same host, and
// keeps at most 64 KiB of it. It never returns nil.
func ProbeSecurityTxt(ctx context.Context, cfg Config, host string) *audit.SecurityTxtObservation {
	cfg = cfg.withDefaults()
	u := &url.URL{Scheme: "https", Host: host, Path: "/.well-known/security.txt"}
	obs := &audit.SecurityTxtObservation{URL: u.String()}
	if host == "" || strings.ContainsAny(host, "/?#@") {
		obs.Error = fmt.Sprintf("httpprobe: invalid host %q", host)
		return obs
	}
	c := newClient(cfg)
	defer c.close()
	for redirects := 0; ; redirects++ {
		obs.URL = u.String()
		f := c.get(ctx, u, securityTxtMaxBody)
		obs.Status = f.resp.Status
		obs.TLSUnverified = f.resp.TLSUnverified
		if f.err != nil {
			obs.Error = fmt.Sprintf("httpprobe: GET %s: %s", u, f.resp.Error)
			return obs
		}
		if f.badLoc != nil {
			obs.Error = fmt.Sprintf("httpprobe: %s: %v", u, f.badLoc)
			return obs
		}
		if f.next == nil {
			if h := f.resp.Headers["Content-Type"]; len(h) > 0 {
				obs.ContentType = h[0]
			}
			obs.Body = string(f.body)
			if f.bodyErr != nil {
				obs.Error = "httpprobe: " + f.bodyErr.Error()
			}
			return obs
		}
		switch {
		case f.next.Scheme != "https" || f.next.Host != u.Host:
			obs.Error = fmt.Sprintf("httpprobe: %s redirects to %s, another origin", u, f.next)
			return obs
		case redirects >= securityTxtMaxRedirects:
			obs.Error = fmt.Sprintf("httpprobe: too many redirects (%d)", securityTxtMaxRedirects)
			return obs
		}
		u = f.next
	}
}
