// Package pageprobe records what loading a home page shows: its requests,
// cookies, storage, third parties, DOM size and weight.
//
// Static reads the HTML the web probe already fetched, without running it
// (audit.PageStatic): it does no I/O of its own. It sees what the markup
// names and the tracker code written inline; it does not see what scripts
// load in turn, the cookies scripts set, nor the page's real weight, and
// the report says so.
package pageprobe

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/thirdparty"
)

// maxStaticRequests bounds the subresources a static reading records.
const maxStaticRequests = 500

// srcAttrs are the elements that load something, the attribute that
// names it and the resource type it is.
var srcAttrs = map[string]struct{ attr, typ string }{
	"script": {"src", "script"},
	"iframe": {"src", "iframe"},
	"frame":  {"src", "iframe"},
	"img":    {"src", "image"},
	"source": {"src", "media"},
	"video":  {"src", "media"},
	"audio":  {"src", "media"},
	"track":  {"src", "media"},
	"embed":  {"src", "other"},
	"object": {"data", "other"},
	"link":   {"href", ""}, // by rel
}

// inlineURL finds the absolute and scheme-relative URLs written in inline
// scripts: the scripts a loader adds ('https://www.googletagmanager.com/gtm.js?id=').
var inlineURL = regexp.MustCompile(`(?:https?:)?//[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}(?:/[^\s'"<>\\]*)?`)

// Static returns the static reading of the final HTML responses of obs
// (the https:// start URLs, the domain then www, each page once) for the
// audited domain, matching hosts against tab. It returns nil when no
// HTML page was fetched.
func Static(domain string, obs []*audit.HTTPObservation, tab *thirdparty.Table) []*audit.PageObservation {
	var pages []*audit.PageObservation
	seen := map[string]bool{}
	for _, h := range obs {
		if !strings.HasPrefix(h.URL, "https://") {
			continue
		}
		r := h.Answer()
		if r == nil || r.Status != 200 || seen[r.URL] || !isHTML(r) {
			continue
		}
		seen[r.URL] = true
		pages = append(pages, staticPage(domain, h, r, tab))
	}
	return pages
}

func isHTML(r *audit.HTTPResponse) bool {
	ct := r.Header("Content-Type")
	return len(ct) == 0 || strings.Contains(strings.ToLower(ct[0]), "html")
}

func staticPage(domain string, h *audit.HTTPObservation, r *audit.HTTPResponse, tab *thirdparty.Table) *audit.PageObservation {
	base, _ := url.Parse(r.URL)
	p := &audit.PageObservation{
		URL: h.URL, FinalURL: r.URL, Method: audit.PageStatic,
		ThirdPartyTable: tab.Version,
		TransferBytes:   int64(len(h.Body)),
	}
	b := builder{domain: domain, tab: tab, page: p, seen: map[string]bool{}, entities: map[string]int{}}
	b.add(r.URL, "document", "")
	els := h.Elements()
	p.DOMElements = len(els)
	for _, el := range els {
		if el.Tag == "base" && base != nil {
			if u, err := base.Parse(el.Attrs["href"]); err == nil && el.Attrs["href"] != "" {
				base = u
			}
			continue
		}
		sa, ok := srcAttrs[el.Tag]
		if !ok {
			continue
		}
		typ := sa.typ
		if el.Tag == "link" {
			typ = linkType(el.Attrs)
			if typ == "" {
				continue
			}
		}
		v := strings.TrimSpace(el.Attrs[sa.attr])
		if v == "" && el.Tag == "img" {
			v = firstSrcset(el.Attrs["srcset"])
		}
		if v == "" || base == nil {
			continue
		}
		u, err := base.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		b.add(u.String(), typ, "parser")
	}
	for _, s := range h.InlineScripts() {
		for i := range tab.Entities {
			e := &tab.Entities[i]
			for _, m := range e.Snippets {
				if strings.Contains(s, m) {
					if !slices.ContainsFunc(p.Snippets, func(x audit.PageSnippet) bool { return x.Entity == e.ID }) {
						p.Snippets = append(p.Snippets, audit.PageSnippet{Entity: e.ID, Marker: m})
					}
					b.entity(e, "", true)
					break
				}
			}
		}
		for _, raw := range inlineURL.FindAllString(s, 50) {
			if strings.HasPrefix(raw, "//") {
				raw = "https:" + raw
			}
			if u, err := url.Parse(raw); err == nil && u.Host != "" {
				b.add(u.String(), "script", "script")
			}
		}
	}
	p.RequestCount = len(p.Requests)
	return p
}

type builder struct {
	domain   string
	tab      *thirdparty.Table
	page     *audit.PageObservation
	seen     map[string]bool
	entities map[string]int // id to index in page.ThirdParties
}

func (b *builder) add(raw, typ, initiator string) {
	if b.seen[raw] {
		return
	}
	if len(b.page.Requests) == maxStaticRequests {
		b.page.RequestsTruncated = true
		return
	}
	b.seen[raw] = true
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	host := strings.ToLower(u.Hostname())
	req := audit.PageRequest{URL: raw, Host: host, Type: typ, Initiator: initiator, Party: thirdparty.Party(b.domain, host)}
	if e := b.tab.Match(host, u.Path); e != nil {
		req.Entity = e.ID
		b.entity(e, host, req.Party == thirdparty.First)
	}
	b.page.Requests = append(b.page.Requests, req)
}

// record appends a request made by a browser (not deduplicated), with
// its host, party and entity.
func (b *builder) record(req audit.PageRequest) {
	u, err := url.Parse(req.URL)
	if err == nil {
		req.Host = strings.ToLower(u.Hostname())
	}
	req.Party = thirdparty.Party(b.domain, req.Host)
	if err == nil {
		if e := b.tab.Match(req.Host, u.Path); e != nil {
			req.Entity = e.ID
			b.entity(e, req.Host, req.Party == thirdparty.First)
		}
	}
	b.page.Requests = append(b.page.Requests, req)
}

// entity records e among the page's third parties, with host (when not
// "") among its hosts; first is whether this sighting is on the audited
// domain's own hosts.
func (b *builder) entity(e *thirdparty.Entity, host string, first bool) {
	i, ok := b.entities[e.ID]
	if !ok {
		tp := b.tab.Describe(e)
		tp.FirstParty = true
		b.page.ThirdParties = append(b.page.ThirdParties, tp)
		i = len(b.page.ThirdParties) - 1
		b.entities[e.ID] = i
	}
	tp := &b.page.ThirdParties[i]
	if !first {
		tp.FirstParty = false
	}
	if host != "" && !slices.Contains(tp.Hosts, host) {
		tp.Hosts = append(tp.Hosts, host)
	}
}

// linkType is the resource type of a <link> by its rel (HTML Living
// Standard, 4.6.7 "Link types"), "" for those that load nothing.
func linkType(attrs map[string]string) string {
	rels := strings.Fields(strings.ToLower(attrs["rel"]))
	switch {
	case slices.Contains(rels, "stylesheet"):
		return "stylesheet"
	case slices.Contains(rels, "icon"):
		return "image"
	case slices.Contains(rels, "preload"), slices.Contains(rels, "modulepreload"), slices.Contains(rels, "prefetch"):
		switch strings.ToLower(attrs["as"]) {
		case "font":
			return "font"
		case "style":
			return "stylesheet"
		case "image":
			return "image"
		}
		return "script"
	}
	return ""
}

func firstSrcset(s string) string {
	first, _, _ := strings.Cut(s, ",")
	f := strings.Fields(first)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
