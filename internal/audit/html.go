package audit

import (
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// HTMLElement is a start tag met in a page: its name and attributes, in
// lower case, as the HTML tokenizer gives them (HTML Living Standard,
// 13.2.5 "Tokenization"). Of an attribute given twice, the first is kept,
// as browsers do.
type HTMLElement struct {
	Tag string `json:"tag"`
	// Attrs maps each attribute's name to its value; nil when the tag
	// has none (reading a nil map is fine).
	Attrs map[string]string `json:"attrs,omitempty"`
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
	return append(htmlElements(h.Body), h.LateElements...)
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
	els := append(htmlElementsIn(h.Body, true, 0), h.LateElements...)
	return append(els, h.LateNoscript...)
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
			el := HTMLElement{Tag: string(name), Attrs: tagAttrs(z, hasAttr)}
			els = append(els, el)
			// The tokenizer reads <noscript> content as text, as a
			// parser with scripting enabled does.
			inNoscript = noscriptMarkup && el.Tag == "noscript" && tt == html.StartTagToken
		}
	}
}

// tagAttrs reads the attributes of the tag z is on (hasAttr from
// z.TagName): the first of an attribute given twice is kept; nil when
// there is none.
func tagAttrs(z *html.Tokenizer, hasAttr bool) map[string]string {
	if !hasAttr {
		return nil
	}
	attrs := map[string]string{}
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = string(v)
		}
	}
	return attrs
}

// Limits of ScanLate: what it keeps of a page read past the body's cap.
const (
	// MaxLateElements is the most tags ScanLate keeps.
	MaxLateElements = 5000
	// MaxLateBytes bounds the bytes of the names and values it keeps.
	MaxLateBytes = 1 << 20
	// maxLateToken bounds one token (a tag, or a text such as a
	// <noscript> content) the tokenizer buffers.
	maxLateToken = 1 << 20
)

// lateTags are the tags ScanLate keeps: those that load something or
// set a policy, the only ones the checks and profiles read past the
// body's cap. A long page's thousands of <p> and <div> are not kept.
var lateTags = map[string]bool{
	"script": true, "link": true, "meta": true, "base": true,
	"img": true, "picture": true, "source": true, "iframe": true, "frame": true,
	"audio": true, "video": true, "track": true, "object": true, "embed": true,
	"form": true, "input": true, "button": true,
}

// ErrLateTruncated is returned by ScanLate when the page had more tags
// than it keeps, or a token larger than it buffers.
var ErrLateTruncated = errors.New("audit: more of the page than the scan keeps")

// ScanLate reads the page r, from its first byte, and returns the start
// tags of lateTags that end after byte after (those Body, cut at after, does not
// hold whole), and apart the tags inside <noscript> content (markup to a
// parser with scripting disabled). A tag that straddles the cut is in the
// result; one inside a <noscript> whose content straddles it may also be
// in Body's. It stops at io.EOF (nil error), at a read error (returned
// with the tags before it), or at its limits (ErrLateTruncated).
func ScanLate(r io.Reader, after int64) (els, noscript []HTMLElement, err error) {
	var (
		bytes int
		off   int64
	)
	keep := func(to *[]HTMLElement, el HTMLElement) bool {
		n := len(el.Tag)
		for k, v := range el.Attrs {
			n += len(k) + len(v)
		}
		if len(els)+len(noscript) == MaxLateElements || bytes+n > MaxLateBytes {
			return false
		}
		bytes += n
		*to = append(*to, el)
		return true
	}
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxLateToken)
	inNoscript := false
	for {
		tt := z.Next()
		off += int64(len(z.Raw()))
		if tt == html.ErrorToken {
			err := z.Err()
			switch {
			case err == io.EOF:
				return els, noscript, nil
			case errors.Is(err, html.ErrBufferExceeded):
				return els, noscript, ErrLateTruncated
			}
			return els, noscript, err
		}
		late := off > after
		if inNoscript {
			inNoscript = false
			if tt == html.TextToken {
				if late {
					for _, el := range htmlElementsIn(string(z.Text()), true, 1) {
						if !lateTags[el.Tag] {
							continue
						}
						if !keep(&noscript, el) {
							return els, noscript, ErrLateTruncated
						}
					}
				}
				continue
			}
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) == "noscript" && tt == html.StartTagToken {
			inNoscript = true
		}
		if !late || !lateTags[string(name)] {
			continue
		}
		el := HTMLElement{Tag: string(name), Attrs: tagAttrs(z, hasAttr)}
		if !keep(&els, el) {
			return els, noscript, ErrLateTruncated
		}
	}
}
