package lab

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// The home pages of Config.Pages, for the page-load probe
// (vigie audit --browser): what the page loads before any consent.
const (
	// PageTrackers loads Google Tag Manager, which loads Google
	// Analytics, which sets a cookie: trackers before consent, with no
	// consent manager.
	PageTrackers = "trackers"
	// PageConsent carries a self-hosted consent manager (tarteaucitron)
	// and loads no tracker until consent.
	PageConsent = "consent"
	// PageClean loads nothing but itself and its logo: 10 elements,
	// 3 requests (the page, its logo and the favicon a browser asks
	// for).
	PageClean = "clean"
	// PageHang never finishes loading: its image never answers.
	PageHang = "hang"
	// PageCrash allocates until its tab's renderer dies.
	PageCrash = "crash"
	// PageHeavy loads a script of 50 MB.
	PageHeavy = "heavy"
)

// PagesFile lists, in Config.Dir, the domains with a page of Config.Pages
// and the page each one serves ("domain<TAB>page").
const PagesFile = "pages.tsv"

// thirdPartyHosts are the third parties the lab's pages load, under their
// real names: the lab's DNS answers them with the lab's address for
// third parties, and the lab's CA signs their certificate, so that
// nothing leaves the machine.
var thirdPartyHosts = []string{"www.googletagmanager.com", "www.google-analytics.com"}

// pageOrder is the page given to the first organisations that can serve
// one; the others take the first three in turn.
var pageOrder = []string{PageTrackers, PageConsent, PageClean, PageHang, PageCrash, PageHeavy}

// assignPages gives a page to each organisation that serves HTTPS with a
// valid certificate on an address of its own, after pageOrder, and
// returns the third parties' site on the address after last.
func (l *Lab) assignPages(sites []*site, last netip.Addr) (*site, error) {
	k := 0
	for _, s := range sites {
		p := s.org.Profile
		if !p.HTTPS || p.Cert != CertValid || s.org.Provider >= 0 {
			continue
		}
		if k < len(pageOrder) {
			s.page = pageOrder[k]
		} else {
			s.page = pageOrder[(k-len(pageOrder))%3]
		}
		k++
	}
	addr := last.Next()
	if !addr.IsLoopback() || l.byAddr[addr] != nil {
		return nil, fmt.Errorf("lab: no address left for the third parties after %s", last)
	}
	tp := &site{org: &Org{Domain: thirdPartyHosts[0], Name: "tiers", Addr: addr, Provider: -1,
		Profile: Profile{HTTPS: true, TLS: TLSModern, Cert: CertValid, Headers: "none"}}, third: true}
	for _, h := range thirdPartyHosts {
		l.byName[h] = tp
	}
	l.byAddr[addr] = tp
	return tp, nil
}

// thirdPartyRecords are the DNS records of the third parties' names.
func thirdPartyRecords(tp *site) []dns.RR {
	if tp == nil {
		return nil
	}
	var rrs []dns.RR
	for _, h := range thirdPartyHosts {
		rrs = append(rrs, aRR(h+".", tp.org.Addr))
	}
	return rrs
}

// pagesTSV is the content of PagesFile.
func (l *Lab) pagesTSV() []byte {
	var b strings.Builder
	for _, o := range l.Orgs {
		if s := l.byName[o.Domain]; s != nil && s.page != "" && s.org == o {
			fmt.Fprintf(&b, "%s\t%s\n", o.Domain, s.page)
		}
	}
	return []byte(b.String())
}

// serveThirdParty answers as the third parties do, in a few lines: the
// tag manager's loader adds the analytics script, which sets its cookie.
func serveThirdParty(w http.ResponseWriter, r *http.Request) {
	host := hostOnly(r.Host)
	switch host + r.URL.Path {
	case "www.googletagmanager.com/gtm.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `(function(){var s=document.createElement('script');s.async=true;s.src='https://www.google-analytics.com/analytics.js';document.head.appendChild(s);window.dataLayer=window.dataLayer||[];})();`)
	case "www.google-analytics.com/analytics.js":
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Set-Cookie", "_ga=GA1.1.7.7; Domain=google-analytics.com; Path=/; Max-Age=34128000; Secure; SameSite=None")
		fmt.Fprint(w, `window.ga=function(){};`)
	default:
		http.NotFound(w, r)
	}
}

// heavyChunk is one MiB of a JavaScript comment.
var heavyChunk = []byte("//" + strings.Repeat("x", 1<<20-3) + "\n")

// servePageOf serves the paths of the site's page, and reports whether
// it did.
func servePageOf(w http.ResponseWriter, r *http.Request, s *site) bool {
	html := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="fr"><head><title>%s</title>%s</head><body><h1>%s</h1>%s</body></html>`,
			htmlEscape(s.org.Name), pageHead[s.page], htmlEscape(s.org.Name), body)
	}
	switch r.URL.Path {
	case "/":
		switch s.page {
		case PageTrackers:
			html(`<p>Bienvenue.</p>`)
		case PageConsent:
			html(`<p>Bienvenue.</p>`)
		case PageClean:
			html(`<p>Bienvenue.</p><img src="/logo.png" alt=""><ul><li>Mairie</li><li>Écoles</li></ul>`)
		case PageHang:
			html(`<img src="/lent.png" alt="">`)
		case PageCrash:
			html(`<script>const a = []; for (;;) { a.push(new Array(1e6).fill(Math.random())); }</script>`)
		case PageHeavy:
			html(`<script src="/lourd.js"></script>`)
		default:
			return false
		}
	case "/logo.png":
		w.Header().Set("Content-Type", "image/png")
		w.Write(make([]byte, 10<<10))
	case "/tarteaucitron/tarteaucitron.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.tarteaucitron={init:function(){}};`)
	case "/lent.png":
		// Until the client goes away, or the lab stops.
		<-r.Context().Done()
	case "/lourd.js":
		w.Header().Set("Content-Type", "text/javascript")
		for range 50 {
			if _, err := w.Write(heavyChunk); err != nil {
				return true
			}
		}
	default:
		return false
	}
	return true
}

// pageHead is what each page puts in its head.
var pageHead = map[string]string{
	PageTrackers: `<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-LAB"></script>`,
	PageConsent:  `<script src="/tarteaucitron/tarteaucitron.js"></script><script>tarteaucitron.init({});</script>`,
}
