package httpcheck

import (
	"strconv"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// oneYear is the shortest HSTS max-age not reported as short, in seconds.
const oneYear = 31536000

const hstsSnippet = "nginx : « add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always; » ; " +
	"Apache : « Header always set Strict-Transport-Security \"max-age=63072000; includeSubDomains\" »."

const hstsSnippetEN = "nginx: “add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always;”; " +
	"Apache: “Header always set Strict-Transport-Security \"max-age=63072000; includeSubDomains\"”."

var hstsMissing = &audit.Definition{
	ID:       "http.hsts.missing",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "HSTS absent : le navigateur n'est pas tenu d'utiliser HTTPS",
		EN: "No HSTS: browsers are not told to insist on HTTPS",
	},
	Remediation: audit.Text{
		FR: "Envoyer l'en-tête Strict-Transport-Security sur toutes les réponses HTTPS, avec une durée d'au moins un an. " + hstsSnippet,
		EN: "Send the Strict-Transport-Security header on every HTTPS response, for at least one year. " + hstsSnippetEN,
	},
	Standard: "RFC 6797, section 6.1; Mozilla Web Security Guidelines (HTTP Strict Transport Security)",
}

var hstsShort = &audit.Definition{
	ID:       "http.hsts.short",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Durée HSTS inférieure à un an",
		EN: "HSTS max-age under one year",
	},
	Remediation: audit.Text{
		FR: "Porter max-age à au moins 31536000 secondes (un an ; deux ans recommandés). " + hstsSnippet,
		EN: "Raise max-age to at least 31536000 seconds (one year; two years recommended). " + hstsSnippetEN,
	},
	Standard: "RFC 6797, section 6.1.1; Mozilla Web Security Guidelines (HTTP Strict Transport Security)",
}

var hstsNoSubdomains = &audit.Definition{
	ID:       "http.hsts.no_subdomains",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "HSTS ne couvre pas les sous-domaines (includeSubDomains absent)",
		EN: "HSTS does not cover subdomains (no includeSubDomains)",
	},
	Remediation: audit.Text{
		FR: "Ajouter la directive includeSubDomains, après avoir vérifié que tous les sous-domaines sont servis en HTTPS. " + hstsSnippet,
		EN: "Add the includeSubDomains directive, once every subdomain is served over HTTPS. " + hstsSnippetEN,
	},
	Standard: "RFC 6797, section 6.1.2",
}

var hstsInvalid = &audit.Definition{
	ID:       "http.hsts.invalid",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "En-tête HSTS invalide, ignoré par les navigateurs",
		EN: "Invalid HSTS header, ignored by browsers",
	},
	Remediation: audit.Text{
		FR: "Corriger la syntaxe : une seule directive max-age, un nombre de secondes sans unité, des directives séparées par « ; », chacune une seule fois. " + hstsSnippet,
		EN: "Fix the syntax: one max-age directive, a number of seconds without a unit, directives separated by \";\", each at most once. " + hstsSnippetEN,
	},
	Standard: "RFC 6797, section 6.1",
}

// HSTS judges the Strict-Transport-Security header of each final HTTPS
// page (RFC 6797).
var HSTS = audit.CheckFunc("http.hsts", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		values := p.resp.Header("Strict-Transport-Security")
		if len(values) == 0 {
			f.add(hstsMissing, p.host, noHeader(p, "Strict-Transport-Security"))
			continue
		}
		// RFC 6797, section 8.1: a UA processes only the first
		// Strict-Transport-Security header field of a response.
		v := values[0]
		h, err := audit.ParseHSTS(v)
		if err != nil {
			f.add(hstsInvalid, p.host, audit.M("http.hsts.invalid", "value", evidence.Quote(v), "error", err.Error()))
			continue
		}
		if h.MaxAge < oneYear {
			f.add(hstsShort, p.host, audit.M("http.hsts.short", "max_age", strconv.FormatInt(int64(h.MaxAge), 10), "year", strconv.Itoa(oneYear)))
		}
		if !h.IncludeSubDomains {
			f.add(hstsNoSubdomains, p.host, audit.M("http.header.value", "header", "Strict-Transport-Security", "value", evidence.Quote(v)))
		}
	}
	return f.list
}, hstsMissing, hstsShort, hstsNoSubdomains, hstsInvalid)
