package store

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// CampaignOptions are what a campaign runs with, stored with it so that a
// resume (by the command line, the web server or a worker, on this
// machine or another) audits the rest the same way, whatever has changed
// since: the trust anchors and the certificate roots are stored by value,
// not by file name.
//
// The store keeps them as JSON (column run_options); the JSON names are
// stored data: never rename one.
type CampaignOptions struct {
	// Targets names the targets file, for the record.
	Targets string `json:"targets,omitempty"`
	// Resolver is the DNS server ("host:port") of every lookup; "" for
	// the system's.
	Resolver string `json:"resolver,omitempty"`
	// Anchors are the DNSSEC trust anchors, DS or DNSKEY records in zone
	// file format; "" for the IANA root keys. AnchorName names them in
	// the observations ("file root.ds").
	Anchors    string `json:"anchors,omitempty"`
	AnchorName string `json:"anchor_name,omitempty"`
	// Roots are the trusted certificate roots, PEM; "" for the system's.
	// RootsName names them in the observations
	// ("SSL_CERT_FILE=/etc/lab/ca.pem").
	Roots     string `json:"roots,omitempty"`
	RootsName string `json:"roots_name,omitempty"`
	// RootsFile names a file of roots to read instead of Roots. Only
	// the campaigns stored by a vigie older than this type have one
	// (their SSL_CERT_FILE): their roots were kept by name.
	RootsFile string `json:"roots_file,omitempty"`
	// Timeout is the deadline of one audit; 0 for the engine's default.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
	// HTTPPort, HTTPSPort and SMTPPort are the ports probed; 0 for 80,
	// 443 and 25.
	HTTPPort  int `json:"http_port,omitempty"`
	HTTPSPort int `json:"https_port,omitempty"`
	SMTPPort  int `json:"smtp_port,omitempty"`
	// DKIMSelectors are looked up besides the common ones.
	DKIMSelectors []string `json:"dkim_selectors,omitempty"`
	// AllowPrivate are the ranges outside the public internet that the
	// probes may connect to (for labs); none by default.
	AllowPrivate []netip.Prefix `json:"allow_private,omitempty"`
	// Parallel is how many audits run at once, PerIP how many against
	// one web address; 0 for the campaign's defaults.
	Parallel int `json:"parallel,omitempty"`
	PerIP    int `json:"per_ip,omitempty"`
	// Canary is a name that must exist, asked of the resolver before and
	// during the campaign to check that it tells the truth; "" for no
	// check (the campaigns stored before the check).
	Canary string `json:"canary,omitempty"`
	// Version is the version of vigie that started the campaign.
	Version string `json:"version,omitempty"`
	// UserAgent is the operator's own User-Agent (--user-agent), ""
	// for vigie's default; Contact the URL appended to it (--contact).
	UserAgent string `json:"user_agent,omitempty"`
	Contact   string `json:"contact,omitempty"`
	// IPData is the directory of the IP data that describes who hosts
	// each address (--ip-data), "" for the data embedded in vigie.
	IPData string `json:"ip_data,omitempty"`
	// Services is --services: the services probe ran in every audit.
	Services bool `json:"services,omitempty"`
	// Pages is --page: the home pages were read in every audit.
	Pages bool `json:"pages,omitempty"`
	// Browser is --browser: a headless Chromium loaded them, at most
	// BrowserParallel at once (--browser-parallel).
	Browser         bool `json:"browser,omitempty"`
	BrowserParallel int  `json:"browser_parallel,omitempty"`
	// ThirdParties is the operator's third-party table (--third-parties),
	// by value, "" for vigie's alone.
	ThirdParties string `json:"third_parties,omitempty"`
}

// encodeOptions returns o as stored in run_options: JSON, or nil (NULL).
func encodeOptions(o *CampaignOptions) (any, error) {
	if o == nil {
		return nil, nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("store: campaign options: %w", err)
	}
	return string(b), nil
}

// decodeOptions reads the options of a campaign row: run_options when
// set, else the legacy column options, else none.
func decodeOptions(typed, legacy []byte) (*CampaignOptions, error) {
	switch {
	case typed != nil:
		o := new(CampaignOptions)
		if err := json.Unmarshal(typed, o); err != nil {
			return nil, fmt.Errorf("options: %w", err)
		}
		return o, nil
	case legacy != nil && string(legacy) != "null":
		o, err := legacyOptions(legacy)
		if err != nil {
			return nil, fmt.Errorf("options (before schema 2): %w", err)
		}
		return o, nil
	}
	return nil, nil
}

// legacyOptions converts the options that "vigie campaign run" stored in
// the column options before schema 2: its own JSON, with the timeout and
// the allowed ranges as strings, and the roots named by file.
func legacyOptions(b []byte) (*CampaignOptions, error) {
	var l struct {
		Targets  string `json:"targets"`
		Resolver string `json:"resolver"`
		Timeout  string `json:"timeout"`
		// TrustAnchor named the --trust-anchor file, whose records
		// TrustAnchorRecords kept.
		TrustAnchor        string   `json:"trust_anchor"`
		TrustAnchorRecords string   `json:"trust_anchor_records"`
		SSLCertFile        string   `json:"ssl_cert_file"`
		HTTPPort           int      `json:"http_port"`
		HTTPSPort          int      `json:"https_port"`
		SMTPPort           int      `json:"smtp_port"`
		DKIMSelectors      []string `json:"dkim_selectors"`
		AllowPrivate       []string `json:"allow_private"`
		Parallel           int      `json:"parallel"`
		PerIP              int      `json:"per_ip"`
		Version            string   `json:"version"`
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	o := &CampaignOptions{
		Targets: l.Targets, Resolver: l.Resolver,
		Anchors:  l.TrustAnchorRecords,
		HTTPPort: l.HTTPPort, HTTPSPort: l.HTTPSPort, SMTPPort: l.SMTPPort,
		DKIMSelectors: l.DKIMSelectors,
		Parallel:      l.Parallel, PerIP: l.PerIP, Version: l.Version,
	}
	if l.Timeout != "" {
		d, err := time.ParseDuration(l.Timeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("timeout %q: want a positive duration", l.Timeout)
		}
		o.Timeout = d
	}
	if o.Anchors != "" {
		o.AnchorName = "file " + l.TrustAnchor
	}
	if l.SSLCertFile != "" {
		o.RootsFile, o.RootsName = l.SSLCertFile, "SSL_CERT_FILE="+l.SSLCertFile
	}
	for _, s := range l.AllowPrivate {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("allow_private: %w", err)
		}
		o.AllowPrivate = append(o.AllowPrivate, p)
	}
	return o, nil
}
