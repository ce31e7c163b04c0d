package audit

import (
	"strings"

	"golang.org/x/net/html"
)

// HTMLElement is a start tag met in a page: its name and attributes, in
// lower case, as the HTML tokenizer gives them (HTML Living Standard,
// 13.2.5 "Tokenization"). Of an attribute given twice, the first is kept,
// as browsers do.
type HTMLElement struct {
	Tag string
	// Attrs maps each attribute's name to its value; nil when the tag
	// has none (reading a nil map is fine).
	Attrs map[string]string
}

// Elements returns the start tags of the body of the final response, in
// order: the scan of the page that the checks and the comparison profiles
// read (scripts, <meta> policies, subresources). It does not build a
// document tree, run scripts nor judge the Content-Type: callers decide
// whether the body is HTML. The body is capped by the probe, so the work
// is bounded too.
func (h *HTTPObservation) Elements() []HTMLElement {
	if h == nil {
		return nil
	}
	return htmlElements(h.Body)
}

func htmlElements(body string) []HTMLElement {
	var els []HTMLElement
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return els
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			el := HTMLElement{Tag: string(name)}
			if hasAttr {
				el.Attrs = map[string]string{}
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if _, dup := el.Attrs[string(k)]; !dup {
					el.Attrs[string(k)] = string(v)
				}
			}
			els = append(els, el)
		}
	}
}
