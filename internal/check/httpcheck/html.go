package httpcheck

import (
	"strings"

	"golang.org/x/net/html"
)

// element is a start tag met in a page: its name and attributes, names in
// lower case, the first of each name kept, as browsers do.
type element struct {
	tag   string
	attrs map[string]string
}

// elements returns the start tags of an HTML body, in order. The body is
// capped by the probe, so the work here is bounded too.
func elements(body string) []element {
	var els []element
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return els
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			el := element{tag: string(name), attrs: map[string]string{}}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if _, dup := el.attrs[string(k)]; !dup {
					el.attrs[string(k)] = string(v)
				}
			}
			els = append(els, el)
		}
	}
}

// isHTML reports whether a page's Content-Type allows an HTML body; an
// absent one does.
func isHTML(p page) bool {
	ct := header(p.resp, "Content-Type")
	return len(ct) == 0 || strings.Contains(strings.ToLower(ct[0]), "html")
}
