package lab

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Org is one simulated organisation and the configuration drawn for it.
type Org struct {
	// ID is an INSEE code (communes) or a SIREN (other bodies).
	ID string
	// Name is the organisation's name, in French.
	Name string
	// Category is commune, département, région, hôpital, ministère or
	// établissement public.
	Category string
	// Domain is the organisation's domain, under "test.".
	Domain string
	// Addr is the address its web and mail names resolve to.
	Addr netip.Addr
	// Provider is the index of the hosting provider whose address it
	// shares, or -1 when it has an address of its own.
	Provider int
	// Profile is its configuration.
	Profile Profile
	// Changes says what changed in Profile since week 0 ("headers:
	// none -> full"), in the order of the weeks; empty at week 0.
	Changes []string
}

// TLS profiles: what the HTTPS and STARTTLS servers of an address accept.
const (
	TLSModern = "modern" // TLS 1.2 and 1.3, ECDHE with AEAD suites
	TLSNo13   = "no13"   // TLS 1.2 only, ECDHE with AEAD suites
	TLS10     = "tls10"  // TLS 1.0 to 1.3, with a CBC suite for the old versions
	TLS11     = "tls11"  // TLS 1.1 and 1.2, with a CBC suite
	TLSLegacy = "legacy" // TLS 1.0 to 1.2, RSA key, static RSA, CBC and 3DES suites
)

// Certificate profiles.
const (
	CertValid      = "valid"       // issued by the lab CA for the org's names
	CertExpired    = "expired"     // issued by the lab CA, expired ten days ago
	CertSelfSigned = "self-signed" // the org's names, signed by its own key
	CertMisnamed   = "misnamed"    // the hosting platform's default certificate
)

// Profile is the configuration drawn for an organisation.
type Profile struct {
	// Good marks an organisation drawn to be well configured
	// throughout: no finding above low is expected.
	Good bool
	// DNSSEC signs its zone, with a DS in test.
	DNSSEC bool
	// Bogus, with DNSSEC, makes every signature of the zone expired
	// ten days ago: a zone that validating resolvers refuse.
	Bogus bool
	// WeakAlgorithm, with DNSSEC, signs the zone with RSASHA1
	// (algorithm 5), which RFC 8624 says not to sign with any more.
	WeakAlgorithm bool
	// HTTPS makes it serve HTTPS on port 443.
	HTTPS bool
	// TLS is the TLS profile of its address (TLSModern...); for
	// hosted organisations, the provider's.
	TLS string
	// Cert is its certificate profile (CertValid...).
	Cert string
	// Headers is "full" (HSTS, CSP and the rest, secure cookie,
	// security.txt), "partial" (HSTS and nosniff, cookie without
	// HttpOnly) or "none" (no header, version disclosure, bare cookie).
	Headers string
	// Redirect makes http:// redirect to https://.
	Redirect bool
	// WWW gives it a www name: an alias (CNAME) of the apex when the
	// organisation is at a hosting provider, an address of its own
	// otherwise.
	WWW bool
	// SPF is "strict" (mx -all), "soft" (mx ~all), "pass-all" (+all)
	// or "" (none).
	SPF string
	// DMARC is "reject" (with rua), "none" (p=none) or "" (none).
	DMARC string
	// Mail is "starttls" (MX offering STARTTLS), "plain" (MX without
	// STARTTLS) or "null" (null MX: it receives no mail); for hosted
	// organisations with mail, the provider's.
	Mail string
	// DKIM is "strong" (an RSA key of 2048 bits at the selector
	// "default"), "weak" (1024 bits, at "mail") or "" (no key); always
	// "" with a null MX.
	DKIM string
}

// provider is a hosting provider: one address shared by several
// organisations, with one TLS and one mail configuration.
type provider struct {
	name string
	addr netip.Addr
	tls  string
	mail string
}

// estate is everything drawn from the seed.
type estate struct {
	orgs      []*Org
	providers []provider
}

// maxOrgs bounds Config.N: the addresses of 127.1.0.0/16 and the
// identifiers drawn stay distinct up to there.
const maxOrgs = 50000

