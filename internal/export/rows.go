package export

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// Areas are the scored areas, one points column each, in the order of
// the rules table (internal/score). A test fails when the rules table
// changes them, so that the published columns change on purpose.
var Areas = []string{"web_transport", "web_app", "mail", "dns", "attack_surface"}

// Grades are the CyberScore grades, the best first: the enum of the grade
// columns.
var Grades = []string{"A+", "A", "B", "C", "D", "E", "F"}

// Severities are the finding severities, the most severe first: the enum
// of the severity column.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// OrganisationRow is one row of organisations.csv, organisations.json and
// organisations.parquet: the latest audit of one domain of one
// organisation. Empty strings and nil pointers are missing values (an
// empty CSV cell, a JSON null, a Parquet null).
type OrganisationRow struct {
	OrganisationID     string    `parquet:"organisation_id" json:"organisation_id"`
	OrganisationName   string    `parquet:"organisation_name,optional" json:"organisation_name"`
	Category           string    `parquet:"category,optional" json:"category"`
	Domain             string    `parquet:"domain" json:"domain"`
	CampaignID         int64     `parquet:"campaign_id" json:"campaign_id"`
	AuditTime          time.Time `parquet:"audit_time,timestamp(millisecond)" json:"audit_time"`
	Grade              string    `parquet:"grade,optional" json:"grade"`
	Points             *int32    `parquet:"points,optional" json:"points"`
	WebTransportPoints *int32    `parquet:"web_transport_points,optional" json:"web_transport_points"`
	WebAppPoints       *int32    `parquet:"web_app_points,optional" json:"web_app_points"`
	MailPoints         *int32    `parquet:"mail_points,optional" json:"mail_points"`
	DNSPoints          *int32    `parquet:"dns_points,optional" json:"dns_points"`
	GradeBeforeCaps    string    `parquet:"grade_before_caps,optional" json:"grade_before_caps"`
	Caps               string    `parquet:"caps,optional" json:"caps"`
	FindingsCritical   int32     `parquet:"findings_critical" json:"findings_critical"`
	FindingsHigh       int32     `parquet:"findings_high" json:"findings_high"`
	FindingsMedium     int32     `parquet:"findings_medium" json:"findings_medium"`
	FindingsLow        int32     `parquet:"findings_low" json:"findings_low"`
	FindingsInfo       int32     `parquet:"findings_info" json:"findings_info"`
	Methodology        string    `parquet:"methodology,optional" json:"methodology"`
	Error              string    `parquet:"error,optional" json:"error"`
	// CampaignTime is when the campaign was created (appended: the
	// columns before it keep their places).
	CampaignTime time.Time `parquet:"campaign_time,timestamp(millisecond)" json:"campaign_time"`
	// AttackSurfacePoints are the points of the attack surface, empty
	// unless the audit ran with --services (appended, like
	// CampaignTime).
	AttackSurfacePoints *int32 `parquet:"attack_surface_points,optional" json:"attack_surface_points"`
	// The Sovereignty indicator and who hosts the web site, the mail
	// and the DNS (appended, like CampaignTime): empty when the audit
	// has no hosting observation.
	SovereigntyGrade  string `parquet:"sovereignty_grade,optional" json:"sovereignty_grade"`
	SovereigntyPoints *int32 `parquet:"sovereignty_points,optional" json:"sovereignty_points"`
	WebProvider       string `parquet:"web_provider,optional" json:"web_provider"`
	WebJurisdiction   string `parquet:"web_jurisdiction,optional" json:"web_jurisdiction"`
	MailProvider      string `parquet:"mail_provider,optional" json:"mail_provider"`
	MailJurisdiction  string `parquet:"mail_jurisdiction,optional" json:"mail_jurisdiction"`
	DNSProvider       string `parquet:"dns_provider,optional" json:"dns_provider"`
	DNSJurisdiction   string `parquet:"dns_jurisdiction,optional" json:"dns_jurisdiction"`
	// The Privacy indicator (appended, like CampaignTime): empty
	// unless the audit read the home pages (--page).
	PrivacyGrade  string `parquet:"privacy_grade,optional" json:"privacy_grade"`
	PrivacyPoints *int32 `parquet:"privacy_points,optional" json:"privacy_points"`
	// The eco-design indicator (appended): the EcoIndex of the home
	// page and its grade, empty unless a browser loaded it (--browser).
	EcoIndexGrade string `parquet:"ecoindex_grade,optional" json:"ecoindex_grade"`
	EcoIndex      *int32 `parquet:"ecoindex,optional" json:"ecoindex"`
}

