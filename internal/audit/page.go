package audit

import (
	"strings"

	"golang.org/x/net/html"
)

// The ways a page was read (PageObservation.Method).
const (
	// PageBrowser: a headless Chromium loaded the page, ran its scripts
	// and recorded every request, cookie and storage key, without any
	// interaction (so before any consent).
	PageBrowser = "browser"
	// PageStatic: the HTML the web probe fetched, read without running
	// it: only what the markup names (scripts, frames, images,
	// stylesheets, fonts) and inline tracker code; what scripts load in
	// turn, cookies set by scripts and the page's real weight are not
	// seen.
	PageStatic = "static"
)

// PageObservation is what loading one home page showed (the page-load
// probe, or its static reading when no browser ran).
type PageObservation struct {
	// URL is the page asked for ("https://example.test/").
	URL string `json:"url"`
	// FinalURL is where the page ended, after redirects.
	FinalURL string `json:"final_url,omitempty"`
	// Method is PageBrowser or PageStatic.
	Method string `json:"method"`
	// Error says why the load did not complete (a timeout, a crashed
	// tab, a page over the size limit); what was recorded before it is
	// kept. ErrorCode is a stable code for it: "timeout", "crash",
	// "too_large", "browser", "navigation".
	Error     string `json:"error,omitempty"`
	ErrorCode string `json:"error_code,omitempty"`
	// DurationMS is the time of the load, in milliseconds.
	DurationMS int64 `json:"duration_ms,omitempty"`
	// DOMElements is the number of elements of the document once
	// loaded (static: the start tags of the HTML).
	DOMElements int `json:"dom_elements,omitempty"`
	// TransferBytes is what the page's requests transferred (static: the
	// HTML alone).
	TransferBytes int64 `json:"transfer_bytes,omitempty"`
	// RequestCount is the number of requests the page made, the
	// document included (static: the document and the distinct URLs
	// its markup names).
	RequestCount int `json:"request_count,omitempty"`
	// Requests are the requests, in order, up to the probe's limit;
	// RequestsTruncated says when more were made.
	Requests          []PageRequest `json:"requests,omitempty"`
	RequestsTruncated bool          `json:"requests_truncated,omitempty"`
	// Cookies are the cookies set before any interaction.
	Cookies []PageCookie `json:"cookies,omitempty"`
	// Storage are the keys the page wrote to localStorage and
	// sessionStorage before any interaction.
	Storage []PageStorage `json:"storage,omitempty"`
	// ConsoleErrors are the first errors the page logged (bounded).
	ConsoleErrors []string `json:"console_errors,omitempty"`
	// Snippets are tracker code found inline in the page's scripts.
	Snippets []PageSnippet `json:"snippets,omitempty"`
	// ThirdParties are the entities of the third-party table that the
	// requests, cookies and snippets belong to, as the table described
	// them at the audit (ThirdPartyTable is its version).
	ThirdParties    []ThirdParty `json:"third_parties,omitempty"`
	ThirdPartyTable string       `json:"third_party_table,omitempty"`
}

// PageRequest is one request of a page load.
type PageRequest struct {
	URL  string `json:"url"`
	Host string `json:"host"`
	// Type is the resource type: "document", "script", "stylesheet",
	// "image", "font", "media", "iframe", "xhr", "fetch", "other".
	Type   string `json:"type,omitempty"`
	Status int    `json:"status,omitempty"`
	// TransferBytes is what came over the network, DecodedBytes the
	// body once decoded.
	TransferBytes int64 `json:"transfer_bytes,omitempty"`
	DecodedBytes  int64 `json:"decoded_bytes,omitempty"`
	// Initiator is what made the request: "parser", "script" (with the
	// script's URL in InitiatorURL), "preload", "other".
	Initiator    string `json:"initiator,omitempty"`
	InitiatorURL string `json:"initiator_url,omitempty"`
	// Party is "first" when the host shares the audited domain's
	// registrable domain, "third" otherwise.
	Party string `json:"party"`
	// Entity is the id of the third party it belongs to (ThirdParties),
	// "" when the table does not know it.
	Entity string `json:"entity,omitempty"`
	Error  string `json:"error,omitempty"`
}

// PageCookie is a cookie found in the browser after the load.
type PageCookie struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path,omitempty"`
	Party  string `json:"party"`
	Entity string `json:"entity,omitempty"`
	// LifetimeDays is how long it lives after the load, in days
	// (rounded up); 0 for a session cookie.
	LifetimeDays int    `json:"lifetime_days,omitempty"`
	Session      bool   `json:"session,omitempty"`
	Secure       bool   `json:"secure,omitempty"`
	HttpOnly     bool   `json:"http_only,omitempty"`
	SameSite     string `json:"same_site,omitempty"`
}

// PageStorage is one key of Web Storage.
type PageStorage struct {
	// Area is "local" or "session".
	Area string `json:"area"`
	Key  string `json:"key"`
}

// PageSnippet is inline tracker code.
type PageSnippet struct {
	Entity string `json:"entity"`
	// Marker is the text that identified it ("gtag(").
	Marker string `json:"marker"`
}

// ThirdParty is one entity of the third-party table, as recorded in an
// audit.
type ThirdParty struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Company  string `json:"company,omitempty"`
	Country  string `json:"country,omitempty"`
	// Jurisdictions are those of the laws that bind the company.
	Jurisdictions []string `json:"jurisdictions,omitempty"`
	// Extraterritorial is true when a law outside the European Union
	// reaching data wherever they are stored binds it (CLOUD Act...).
	Extraterritorial bool `json:"extraterritorial,omitempty"`
	// Laws are the names of those laws, in French and English.
	Laws []Text `json:"laws,omitempty"`
	// Hosts are the hosts of the page's requests that belong to it.
	Hosts []string `json:"hosts,omitempty"`
	// FirstParty is true when the entity was met only on the audited
	// domain's own hosts (a self-hosted tool).
	FirstParty bool `json:"first_party,omitempty"`
}

// Party returns the entity of id, or nil.
func (p *PageObservation) Party(id string) *ThirdParty {
	if p == nil {
		return nil
	}
	for i := range p.ThirdParties {
		if p.ThirdParties[i].ID == id {
			return &p.ThirdParties[i]
		}
	}
	return nil
}

// Limits of InlineScripts.
const (
	maxInlineScripts     = 200
	maxInlineScriptBytes = 256 << 10
)

// InlineScripts returns the text of the inline <script> elements of the
// body (those without src), at most 200 of them and 256 KiB in all.
func (h *HTTPObservation) InlineScripts() []string {
	if h == nil {
		return nil
	}
	var out []string
	total := 0
	z := html.NewTokenizer(strings.NewReader(h.Body))
	inScript := false
	for len(out) < maxInlineScripts && total < maxInlineScriptBytes {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			inScript = false
			if string(name) == "script" {
				_, src := tagAttrs(z, hasAttr)["src"]
				inScript = !src
			}
		case html.TextToken:
			if inScript {
				s := string(z.Text())
				if n := maxInlineScriptBytes - total; len(s) > n {
					s = s[:n]
				}
				total += len(s)
				out = append(out, s)
			}
			inScript = false
		default:
			inScript = false
		}
	}
	return out
}
