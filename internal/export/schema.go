package export

import "vigie.eu/vigie/internal/audit"

// TableSchema is a Table Schema (Frictionless Data,
// https://specs.frictionlessdata.io/table-schema/) describing one CSV
// file: its columns in order, their types and constraints, its primary key
// and foreign keys. Titles and descriptions are in French (title,
// description) and English (title_en, description_en, custom properties
// the specification allows).
type TableSchema struct {
	Fields        []Field      `json:"fields"`
	PrimaryKey    []string     `json:"primaryKey"`
	ForeignKeys   []ForeignKey `json:"foreignKeys,omitempty"`
	MissingValues []string     `json:"missingValues"`
}

// Field is one column of a Table Schema.
type Field struct {
	Name          string       `json:"name"`
	Type          string       `json:"type"` // string, integer, number, boolean, datetime
	Title         string       `json:"title"`
	TitleEN       string       `json:"title_en"`
	Description   string       `json:"description"`
	DescriptionEN string       `json:"description_en"`
	Constraints   *Constraints `json:"constraints,omitempty"`
}

// Constraints are the constraints of a field that vigie uses.
type Constraints struct {
	Required bool     `json:"required,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	Minimum  *int     `json:"minimum,omitempty"`
	Maximum  *int     `json:"maximum,omitempty"`
}

// ForeignKey says that Fields of this table name a row of another
// resource of the data package.
type ForeignKey struct {
	Fields    []string  `json:"fields"`
	Reference Reference `json:"reference"`
}

// Reference is the target of a foreign key.
type Reference struct {
	Resource string   `json:"resource"`
	Fields   []string `json:"fields"`
}

func intp(v int) *int { return &v }

// textNote ends the description of every free-text column: how the CSV
// file neutralises a value that a spreadsheet would take for a formula.
var textNote = audit.Text{
	FR: " Sans caractère de contrôle. Dans le fichier CSV, une valeur qui commence par =, +, -, @, une tabulation ou un retour chariot est précédée d'une apostrophe (') et mise entre guillemets, pour qu'un tableur ne l'exécute pas comme une formule (recommandation de l'OWASP contre l'injection CSV) : retirez cette apostrophe pour retrouver la valeur, telle que la donnent les fichiers JSON et Parquet.",
	EN: " No control characters. In the CSV file, a value that starts with =, +, -, @, a tab or a carriage return is preceded by a single quote (') and quoted, so that a spreadsheet does not run it as a formula (OWASP's advice against CSV injection): remove that quote to get the value, as the JSON and Parquet files give it.",
}

// field builds a Field; t holds the title then the description. A
// string field without an enum gets textNote.
func field(name, typ string, title, desc audit.Text, c *Constraints) Field {
	if typ == "string" && (c == nil || len(c.Enum) == 0) {
		desc.FR += textNote.FR
		desc.EN += textNote.EN
	}
	return Field{Name: name, Type: typ, Title: title.FR, TitleEN: title.EN,
		Description: desc.FR, DescriptionEN: desc.EN, Constraints: c}
}

var (
	required = &Constraints{Required: true}
	count    = &Constraints{Required: true, Minimum: intp(0)}
	points   = &Constraints{Minimum: intp(0), Maximum: intp(100)}
)

// OrganisationsSchema describes organisations.csv; its fields are in the
// order of OrganisationRow.Record.
func OrganisationsSchema() *TableSchema {
	areaNames := map[string]audit.Text{
		"web_transport":  {FR: "transport web (TLS, HTTPS, HSTS)", EN: "web transport (TLS, HTTPS, HSTS)"},
		"web_app":        {FR: "application web (en-têtes, cookies, contenus)", EN: "web application (headers, cookies, content)"},
		"mail":           {FR: "messagerie (STARTTLS, SPF, DMARC, DKIM, MTA-STS, DANE)", EN: "mail (STARTTLS, SPF, DMARC, DKIM, MTA-STS, DANE)"},
		"dns":            {FR: "DNS (DNSSEC, serveurs de noms)", EN: "DNS (DNSSEC, name servers)"},
		"attack_surface": {FR: "surface d'attaque (services exposés, fin de vie ; --services)", EN: "attack surface (exposed services, end of life; --services)"},
	}
	areaField := func(a string) Field {
		n := areaNames[a]
		return field(a+"_points", "integer",
			audit.Text{FR: "Points : " + n.FR, EN: "Points: " + n.EN},
			audit.Text{FR: "Points sur 100 du domaine « " + n.FR + " » ; vide quand il n'a pas été observé.", EN: "Points out of 100 of the area \"" + n.EN + "\"; empty when it was not observed."},
			points)
	}
	fs := []Field{
		field("organisation_id", "string",
			audit.Text{FR: "Identifiant de l'organisation", EN: "Organisation identifier"},
			audit.Text{FR: "Identifiant de l'organisation (SIREN, code INSEE…) ; le domaine lui-même pour une simple liste de domaines.", EN: "Identifier of the organisation (SIREN, INSEE code...); the domain itself for a plain list of domains."},
			required),
		field("organisation_name", "string",
			audit.Text{FR: "Nom de l'organisation", EN: "Organisation name"},
			audit.Text{FR: "Nom de l'organisation ; vide s'il n'est pas connu.", EN: "Name of the organisation; empty when unknown."},
			nil),
		field("category", "string",
			audit.Text{FR: "Catégorie", EN: "Category"},
			audit.Text{FR: "Catégorie de l'organisation (commune, département, région, hôpital, ministère, établissement public…) ; vide si elle n'est pas connue.", EN: "Category of the organisation (commune, département, région, hôpital, ministère, établissement public...); empty when unknown."},
			nil),
		field("domain", "string",
			audit.Text{FR: "Domaine", EN: "Domain"},
			audit.Text{FR: "Domaine audité, normalisé (A-label, minuscules).", EN: "Audited domain, normalised (A-label, lower case)."},
			required),
		field("campaign_id", "integer",
			audit.Text{FR: "Campagne", EN: "Campaign"},
			audit.Text{FR: "Numéro de la campagne qui a réalisé cet audit.", EN: "Number of the campaign that ran this audit."},
			required),
		field("audit_time", "datetime",
			audit.Text{FR: "Date de l'audit", EN: "Audit time"},
			audit.Text{FR: "Début de l'audit, en UTC, à la seconde.", EN: "Start of the audit, in UTC, to the second."},
			required),
		field("grade", "string",
			audit.Text{FR: "Note CyberScore", EN: "CyberScore grade"},
			audit.Text{FR: "Note finale de A+ à F, après plafonds ; vide quand rien n'a pu être noté.", EN: "Final grade from A+ to F, after caps; empty when nothing could be graded."},
			&Constraints{Enum: Grades}),
		field("points", "integer",
			audit.Text{FR: "Points", EN: "Points"},
			audit.Text{FR: "Score sur 100 : moyenne pondérée des domaines observés ; les plafonds ne le changent pas.", EN: "Score out of 100: weighted mean of the observed areas; caps do not change it."},
			points),
	}
	for _, a := range Areas {
		if a != "attack_surface" { // appended at the end: the columns before keep their places
			fs = append(fs, areaField(a))
		}
	}
	fs = append(fs,
		field("grade_before_caps", "string",
			audit.Text{FR: "Note avant plafonds", EN: "Grade before caps"},
			audit.Text{FR: "Note que donnent les points seuls, avant les plafonds.", EN: "Grade the points alone give, before caps."},
			&Constraints{Enum: Grades}),
		field("caps", "string",
			audit.Text{FR: "Plafonds appliqués", EN: "Caps applied"},
			audit.Text{FR: "Règles de plafond appliquées, séparées par des espaces, la plus stricte d'abord (voir « vigie methodology »).", EN: "Cap rules that applied, separated by spaces, the strictest first (see \"vigie methodology\")."},
			nil),
	)
	sevNames := map[string]audit.Text{
		"critical": {FR: "critique", EN: "critical"}, "high": {FR: "élevée", EN: "high"},
		"medium": {FR: "moyenne", EN: "medium"}, "low": {FR: "faible", EN: "low"},
		"info": {FR: "information", EN: "info"},
	}
	for _, s := range Severities {
		n := sevNames[s]
		fs = append(fs, field("findings_"+s, "integer",
			audit.Text{FR: "Constats de gravité " + n.FR, EN: n.EN + " findings"},
			audit.Text{FR: "Nombre de constats de gravité « " + n.FR + " ».", EN: "Number of findings of severity \"" + n.EN + "\"."},
			count))
	}
	fs = append(fs,
		field("methodology", "string",
			audit.Text{FR: "Méthodologie", EN: "Methodology"},
			audit.Text{FR: "Version de la méthodologie du CyberScore qui a calculé la note.", EN: "Version of the CyberScore methodology that computed the grade."},
			nil),
		field("error", "string",
			audit.Text{FR: "Erreur", EN: "Error"},
			audit.Text{FR: "Pourquoi l'audit n'a pas pu être réalisé ; vide s'il l'a été.", EN: "Why the audit could not run; empty when it did."},
			nil),
		field("campaign_time", "datetime",
			audit.Text{FR: "Date de la campagne", EN: "Campaign time"},
			audit.Text{FR: "Création de la campagne qui a réalisé cet audit, en UTC, à la seconde.", EN: "Creation of the campaign that ran this audit, in UTC, to the second."},
			required),
		areaField("attack_surface"),
		field("sovereignty_grade", "string",
			audit.Text{FR: "Note de souveraineté", EN: "Sovereignty grade"},
			audit.Text{FR: "Note de l'indicateur de souveraineté (A à F), à côté du CyberScore et sans effet sur lui : qui héberge le site, la messagerie et le DNS, et sous quel droit ; vide sans données d'hébergement. Données IP : RouteViews et DB-IP (https://db-ip.com), CC BY 4.0.", EN: "Grade of the sovereignty indicator (A to F), beside the CyberScore and without effect on it: who hosts the site, the mail and the DNS, and under which law; empty without hosting data. IP data: RouteViews and DB-IP (https://db-ip.com), CC BY 4.0."},
			&Constraints{Enum: []string{"A", "B", "C", "D", "E", "F"}}),
		field("sovereignty_points", "integer",
			audit.Text{FR: "Points de souveraineté", EN: "Sovereignty points"},
			audit.Text{FR: "Points sur 100 de l'indicateur de souveraineté ; vide sans données d'hébergement.", EN: "Points out of 100 of the sovereignty indicator; empty without hosting data."},
			points),
	)
	for _, r := range []struct{ id, fr, en string }{{"web", "du site web (le domaine et www)", "of the web site (the domain and www)"}, {"mail", "de la messagerie (les serveurs MX)", "of the mail (the MX hosts)"}, {"dns", "du DNS (les serveurs de noms)", "of the DNS (the name servers)"}} {
		fs = append(fs,
			field(r.id+"_provider", "string",
				audit.Text{FR: "Fournisseur " + r.fr, EN: "Provider " + r.en},
				audit.Text{FR: "Fournisseurs " + r.fr + ", selon la table des fournisseurs de vigie, séparés par « ; » ; vide quand aucun n'est connu.", EN: "Providers " + r.en + ", by vigie's providers table, separated by \" ; \"; empty when none is known."},
				nil),
			field(r.id+"_jurisdiction", "string",
				audit.Text{FR: "Droits " + r.fr, EN: "Jurisdictions " + r.en},
				audit.Text{FR: "Juridictions des lois qui lient ces fournisseurs (EU, US, CH, CN), séparées par des espaces ; US signifie le CLOUD Act et FISA 702 ; vide quand aucun fournisseur n'est connu.", EN: "Jurisdictions of the laws that bind these providers (EU, US, CH, CN), separated by spaces; US means the CLOUD Act and FISA 702; empty when no provider is known."},
				nil))
	}
	fs = append(fs,
		field("privacy_grade", "string",
			audit.Text{FR: "Note de vie privée", EN: "Privacy grade"},
			audit.Text{FR: "Note de l'indicateur de vie privée (A à F), à côté du CyberScore et sans effet sur lui : traceurs, cookies tiers et tiers extra-européens de la page d'accueil avant consentement ; vide quand les pages d'accueil n'ont pas été lues (--page).", EN: "Grade of the privacy indicator (A to F), beside the CyberScore and without effect on it: trackers, third-party cookies and extra-European third parties of the home page before consent; empty when the home pages were not read (--page)."},
			&Constraints{Enum: []string{"A", "B", "C", "D", "E", "F"}}),
		field("privacy_points", "integer",
			audit.Text{FR: "Points de vie privée", EN: "Privacy points"},
			audit.Text{FR: "Points sur 100 de l'indicateur de vie privée ; vide quand les pages d'accueil n'ont pas été lues.", EN: "Points out of 100 of the privacy indicator; empty when the home pages were not read."},
			points),
		field("ecoindex_grade", "string",
			audit.Text{FR: "Note EcoIndex", EN: "EcoIndex grade"},
			audit.Text{FR: "Note de l'indicateur d'écoconception (A à G, seuils de la méthode EcoIndex de GreenIT.fr), à côté du CyberScore et sans effet sur lui ; vide quand aucun navigateur n'a chargé la page d'accueil (--browser).", EN: "Grade of the eco-design indicator (A to G, the thresholds of GreenIT.fr's EcoIndex method), beside the CyberScore and without effect on it; empty when no browser loaded the home page (--browser)."},
			&Constraints{Enum: []string{"A", "B", "C", "D", "E", "F", "G"}}),
		field("ecoindex", "integer",
			audit.Text{FR: "EcoIndex", EN: "EcoIndex"},
			audit.Text{FR: "EcoIndex de la page d'accueil sur 100, d'après le nombre d'éléments du DOM, de requêtes et le poids transféré mesurés par le navigateur ; vide sans --browser.", EN: "EcoIndex of the home page out of 100, from the DOM elements, requests and weight transferred that the browser measured; empty without --browser."},
			points))
	return &TableSchema{
		Fields:        fs,
		PrimaryKey:    []string{"organisation_id", "domain"},
		MissingValues: []string{""},
	}
}

// FindingsSchema describes findings.csv; its fields are in the order of
// FindingRow.Record.
func FindingsSchema() *TableSchema {
	return &TableSchema{
		Fields: []Field{
			field("organisation_id", "string",
				audit.Text{FR: "Identifiant de l'organisation", EN: "Organisation identifier"},
				audit.Text{FR: "Identifiant de l'organisation, comme dans organisations.csv.", EN: "Identifier of the organisation, as in organisations.csv."},
				required),
			field("domain", "string",
				audit.Text{FR: "Domaine", EN: "Domain"},
				audit.Text{FR: "Domaine audité, comme dans organisations.csv.", EN: "Audited domain, as in organisations.csv."},
				required),
			field("audit_time", "datetime",
				audit.Text{FR: "Date de l'audit", EN: "Audit time"},
				audit.Text{FR: "Début de l'audit, en UTC, à la seconde.", EN: "Start of the audit, in UTC, to the second."},
				required),
			field("finding_index", "integer",
				audit.Text{FR: "Rang du constat", EN: "Finding rank"},
				audit.Text{FR: "Rang du constat dans l'audit, à partir de 1, le plus grave d'abord.", EN: "Rank of the finding in the audit, from 1, the most severe first."},
				&Constraints{Required: true, Minimum: intp(1)}),
			field("finding_id", "string",
				audit.Text{FR: "Identifiant du constat", EN: "Finding identifier"},
				audit.Text{FR: "Identifiant stable du constat (« tls.protocol.tls10 ») ; « vigie methodology » les liste tous.", EN: "Stable identifier of the finding (\"tls.protocol.tls10\"); \"vigie methodology\" lists them all."},
				required),
			field("severity", "string",
				audit.Text{FR: "Gravité", EN: "Severity"},
				audit.Text{FR: "Gravité du constat : critical (critique), high (élevée), medium (moyenne), low (faible), info.", EN: "Severity of the finding: critical, high, medium, low, info."},
				&Constraints{Required: true, Enum: Severities}),
			field("subject", "string",
				audit.Text{FR: "Objet", EN: "Subject"},
				audit.Text{FR: "Ce que le constat concerne : un hôte, une URL, un serveur de noms, un cookie.", EN: "What the finding is about: a host, a URL, a name server, a cookie."},
				nil),
			field("evidence", "string",
				audit.Text{FR: "Preuve", EN: "Evidence"},
				audit.Text{FR: "Les faits observés qui fondent le constat.", EN: "The observed facts behind the finding."},
				nil),
			field("standard", "string",
				audit.Text{FR: "Référence", EN: "Standard"},
				audit.Text{FR: "Document de référence du constat, avec sa section (RFC, guide de l'ANSSI…).", EN: "Document behind the finding, with its section (RFC, ANSSI guide...)."},
				nil),
			field("title_fr", "string",
				audit.Text{FR: "Intitulé (français)", EN: "Title (French)"},
				audit.Text{FR: "Ce qui ne va pas, en français.", EN: "What is wrong, in French."},
				nil),
			field("title_en", "string",
				audit.Text{FR: "Intitulé (anglais)", EN: "Title (English)"},
				audit.Text{FR: "Ce qui ne va pas, en anglais.", EN: "What is wrong, in English."},
				nil),
			field("campaign_id", "integer",
				audit.Text{FR: "Campagne", EN: "Campaign"},
				audit.Text{FR: "Numéro de la campagne qui a réalisé l'audit, comme dans organisations.csv.", EN: "Number of the campaign that ran the audit, as in organisations.csv."},
				required),
		},
		PrimaryKey: []string{"organisation_id", "domain", "finding_index"},
		ForeignKeys: []ForeignKey{{
			Fields:    []string{"organisation_id", "domain"},
			Reference: Reference{Resource: "organisations", Fields: []string{"organisation_id", "domain"}},
		}},
		MissingValues: []string{""},
	}
}

// schemasFor returns the Table Schemas of organisations.csv and
// findings.csv for an export with opts. A history (Options.History)
// holds every audit of a domain, one per campaign: its keys take the
// campaign too.
func schemasFor(opts Options) (orgs, findings *TableSchema) {
	orgs, findings = OrganisationsSchema(), FindingsSchema()
	if opts.History {
		orgs.PrimaryKey = []string{"organisation_id", "domain", "campaign_id"}
		findings.PrimaryKey = []string{"organisation_id", "domain", "campaign_id", "finding_index"}
		findings.ForeignKeys[0].Fields = []string{"organisation_id", "domain", "campaign_id"}
		findings.ForeignKeys[0].Reference.Fields = []string{"organisation_id", "domain", "campaign_id"}
	}
	for _, s := range []*TableSchema{orgs, findings} {
		for i := range s.Fields {
			n := omittedNote(s.Fields[i].Name, opts.Omit)
			s.Fields[i].Description += n.FR
			s.Fields[i].DescriptionEN += n.EN
		}
	}
	return orgs, findings
}
