package mailprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe"
)

// orgDomain is the organisational domain of name (RFC 7489 section 3.2):
// the public suffix and one label more.
func orgDomain(name string) string {
	o, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return o
}

// dmarc finds the DMARC record of the domain, falling back to the
// organisational domain (RFC 7489 section 6.6.3), and checks the
// authorisation of external report addresses (section 7.1).
func (p *prober) dmarc(ctx context.Context) *audit.DMARCObservation {
	obs := &audit.DMARCObservation{Name: "_dmarc." + p.domain, OrgDomain: orgDomain(p.domain)}
	policyDomain := p.domain
	for {
		recs, _, err := p.txt(ctx, obs.Name)
		if err != nil {
			obs.Error = "mailprobe: " + shortError(err)
			return obs
		}
		obs.Records = filter(recs, func(r string) bool {
			return strings.HasPrefix(r, "v=DMARC1") && (len(r) == 8 || r[8] == ';' || r[8] == ' ')
		})
		if len(obs.Records) > 0 || obs.Fallback || obs.OrgDomain == p.domain {
			break
		}
		obs.Fallback, obs.Name, policyDomain = true, "_dmarc."+obs.OrgDomain, obs.OrgDomain
	}
	if len(obs.Records) != 1 {
		return obs
	}
	parseDMARC(obs.Records[0], obs)
	var wg probe.Group
	for _, list := range [][]audit.DMARCReportAddress{obs.RUA, obs.RUF} {
		for i := range list {
			a := &list[i]
			if a.Error != "" || a.Domain == "" || orgDomain(a.Domain) == orgDomain(policyDomain) {
				continue
			}
			a.External = true
			a.AuthName = policyDomain + "._report._dmarc." + a.Domain
			wg.Go(func() {
				recs, _, err := p.txt(ctx, a.AuthName)
				if err != nil {
					a.Error = "mailprobe: " + shortError(err)
					return
				}
				ok := slices.ContainsFunc(recs, func(r string) bool { return strings.HasPrefix(r, "v=DMARC1") })
				a.Authorized = &ok
			})
		}
	}
	wg.Wait()
	return obs
}

// dkim asks the key records of the given selectors and of the common
// ones, and the _domainkey name itself.
func (p *prober) dkim(ctx context.Context, given []string) *audit.DKIMObservation {
	obs := &audit.DKIMObservation{}
	isGiven := map[string]bool{}
	for _, s := range given {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !isGiven[s] {
			isGiven[s] = true
			obs.Tried = append(obs.Tried, s)
		}
	}
	for _, s := range commonSelectors {
		if !isGiven[s] {
			obs.Tried = append(obs.Tried, s)
		}
	}
	sels := make([]audit.DKIMSelector, len(obs.Tried))
	sem := make(chan struct{}, 8)
	var wg probe.Group
	wg.Go(func() {
		if _, rcode, err := p.cfg.DNS.Query(ctx, "_domainkey."+p.domain, dns.TypeTXT); err == nil {
			obs.DomainKeyRcode = rcodeName(rcode)
		}
	})
	for i, s := range obs.Tried {
		wg.Go(func() {
			sel := &sels[i]
			*sel = audit.DKIMSelector{Selector: s, Name: s + "._domainkey." + p.domain, Given: isGiven[s]}
			if _, ok := dns.IsDomainName(sel.Name); !ok {
				sel.Error = fmt.Sprintf("mailprobe: %q is not a valid selector", s)
				return
			}
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				sel.Error = "mailprobe: " + shortError(ctx.Err())
				return
			}
			recs, rcode, err := p.txt(ctx, sel.Name)
			if err != nil {
				sel.Error = "mailprobe: " + shortError(err)
				return
			}
			sel.Rcode = rcodeName(rcode)
			// A TXT record at the name that is not a key (an SPF
			// record at a wildcard, say) is not a DKIM key.
			keys := filter(recs, func(r string) bool { return strings.Contains(r, "p=") || strings.HasPrefix(r, "v=DKIM1") })
			if len(keys) == 0 {
				return
			}
			sel.Found, sel.Record = true, keys[0]
			parseDKIMKey(keys[0], sel)
			if len(keys) > 1 {
				sel.Errors = append(sel.Errors, fmt.Sprintf("%d key records at the name: the first is used", len(keys)))
			}
		})
	}
	wg.Wait()
	for _, s := range sels {
		if s.Given || s.Found || s.Error != "" {
			obs.Selectors = append(obs.Selectors, s)
		}
	}
	return obs
}

