package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"vigie.eu/vigie/internal/probe/pageprobe"
	"vigie.eu/vigie/internal/thirdparty"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/report"
	"vigie.eu/vigie/internal/target"
	"vigie.eu/vigie/internal/version"
)

// auditFlags are the options of "vigie audit".
type auditFlags struct {
	json        bool
	lang        string
	resolver    string
	timeout     time.Duration
	trustAnchor string
	httpPort    int
	httpsPort   int
	failOn      string
	parallel    int
	smtpPort    int
	// dkimSelectors are the --dkim-selector values, in the order given.
	dkimSelectors []string
	// allowPrivate are the --allow-private values, in the order given.
	allowPrivate []string
	// userAgent and contact are --user-agent and --contact.
	userAgent, contact string
	// format is --format: text, html or pdf.
	format string
	// services is --services: the services probe (operators only).
	services bool
	// ipData is --ip-data, category --category.
	ipData, category string
	// page is --page: the home pages read for the privacy and
	// eco-design indicators; thirdParties is --third-parties.
	page         bool
	thirdParties string
	// browser is --browser: the home pages loaded in Chromium, at most
	// browserParallel at once.
	browser         bool
	browserParallel int
}

// set defines the flags on fs; parallel is the default of --parallel.
func (f *auditFlags) set(fs *flag.FlagSet, parallel int) {
	fs.BoolVar(&f.json, "json", false, bi("affiche le résultat complet en JSON : un objet pour un domaine, un objet par ligne (JSON Lines) pour plusieurs",
		"print the full result as JSON: one object for one domain, one object per line (JSON Lines) for several"))
	fs.StringVar(&f.format, "format", "text", formatUsage)
	fs.StringVar(&f.lang, "lang", defaultLang, bi("`fr|en` langue du rapport et des messages", "`fr|en` language of the report and messages"))
	fs.StringVar(&f.resolver, "resolver", "", bi("`HÔTE:PORT` serveur DNS de toutes les résolutions (par défaut, celui du système)",
		"`HOST:PORT` DNS server for every lookup (default: the system's)"))
	fs.DurationVar(&f.timeout, "timeout", engine.DefaultTimeout, bi("`DURÉE` délai de l'audit complet d'un domaine, comme 30s ou 2m",
		"`DURATION` deadline of the whole audit of one domain, such as 30s or 2m"))
	fs.StringVar(&f.trustAnchor, "trust-anchor", "", bi("`FICHIER` enregistrements DS ou DNSKEY de l'ancre de confiance DNSSEC (par défaut, les clés de la racine IANA)",
		"`FILE` DS or DNSKEY records of the DNSSEC trust anchor (default: the IANA root keys)"))
	fs.IntVar(&f.httpPort, "http-port", 80, bi("`N` port sondé pour http://, pour les labos", "`N` port probed for http://, for labs"))
	fs.IntVar(&f.httpsPort, "https-port", 443, bi("`N` port sondé pour https:// et TLS, et pour la politique MTA-STS, pour les labos",
		"`N` port probed for https:// and TLS, and for the MTA-STS policy, for labs"))
	fs.StringVar(&f.failOn, "fail-on", "", bi("`GRAVITÉ` code de sortie 3 si un constat est au moins de cette gravité (info, low, medium, high, critical)",
		"`SEVERITY` exit with code 3 if a finding is at least of this severity (info, low, medium, high, critical)"))
	fs.IntVar(&f.parallel, "parallel", parallel, bi("`N` domaines audités en même temps", "`N` domains audited at once"))
	fs.BoolVar(&f.services, "services", false, bi("sonde aussi les ports à risque (bureau à distance, partage de fichiers, Telnet, bases de données, VPN et pages d'administration) des adresses de l'audit et identifie ce qui répond, sans jamais se connecter ni deviner de mot de passe ; pour les opérateurs",
		"also probe the risky ports (remote desktop, file sharing, Telnet, databases, VPN and admin pages) of the audit's addresses and identify what answers, never logging in nor guessing a password; for operators"))
	fs.StringVar(&f.ipData, "ip-data", "", ipDataUsage)
	fs.StringVar(&f.category, "category", "", bi("`CATÉGORIE` catégorie de l'organisation auditée (commune, hôpital, ministère…), qui pèse sur la gravité des constats de souveraineté ; une campagne prend celle de son fichier de cibles",
		"`CATEGORY` category of the audited organisation (commune, hôpital, ministère...), which weighs on the severity of the sovereignty findings; a campaign takes that of its targets file"))
	fs.BoolVar(&f.page, "page", false, bi("lit aussi la page d'accueil (domaine et www) pour les indicateurs vie privée et écoconception : traceurs, tiers et leurs pays, polices et scripts de CDN tiers ; lecture statique du HTML reçu, sans exécuter ses scripts",
		"also read the home page (domain and www) for the privacy and eco-design indicators: trackers, third parties and their countries, fonts and scripts from third-party CDNs; a static reading of the HTML received, without running its scripts"))
	fs.BoolVar(&f.browser, "browser", false, bi("charge la page d'accueil (domaine et www) dans Chromium sans interaction, donc avant tout consentement : requêtes, cookies, stockage, taille du DOM et poids, pour les indicateurs vie privée et écoconception (EcoIndex) ; implique --page",
		"load the home page (domain and www) in Chromium without interaction, so before any consent: requests, cookies, storage, DOM size and weight, for the privacy and eco-design (EcoIndex) indicators; implies --page"))
	fs.IntVar(&f.browserParallel, "browser-parallel", 2, bi("`N` pages chargées en même temps dans le navigateur", "`N` pages loaded at once in the browser"))
	fs.StringVar(&f.thirdParties, "third-parties", "", bi("`FICHIER` table de tiers de l'opérateur (format de internal/thirdparty/table/v1.json), lue avant celle de vigie",
		"`FILE` the operator's third-party table (the format of internal/thirdparty/table/v1.json), read before vigie's"))
	fs.IntVar(&f.smtpPort, "smtp-port", 25, bi("`N` port sondé sur chaque serveur MX, pour les labos", "`N` port probed on each MX host, for labs"))
	fs.Func("dkim-selector", bi("`NOM` sélecteur DKIM à chercher en plus des sélecteurs courants (le DNS ne sait pas les lister) ; à répéter pour en donner plusieurs",
		"`NAME` DKIM selector to look up besides the common ones (DNS cannot list them); repeat it for several"), func(v string) error {
		f.dkimSelectors = append(f.dkimSelectors, v)
		return nil
	})
	fs.StringVar(&f.userAgent, "user-agent", "", bi("`TEXTE` User-Agent des requêtes HTTP des sondes, au lieu de « vigie/VERSION (+"+version.URL+") »",
		"`TEXT` User-Agent of the probes' HTTP requests, instead of \"vigie/VERSION (+"+version.URL+")\""))
	fs.StringVar(&f.contact, "contact", "", bi("`URL` qui joindre au sujet des audits (https://, mailto:), ajoutée au User-Agent : « (+URL) »",
		"`URL` whom to reach about the audits (https://, mailto:), appended to the User-Agent: \"(+URL)\""))
	fs.Func("allow-private", bi("`CIDR` se connecter aussi à cette plage hors de l'internet public (répétable ; pour les labos et les tests : 127.0.0.0/8)",
		"`CIDR` also connect to this range outside the public internet (repeatable; for labs and tests: 127.0.0.0/8)"), func(v string) error {
		f.allowPrivate = append(f.allowPrivate, v)
		return nil
	})
}

