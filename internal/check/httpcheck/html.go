package httpcheck

import (
	"strings"
)

// isHTML reports whether a page's Content-Type allows an HTML body; an
// absent one does.
func isHTML(p page) bool {
	ct := p.resp.Header("Content-Type")
	return len(ct) == 0 || strings.Contains(strings.ToLower(ct[0]), "html")
}
