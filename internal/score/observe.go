package score

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// finalHTTPS returns the final response of a chain when it is an HTTPS
// page that answered, or nil.
func finalHTTPS(h *audit.HTTPObservation) *audit.HTTPResponse {
	if h == nil || h.Error != "" {
		return nil
	}
	r := h.Final()
	if r == nil || r.Status == 0 || r.Error != "" || !strings.HasPrefix(strings.ToLower(r.URL), "https://") {
		return nil
	}
	return r
}
