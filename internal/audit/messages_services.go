package audit

// servicesMessages are the evidence of the services checks
// (internal/check/servicecheck).
var servicesMessages = map[string]Text{
	"services.open": {
		FR: "{service} ouvert sur {endpoint} (noms : {names}) ; identifié : {identity}",
		EN: "{service} open on {endpoint} (names: {names}); identified: {identity}",
	},
	"services.no_auth": {
		FR: "{service} sur {endpoint} répond sans authentification ({identity})",
		EN: "{service} on {endpoint} answers without authentication ({identity})",
	},
	"services.vnc_none": {
		FR: "{endpoint} propose le type de sécurité VNC « None » : aucun mot de passe",
		EN: "{endpoint} offers the VNC security type \"None\": no password",
	},
	"services.smbv1": {
		FR: "{endpoint} accepte le dialecte SMB1 « NT LM 0.12 »",
		EN: "{endpoint} accepts the SMB1 dialect \"NT LM 0.12\"",
	},
	"services.rdp_no_nla": {
		FR: "{endpoint} accepte une connexion RDP sans NLA (sécurité choisie par le serveur : {selected})",
		EN: "{endpoint} accepts an RDP connection without NLA (security chosen by the server: {selected})",
	},
	"services.eol": {
		FR: "version en fin de vie sur {endpoint} : {identity} ; {items} (source : {source})",
		EN: "end-of-life version on {endpoint}: {identity}; {items} (source: {source})",
	},
	"services.admin": {
		FR: "page d'administration ou de VPN sur {endpoint} (noms : {names}) : {identity}, titre {title}",
		EN: "admin or VPN page on {endpoint} (names: {names}): {identity}, title {title}",
	},
}

func init() {
	for code, t := range servicesMessages {
		Messages[code] = t
	}
}

// sovereigntyMessages are the evidence of the sovereignty checks
// (internal/check/sovcheck).
var sovereigntyMessages = map[string]Text{
	"sovereignty.hosted.web": {
		FR: "Site {host} chez {provider} (siège {country}), soumis à {laws} ; adresses : {addresses} ; catégorie de l'organisation : {category}",
		EN: "Web site {host} at {provider} (headquarters {country}), bound by {laws}; addresses: {addresses}; category of the organisation: {category}",
	},
	"sovereignty.hosted.mail": {
		FR: "Serveur de messagerie {host} chez {provider} (siège {country}), soumis à {laws} ; adresses : {addresses} ; catégorie de l'organisation : {category}",
		EN: "Mail host {host} at {provider} (headquarters {country}), bound by {laws}; addresses: {addresses}; category of the organisation: {category}",
	},
	"sovereignty.hosted.dns": {
		FR: "Serveur de noms {host} chez {provider} (siège {country}), soumis à {laws} ; adresses : {addresses} ; catégorie de l'organisation : {category}",
		EN: "Name server {host} at {provider} (headquarters {country}), bound by {laws}; addresses: {addresses}; category of the organisation: {category}",
	},
	"sovereignty.hosted.ca": {
		FR: "Autorité de certification {host} chez {provider} (siège {country}), soumis à {laws} ; adresses : {addresses} ; catégorie de l'organisation : {category}",
		EN: "Certificate authority {host} at {provider} (headquarters {country}), bound by {laws}; addresses: {addresses}; category of the organisation: {category}",
	},
	"sovereignty.hosted.third_party": {
		FR: "Hôte tiers de la page {host} chez {provider} (siège {country}), soumis à {laws} ; adresses : {addresses} ; catégorie de l'organisation : {category}",
		EN: "Third-party host of the page {host} at {provider} (headquarters {country}), bound by {laws}; addresses: {addresses}; category of the organisation: {category}",
	},
}

func init() {
	for code, t := range sovereigntyMessages {
		Messages[code] = t
	}
}
