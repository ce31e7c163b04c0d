package httpcheck

import (
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var cookieNoSecure = &audit.Definition{
	ID:       "http.cookie.no_secure",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Cookie sans l'attribut Secure : il peut circuler en clair",
		EN: "Cookie without the Secure attribute: it may travel in clear text",
	},
	Remediation: audit.Text{
		FR: "Poser l'attribut Secure sur chaque cookie, idéalement avec le préfixe __Host- " +
			"(« Set-Cookie: __Host-session=…; Secure; HttpOnly; SameSite=Lax; Path=/ »). " +
			"nginx : « proxy_cookie_flags ~ secure httponly samesite=lax; » ; " +
			"Apache : « Header always edit Set-Cookie ^(.*)$ \"$1; Secure; HttpOnly; SameSite=Lax\" », ou dans l'application.",
		EN: "Set the Secure attribute on every cookie, ideally with the __Host- prefix " +
			"(\"Set-Cookie: __Host-session=…; Secure; HttpOnly; SameSite=Lax; Path=/\"). " +
			"nginx: \"proxy_cookie_flags ~ secure httponly samesite=lax;\"; " +
			"Apache: “Header always edit Set-Cookie ^(.*)$ \"$1; Secure; HttpOnly; SameSite=Lax\"”, or in the application.",
	},
	Standard: "RFC 6265, section 4.1.2.5; Cookie prefixes (draft-ietf-httpbis-rfc6265bis); Mozilla Web Security Guidelines (Cookies)",
}

var cookieNoHTTPOnly = &audit.Definition{
	ID:       "http.cookie.no_httponly",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Cookie sans l'attribut HttpOnly : lisible par les scripts de la page",
		EN: "Cookie without the HttpOnly attribute: scripts in the page can read it",
	},
	Remediation: audit.Text{
		FR: "Poser HttpOnly sur les cookies que les scripts n'ont pas à lire (cookies de session surtout). " +
			"nginx : « proxy_cookie_flags ~ httponly; » ; Apache : « Header always edit Set-Cookie ^(.*)$ \"$1; HttpOnly\" », ou dans l'application.",
		EN: "Set HttpOnly on the cookies scripts do not need to read (session cookies above all). " +
			"nginx: “proxy_cookie_flags ~ httponly;”; Apache: “Header always edit Set-Cookie ^(.*)$ \"$1; HttpOnly\"”, or in the application.",
	},
	Standard: "RFC 6265, section 4.1.2.6; Mozilla Web Security Guidelines (Cookies)",
}

var cookieNoSameSite = &audit.Definition{
	ID:       "http.cookie.no_samesite",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Cookie sans attribut SameSite valide",
		EN: "Cookie without a valid SameSite attribute",
	},
	Remediation: audit.Text{
		FR: "Poser SameSite=Lax (ou Strict) pour limiter l'envoi du cookie depuis d'autres sites (CSRF). " +
			"nginx : « proxy_cookie_flags ~ samesite=lax; » ; Apache : « Header always edit Set-Cookie ^(.*)$ \"$1; SameSite=Lax\" », ou dans l'application.",
		EN: "Set SameSite=Lax (or Strict) to limit sending the cookie from other sites (CSRF). " +
			"nginx: “proxy_cookie_flags ~ samesite=lax;”; Apache: “Header always edit Set-Cookie ^(.*)$ \"$1; SameSite=Lax\"”, or in the application.",
	},
	Standard: "draft-ietf-httpbis-rfc6265bis (SameSite attribute); Mozilla Web Security Guidelines (Cookies)",
}

// Cookies judges every cookie set by any response of any chain, over
// HTTPS or HTTP, once per host and cookie name. Cookies being deleted
// (Max-Age zero or less, Expires already past) are not judged.
var Cookies = audit.CheckFunc("http.cookie", func(o *audit.Observations) []audit.Finding {
	type key struct{ id, subject string }
	seen := map[key]bool{}
	var out []audit.Finding
	add := func(d *audit.Definition, subject string, ev audit.Message) {
		k := key{d.ID, subject}
		if !seen[k] {
			seen[k] = true
			out = append(out, d.New(subject, ev))
		}
	}
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		for _, r := range h.Responses {
			host := hostOf(r.URL)
			if r.Status == 0 || host == "" {
				continue
			}
			for _, c := range r.Cookies {
				if deleted(c, o.Time) {
					continue
				}
				subject := host + " cookie " + evidence.Quote(c.Name)
				ev := audit.M("http.cookie.set", "cookie", evidence.Quote(c.Raw), "url", evidence.Quote(r.URL))
				if !c.Secure {
					add(cookieNoSecure, subject, ev)
				}
				if !c.HttpOnly {
					add(cookieNoHTTPOnly, subject, ev)
				}
				switch c.SameSite {
				case "Strict", "Lax", "None":
				case "":
					add(cookieNoSameSite, subject, ev)
				default:
					add(cookieNoSameSite, subject, audit.M("http.cookie.samesite_invalid", "value", evidence.Quote(c.SameSite)).WithItems(ev))
				}
			}
		}
	}
	return out
}, cookieNoSecure, cookieNoHTTPOnly, cookieNoSameSite)

// deleted reports whether a Set-Cookie removes the cookie rather than
// setting it (RFC 6265, sections 5.2.1 and 5.2.2).
func deleted(c audit.Cookie, now time.Time) bool {
	if n, ok := c.MaxAgeSeconds(); ok {
		// Max-Age takes precedence over Expires.
		return n <= 0
	}
	if t, ok := c.ExpiresTime(); ok && !now.IsZero() {
		return t.Before(now)
	}
	return false
}
