package audit

// privacyMessages are the evidence of the privacy checks
// (internal/check/privacycheck).
var privacyMessages = map[string]Text{
	"privacy.tracker": {
		FR: "{entity} ({category}, {company}, {country}) chargé par {page} sans aucune interaction, donc avant tout consentement ; hôtes : {hosts} (lecture : {method})",
		EN: "{entity} ({category}, {company}, {country}) loaded by {page} without any interaction, so before any consent; hosts: {hosts} (reading: {method})",
	},
	"privacy.cookie": {
		FR: "cookie tiers {cookie} du domaine {domain} ({entity}) déposé par {page} avant tout consentement, durée {days} jours",
		EN: "third-party cookie {cookie} of domain {domain} ({entity}) set by {page} before any consent, lifetime {days} days",
	},
	"privacy.extra_eu": {
		FR: "les visiteurs de {page} envoient leur adresse IP et la page vue à {entity} ({company}, {country}), soumis à : {laws} ; hôtes : {hosts}",
		EN: "visitors of {page} send their IP address and the page they view to {entity} ({company}, {country}), bound by: {laws}; hosts: {hosts}",
	},
	"privacy.cdn": {
		FR: "{page} charge {category} depuis {entity} ({company}, {country}) : chaque visite lui donne l'adresse IP du visiteur ; hôtes : {hosts}",
		EN: "{page} loads {category} from {entity} ({company}, {country}): every visit gives it the visitor's IP address; hosts: {hosts}",
	},
	"privacy.no_consent": {
		FR: "{page} charge des traceurs ({trackers}) sans gestionnaire de consentement connu",
		EN: "{page} loads trackers ({trackers}) without a known consent manager",
	},
	"privacy.mixed": {
		FR: "{page} a chargé {count} ressources en clair (http://) à l'exécution, dont {first}",
		EN: "{page} loaded {count} resources in clear text (http://) at run time, including {first}",
	},
	"privacy.static": {
		FR: "{page} lue sans navigateur (lecture statique du HTML reçu) : les ressources que les scripts ajoutent, les cookies qu'ils déposent et le poids réel de la page ne sont pas vus ; {count} ressources nommées par le HTML",
		EN: "{page} read without a browser (static reading of the HTML received): the resources scripts add, the cookies they set and the page's real weight are not seen; {count} resources named by the HTML",
	},
}

func init() {
	for code, t := range privacyMessages {
		Messages[code] = t
	}
}