// FindingRow is one row of findings.csv and findings.parquet: one finding
// of the latest audit of one domain. FindingIndex numbers the findings of
// an audit from 1, most severe first, as the audit lists them.
type FindingRow struct {
	OrganisationID string    `parquet:"organisation_id" json:"organisation_id"`
	Domain         string    `parquet:"domain" json:"domain"`
	AuditTime      time.Time `parquet:"audit_time,timestamp(millisecond)" json:"audit_time"`
	FindingIndex   int32     `parquet:"finding_index" json:"finding_index"`
	FindingID      string    `parquet:"finding_id" json:"finding_id"`
	Severity       string    `parquet:"severity" json:"severity"`
	Subject        string    `parquet:"subject,optional" json:"subject"`
	Evidence       string    `parquet:"evidence,optional" json:"evidence"`
	Standard       string    `parquet:"standard,optional" json:"standard"`
	TitleFR        string    `parquet:"title_fr,optional" json:"title_fr"`
	TitleEN        string    `parquet:"title_en,optional" json:"title_en"`
	// CampaignID names the campaign of the audit (appended: the columns
	// before it keep their places).
	CampaignID int64 `parquet:"campaign_id" json:"campaign_id"`
}

// auditTime is the time published for an audit: UTC, to the second, as
// the Table Schema's default datetime format has it.
func auditTime(rec *store.AuditRecord) time.Time {
	t := rec.Time
	if t.IsZero() && rec.Result != nil {
		t = rec.Result.Time
	}
	return t.UTC().Truncate(time.Second)
}

// organisationRow flattens one stored audit of a campaign created at
// created.
func organisationRow(rec *store.AuditRecord, created time.Time) OrganisationRow {
	row := OrganisationRow{
		CampaignTime:     created.UTC().Truncate(time.Second),
		OrganisationID:   clean(rec.Org.ID),
		OrganisationName: clean(rec.Org.Name),
		Category:         clean(rec.Org.Category),
		Domain:           clean(rec.Domain),
		CampaignID:       rec.CampaignID,
		AuditTime:        auditTime(rec),
		Grade:            clean(rec.Grade),
	}
	r := rec.Result
	if r == nil {
		if rec.Grade != "" {
			row.Points = int32p(rec.Points)
		}
		return row
	}
	row.Error = clean(r.Error)
	if o := r.Observations; o != nil && o.Hosting != nil {
		for _, c := range []struct {
			role           string
			provider, juri *string
		}{{audit.RoleWeb, &row.WebProvider, &row.WebJurisdiction}, {audit.RoleMail, &row.MailProvider, &row.MailJurisdiction}, {audit.RoleDNS, &row.DNSProvider, &row.DNSJurisdiction}} {
			*c.provider, *c.juri = providerCells(o.Hosting.ProvidersOf(c.role))
		}
	}
	for _, f := range r.Findings {
		switch f.Severity {
		case audit.Critical:
			row.FindingsCritical++
		case audit.High:
			row.FindingsHigh++
		case audit.Medium:
			row.FindingsMedium++
		case audit.Low:
			row.FindingsLow++
		default:
			row.FindingsInfo++
		}
	}
	s := r.Score
	if s == nil {
		return row
	}
	row.Grade = clean(s.Grade)
	row.Points = int32p(s.Points)
	row.GradeBeforeCaps = clean(s.BeforeCaps.Grade)
	row.Methodology = clean(s.Methodology)
	for _, a := range s.Areas {
		p := int32p(a.Points)
		switch a.Area {
		case "web_transport":
			row.WebTransportPoints = p
		case "web_app":
			row.WebAppPoints = p
		case "mail":
			row.MailPoints = p
		case "dns":
			row.DNSPoints = p
		case "attack_surface":
			row.AttackSurfacePoints = p
		}
	}
	if in := s.Indicator("sovereignty"); in != nil {
		row.SovereigntyGrade, row.SovereigntyPoints = clean(in.Grade), int32p(in.Points)
	}
	if in := s.Indicator("privacy"); in != nil {
		row.PrivacyGrade, row.PrivacyPoints = clean(in.Grade), int32p(in.Points)
	}
	if in := s.Indicator("ecodesign"); in != nil {
		row.EcoIndexGrade, row.EcoIndex = clean(in.Grade), int32p(in.Points)
	}
	caps := make([]string, 0, len(s.Caps))
	for _, c := range s.Caps {
		caps = append(caps, clean(c.Rule))
	}
	row.Caps = strings.Join(caps, " ")
	return row
}