// pick returns one of choices, weighted.
func pick[T any](r *rand.Rand, choices []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	return choices[len(choices)-1]
}

// nextAddr returns the address after a, skipping .0 and .255 in the last
// octet.
func nextAddr(a netip.Addr) netip.Addr {
	for {
		a = a.Next()
		b := a.As4()
		if b[3] != 0 && b[3] != 255 {
			return a
		}
	}
}

// draw builds the estate of n organisations from seed; addresses start at
// base. The same arguments give the same estate.
func draw(n int, seed int64, base netip.Addr) *estate {
	r := rand.New(rand.NewPCG(uint64(seed), 0x766967696520))
	e := &estate{}
	// About 30% of the organisations are hosted, five or so per
	// provider, on at most 20 providers.
	nprov := min(20, max(1, n*3/10/5))
	addr := base
	for i := range nprov {
		p := provider{name: fmt.Sprintf("hebergeur-%d", i+1), addr: addr,
			tls:  pick(r, []string{TLSModern, TLSNo13, TLS10, TLSLegacy}, []int{50, 20, 20, 10}),
			mail: pick(r, []string{"starttls", "plain"}, []int{75, 25})}
		if i == 0 {
			p.tls, p.mail = TLSModern, "starttls" // somewhere good to host a good organisation
		}
		e.providers = append(e.providers, p)
		addr = nextAddr(addr)
	}
	used := map[string]bool{}
	communes := 0
	for i := range n {
		o := &Org{Provider: -1}
		o.Category = pick(r, categories, []int{80, 3, 1, 8, 1, 7})
		o.Name, o.Domain = drawName(r, o.Category, used)
		if o.Category == "commune" {
			// INSEE code: department, then commune number.
			o.ID = fmt.Sprintf("%02d%03d", 1+communes/999%95, 1+communes%999)
			communes++
		} else {
			o.ID = fmt.Sprintf("2%08d", 10000000+i*7919%89999999)
		}
		p := &o.Profile
		p.Good = r.IntN(100) < 25
		hosted := r.IntN(100) < 30
		if p.Good {
			*p = Profile{Good: true, DNSSEC: true, HTTPS: true, TLS: TLSModern, Cert: CertValid, Headers: "full",
				Redirect: true, WWW: true, SPF: "strict", DMARC: "reject", Mail: "starttls"}
		} else {
			p.DNSSEC = r.IntN(100) < 30
			p.HTTPS = r.IntN(100) < 90
			p.TLS = pick(r, []string{TLSModern, TLSNo13, TLS10, TLS11, TLSLegacy}, []int{50, 20, 15, 5, 10})
			p.Cert = pick(r, []string{CertValid, CertExpired, CertSelfSigned, CertMisnamed}, []int{75, 8, 7, 10})
			p.Headers = pick(r, []string{"full", "partial", "none"}, []int{30, 30, 40})
			p.Redirect = r.IntN(100) < 60
			p.WWW = r.IntN(100) < 85
			p.SPF = pick(r, []string{"strict", "soft", "", "pass-all"}, []int{45, 25, 25, 5})
			p.DMARC = pick(r, []string{"reject", "none", ""}, []int{30, 35, 35})
			p.Mail = pick(r, []string{"starttls", "plain", "null"}, []int{65, 20, 15})
		}
		if hosted {
			o.Provider = r.IntN(nprov)
			if p.Good {
				o.Provider = 0
			}
			pr := e.providers[o.Provider]
			o.Addr = pr.addr
			p.HTTPS = true
			p.TLS = pr.tls
			if p.Mail != "null" {
				p.Mail = pr.mail
			}
		} else {
			o.Addr = addr
			addr = nextAddr(addr)
		}
		if !p.HTTPS {
			p.Redirect = false
		}
		e.orgs = append(e.orgs, o)
	}
	// DKIM keys, expired signatures and weak algorithms come from
	// streams of their own,
	// so that adding them left every other draw of a seed as it was.
	rd := rand.New(rand.NewPCG(uint64(seed), 0x646b696d))
	rb := rand.New(rand.NewPCG(uint64(seed), 0x626f677573))
	rw := rand.New(rand.NewPCG(uint64(seed), 0x7273617368)) // RSASHA1
	for _, o := range e.orgs {
		p := &o.Profile
		p.Bogus = rb.IntN(100) < 15 && p.DNSSEC && !p.Good
		p.WeakAlgorithm = rw.IntN(100) < 10 && p.DNSSEC && !p.Good && !p.Bogus
		switch kind := pick(rd, []string{DKIMStrong, DKIMWeak, ""}, []int{50, 15, 35}); {
		case p.Mail == "null":
		case p.Good:
			p.DKIM = DKIMStrong
		default:
			p.DKIM = kind
		}
	}
	return e
}

