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

// ElementsNoScripting is Elements as a parser with scripting disabled
// reads the page (HTML Living Standard, 13.2.6.4.5 "in head noscript"
// and 13.2.6.4.7 "in body"): the content of <noscript> is markup, so the
// <script> and <meta> elements inside it count. This is how the MDN HTTP
// Observatory's parser (jsdom, which runs no script) reads a page.
func (h *HTTPObservation) ElementsNoScripting() []HTMLElement {
	if h == nil {
		return nil
	}
	return htmlElementsIn(h.Body, true, 0)
}

func htmlElements(body string) []HTMLElement { return htmlElementsIn(body, false, 0) }

// maxNoscriptDepth bounds the <noscript> elements read inside one another.
const maxNoscriptDepth = 8

func htmlElementsIn(body string, noscriptMarkup bool, depth int) []HTMLElement {
	var els []HTMLElement
	z := html.NewTokenizer(strings.NewReader(body))
	inNoscript := false
	for {
		tt := z.Next()
		if inNoscript {
			inNoscript = false
			if tt == html.TextToken && depth < maxNoscriptDepth {
				els = append(els, htmlElementsIn(string(z.Text()), true, depth+1)...)
				continue
			}
		}
		switch tt {
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
			// The tokenizer reads <noscript> content as text, as a
			// parser with scripting enabled does.
			inNoscript = noscriptMarkup && el.Tag == "noscript" && tt == html.StartTagToken
		}
	}
}
