package sovcheck

import "vigie.eu/vigie/internal/audit"

var defWeb = &audit.Definition{
	ID:       "sovereignty.web.extraterritorial",
	Severity: audit.Medium,
	Title: audit.Text{FR: "Site web hébergé chez un fournisseur soumis à un droit extra-européen (CLOUD Act, FISA)",
		EN: "Web site hosted by a provider bound by extra-European law (CLOUD Act, FISA)"},
	Remediation: audit.Text{
		FR: "Héberger le site chez un hébergeur de droit français ou européen, en France ou dans l'UE, qualifié SecNumCloud pour les données sensibles (doctrine « Cloud au centre ») ; pour des données de santé, chez un hébergeur certifié HDS non soumis au droit américain.",
		EN: "Host the site with a provider under French or European law, in France or the EU, SecNumCloud-qualified for sensitive data (\"Cloud au centre\" doctrine); for health data, with an HDS-certified host not bound by US law."},
	Standard: standard,
}

var defCDN = &audit.Definition{
	ID:       "sovereignty.cdn.extraterritorial",
	Severity: audit.Low,
	Title: audit.Text{FR: "Site servi par un réseau de diffusion (CDN) soumis à un droit extra-européen : il voit chaque visite en clair",
		EN: "Site served through a content delivery network (CDN) bound by extra-European law: it sees every visit in clear"},
	Remediation: audit.Text{
		FR: "Servir le site sans CDN, ou par un CDN de droit européen ; un CDN déchiffre le TLS et voit les pages, les formulaires et les cookies des visiteurs.",
		EN: "Serve the site without a CDN, or through a CDN under European law; a CDN terminates TLS and sees the visitors' pages, forms and cookies."},
	Standard: standard,
}

var defMail = &audit.Definition{
	ID:       "sovereignty.mail.extraterritorial",
	Severity: audit.Medium,
	Title: audit.Text{FR: "Messagerie chez un fournisseur soumis à un droit extra-européen (CLOUD Act, FISA)",
		EN: "Mail at a provider bound by extra-European law (CLOUD Act, FISA)"},
	Remediation: audit.Text{
		FR: "Confier la messagerie à un fournisseur de droit français ou européen (hébergeur qualifié SecNumCloud, syndicat informatique, offre interministérielle) : les courriels des agents et des usagers restent hors de portée des lois étrangères.",
		EN: "Move the mail to a provider under French or European law (a SecNumCloud-qualified host, a public IT syndicate, the State's shared offer): the mail of staff and citizens stays out of reach of foreign laws."},
	Standard: standard,
}

var defDNS = &audit.Definition{
	ID:       "sovereignty.dns.extraterritorial",
	Severity: audit.Low,
	Title: audit.Text{FR: "DNS servi par un fournisseur soumis à un droit extra-européen",
		EN: "DNS served by a provider bound by extra-European law"},
	Remediation: audit.Text{
		FR: "Faire servir la zone par des serveurs de noms de droit européen (le registraire, un hébergeur français) : qui sert le DNS peut détourner le site et la messagerie.",
		EN: "Have the zone served by name servers under European law (the registrar, a French host): whoever serves the DNS can divert the site and the mail."},
	Standard: standard,
}

var defCA = &audit.Definition{
	ID:       "sovereignty.ca.extraterritorial",
	Severity: audit.Info,
	Title: audit.Text{FR: "Certificat délivré par une autorité soumise à un droit extra-européen",
		EN: "Certificate issued by an authority bound by extra-European law"},
	Remediation: audit.Text{
		FR: "Pour information : l'autorité ne voit pas les données, mais sa disponibilité et ses révocations échappent au droit européen ; une autorité européenne (qualifiée eIDAS) est possible.",
		EN: "For information: the authority does not see the data, but its availability and revocations are outside European law; a European (eIDAS-qualified) authority is possible."},
	Standard: standard,
}

var defThirdParty = &audit.Definition{
	ID:       "sovereignty.third_party.extraterritorial",
	Severity: audit.Low,
	Title: audit.Text{FR: "La page d'accueil fait charger aux visiteurs des ressources d'un fournisseur soumis à un droit extra-européen",
		EN: "The home page makes visitors load resources from a provider bound by extra-European law"},
	Remediation: audit.Text{
		FR: "Héberger sur le site lui-même les polices, bibliothèques et scripts ; chaque ressource tierce transmet l'adresse IP et la page visitée du visiteur à son fournisseur.",
		EN: "Host fonts, libraries and scripts on the site itself; each third-party resource sends the visitor's IP address and page to its provider."},
	Standard: standard,
}

// Web reports the domain and www hosted at an extraterritorial provider
// that is not first of all a CDN.
var Web = check("sovereignty.web", defWeb, audit.RoleWeb, func(p *audit.HostingProvider) bool { return !isCDN(p) })

// CDN reports the domain and www served by an extraterritorial CDN.
var CDN = check("sovereignty.cdn", defCDN, audit.RoleWeb, isCDN)

// Mail reports each MX host at an extraterritorial provider.
var Mail = check("sovereignty.mail", defMail, audit.RoleMail, all)

// DNS reports each name server at an extraterritorial provider.
var DNS = check("sovereignty.dns", defDNS, audit.RoleDNS, all)

// CA reports the certificate issuers bound by extraterritorial law.
var CA = check("sovereignty.ca", defCA, audit.RoleCA, all)

// ThirdParty reports the third-party hosts of the home page at an
// extraterritorial provider.
var ThirdParty = check("sovereignty.third_party", defThirdParty, audit.RoleThirdParty, all)
