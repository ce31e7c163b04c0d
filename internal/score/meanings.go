package score

import "vigie.eu/vigie/internal/audit"

// gradeMeaning says in plain words, for someone who is not a technician,
// what each grade of the rules table means. A grade is never shown
// without it.
var gradeMeaning = map[string]audit.Text{
	"A+": {FR: "excellent : les protections attendues sont en place, sans défaut notable", EN: "excellent: the expected protections are in place, with no notable flaw"},
	"A":  {FR: "très bien : quelques améliorations restent possibles", EN: "very good: a few improvements remain possible"},
	"B":  {FR: "correct : des défauts réels, à corriger sans urgence", EN: "fair: real flaws, to fix without urgency"},
	"C":  {FR: "insuffisant : des défauts exposent les visiteurs ou le courrier, à corriger rapidement", EN: "insufficient: flaws expose visitors or mail, to fix soon"},
	"D":  {FR: "faible : plusieurs protections essentielles manquent", EN: "weak: several essential protections are missing"},
	"E":  {FR: "très faible : le site ou le courrier sont exposés à des attaques connues", EN: "very weak: the site or the mail is exposed to known attacks"},
	"F":  {FR: "critique : un défaut grave met en danger les visiteurs ou le domaine, à corriger en priorité", EN: "critical: a serious flaw endangers visitors or the domain, to fix first"},
}

// capMeaning says in plain words what each cap means for the people who
// use the site or the mail; the rules table's reason says it for
// technicians.
var capMeaning = map[string]audit.Text{
	"cap.https.missing":             {FR: "le site n'est pas chiffré : ce que les visiteurs y lisent ou y saisissent peut être lu et modifié", EN: "the site is not encrypted: what visitors read or type on it can be read and changed"},
	"cap.certificate.invalid":       {FR: "certificat non valide : le site est présenté comme dangereux aux visiteurs", EN: "invalid certificate: browsers present the site as dangerous to visitors"},
	"cap.protocol.sslv3":            {FR: "le site accepte un chiffrement cassé depuis 2014", EN: "the site accepts an encryption broken since 2014"},
	"cap.cipher.broken":             {FR: "le site accepte des connexions sans vrai chiffrement", EN: "the site accepts connections without real encryption"},
	"cap.cipher.rc4":                {FR: "le site accepte un chiffrement interdit (RC4)", EN: "the site accepts a prohibited encryption (RC4)"},
	"cap.dnssec.bogus":              {FR: "la signature du domaine est cassée : une partie des internautes ne peut plus joindre le site ni le courrier", EN: "the domain's signature is broken: part of the internet can no longer reach the site or the mail"},
	"cap.certificate.weak":          {FR: "le certificat du site pourrait être contrefait", EN: "the site's certificate could be forged"},
	"cap.renegotiation.insecure":    {FR: "un attaquant placé sur le réseau peut injecter des données dans les connexions", EN: "an attacker on the network can inject data into connections"},
	"cap.cipher.3des":               {FR: "le site accepte un chiffrement vieilli (3DES)", EN: "the site accepts an aged encryption (3DES)"},
	"cap.mail.spf_pass_all":         {FR: "n'importe qui peut envoyer du courrier au nom de la collectivité", EN: "anyone can send mail in the organisation's name"},
	"cap.mail.starttls":             {FR: "le courrier reçu circule en clair sur internet", EN: "incoming mail travels in clear text over the internet"},
	"cap.protocol.legacy":           {FR: "le site accepte encore des versions de chiffrement obsolètes depuis 2021", EN: "the site still accepts encryption versions deprecated since 2021"},
	"cap.cipher.no_forward_secrecy": {FR: "le vol d'une clé du serveur dévoilerait les échanges passés", EN: "the theft of a server key would reveal past exchanges"},
	"cap.cipher.no_aead":            {FR: "le site n'offre pas de chiffrement moderne", EN: "the site offers no modern encryption"},
	"cap.services.no_auth":          {FR: "un service répond sans mot de passe à n'importe qui sur internet", EN: "a service answers anyone on the internet without a password"},
}

// GradeMeaning says in plain words what a grade means, or the zero Text
// for a grade the table does not have.
func GradeMeaning(grade string) audit.Text { return gradeMeaning[grade] }

// CapMeaning says in plain words what a cap rule means for the people who
// use the site or the mail, or the zero Text for an unknown rule.
func CapMeaning(rule string) audit.Text { return capMeaning[rule] }
