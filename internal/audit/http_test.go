package audit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHeader(t *testing.T) {
	r := &HTTPResponse{Headers: map[string][]string{
		"Content-Type":    {"text/html"},
		"X-Frame-Options": {"DENY", "SAMEORIGIN"},
		"x-frame-options": {"deny"},
	}}
	tests := []struct {
		name string
		want []string
	}{
		{"Content-Type", []string{"text/html"}},
		{"content-type", []string{"text/html"}},
		// Keys differing in case are one header, in the keys' order.
		{"X-Frame-Options", []string{"DENY", "SAMEORIGIN", "deny"}},
		{"Referrer-Policy", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, r.Header(tt.name)); diff != "" {
			t.Errorf("Header(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := (*HTTPResponse)(nil).Header("Content-Type"); got != nil {
		t.Errorf("nil response: %v", got)
	}
}

func TestAnswer(t *testing.T) {
	ok := HTTPResponse{URL: "HTTPS://example.test/", Status: 200}
	tests := []struct {
		name string
		h    *HTTPObservation
		want bool
	}{
		{"answered", &HTTPObservation{Responses: []HTTPResponse{{URL: "http://example.test/", Status: 301}, ok}}, true},
		{"chain error", &HTTPObservation{Error: "too many redirects", Responses: []HTTPResponse{ok}}, false},
		{"no status", &HTTPObservation{Responses: []HTTPResponse{{URL: "https://example.test/", Error: "timeout"}}}, false},
		{"empty", &HTTPObservation{}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := tt.h.Answer(); (got != nil) != tt.want {
			t.Errorf("%s: Answer = %+v, want an answer: %v", tt.name, got, tt.want)
		}
	}
	if !ok.HTTPS() || (&HTTPResponse{URL: "http://example.test/"}).HTTPS() || (&HTTPResponse{URL: "https:"}).HTTPS() {
		t.Error("HTTPS: want true for https:// only")
	}
}

func TestElements(t *testing.T) {
	h := &HTTPObservation{Body: `<!doctype html><HTML><head><META http-equiv="Content-Security-Policy" CONTENT="default-src 'self'">
<script src="/a.js" src="/b.js" integrity></script></head><body><img src=x.png /><p>text</p>`}
	want := []HTMLElement{
		{"html", nil},
		{"head", nil},
		{"meta", map[string]string{"http-equiv": "Content-Security-Policy", "content": "default-src 'self'"}},
		{"script", map[string]string{"src": "/a.js", "integrity": ""}},
		{"body", nil},
		{"img", map[string]string{"src": "x.png"}},
		{"p", nil},
	}
	if diff := cmp.Diff(want, h.Elements()); diff != "" {
		t.Errorf("Elements (-want +got):\n%s", diff)
	}
	if got := (*HTTPObservation)(nil).Elements(); got != nil {
		t.Errorf("nil observation: %v", got)
	}
}

func FuzzElements(f *testing.F) {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	f.Add(`<meta http-equiv="content-security-policy" content="default-src 'none'"><script src=//x.test/a.js integrity=sha384-x>`)
	f.Add(`<scr<ipt src="a" SRC='b'><!-- <script src=c> -->`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, el := range (&HTTPObservation{Body: body}).Elements() {
			// The tokenizer folds ASCII letters only.
			if el.Tag == "" || strings.ContainsAny(el.Tag, upper) {
				t.Errorf("Elements(%q): tag %q", body, el.Tag)
			}
			for k := range el.Attrs {
				if strings.ContainsAny(k, upper) {
					t.Errorf("Elements(%q): attribute %q not in lower case", body, k)
				}
			}
		}
	})
}

func TestElementsNoScripting(t *testing.T) {
	h := &HTTPObservation{Body: `<p><noscript><script src="/a.js"></script><img src=x></noscript><noscript>text &amp; <b>bold</b></noscript><script>"<noscript><i>"</script>`}
	want := []HTMLElement{
		{"p", nil},
		{"noscript", nil},
		{"script", map[string]string{"src": "/a.js"}},
		{"img", map[string]string{"src": "x"}},
		{"noscript", nil},
		{"b", nil},
		{"script", nil},
	}
	if diff := cmp.Diff(want, h.ElementsNoScripting()); diff != "" {
		t.Errorf("ElementsNoScripting (-want +got):\n%s", diff)
	}
	if got := len(h.Elements()); got != 4 {
		t.Errorf("Elements: %d elements, want 4 (p, noscript, noscript, script)", got)
	}
}