// tlsrpt reads the TLS-RPT record at _smtp._tls (RFC 8460 section 3).
func (p *prober) tlsrpt(ctx context.Context) *audit.TLSRPTObservation {
	obs := &audit.TLSRPTObservation{Name: "_smtp._tls." + p.domain}
	recs, _, err := p.txt(ctx, obs.Name)
	if err != nil {
		obs.Error = "mailprobe: " + shortError(err)
		return obs
	}
	obs.Records = filter(recs, isTLSRPT)
	switch len(obs.Records) {
	case 0:
	case 1:
		parseTLSRPT(obs.Records[0], obs)
	default:
		// RFC 8460 section 3: more than one record means none.
		obs.Errors = append(obs.Errors, fmt.Sprintf("%d TLS-RPT records: senders ignore them all", len(obs.Records)))
	}
	return obs
}

// maxPolicy caps the MTA-STS policy read (RFC 8461 section 3.3 sets no
// limit; 64 KiB is far above any real policy).
const maxPolicy = 64 << 10

// mtasts reads the _mta-sts record and, when there is one, fetches the
// policy (RFC 8461 sections 3.1 to 3.3).
func (p *prober) mtasts(ctx context.Context) *audit.MTASTSObservation {
	obs := &audit.MTASTSObservation{}
	recs, _, err := p.txt(ctx, "_mta-sts."+p.domain)
	if err != nil {
		obs.Error = "mailprobe: " + shortError(err)
		return obs
	}
	obs.Records = filter(recs, isMTASTS)
	if len(obs.Records) == 0 {
		return obs
	}
	if len(obs.Records) > 1 {
		// RFC 8461 section 3.1: several records mean no MTA-STS.
		obs.RecordErrors = append(obs.RecordErrors, fmt.Sprintf("%d MTA-STS records: senders ignore them all", len(obs.Records)))
	} else {
		obs.ID, obs.RecordErrors = parseMTASTSRecord(obs.Records[0])
	}
	host := "mta-sts." + p.domain
	obs.PolicyURL = "https://" + host + "/.well-known/mta-sts.txt"
	body, status, ctype, err := p.fetchPolicy(ctx, host)
	obs.HTTPStatus, obs.ContentType = status, ctype
	if err != nil {
		obs.FetchError = err.Error()
		return obs
	}
	obs.Policy = body
	if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt != "text/plain" {
		// RFC 8461 section 3.3: the policy is served as text/plain.
		obs.PolicyErrors = append(obs.PolicyErrors, fmt.Sprintf("content type %q is not text/plain", clip(ctype)))
	}
	parseMTASTSPolicy(body, obs)
	return obs
}

// fetchPolicy GETs the policy over HTTPS with the certificate verified
// against the configured roots, following no redirect (RFC 8461 section
// 3.3), reading at most maxPolicy bytes.
func (p *prober) fetchPolicy(ctx context.Context, host string) (body string, status int, ctype string, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	d := &probe.Dialer{Lookup: p.cfg.Lookup, Guard: p.cfg.Guard}
	port := strconv.Itoa(p.cfg.MTASTSPort)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			h, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, net.JoinHostPort(h, port))
		},
		TLSClientConfig:        &tls.Config{RootCAs: p.cfg.Roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 16 << 10,
		DisableKeepAlives:      true,
		Proxy:                  nil,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/.well-known/mta-sts.txt", nil)
	if err != nil {
		return "", 0, "", fmt.Errorf("mailprobe: %w", err)
	}
	ua := p.cfg.UserAgent
	if ua == "" {
		ua = "vigie"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := client.Do(req)
	if err != nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) && uerr.Unwrap() != nil {
			err = uerr.Unwrap()
		}
		return "", 0, "", fmt.Errorf("mailprobe: GET %s: %s", host, shortError(err))
	}
	defer resp.Body.Close()
	status, ctype = resp.StatusCode, resp.Header.Get("Content-Type")
	if status != http.StatusOK {
		return "", status, ctype, fmt.Errorf("mailprobe: GET %s: HTTP status %d", host, status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicy+1))
	if err != nil {
		return "", status, ctype, fmt.Errorf("mailprobe: GET %s: reading the policy: %s", host, shortError(err))
	}
	if len(b) > maxPolicy {
		return "", status, ctype, fmt.Errorf("mailprobe: GET %s: policy larger than %d bytes", host, maxPolicy)
	}
	return string(b), status, ctype, nil
}