// findingRow flattens finding i (from 0) of a stored audit, whose row of
// organisations is org.
func findingRow(rec *store.AuditRecord, org *OrganisationRow, i int, f *audit.Finding) FindingRow {
	return FindingRow{
		OrganisationID: org.OrganisationID,
		Domain:         org.Domain,
		AuditTime:      org.AuditTime,
		CampaignID:     org.CampaignID,
		FindingIndex:   int32(i + 1),
		FindingID:      clean(f.ID),
		Severity:       f.Severity.String(),
		Subject:        clean(f.Subject),
		Evidence:       clean(f.Evidence),
		Standard:       clean(f.Standard),
		TitleFR:        clean(f.Title.FR),
		TitleEN:        clean(f.Title.EN),
	}
}

func int32p(v int) *int32 {
	i := int32(v)
	return &i
}

// csvTime formats a time as the Table Schema's default datetime format.
func csvTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func csvInt(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

// Record returns the row as CSV cells, in the order of the columns of
// organisations.schema.json.
func (r *OrganisationRow) Record() []string {
	return []string{
		r.OrganisationID, r.OrganisationName, r.Category, r.Domain,
		strconv.FormatInt(r.CampaignID, 10), csvTime(r.AuditTime),
		r.Grade, csvInt(r.Points),
		csvInt(r.WebTransportPoints), csvInt(r.WebAppPoints), csvInt(r.MailPoints), csvInt(r.DNSPoints),
		r.GradeBeforeCaps, r.Caps,
		strconv.Itoa(int(r.FindingsCritical)), strconv.Itoa(int(r.FindingsHigh)),
		strconv.Itoa(int(r.FindingsMedium)), strconv.Itoa(int(r.FindingsLow)),
		strconv.Itoa(int(r.FindingsInfo)),
		r.Methodology, r.Error, csvTime(r.CampaignTime),
		csvInt(r.AttackSurfacePoints),
		r.SovereigntyGrade, csvInt(r.SovereigntyPoints),
		r.WebProvider, r.WebJurisdiction, r.MailProvider, r.MailJurisdiction, r.DNSProvider, r.DNSJurisdiction,
		r.PrivacyGrade, csvInt(r.PrivacyPoints),
		r.EcoIndexGrade, csvInt(r.EcoIndex),
	}
}

// Record returns the row as CSV cells, in the order of the columns of
// findings.schema.json.
func (r *FindingRow) Record() []string {
	return []string{
		r.OrganisationID, r.Domain, csvTime(r.AuditTime),
		strconv.Itoa(int(r.FindingIndex)), r.FindingID, r.Severity,
		r.Subject, r.Evidence, r.Standard, r.TitleFR, r.TitleEN,
		strconv.FormatInt(r.CampaignID, 10),
	}
}

// clean makes a published string valid UTF-8 (evidence comes from the
// network; Parquet's STRING type and CSV readers want UTF-8) and removes
// its C0 and C1 control characters (audit.StripControls: a tab or a line
// end becomes a space), so that no escape sequence reaches a terminal and
// no line end splits a cell: every format carries the same one-line text.
func clean(s string) string {
	return audit.StripControls(strings.ToValidUTF8(s, "\uFFFD"))
}

// providerCells are the cells of providers: their names, and the
// jurisdictions of their laws, each once ("US EU"), both joined by
// spaces and semicolons.
func providerCells(ps []*audit.HostingProvider) (names, jurisdictions string) {
	var ns, js []string
	for _, p := range ps {
		ns = append(ns, clean(p.Name))
		for _, j := range p.Jurisdictions {
			if j = clean(j); !slices.Contains(js, j) {
				js = append(js, j)
			}
		}
	}
	return strings.Join(ns, " ; "), strings.Join(js, " ")
}