// parseAllowPrivate parses --allow-private values: CIDR ranges
// (127.0.0.0/8) or single addresses.
func parseAllowPrivate(e *env, values []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, v := range values {
		v = strings.TrimSpace(v)
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, fmt.Errorf(e.t(text{"--allow-private « %s » : une plage CIDR (127.0.0.0/8) ou une adresse est attendue", "--allow-private %q: want a CIDR range (127.0.0.0/8) or an address"}), v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		prefixes = append(prefixes, p.Masked())
	}
	return prefixes, nil
}

// maxSelectors bounds how many --dkim-selector an audit takes.
const maxSelectors = 32

// selectorRE is a DKIM selector (RFC 6376 section 3.1: sub-domain labels
// separated by dots); underscores are allowed, as in DNS names in use.
var selectorRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$`)

// maxAnchorFile bounds the --trust-anchor file.
const maxAnchorFile = 1 << 20

// auditAbout and auditNotes are the help of "vigie audit" around its
// options.
var (
	auditAbout = text{`Audite chaque DOMAINE : son DNS (avec DNSSEC validé par vigie), TLS sur le
port 443 du domaine et de www, HTTP et HTTPS avec leurs redirections, en-têtes
et cookies, security.txt, et sa messagerie : les serveurs MX et STARTTLS sur
leur port 25, SPF, DMARC, DKIM, MTA-STS, TLS-RPT et DANE. Chaque audit est noté
par le CyberScore (voir « vigie help methodology »). DOMAINE peut
être un nom (exemple.fr), une URL (https://exemple.fr/page) ou un nom en
Unicode (mairie-évry.fr).
`, `Audits each DOMAIN: its DNS (with DNSSEC validated by vigie), TLS on port 443
of the domain and of www, HTTP and HTTPS with their redirects, headers and
cookies, security.txt, and its mail: the MX hosts and STARTTLS on their port
25, SPF, DMARC, DKIM, MTA-STS, TLS-RPT and DANE. Each audit is graded by
the CyberScore (see "vigie help methodology"). DOMAIN may be a name (example.fr),
a URL (https://example.fr/page) or a Unicode name (mairie-évry.fr).
`}
	auditNotes = text{`vigie ne se connecte qu'aux adresses de l'internet public : les adresses de
bouclage, privées (RFC 1918), CGNAT, de lien local, locales uniques, de
multidiffusion, réservées et de documentation sont refusées au moment de la
connexion, de même que l'IPv4 contenue dans une adresse IPv6, et les
redirections ne sont suivies que vers les ports 80 et 443 (ou les ports
audités). Chaque refus est noté dans les observations (« refused »). Les
noms à usage spécial (localhost, .local, .internal, .home.arpa, .lan,
.onion, .invalid, .example, .alt, .arpa...) ne sont pas audités ; .test
seulement avec --allow-private.

Les certificats sont vérifiés avec les autorités racines du système, ou celles
du fichier désigné par SSL_CERT_FILE.

Codes de sortie :
  0    tous les audits ont été faits
  1    au moins un audit n'a pas pu être fait (nom invalide, domaine
       inexistant, aucune réponse DNS, erreur interne) ; les autres
       résultats sont affichés
  2    erreur d'utilisation
  3    un constat de gravité au moins égale à --fail-on (le code 1 l'emporte)
  6    --format pdf sans Chromium (paquet Debian chromium)
  130  interrompu (Ctrl-C)
`, `vigie connects only to addresses of the public internet: loopback, private
(RFC 1918), CGNAT, link-local, unique local, multicast, reserved and
documentation ranges are refused at connect time, the IPv4 embedded in
IPv6 forms too, and redirects are followed only to ports 80 and 443 (or
the audited ports). Each refusal is recorded in the observations
("refused"). Special-use names (localhost, .local, .internal, .home.arpa,
.lan, .onion, .invalid, .example, .alt, .arpa...) are not audited; .test
only with --allow-private.

Certificates are verified against the system's roots, or those of the file
named by SSL_CERT_FILE.

Exit codes:
  0    every audit ran
  1    at least one audit could not run (invalid name, domain that does not
       exist, no DNS answer, internal error); the other results are still
       printed
  2    usage error
  3    a finding at or above --fail-on (code 1 wins when both apply)
  6    --format pdf without Chromium (Debian package chromium)
  130  interrupted (Ctrl-C)
`}
)

// parseAuditArgs parses the flags and domains of "vigie audit"; flags may
// come after domains, and "--" ends the flags.
func parseAuditArgs(e *env, args []string) (*auditFlags, *flag.FlagSet, []string, error) {
	f := &auditFlags{}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.set(fs, 4)
	var domains []string
	for {
		if err := e.parseFlags(fs, args); err != nil {
			return nil, fs, nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			domains = append(domains, rest...)
			break
		}
		domains = append(domains, rest[0])
		args = rest[1:]
	}
	return f, fs, domains, nil
}

// auditConfig turns the flags into an engine configuration.
func auditConfig(e *env, f *auditFlags) (engine.Config, error) {
	cfg := engine.Config{Version: vigieVersion(), Timeout: f.timeout, HTTPPort: f.httpPort, HTTPSPort: f.httpsPort, SMTPPort: f.smtpPort, Services: f.services, Pages: f.page}
	if f.thirdParties != "" {
		data, err := os.ReadFile(f.thirdParties)
		if err != nil {
			return cfg, fmt.Errorf("--third-parties: %v", err)
		}
		tab, err := thirdPartyTable(data)
		if err != nil {
			return cfg, fmt.Errorf("--third-parties %s: %v", f.thirdParties, err)
		}
		cfg.ThirdParties = tab
	}
	if f.lang != "fr" && f.lang != "en" {
		return cfg, fmt.Errorf(e.t(text{"--lang « %s » : fr ou en attendu", "--lang %q: want fr or en"}), f.lang)
	}
	if f.browser {
		cfg.Pages = true
	}
	if f.browserParallel < 1 {
		return cfg, fmt.Errorf(e.t(text{"--browser-parallel %d : au moins 1", "--browser-parallel %d: want at least 1"}), f.browserParallel)
	}
	if f.timeout <= 0 {
		return cfg, fmt.Errorf(e.t(text{"--timeout %v : une durée positive est attendue (30s, 2m)", "--timeout %v: want a positive duration (30s, 2m)"}), f.timeout)
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"--http-port", f.httpPort}, {"--https-port", f.httpsPort}, {"--smtp-port", f.smtpPort}} {
		if p.v < 1 || p.v > 65535 {
			return cfg, fmt.Errorf(e.t(text{"%s %d : un port de 1 à 65535 est attendu", "%s %d: want a port from 1 to 65535"}), p.name, p.v)
		}
	}
	if len(f.dkimSelectors) > maxSelectors {
		return cfg, fmt.Errorf(e.t(text{"--dkim-selector : au plus %d sélecteurs", "--dkim-selector: at most %d selectors"}), maxSelectors)
	}
	for _, sel := range f.dkimSelectors {
		name := strings.ToLower(strings.TrimSpace(sel))
		if len(name) > 200 || !selectorRE.MatchString(name) {
			return cfg, fmt.Errorf(e.t(text{"--dkim-selector « %s » : un sélecteur DKIM est attendu (lettres, chiffres, tirets, points : s1, mail2024)", "--dkim-selector %q: want a DKIM selector (letters, digits, hyphens, dots: s1, mail2024)"}), sel)
		}
		if !slices.Contains(cfg.DKIMSelectors, name) {
			cfg.DKIMSelectors = append(cfg.DKIMSelectors, name)
		}
	}
	if f.parallel < 1 {
		return cfg, fmt.Errorf(e.t(text{"--parallel %d : au moins 1", "--parallel %d: want at least 1"}), f.parallel)
	}
	allow, err := parseAllowPrivate(e, f.allowPrivate)
	if err != nil {
		return cfg, err
	}
	cfg.AddressPolicy = guard.NewPolicy(allow...)
	if cfg.Hosting, err = hosting.Load(f.ipData); err != nil {
		return cfg, fmt.Errorf(e.t(text{"--ip-data : données IP illisibles : %v", "--ip-data: unreadable IP data: %v"}), err)
	}
	if len(f.category) > 64 || strings.ContainsFunc(f.category, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return cfg, errors.New(e.t(text{"--category : 64 octets au plus, sans caractère de contrôle", "--category: 64 bytes at most, without control characters"}))
	}
	cfg.Category = strings.TrimSpace(f.category)
	if f.contact != "" {
		if err := version.CheckContact(f.contact); err != nil {
			return cfg, fmt.Errorf(e.t(text{"--contact « %s » : une URL https://, http:// ou mailto: est attendue, en ASCII imprimable, sans espace ni parenthèse, de %d octets au plus",
				"--contact %q: want an https://, http:// or mailto: URL, in printable ASCII, without spaces or parentheses, of %d bytes at most"}), f.contact, version.MaxContact)
		}
	}
	if f.userAgent != "" || f.contact != "" {
		cfg.UserAgent = version.Agent(f.userAgent, cfg.Version, f.contact)
		var uaErr *version.UserAgentError
		if err := version.CheckUserAgent(cfg.UserAgent); errors.As(err, &uaErr) {
			switch {
			case uaErr.Pos > 0:
				return cfg, fmt.Errorf(e.t(text{"--user-agent : l'octet %d est %q, pas un caractère ASCII imprimable (un retour à la ligne terminerait l'en-tête)",
					"--user-agent: byte %d is %q, not a printable ASCII character (a line break would end the header)"}), uaErr.Pos, uaErr.Byte)
			case uaErr.Len == 0:
				return cfg, errors.New(e.t(text{"--user-agent : vide", "--user-agent: empty"}))
			}
			return cfg, fmt.Errorf(e.t(text{"--user-agent : %d octets avec le contact, au plus %d", "--user-agent: %d bytes with the contact, at most %d"}), uaErr.Len, version.MaxUserAgent)
		}
	}
	if f.failOn != "" {
		if _, err := audit.ParseSeverity(f.failOn); err != nil {
			return cfg, fmt.Errorf(e.t(text{"--fail-on « %s » : info, low, medium, high ou critical attendu", "--fail-on %q: want info, low, medium, high or critical"}), f.failOn)
		}
	}
	if f.resolver != "" {
		r, err := resolverAddr(f.resolver)
		if err != nil {
			return cfg, fmt.Errorf(e.t(text{"--resolver « %s » : HÔTE:PORT attendu (127.0.0.1:53)", "--resolver %q: want HOST:PORT (127.0.0.1:53)"}), f.resolver)
		}
		cfg.Resolver = r
	}
	if f.trustAnchor != "" {
		b, err := readCapped(f.trustAnchor, maxAnchorFile)
		if err != nil {
			return cfg, fmt.Errorf("--trust-anchor: %v", err)
		}
		anchors, err := dnsprobe.ParseAnchors(string(b))
		if err != nil {
			return cfg, fmt.Errorf("--trust-anchor %s: %v", f.trustAnchor, err)
		}
		if len(anchors) == 0 {
			return cfg, fmt.Errorf(e.t(text{"--trust-anchor %s : aucun enregistrement DS ni DNSKEY", "--trust-anchor %s: no DS or DNSKEY record"}), f.trustAnchor)
		}
		cfg.Anchors = anchors
		cfg.AnchorName = "file " + f.trustAnchor
	}
	return cfg, nil
}

// resolverAddr checks a --resolver value: HOST:PORT, or an address alone
// for port 53.
func resolverAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// An address or a name without port.
		h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if h == "" || strings.ContainsAny(h, " /") || (strings.Contains(h, ":") && net.ParseIP(h) == nil) {
			return "", err
		}
		return net.JoinHostPort(h, "53"), nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" {
		return "", fmt.Errorf("bad port %q", port)
	}
	return s, nil
}

// readCapped reads at most limit bytes of a file, and fails when it is
// longer.
func readCapped(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, limit)
	}
	return b, nil
}

// targetErrors say in French and English why a name cannot be audited.
var targetErrors = []struct {
	err error
	msg text
}{
	{target.ErrEmpty, text{"nom vide", "empty name"}},
	{target.ErrIPLiteral, text{"adresse IP, pas un nom de domaine", "IP address, not a domain name"}},
	{target.ErrScheme, text{"seules les URL http:// et https:// sont acceptées", "only http:// and https:// URLs are accepted"}},
	{target.ErrSyntax, text{"ce n'est pas un nom de domaine", "not a domain name"}},
	{target.ErrInvalidChar, text{"caractère interdit dans un nom de domaine", "character not allowed in a domain name"}},
	{target.ErrEmptyLabel, text{"étiquette vide (deux points de suite, ou un point au début)", "empty label (two dots in a row, or a leading dot)"}},
	{target.ErrLabelTooLong, text{"une étiquette dépasse 63 octets", "a label is longer than 63 octets"}},
	{target.ErrNameTooLong, text{"le nom dépasse 253 octets", "the name is longer than 253 octets"}},
	{target.ErrIDNA, text{"nom internationalisé invalide", "invalid internationalised name"}},
	{target.ErrSingleLabel, text{"nom d'une seule étiquette : donnez un domaine complet (exemple.fr)", "single-label name: give a full domain (example.fr)"}},
	{target.ErrPublicSuffix, text{"suffixe public (comme fr ou gouv.fr), pas un domaine qu'on enregistre", "public suffix (like fr or gouv.fr), not a registrable domain"}},
}

// targetMessage says why input cannot be audited, in the user's language.
func targetMessage(e *env, input string, err error) string {
	for _, t := range targetErrors {
		if errors.Is(err, t.err) {
			if e.lang == "en" {
				return fmt.Sprintf("%q: %s", input, t.msg.en)
			}
			return fmt.Sprintf("« %s » : %s", input, t.msg.fr)
		}
	}
	return err.Error()
}

func runAudit(ctx context.Context, e *env, args []string) int {
	f, fs, domains, err := parseAuditArgs(e, args)
	if errors.Is(err, flag.ErrHelp) {
		return e.usage(fs)
	}
	if err != nil {
		e.errorf("audit: %v", err)
		fmt.Fprint(e.stderr, e.t(text{"« vigie help audit » donne les options.\n", "\"vigie --lang en help audit\" lists the options.\n"}))
		return exitUsage
	}
	cfg, err := auditConfig(e, f)
	if err != nil {
		e.errorf("audit: %v", err)
		return exitUsage
	}
	if err := checkFormat(e, f.format); err != nil || f.format != "text" && (f.json || len(domains) > 1) {
		if err == nil {
			err = errors.New(e.t(text{"--format " + f.format + " : un seul domaine, sans --json", "--format " + f.format + ": one domain only, without --json"}))
		}
		e.errorf("audit: %v", err)
		return exitUsage
	}
	if len(domains) == 0 {
		e.errorf(e.t(text{"audit : aucun domaine ; usage : vigie audit [options] DOMAINE...", "audit: no domain; usage: vigie audit [options] DOMAIN..."}))
		return exitUsage
	}
	roots, rootsName, err := engine.Roots()
	if err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	cfg.Roots, cfg.RootsName = roots, rootsName
	if f.browser {
		var caPEM []byte
		if file := os.Getenv("SSL_CERT_FILE"); file != "" && len(cfg.AddressPolicy.Allowed()) > 0 {
			if caPEM, err = os.ReadFile(file); err != nil {
				e.errorf("SSL_CERT_FILE: %v", err)
				return exitFailed
			}
		}
		b, err := startBrowser(ctx, e, f.browserParallel, caPEM)
		if err != nil {
			e.errorf("audit: %v", err)
			return exitFailed
		}
		defer b.Close()
		cfg.Browser = b
	}
	failOn := audit.Severity(-1)
	if f.failOn != "" {
		failOn, _ = audit.ParseSeverity(f.failOn)
	}

	color := !f.json && f.format == "text" && isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	ctx, cancel := context.WithCancel(ctx)
	results, wait := auditAll(ctx, cfg, domains, f.parallel)
	defer wait()
	defer cancel()

	failed, found := false, false
	for i, r := range results {
		res := <-r
		if res.Error == engine.ErrCancelled {
			e.errorf("%s", report.ErrorText(engine.ErrCancelled, e.lang))
			return exitInterrupt
		}
		if res.target.err != nil {
			failed = true
			e.errorf("%s", targetMessage(e, domains[i], res.target.err))
		} else if res.Error != "" {
			failed = true
			e.errorf("%s%s%s", res.Domain, e.t(text{" : ", ": "}), report.ErrorText(res.Error, e.lang))
		}
		for _, fd := range res.Findings {
			if failOn >= 0 && fd.Severity >= failOn {
				found = true
			}
		}
		if err := e.print(ctx, res.Result, f, len(domains), color, res.target.err != nil); err != nil {
			return renderError(e, err)
		}
	}
	switch {
	case ctx.Err() != nil:
		return exitInterrupt
	case failed:
		return exitFailed
	case found:
		return exitFindings
	}
	return exitOK
}

// result is one audit's result and, for a name that could not be parsed,
// why.
type result struct {
	*audit.Result
	target struct{ err error }
}

// auditAll starts the audits, at most parallel at once, and returns one
// channel per domain, in the order given, each receiving its result, and
// a function that waits for every audit to end. The channels are
// buffered: no audit waits for its result to be read.
func auditAll(ctx context.Context, cfg engine.Config, domains []string, parallel int) ([]chan result, func()) {
	out := make([]chan result, len(domains))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, d := range domains {
		out[i] = make(chan result, 1)
		t, err := target.Parse(d)
		if err != nil {
			r := result{Result: &audit.Result{Input: d, Time: time.Now().UTC(), Version: cfg.Version, Findings: []audit.Finding{}, Error: err.Error()}}
			r.target.err = err
			out[i] <- r
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] <- result{Result: engine.Audit(ctx, cfg, t)}
		})
	}
	return out, wg.Wait
}

// print writes one result: JSON, or the text report. An unparsable name
// has no text report (its error went to stderr) but has a JSON object,
// so that JSON Lines keep the order of the domains given.
func (e *env) print(ctx context.Context, r *audit.Result, f *auditFlags, n int, color, invalid bool) error {
	if f.json {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if n == 1 {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
		_, err := e.stdout.Write(b.Bytes())
		return err
	}
	if invalid {
		return nil
	}
	return render(ctx, e.stdout, r, f.format, f.lang, color)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// thirdPartyTable returns vigie's third-party table with the operator's
// table data before it.
func thirdPartyTable(data []byte) (*thirdparty.Table, error) {
	base, err := thirdparty.Load()
	if err != nil {
		return nil, err
	}
	return base.With(data)
}

// startBrowser starts the headless Chromium of --browser, trusting caPEM
// (the lab's CA, in lab mode only) besides the system's roots.
func startBrowser(ctx context.Context, e *env, parallel int, caPEM []byte) (*pageprobe.Browser, error) {
	b, err := pageprobe.StartBrowser(ctx, pageprobe.BrowserConfig{Parallel: parallel, CAPEM: caPEM})
	if errors.Is(err, pageprobe.ErrNoBrowser) {
		return nil, errors.New(e.t(text{"--browser : Chromium introuvable (apt-get install chromium, ou VIGIE_CHROMIUM=CHEMIN) ; sans lui, --page lit le HTML sans l'exécuter",
			"--browser: Chromium not found (apt-get install chromium, or VIGIE_CHROMIUM=PATH); without it, --page reads the HTML without running it"}))
	}
	return b, err
}
