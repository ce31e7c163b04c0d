package pageprobe

import (
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/thirdparty"
)

const trackedPage = `<!doctype html><html><head>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">
<link rel="stylesheet" href="/css/site.css">
<link rel="preload" as="font" href="https://fonts.gstatic.com/s/roboto.woff2">
<script src="/js/tarteaucitron/tarteaucitron.js"></script>
<script>(function(w,d,s,l,i){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;
j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-XXXX');</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());</script>
</head><body>
<img src="logo.png"><img srcset="//cdn.mairie.test/a.png 1x, b.png 2x">
<iframe src="https://www.youtube.com/embed/abc"></iframe>
<script src="https://cdn.jsdelivr.net/npm/jquery/dist/jquery.min.js"></script>
</body></html>`

func obs(body string) []*audit.HTTPObservation {
	return []*audit.HTTPObservation{
		{URL: "http://mairie.test/", Responses: []audit.HTTPResponse{{URL: "http://mairie.test/", Status: 301}}},
		{URL: "https://mairie.test/", Body: body, Responses: []audit.HTTPResponse{{URL: "https://www.mairie.test/", Status: 200,
			Headers: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}}}}},
		// www ends on the same page: read once.
		{URL: "https://www.mairie.test/", Body: body, Responses: []audit.HTTPResponse{{URL: "https://www.mairie.test/", Status: 200}}},
	}
}

func TestStatic(t *testing.T) {
	tab, err := thirdparty.Load()
	if err != nil {
		t.Fatal(err)
	}
	pages := Static("mairie.test", obs(trackedPage), tab)
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	p := pages[0]
	if p.Method != audit.PageStatic || p.FinalURL != "https://www.mairie.test/" {
		t.Errorf("method %q, final %q", p.Method, p.FinalURL)
	}
	var got []string
	for _, r := range p.Requests {
		got = append(got, r.Type+" "+r.Party+" "+r.Entity+" "+r.URL)
	}
	want := []string{
		"document first  https://www.mairie.test/",
		"stylesheet third google-fonts https://fonts.googleapis.com/css2?family=Roboto",
		"stylesheet first  https://www.mairie.test/css/site.css",
		"font third google-fonts https://fonts.gstatic.com/s/roboto.woff2",
		"script first tarteaucitron https://www.mairie.test/js/tarteaucitron/tarteaucitron.js",
		"image first  https://www.mairie.test/logo.png",
		"image first  https://cdn.mairie.test/a.png",
		"iframe third youtube https://www.youtube.com/embed/abc",
		"script third jsdelivr https://cdn.jsdelivr.net/npm/jquery/dist/jquery.min.js",
		"script third google-tag-manager https://www.googletagmanager.com/gtm.js?id=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.RequestCount != len(want) {
		t.Errorf("request count %d, want %d", p.RequestCount, len(want))
	}
	var snips []string
	for _, s := range p.Snippets {
		snips = append(snips, s.Entity)
	}
	if strings.Join(snips, ",") != "google-tag-manager,google-analytics" {
		t.Errorf("snippets %v", snips)
	}
	gtm := p.Party("google-tag-manager")
	if gtm == nil || gtm.Country != "US" || !gtm.Extraterritorial || gtm.FirstParty {
		t.Errorf("tag manager: %+v", gtm)
	}
	if tc := p.Party("tarteaucitron"); tc == nil || !tc.FirstParty {
		t.Errorf("tarteaucitron: %+v", tc)
	}
	if p.DOMElements < 10 || p.TransferBytes != int64(len(trackedPage)) {
		t.Errorf("dom %d, bytes %d", p.DOMElements, p.TransferBytes)
	}
}

func TestStaticClean(t *testing.T) {
	tab, _ := thirdparty.Load()
	pages := Static("mairie.test", obs(`<html><link rel=stylesheet href=/a.css><script src="/app.js"></script><img src="https://img.mairie.test/x.png">`), tab)
	if len(pages) != 1 || len(pages[0].ThirdParties) != 0 {
		t.Fatalf("clean page: %+v", pages)
	}
	for _, r := range pages[0].Requests {
		if r.Party != "first" {
			t.Errorf("%s: party %s", r.URL, r.Party)
		}
	}
}

func TestStaticNoPage(t *testing.T) {
	tab, _ := thirdparty.Load()
	o := []*audit.HTTPObservation{{URL: "https://mairie.test/", Error: "timeout"}}
	if p := Static("mairie.test", o, tab); p != nil {
		t.Errorf("pages from a failed fetch: %+v", p)
	}
}

func BenchmarkStatic(b *testing.B) {
	tab, _ := thirdparty.Load()
	o := obs(trackedPage + strings.Repeat(`<div><p>texte</p><a href="/x">lien</a></div>`, 300))
	for b.Loop() {
		Static("mairie.test", o, tab)
	}
}
