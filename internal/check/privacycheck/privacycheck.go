// Package privacycheck judges what the home pages showed when loaded
// without any interaction, so before any consent (audit.Observations.Pages,
// vigie audit --page): trackers and advertising, third-party cookies, data
// sent to companies under extra-European law, fonts and scripts from
// third-party CDNs, trackers without a consent manager, and clear-text
// resources loaded at run time.
//
// The standard is article 82 of the loi Informatique et Libertés
// (transposing article 5(3) of the ePrivacy directive) and the CNIL's
// guidelines and recommendation on cookies and other trackers (2020):
// trackers that are not strictly necessary need consent before they are
// read or written; and for transfers, chapter V of the GDPR as the CJEU
// read it in Schrems II (C-311/18).
//
// Every check is pure: it reads the pages and the third parties as the
// probe recorded them (with the table's facts at the audit). Nothing is
// reported when no page was read.
package privacycheck

import (
	"slices"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{Trackers, Cookies, ExtraEU, CDN, NoConsent, Mixed, Static}

// The standards cited.
const (
	stdConsent  = "Loi Informatique et Libertés, article 82 (directive 2002/58/CE, article 5(3)) ; CNIL, lignes directrices et recommandation « cookies et autres traceurs » (délibérations 2020-091 et 2020-092)"
	stdTransfer = "RGPD, chapitre V (articles 44 à 49) ; CJUE, C-311/18 (Schrems II) ; CNIL, mises en demeure sur Google Analytics (2022)"
	stdCDN      = "CNIL, recommandation « cookies et autres traceurs » (2020) ; LG München I, 3 O 17493/20 (2022, Google Fonts) ; RGPD, article 5(1)(c) (minimisation)"
	stdMixed    = "W3C Mixed Content (section 4) ; ANSSI, Recommandations pour la mise en œuvre d'un site web (2021)"
)

// pages returns the pages read, those that could not be loaded at all
// left out.
func pages(o *audit.Observations) []*audit.PageObservation {
	if o == nil {
		return nil
	}
	var out []*audit.PageObservation
	for _, p := range o.Pages {
		if p != nil && (p.Error == "" || len(p.Requests) > 0) {
			out = append(out, p)
		}
	}
	return out
}

// third returns the page's third parties that are not only on the
// audited domain's own hosts.
func third(p *audit.PageObservation) []*audit.ThirdParty {
	var out []*audit.ThirdParty
	for i := range p.ThirdParties {
		if tp := &p.ThirdParties[i]; !tp.FirstParty {
			out = append(out, tp)
		}
	}
	return out
}

// tracker reports whether the category is a tracker under prior consent
// (thirdparty.Tracker; repeated here, the checks import no table).
func tracker(category string) bool {
	switch category {
	case "analytics", "advertising", "social", "tag_manager":
		return true
	}
	return false
}

var categoryNames = map[string]audit.Text{
	"analytics":       {FR: "mesure d'audience", EN: "analytics"},
	"advertising":     {FR: "publicité", EN: "advertising"},
	"social":          {FR: "réseau social", EN: "social network"},
	"tag_manager":     {FR: "gestionnaire de balises", EN: "tag manager"},
	"fonts":           {FR: "des polices", EN: "fonts"},
	"cdn":             {FR: "des scripts ou styles", EN: "scripts or styles"},
	"video":           {FR: "vidéo", EN: "video"},
	"maps":            {FR: "cartes", EN: "maps"},
	"captcha":         {FR: "captcha", EN: "captcha"},
	"consent_manager": {FR: "gestionnaire de consentement", EN: "consent manager"},
}

// category is the category's name, in French (evidence parameters are
// one text; the catalogue renders the sentence around it).
func category(c string) string {
	if t, ok := categoryNames[c]; ok {
		return t.FR + " / " + t.EN
	}
	return c
}

func hosts(tp *audit.ThirdParty) string {
	if len(tp.Hosts) == 0 {
		return "(code en ligne / inline code)"
	}
	return evidence.List(slices.Clone(tp.Hosts), ", ")
}

func country(tp *audit.ThirdParty) string {
	if tp.Country == "" {
		return "?"
	}
	return tp.Country
}

func pageURL(p *audit.PageObservation) string {
	if p.FinalURL != "" {
		return p.FinalURL
	}
	return p.URL
}

func itoa(n int) string { return strconv.Itoa(n) }

func laws(tp *audit.ThirdParty) string {
	var names []string
	for _, l := range tp.Laws {
		names = append(names, l.FR)
	}
	if len(names) == 0 {
		return strings.Join(tp.Jurisdictions, ", ")
	}
	return strings.Join(names, " ; ")
}
