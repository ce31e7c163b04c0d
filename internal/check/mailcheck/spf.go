package mailcheck

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

const spfExample = "« example.fr. IN TXT \"v=spf1 mx include:_spf.hebergeur.fr -all\" »"
const spfExampleEN = "example.org. IN TXT \"v=spf1 mx include:_spf.provider.net -all\""

var defSPFMissing = &audit.Definition{
	ID:       "mail.spf.missing",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Aucun enregistrement SPF", EN: "No SPF record"},
	Remediation: audit.Text{
		FR: "Publier un enregistrement SPF qui liste les serveurs autorisés à envoyer pour le domaine et refuse les autres : " + spfExample + " ; pour un domaine qui n'envoie jamais de courrier : « v=spf1 -all ».",
		EN: "Publish an SPF record listing the servers allowed to send for the domain and refusing the others: " + spfExampleEN + "; for a domain that never sends mail: \"v=spf1 -all\".",
	},
	Standard: "RFC 7208, Section 3",
}

var defSPFMultiple = &audit.Definition{
	ID:       "mail.spf.multiple",
	Severity: audit.High,
	Title:    audit.Text{FR: "Plusieurs enregistrements SPF : SPF est ignoré (permerror)", EN: "Several SPF records: SPF is ignored (permerror)"},
	Remediation: audit.Text{
		FR: "Fusionner les enregistrements « v=spf1 » en un seul, par exemple « v=spf1 mx include:a.fr include:b.fr -all ».",
		EN: "Merge the \"v=spf1\" records into one, for instance \"v=spf1 mx include:a.example include:b.example -all\".",
	},
	Standard: "RFC 7208, Section 4.5",
}

var defSPFSyntax = &audit.Definition{
	ID:       "mail.spf.syntax",
	Severity: audit.High,
	Title:    audit.Text{FR: "Erreur de syntaxe SPF : la politique est ignorée (permerror)", EN: "SPF syntax error: the policy is ignored (permerror)"},
	Remediation: audit.Text{
		FR: "Corriger le terme signalé (mécanismes valides : all, include, a, mx, ptr, ip4, ip6, exists ; modificateurs redirect= et exp=) et vérifier l'enregistrement avant publication.",
		EN: "Fix the reported term (valid mechanisms: all, include, a, mx, ptr, ip4, ip6, exists; modifiers redirect= and exp=) and check the record before publishing it.",
	},
	Standard: "RFC 7208, Sections 4.6 and 5",
}

var defSPFTooManyLookups = &audit.Definition{
	ID:       "mail.spf.too_many_lookups",
	Severity: audit.High,
	Title:    audit.Text{FR: "SPF demande plus de 10 requêtes DNS (permerror)", EN: "SPF needs more than 10 DNS lookups (permerror)"},
	Remediation: audit.Text{
		FR: "Réduire les mécanismes include, a, mx, ptr, exists et redirect (inclusions comprises) à 10 au plus : remplacer des « include » par les plages « ip4: » / « ip6: » correspondantes, supprimer les fournisseurs qui n'envoient plus pour le domaine.",
		EN: "Bring the include, a, mx, ptr, exists and redirect terms (nested ones included) down to 10 at most: replace includes with the matching \"ip4:\" / \"ip6:\" ranges, remove providers that no longer send for the domain.",
	},
	Standard: "RFC 7208, Section 4.6.4",
}

var defSPFTooManyVoid = &audit.Definition{
	ID:       "mail.spf.too_many_void_lookups",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "SPF fait plus de 2 requêtes DNS sans réponse (permerror)", EN: "SPF makes more than 2 DNS lookups with no answer (permerror)"},
	Remediation: audit.Text{
		FR: "Retirer les mécanismes qui désignent des noms sans enregistrement (a:, mx:, exists:, include: vers des noms supprimés), y compris les noms qui n'ont qu'une adresse IPv6 (AAAA) : pour un expéditeur IPv4, « a: » ne demande que les adresses IPv4 (A).",
		EN: "Remove the terms naming names that have no record (a:, mx:, exists:, include: pointing to deleted names), including names with only an IPv6 address (AAAA): for an IPv4 sender, \"a:\" asks for IPv4 addresses (A) only.",
	},
	Standard: "RFC 7208, Section 4.6.4",
}

