package httpcheck

import (
	"slices"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var cspMissing = &audit.Definition{
	ID:       "http.csp.missing",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Pas de politique de sécurité du contenu (CSP)",
		EN: "No Content Security Policy (CSP)",
	},
	Remediation: audit.Text{
		FR: "Envoyer un en-tête Content-Security-Policy qui n'autorise que les sources nécessaires, par exemple " +
			"« default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self' ». " +
			"nginx : « add_header Content-Security-Policy \"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'\" always; » ; " +
			"Apache : « Header always set Content-Security-Policy \"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'\" ». " +
			"La mettre au point d'abord avec Content-Security-Policy-Report-Only.",
		EN: "Send a Content-Security-Policy header that allows only the sources the site needs, for instance " +
			"\"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'\". " +
			"nginx: “add_header Content-Security-Policy \"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'\" always;”; " +
			"Apache: “Header always set Content-Security-Policy \"default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'\"”. " +
			"Tune it first with Content-Security-Policy-Report-Only.",
	},
	Standard: "Content Security Policy Level 3 (W3C); Mozilla Web Security Guidelines (Content Security Policy); " +
		"ANSSI, Recommandations pour la mise en place de sites web maîtrisés",
}

var cspWeak = &audit.Definition{
	ID:       "http.csp.weak",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Politique de sécurité du contenu (CSP) trop permissive",
		EN: "Content Security Policy (CSP) too permissive",
	},
	Remediation: audit.Text{
		FR: "Corriger la directive désignée : retirer 'unsafe-inline' et 'unsafe-eval' de script-src (utiliser des nonces " +
			"ou des empreintes « 'sha256-…' »), remplacer « * », « https: », « data: » par les seules origines nécessaires, " +
			"ajouter « object-src 'none' » et « base-uri 'self' ». Exemple : « default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self' ».",
		EN: "Fix the directive named: remove 'unsafe-inline' and 'unsafe-eval' from script-src (use nonces or " +
			"hashes \"'sha256-…'\"), replace \"*\", \"https:\", \"data:\" with the origins actually needed, " +
			"add \"object-src 'none'\" and \"base-uri 'self'\". Example: \"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'\".",
	},
	Standard: "Content Security Policy Level 3 (W3C); Mozilla Web Security Guidelines (Content Security Policy)",
}

// CSP judges the Content-Security-Policy header of each final HTTPS page.
// Content-Security-Policy-Report-Only enforces nothing and is not read.
// When several policies are sent, each is enforced (CSP Level 3, "the
// effect of multiple policies"), so a weakness is reported only when
// every policy has it.
var CSP = audit.CheckFunc("http.csp", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		var policies []audit.CSPPolicy
		for _, v := range p.resp.Header("Content-Security-Policy") {
			policies = append(policies, audit.ParseCSP(v)...)
		}
		if len(policies) == 0 {
			f.add(cspMissing, p.host, noHeader(p, "Content-Security-Policy"))
			continue
		}
		common := cspWeaknesses(policies[0])
		for _, other := range policies[1:] {
			w := cspWeaknesses(other)
			common = slices.DeleteFunc(common, func(c CSPWeakness) bool {
				return !slices.ContainsFunc(w, func(x CSPWeakness) bool { return x.Kind == c.Kind })
			})
		}
		for _, w := range common {
			f.add(cspWeak, p.host, w.Message)
		}
	}
	return f.list
}, cspMissing, cspWeak)

// CSPWeakness is one way a policy fails to protect.
type CSPWeakness struct {
	// Kind names the weakness, for comparing policies:
	// "no-script-src", "unsafe-inline", "unsafe-eval", "script-wildcard",
	// "object-src", "no-base-uri".
	Kind string
	// Reason says which directive fails and why, in English.
	Reason string
	// Message is Reason as a message of the catalogue, for the
	// evidence.
	Message audit.Message
}

// cspWeaknesses returns what the policy fails to prevent, in a fixed
// order.
func cspWeaknesses(p audit.CSPPolicy) []CSPWeakness {
	var ws []CSPWeakness
	add := func(kind string, m audit.Message) {
		ws = append(ws, CSPWeakness{Kind: kind, Reason: m.Render("en"), Message: m})
	}

	// Scripts: script-src, or default-src when it is absent (CSP Level
	// 3, "get the effective directive" and the fallback lists).
	script, name := p.Effective("script-src")
	if name == "" {
		add("no-script-src", audit.M("http.csp.no_script_src"))
	} else {
		sources := lower(script)
		// A nonce or a hash disables 'unsafe-inline' (CSP Level 3,
		// "does a source list allow all inline behavior?").
		hasNonceOrHash := slices.ContainsFunc(sources, audit.IsCSPNonceOrHash)
		if slices.Contains(sources, "'unsafe-inline'") && !hasNonceOrHash {
			add("unsafe-inline", audit.M("http.csp.unsafe_inline", "directive", name))
		}
		if slices.Contains(sources, "'unsafe-eval'") {
			add("unsafe-eval", audit.M("http.csp.unsafe_eval", "directive", name))
		}
		// With 'strict-dynamic', host and scheme sources are ignored.
		if !slices.Contains(sources, "'strict-dynamic'") {
			if wide := tooWide(script); len(wide) > 0 {
				add("script-wildcard", audit.M("http.csp.script_wildcard", "directive", name, "sources", evidence.Quote(strings.Join(wide, " "))))
			}
		}
	}

	// Plugins: object-src, or default-src when it is absent.
	object, name := p.Effective("object-src")
	switch {
	case name == "":
		add("object-src", audit.M("http.csp.no_object_src"))
	case !(len(object) == 1 && strings.EqualFold(object[0], "'none'")):
		add("object-src", audit.M("http.csp.object_src", "directive", name, "sources", evidence.Quote(strings.Join(object, " "))))
	}

	// base-uri does not fall back to default-src.
	if _, ok := p.Get("base-uri"); !ok {
		add("no-base-uri", audit.M("http.csp.no_base_uri"))
	}
	return ws
}

// tooWide returns the sources that match any host: "*" and the bare
// schemes http:, https: and data:.
func tooWide(sources []string) []string {
	var wide []string
	for _, s := range sources {
		switch strings.ToLower(s) {
		case "*", "http:", "https:", "data:":
			wide = append(wide, s)
		}
	}
	return wide
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