// DKIM profiles.
const (
	DKIMStrong = "strong" // RSA 2048 at the selector "default"
	DKIMWeak   = "weak"   // RSA 1024 at the selector "mail"
)

// driftPercent is the chance, in percent, that an organisation changes
// one thing of its configuration in a week.
const driftPercent = 8

// evolve moves the estate forward by weeks: each week, each organisation
// has a driftPercent chance to change one thing that is its own (its
// security headers, its DMARC policy, its redirection to HTTPS, and the
// validity of its certificate when it has its own address), for better
// or worse, as a real estate changes from one campaign to the next. The
// same seed and weeks give the same changes; names, addresses and
// hosting never change.
func (e *estate) evolve(seed int64, weeks int) {
	for w := 1; w <= weeks; w++ {
		r := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
		for _, o := range e.orgs {
			if r.IntN(100) >= driftPercent {
				continue
			}
			p := &o.Profile
			change := func(what, from, to string) {
				p.Good = false
				o.Changes = append(o.Changes, fmt.Sprintf("week %d: %s: %s -> %s", w, what, from, to))
			}
			other := func(values []string, v string) string {
				rest := slices.DeleteFunc(slices.Clone(values), func(x string) bool { return x == v })
				return rest[r.IntN(len(rest))]
			}
			switch kind := r.IntN(4); {
			case kind == 0:
				v := other([]string{"full", "partial", "none"}, p.Headers)
				change("headers", p.Headers, v)
				p.Headers = v
			case kind == 1:
				v := other([]string{"reject", "none", ""}, p.DMARC)
				change("dmarc", orNone(p.DMARC), orNone(v))
				p.DMARC = v
			case kind == 2 && p.HTTPS:
				change("redirect", strconv.FormatBool(p.Redirect), strconv.FormatBool(!p.Redirect))
				p.Redirect = !p.Redirect
			case kind == 3 && p.HTTPS && o.Provider < 0 && (p.Cert == CertValid || p.Cert == CertExpired):
				v := other([]string{CertValid, CertExpired}, p.Cert)
				change("certificate", p.Cert, v)
				p.Cert = v
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// changesCSV is the content of changes.csv: one line per change since
// week 0.
func (e *estate) changesCSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "domain", "change"})
	for _, o := range e.orgs {
		for _, c := range o.Changes {
			w.Write([]string{o.ID, o.Domain, c})
		}
	}
	w.Flush()
	return buf.Bytes()
}

var categories = []string{"commune", "département", "région", "hôpital", "ministère", "établissement public"}

var (
	saints   = []string{"Saint-", "Sainte-", "Le ", "La ", "Les ", "", "", "", ""}
	roots    = []string{"Martin", "Pierre", "Étienne", "Denis", "Germain", "Laurent", "Marie", "Genest", "Cyr", "Aubin", "Bois", "Mont", "Fontaine", "Val", "Chêne", "Roche", "Plessis", "Vignes", "Moulin", "Champ", "Bourg", "Villeneuve", "Beaumont", "Montreuil", "Châtillon", "Essert", "Orée", "Ferté", "Brévannes", "Hérault"}
	suffixes = []string{"", "", "", "-sur-Loire", "-sur-Seine", "-en-Vexin", "-les-Bains", "-du-Lac", "-d'Oléron", "-sous-Bois", "-le-Château", "-la-Forêt", "-des-Prés", "-en-Bresse"}
	regions  = []string{"Bretagne", "Normandie", "Occitanie", "Grand Est", "Hauts-de-France", "Île-de-France", "Bourgogne-Franche-Comté", "Nouvelle-Aquitaine", "Auvergne-Rhône-Alpes", "Pays de la Loire", "Centre-Val de Loire", "Corse", "Provence-Alpes-Côte d'Azur"}
	depts    = []string{"Ain", "Aisne", "Allier", "Ardèche", "Ardennes", "Ariège", "Aube", "Aude", "Aveyron", "Calvados", "Cantal", "Charente", "Cher", "Corrèze", "Creuse", "Dordogne", "Doubs", "Drôme", "Eure", "Finistère", "Gard", "Gers", "Gironde", "Hérault", "Indre", "Isère", "Jura", "Landes", "Loiret", "Lot", "Lozère", "Manche", "Marne", "Mayenne", "Meuse", "Morbihan", "Nièvre", "Nord", "Oise", "Orne", "Savoie", "Somme", "Tarn", "Var", "Vaucluse", "Vendée", "Vienne", "Vosges", "Yonne"}
	minist   = []string{"de l'Intérieur", "des Armées", "de la Culture", "de la Santé", "de l'Éducation nationale", "de la Justice", "de l'Agriculture", "du Travail", "des Sports", "de la Mer", "de l'Économie", "du Logement"}
	publics  = []string{"Agence de l'eau", "Office de tourisme", "Syndicat des eaux", "Centre de gestion", "Service départemental d'incendie et de secours", "Caisse des écoles", "Parc naturel régional", "Conservatoire", "Chambre d'agriculture", "Établissement public foncier"}
	hospital = []string{"Centre hospitalier", "Centre hospitalier universitaire", "Hôpital local", "Groupe hospitalier", "EHPAD"}
)

// drawName draws a name for an organisation of category and a domain that
// no other organisation has.
func drawName(r *rand.Rand, category string, used map[string]bool) (name, domain string) {
	place := func() string {
		return saints[r.IntN(len(saints))] + roots[r.IntN(len(roots))] + suffixes[r.IntN(len(suffixes))]
	}
	var prefix string
	switch category {
	case "commune":
		name, prefix = "Mairie de "+place(), "mairie-"
		if r.IntN(2) == 0 {
			prefix = "ville-"
		}
	case "département":
		name, prefix = "Département "+depts[r.IntN(len(depts))], "departement-"
	case "région":
		name, prefix = "Région "+regions[r.IntN(len(regions))], "region-"
	case "hôpital":
		name, prefix = hospital[r.IntN(len(hospital))]+" de "+place(), "ch-"
	case "ministère":
		name, prefix = "Ministère "+minist[r.IntN(len(minist))], "ministere-"
	default:
		name, prefix = publics[r.IntN(len(publics))]+" de "+place(), "ep-"
	}
	// French contractions: "de Le Mans" is "du Mans".
	name = strings.NewReplacer(" de Le ", " du ", " de Les ", " des ").Replace(name)
	// The domain is the name's last part, in ASCII.
	label := name
	for _, sep := range []string{" de ", " du ", " des ", "Département ", "Région ", "Ministère "} {
		if i := strings.LastIndex(label, sep); i >= 0 {
			label = label[i+len(sep):]
		}
	}
	base := prefix + slug(label)
	if len(base) > 50 {
		base = strings.TrimRight(base[:50], "-")
	}
	domain = base + ".test"
	for i := 2; used[domain]; i++ {
		domain = fmt.Sprintf("%s-%d.test", base, i)
	}
	used[domain] = true
	return name, domain
}

// slug is s in lower-case ASCII letters, digits and hyphens.
func slug(s string) string {
	repl := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "É", "e", "à", "a", "â", "a", "î", "i", "ï", "i", "Î", "i",
		"ô", "o", "ö", "o", "û", "u", "ù", "u", "ü", "u", "ç", "c", "œ", "oe")
	s = strings.ToLower(repl.Replace(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// targetsCSV is the targets file of the estate: a header, then one line
// per organisation.
func (e *estate) targetsCSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "name", "category", "domains"})
	for _, o := range e.orgs {
		w.Write([]string{o.ID, o.Name, o.Category, o.Domain})
	}
	w.Flush()
	return buf.Bytes()
}