var defSPFLoop = &audit.Definition{
	ID:       "mail.spf.loop",
	Severity: audit.High,
	Title:    audit.Text{FR: "Boucle d'inclusions SPF (permerror)", EN: "SPF include loop (permerror)"},
	Remediation: audit.Text{
		FR: "Supprimer l'« include: » ou le « redirect= » qui ramène à un enregistrement déjà en cours d'évaluation.",
		EN: "Remove the \"include:\" or \"redirect=\" that leads back to a record already being evaluated.",
	},
	Standard: "RFC 7208, Sections 4.6.4 and 5.2",
}

var defSPFPermerror = &audit.Definition{
	ID:       "mail.spf.permerror",
	Severity: audit.High,
	Title:    audit.Text{FR: "Une inclusion SPF est en erreur (permerror)", EN: "An SPF include fails (permerror)"},
	Remediation: audit.Text{
		FR: "Chaque « include: » et « redirect= » doit désigner un domaine qui publie exactement un enregistrement SPF, et chaque « mx » au plus 10 serveurs : corriger ou retirer le terme signalé.",
		EN: "Each \"include:\" and \"redirect=\" must name a domain publishing exactly one SPF record, and each \"mx\" at most 10 servers: fix or remove the reported term.",
	},
	Standard: "RFC 7208, Sections 4.6.4, 5.2 and 6.1",
}

var defSPFPassAll = &audit.Definition{
	ID:       "mail.spf.pass_all",
	Severity: audit.Critical,
	Title:    audit.Text{FR: "SPF autorise le monde entier (+all)", EN: "SPF allows the whole world (+all)"},
	Remediation: audit.Text{
		FR: "Remplacer « +all » (ou « all » sans qualificatif) par « -all » (ou « ~all » le temps de la transition), après avoir listé les serveurs légitimes : " + spfExample + ".",
		EN: "Replace \"+all\" (or a bare \"all\") with \"-all\" (or \"~all\" during a transition), after listing the legitimate servers: " + spfExampleEN + ".",
	},
	Standard: "RFC 7208, Sections 5.1 and 8.3",
}

var defSPFNeutralAll = &audit.Definition{
	ID:       "mail.spf.neutral_all",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "SPF neutre pour les serveurs inconnus (?all)", EN: "SPF neutral for unknown servers (?all)"},
	Remediation: audit.Text{
		FR: "Terminer l'enregistrement par « -all » (ou « ~all ») au lieu de « ?all », qui n'apporte aucune protection.",
		EN: "End the record with \"-all\" (or \"~all\") instead of \"?all\", which gives no protection.",
	},
	Standard: "RFC 7208, Sections 5.1 and 8.2",
}

var defSPFPtr = &audit.Definition{
	ID:       "mail.spf.ptr",
	Severity: audit.Low,
	Title:    audit.Text{FR: "SPF utilise le mécanisme « ptr », à proscrire", EN: "SPF uses the \"ptr\" mechanism, which should not be used"},
	Remediation: audit.Text{
		FR: "Remplacer « ptr » par les plages « ip4: » / « ip6: » des serveurs d'envoi : il est lent, peu fiable et ignoré par certains récepteurs.",
		EN: "Replace \"ptr\" with the \"ip4:\" / \"ip6:\" ranges of the sending servers: it is slow, unreliable and ignored by some receivers.",
	},
	Standard: "RFC 7208, Section 5.5",
}

var defSPFNoFailAll = &audit.Definition{
	ID:       "mail.spf.no_fail_all",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "SPF ne se termine ni par « -all » ni par « ~all »", EN: "SPF ends with neither \"-all\" nor \"~all\""},
	Remediation: audit.Text{
		FR: "Ajouter « -all » (ou « ~all ») à la fin de l'enregistrement : sans lui, un serveur non listé obtient un résultat neutre.",
		EN: "Add \"-all\" (or \"~all\") at the end of the record: without it, an unlisted server gets a neutral result.",
	},
	Standard: "RFC 7208, Section 4.7",
}

