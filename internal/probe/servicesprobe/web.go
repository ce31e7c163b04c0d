package servicesprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// webProducts are the admin and VPN products recognised on a page, by a
// marker of their login page (its path or its words), first match
// winning.
var webProducts = []struct {
	marker  string
	product string
}{
	{"/remote/login", "Fortinet FortiGate SSL VPN"},
	{"fgt_lang", "Fortinet FortiGate SSL VPN"},
	{"/dana-na/", "Ivanti Connect Secure"},
	{"global-protect", "Palo Alto GlobalProtect"},
	{"GlobalProtect", "Palo Alto GlobalProtect"},
	{"/owa/", "Microsoft Exchange (Outlook on the web)"},
	{"/vpn/index.html", "Citrix NetScaler Gateway"},
	{"NetScaler", "Citrix NetScaler Gateway"},
	{"Citrix Gateway", "Citrix NetScaler Gateway"},
	{"SonicWall", "SonicWall"},
	{"/+CSCOE+/", "Cisco ASA AnyConnect"},
	{"Webmin", "Webmin"},
	{"phpMyAdmin", "phpMyAdmin"},
	{"Kibana", "Kibana"},
	{"RDWeb", "Microsoft Remote Desktop Web Access"},
	{"Grafana", "Grafana"},
	{"Jenkins", "Jenkins"},
}

var (
	titleRE  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	serverRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.-]*)(?:/([0-9][0-9A-Za-z.]*))?`)
	// owaBuildRE finds the Exchange build in the paths of Outlook on the
	// web's login page ("/owa/auth/15.1.2507/themes/..."), for the servers
	// that do not send X-OWA-Version.
	owaBuildRE = regexp.MustCompile(`/owa/(?:auth/)?(1[0-9]\.[0-9]{1,2}\.[0-9]{1,5}(?:\.[0-9]{1,5})?)/`)
)

// identifyWeb sends one GET over c (in TLS on the ports of HTTPS and of
// Kubernetes) and reads the status, the Server, X-Powered-By and
// X-OWA-Version headers and the page's title; an Elasticsearch or Docker
// API that answers its version document does so without authentication.
func identifyWeb(ctx context.Context, p *prober, c net.Conn, svc *audit.Service) error {
	path := "/"
	switch svc.Expected {
	case "docker", "kubernetes":
		path = "/version"
	}
	var rw io.ReadWriter = c
	tlsOn := svc.Expected == "https" || svc.Expected == "kubernetes"
	host := p.sni
	if host == "" {
		host = p.addr.String()
	}
	if tlsOn {
		// Identification only: the certificate is the TLS probe's
		// business, not this one's.
		tc := tls.Client(c, &tls.Config{ServerName: p.sni, InsecureSkipVerify: true}) //nolint:gosec
		if err := tc.HandshakeContext(ctx); err != nil {
			var rh tls.RecordHeaderError
			if errors.As(err, &rh) && strings.HasPrefix(string(rh.RecordHeader[:]), "HTTP/") {
				svc.Name, svc.Identified = "http", true
				return nil
			}
			return err
		}
		rw = tc
	}
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: vigie services probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(rw, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(rw, maxRead)), nil)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRead))
	resp.Body.Close()
	w := &audit.WebInfo{
		Status:     resp.StatusCode,
		Server:     clean([]byte(resp.Header.Get("Server"))),
		PoweredBy:  clean([]byte(resp.Header.Get("X-Powered-By"))),
		OWAVersion: clean([]byte(resp.Header.Get("X-OWA-Version"))),
	}
	if m := titleRE.FindSubmatch(body); m != nil {
		w.Title = clean([]byte(strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " ")))
	}
	svc.Web = w
	svc.Identified = true
	svc.Name = "http"
	if tlsOn {
		svc.Name = "https"
	}
	svc.Banner = w.Server
	if m := serverRE.FindStringSubmatch(w.Server); m != nil {
		svc.Product, svc.Version = m[1], m[2]
	}
	switch svc.Expected {
	case "elasticsearch":
		var es struct {
			Version struct {
				Number string `json:"number"`
			} `json:"version"`
			Tagline string `json:"tagline"`
		}
		if json.Unmarshal(body, &es) == nil && es.Version.Number != "" {
			svc.Name, svc.Product, svc.Version = "elasticsearch", "Elasticsearch", clean([]byte(es.Version.Number))
			svc.NoAuth = resp.StatusCode == http.StatusOK
		} else if resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), "elasticsearch") {
			svc.Name, svc.Product = "elasticsearch", "Elasticsearch"
		}
	case "docker":
		var dv struct {
			Version    string `json:"Version"`
			APIVersion string `json:"ApiVersion"`
		}
		if json.Unmarshal(body, &dv) == nil && dv.APIVersion != "" {
			svc.Name, svc.Product, svc.Version = "docker", "Docker Engine", clean([]byte(dv.Version))
			svc.NoAuth = resp.StatusCode == http.StatusOK
		}
	case "kubernetes":
		var kv struct {
			GitVersion string `json:"gitVersion"`
		}
		if json.Unmarshal(body, &kv) == nil && kv.GitVersion != "" {
			svc.Name, svc.Product, svc.Version = "kubernetes", "Kubernetes", clean([]byte(kv.GitVersion))
			svc.NoAuth = resp.StatusCode == http.StatusOK
		} else if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			svc.Name, svc.Product, svc.Version = "kubernetes", "Kubernetes", ""
		}
	}
	page := string(body)
	for _, wp := range webProducts {
		if strings.Contains(page, wp.marker) || strings.Contains(resp.Header.Get("Location"), wp.marker) {
			w.Admin, w.Product = true, wp.product
			break
		}
	}
	if w.OWAVersion == "" && w.Product == "Microsoft Exchange (Outlook on the web)" {
		if m := owaBuildRE.FindStringSubmatch(page); m != nil {
			w.OWAVersion = m[1]
		}
	}
	if w.OWAVersion != "" {
		w.Admin, w.Product = true, "Microsoft Exchange (Outlook on the web)"
	}
	return nil
}
