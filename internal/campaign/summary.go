package campaign

import (
	"time"

	"vigie.eu/vigie/internal/store"
)

// SummaryJSON is one campaign, its progress and state, as the published
// JSON outputs give it ("vigie campaign status --json", "campaign compare
// --json", the observatory's API). Field names are published: never
// renamed nor reused, only added.
type SummaryJSON struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created_at"`
	// Finished is when the campaign was recorded as finished; absent
	// while it is not.
	Finished *time.Time `json:"finished_at,omitempty"`
	// Status is "finished", "unfinished" (or another status a newer
	// vigie records, such as "abandoned").
	Status string `json:"status"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

// SummaryOf returns c as SummaryJSON, its times in UTC.
func SummaryOf(c store.CampaignSummary) SummaryJSON {
	j := SummaryJSON{ID: c.ID, Name: c.Name, Created: c.Created.UTC(), Status: c.Status, Done: c.Done, Total: c.Total}
	if !c.Finished.IsZero() {
		f := c.Finished.UTC()
		j.Finished = &f
	}
	return j
}