// SPF judges the domain's SPF policy (RFC 7208) from its evaluation tree.
var SPF = audit.CheckFunc("mail.spf", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.SPF == nil || m.SPF.Error != "" {
		return nil
	}
	s, d := m.SPF, domainOf(o)
	if len(s.Records) == 0 {
		return []audit.Finding{defSPFMissing.New(d, audit.M("mail.record.missing", "version", "v=spf1", "name", d))}
	}
	var out []audit.Finding
	byKind := map[string][]audit.Message{}
	for _, e := range s.Errors {
		byKind[e.Kind] = append(byKind[e.Kind], audit.M("mail.spf.record_of", "domain", evidence.Quote(e.Domain), "value", evidence.Quote(e.Message)))
	}
	if len(s.Records) > 1 {
		out = append(out, defSPFMultiple.New(d, audit.M("mail.records", "records", quoted(s.Records, ", "))))
	} else if msgs := byKind[audit.SPFErrMultiple]; len(msgs) > 0 {
		out = append(out, defSPFPermerror.New(d, audit.M("list").WithItems(evidence.Items(msgs)...)))
	}
	if msgs := byKind[audit.SPFErrSyntax]; len(msgs) > 0 {
		out = append(out, defSPFSyntax.New(d, audit.M("list").WithItems(evidence.Items(msgs)...)))
	}
	if s.Lookups > 10 {
		out = append(out, defSPFTooManyLookups.New(d, audit.M("mail.spf.lookups", "n", strconv.Itoa(s.Lookups))))
	}
	if s.VoidLookups > 2 {
		out = append(out, defSPFTooManyVoid.New(d, audit.M("mail.spf.void", "n", strconv.Itoa(s.VoidLookups))))
	}
	if msgs := byKind[audit.SPFErrLoop]; len(msgs) > 0 {
		out = append(out, defSPFLoop.New(d, audit.M("list").WithItems(evidence.Items(msgs)...)))
	}
	if msgs := append(byKind[audit.SPFErrNoRecord], byKind[audit.SPFErrMXNames]...); len(msgs) > 0 {
		out = append(out, defSPFPermerror.New(d, audit.M("list").WithItems(evidence.Items(msgs)...)))
	}
	if s.Tree == nil {
		return out
	}
	// The qualifier of "all" decides for every unlisted sender: in the
	// domain's record or the record it redirects to, and also in an
	// included record, where "+all" makes the include match everyone.
	var passAll []string
	var ptrs []audit.Message
	walk(s.Tree, func(n *audit.SPFNode) {
		for _, t := range n.Terms {
			if t.Modifier || t.Error != "" {
				continue
			}
			if t.Name == "all" && t.Qualifier == "+" {
				passAll = append(passAll, n.Domain)
			}
			if t.Name == "ptr" {
				ptrs = append(ptrs, audit.M("mail.spf.record_of", "domain", evidence.Quote(n.Domain), "value", evidence.Quote(t.Qualifier+"ptr"+colon(t.Value))))
			}
		}
	})
	if len(passAll) > 0 {
		out = append(out, defSPFPassAll.New(d, audit.M("mail.spf.pass_all", "domains", quoted(passAll, ", "))))
	}
	final := finalRecord(s.Tree)
	if q, ok := allQualifier(final); ok {
		if q == "?" {
			out = append(out, defSPFNeutralAll.New(d, audit.M("mail.spf.neutral_all", "domain", evidence.Quote(final.Domain))))
		}
	} else if final.Error == "" && final.Record != "" {
		out = append(out, defSPFNoFailAll.New(d, audit.M("mail.spf.record_of", "domain", evidence.Quote(final.Domain), "value", evidence.Quote(final.Record))))
	}
	if len(ptrs) > 0 {
		out = append(out, defSPFPtr.New(d, audit.M("list").WithItems(evidence.Items(ptrs)...)))
	}
	return out
}, defSPFMissing, defSPFMultiple, defSPFSyntax, defSPFTooManyLookups, defSPFTooManyVoid, defSPFLoop, defSPFPermerror, defSPFPassAll, defSPFNeutralAll, defSPFPtr, defSPFNoFailAll)

// walk visits n and every record it includes or redirects to.
func walk(n *audit.SPFNode, f func(*audit.SPFNode)) {
	f(n)
	for _, c := range n.Children {
		walk(c, f)
	}
}

// finalRecord follows the redirect= chain from n: the record whose "all"
// (or lack of one) gives the result for unlisted senders.
func finalRecord(n *audit.SPFNode) *audit.SPFNode {
	for range 16 {
		if _, ok := allQualifier(n); ok {
			return n
		}
		var next *audit.SPFNode
		for _, c := range n.Children {
			if c.Via == "redirect" {
				next = c
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// allQualifier returns the qualifier of the record's "all" mechanism.
func allQualifier(n *audit.SPFNode) (string, bool) {
	for _, t := range n.Terms {
		if !t.Modifier && t.Name == "all" && t.Error == "" {
			return t.Qualifier, true
		}
	}
	return "", false
}

func colon(v string) string {
	if v == "" || strings.HasPrefix(v, "/") {
		return v
	}
	return ":" + v
}
