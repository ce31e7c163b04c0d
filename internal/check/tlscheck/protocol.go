package tlscheck

import (
	"vigie.eu/vigie/internal/audit"
)

var defSSLv3 = &audit.Definition{
	ID:       "tls.protocol.sslv3",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le serveur accepte SSLv3",
		EN: "The server accepts SSLv3",
	},
	Remediation: audit.Text{
		FR: "Désactiver SSLv3 (et SSLv2) dans la configuration du serveur et n'autoriser que TLS 1.2 et TLS 1.3 : " + protocolsConfig + ". SSLv3 est cassé (attaque POODLE).",
		EN: "Disable SSLv3 (and SSLv2) in the server configuration and allow only TLS 1.2 and TLS 1.3: " + protocolsConfEN + ". SSLv3 is broken (POODLE attack).",
	},
	Standard: "RFC 7568; " + bcp195 + ", Section 3.1.1; " + anssiTLS + "; " + ncscTLS,
}

var defTLS10 = &audit.Definition{
	ID:       "tls.protocol.tls10",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur accepte TLS 1.0, version obsolète",
		EN: "The server accepts TLS 1.0, a deprecated version",
	},
	Remediation: audit.Text{
		FR: "Désactiver TLS 1.0 dans la configuration du serveur et n'autoriser que TLS 1.2 et TLS 1.3 : " + protocolsConfig + ". Tous les navigateurs actuels parlent TLS 1.2.",
		EN: "Disable TLS 1.0 in the server configuration and allow only TLS 1.2 and TLS 1.3: " + protocolsConfEN + ". Every current browser speaks TLS 1.2.",
	},
	Standard: "RFC 8996; " + bcp195 + ", Section 3.1.1; " + anssiTLS + "; " + ncscTLS,
}

var defTLS11 = &audit.Definition{
	ID:       "tls.protocol.tls11",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur accepte TLS 1.1, version obsolète",
		EN: "The server accepts TLS 1.1, a deprecated version",
	},
	Remediation: audit.Text{
		FR: "Désactiver TLS 1.1 dans la configuration du serveur et n'autoriser que TLS 1.2 et TLS 1.3 : " + protocolsConfig + ".",
		EN: "Disable TLS 1.1 in the server configuration and allow only TLS 1.2 and TLS 1.3: " + protocolsConfEN + ".",
	},
	Standard: "RFC 8996; " + bcp195 + ", Section 3.1.1; " + anssiTLS + "; " + ncscTLS,
}

var defNoTLS13 = &audit.Definition{
	ID:       "tls.protocol.no_tls13",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Le serveur ne propose pas TLS 1.3",
		EN: "The server does not offer TLS 1.3",
	},
	Remediation: audit.Text{
		FR: "Activer TLS 1.3 (OpenSSL 1.1.1 ou plus récent) : " + protocolsConfig + ". TLS 1.3 ne garde que des suites sûres et chiffre davantage la négociation.",
		EN: "Enable TLS 1.3 (OpenSSL 1.1.1 or later): " + protocolsConfEN + ". TLS 1.3 keeps only strong suites and encrypts more of the handshake.",
	},
	Standard: "RFC 8446; " + bcp195 + ", Section 3.1.1; " + anssiTLS + "; " + ncscTLS,
}

// Protocol reports the protocol versions older than TLS 1.2 that a host
// accepts, and the absence of TLS 1.3 when the probe tried it (RFC 8996,
// RFC 7568, RFC 9325 Section 3.1.1).
var Protocol = audit.CheckFunc("tls.protocol", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		for _, c := range []struct {
			version string
			def     *audit.Definition
		}{
			{audit.SSL30, defSSLv3},
			{audit.TLS10, defTLS10},
			{audit.TLS11, defTLS11},
		} {
			if accepted(t, c.version) {
				out = append(out, c.def.New(t.Host, audit.M("tls.protocol.accepted", "version", versionText(c.version))))
			}
		}
		if refusedTLS13(t) {
			ev := audit.M("tls.protocol.tls13_refused")
			if h := highestAccepted(t); h != "" {
				ev = audit.M("tls.protocol.tls13_refused_highest", "version", versionText(h))
			}
			out = append(out, defNoTLS13.New(t.Host, ev))
		}
	}
	return out
}, defSSLv3, defTLS10, defTLS11, defNoTLS13)

// refusedTLS13 reports whether the probe tried TLS 1.3 and the server
// refused it; an entry with an Error means the probe could not tell.
func refusedTLS13(t *audit.TLSObservation) bool {
	if t.Handshake != nil && t.Handshake.Version == audit.TLS13 {
		return false
	}
	tried := false
	for _, p := range t.Protocols {
		if p.Version != audit.TLS13 {
			continue
		}
		if p.Accepted || p.Error != "" {
			return false
		}
		tried = true
	}
	return tried
}

// highestAccepted returns the newest version the host accepts, "" if none.
func highestAccepted(t *audit.TLSObservation) string {
	best := ""
	for _, v := range []string{audit.SSL30, audit.TLS10, audit.TLS11, audit.TLS12, audit.TLS13} {
		if accepted(t, v) {
			best = v
		}
	}
	return best
}
