package export

import (
	"encoding/json"
	"fmt"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// AuditLine is one line of audits.jsonl: a whole stored audit (the
// result of "vigie audit --json", observations included) with its
// organisation and campaign. JSON Lines rather than one array, so that a
// reader can stream a file of any size, and "vigie rescore" reads the
// "result" objects as they are.
type AuditLine struct {
	Organisation OrganisationJSON `json:"organisation"`
	CampaignID   int64            `json:"campaign_id"`
	Domain       string           `json:"domain"`
	Time         time.Time        `json:"time"`
	Result       *audit.Result    `json:"result"`
}

// OrganisationJSON is an organisation in audits.jsonl.
type OrganisationJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Category string   `json:"category,omitempty"`
	Domains  []string `json:"domains"`
}

// jsonWriter writes audits.jsonl and organisations.json (one JSON array
// of OrganisationRow, written element by element).
type jsonWriter struct {
	audits, orgs       *output
	auditsEnc, orgsEnc *json.Encoder
	n                  int
}

func newJSONWriter(e *exporter) (*jsonWriter, error) {
	w := &jsonWriter{}
	var err error
	// JSON Lines has no registered media type: none is given.
	w.audits, err = e.create(AuditsJSONL, "JSON", "", audit.Text{
		FR: "JSON Lines : un audit complet par ligne (observations, constats, note) avec son organisation.",
		EN: "JSON Lines: one whole audit a line (observations, findings, score) with its organisation.",
	})
	if err != nil {
		return nil, err
	}
	w.orgs, err = e.create(OrganisationsJSON, "JSON", "application/json", audit.Text{
		FR: "Tableau JSON des lignes de organisations.csv, typées.",
		EN: "JSON array of the rows of organisations.csv, typed.",
	})
	if err != nil {
		return nil, err
	}
	w.auditsEnc = json.NewEncoder(w.audits)
	w.auditsEnc.SetEscapeHTML(false)
	w.orgsEnc = json.NewEncoder(w.orgs)
	w.orgsEnc.SetEscapeHTML(false)
	if _, err := w.orgs.Write([]byte("[\n")); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *jsonWriter) add(rec *store.AuditRecord, org *OrganisationRow) error {
	line := AuditLine{
		Organisation: OrganisationJSON{ID: rec.Org.ID, Name: rec.Org.Name, Category: rec.Org.Category, Domains: rec.Org.Domains},
		CampaignID:   rec.CampaignID,
		Domain:       rec.Domain,
		Time:         rec.Time,
		Result:       rec.Result,
	}
	if err := w.auditsEnc.Encode(&line); err != nil {
		return fmt.Errorf("export: %s: %w", AuditsJSONL, err)
	}
	if w.n > 0 {
		if _, err := w.orgs.Write([]byte(",")); err != nil {
			return err
		}
	}
	w.n++
	if err := w.orgsEnc.Encode(org); err != nil {
		return fmt.Errorf("export: %s: %w", OrganisationsJSON, err)
	}
	return nil
}

func (w *jsonWriter) close() error {
	_, err := w.orgs.Write([]byte("]\n"))
	return err
}
