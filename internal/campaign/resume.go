package campaign

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/thirdparty"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/store"
	vversion "vigie.eu/vigie/internal/version"
)

// ErrFinished is returned by Load for a campaign that is finished: it has
// nothing left to audit.
var ErrFinished = errors.New("campaign: already finished")

// ErrAbandoned is returned by Load for a campaign that was abandoned: it
// is not resumed.
var ErrAbandoned = errors.New("campaign: abandoned")

// Load returns the campaign id of st, or the latest when id is 0, and
// the Config it runs with (NewConfig of its stored options), for Run to
// audit what it has left. It is what every resume calls: the command
// line, the web server, the workers.
//
// A campaign that does not exist is store.ErrNotFound. Once the campaign
// is found, Load returns it even with an error: ErrFinished when it is
// finished, else NewConfig's error, why its options cannot be used.
func Load(ctx context.Context, st store.Store, id int64, version string) (*store.Campaign, Config, error) {
	var c *store.Campaign
	var err error
	if id != 0 {
		c, err = st.Campaign(ctx, id)
	} else {
		c, err = st.LatestCampaign(ctx)
	}
	if err != nil {
		return nil, Config{}, err
	}
	if !c.Abandoned.IsZero() {
		return c, Config{}, ErrAbandoned
	}
	if !c.Finished.IsZero() {
		return c, Config{}, ErrFinished
	}
	cfg, err := NewConfig(c.Options, version)
	if err != nil {
		return c, Config{}, err
	}
	return c, cfg, nil
}

// NewConfig returns the configuration of a campaign run with opts (nil:
// the defaults): the engine's (resolver, trust anchors, certificate
// roots, ports, DKIM selectors, the ranges outside the public internet
// that the guard lets through, the audit's deadline) and the concurrency.
// version is the running vigie's, recorded in every result.
//
// Roots are the stored ones, else (a campaign stored before they were
// kept by value) those of the file it names, else the system's, which
// Go reads from SSL_CERT_FILE when it is set.
func NewConfig(opts *store.CampaignOptions, version string) (Config, error) {
	if opts == nil {
		opts = &store.CampaignOptions{}
	}
	e := engine.Config{
		Version:       version,
		Resolver:      opts.Resolver,
		Timeout:       opts.Timeout,
		HTTPPort:      opts.HTTPPort,
		HTTPSPort:     opts.HTTPSPort,
		SMTPPort:      opts.SMTPPort,
		Services:      opts.Services,
		Pages:         opts.Pages,
		DKIMSelectors: opts.DKIMSelectors,
		AddressPolicy: guard.NewPolicy(opts.AllowPrivate...),
	}
	if opts.ThirdParties != "" {
		base, err := thirdparty.Load()
		if err != nil {
			return Config{}, err
		}
		if e.ThirdParties, err = base.With([]byte(opts.ThirdParties)); err != nil {
			return Config{}, fmt.Errorf("stored options: %w", err)
		}
	}
	if opts.UserAgent != "" || opts.Contact != "" {
		if opts.Contact != "" {
			if err := vversion.CheckContact(opts.Contact); err != nil {
				return Config{}, fmt.Errorf("stored options: %w", err)
			}
		}
		e.UserAgent = vversion.Agent(opts.UserAgent, version, opts.Contact)
		if err := vversion.CheckUserAgent(e.UserAgent); err != nil {
			return Config{}, fmt.Errorf("stored options: %w", err)
		}
	}
	if opts.Anchors != "" {
		anchors, err := engine.ParseAnchors(opts.Anchors)
		if err != nil {
			return Config{}, err
		}
		e.Anchors, e.AnchorName = anchors, opts.AnchorName
	}
	roots := opts.Roots
	if roots == "" && opts.RootsFile != "" {
		var err error
		if roots, err = ReadRoots(opts.RootsFile); err != nil {
			return Config{}, err
		}
	}
	if roots != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(roots)) {
			return Config{}, errors.New("stored certificate roots: no PEM certificate")
		}
		e.Roots, e.RootsName = pool, opts.RootsName
		if e.RootsName == "" {
			e.RootsName = "stored with the campaign"
		}
	} else {
		// One pool for every audit of the campaign.
		pool, name, err := engine.Roots()
		if err != nil {
			return Config{}, err
		}
		e.Roots, e.RootsName = pool, name
	}
	d, err := hosting.Load(opts.IPData)
	if err != nil {
		return Config{}, fmt.Errorf("stored options: IP data: %w", err)
	}
	e.Hosting = d
	cfg := Config{Engine: e, Parallel: opts.Parallel, PerIP: opts.PerIP, Canary: opts.Canary,
		Browser: opts.Browser, BrowserParallel: opts.BrowserParallel}
	if opts.Browser && len(opts.AllowPrivate) > 0 {
		cfg.BrowserRoots = []byte(roots)
	}
	return cfg, nil
}

// MaxRoots bounds a file of certificate roots (a system's bundle is
// about 200 KB).
const MaxRoots = 16 << 20

// ReadRoots reads a file of PEM certificate roots, as
// store.CampaignOptions keeps them: at most MaxRoots bytes, and at least
// one certificate.
func ReadRoots(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("certificate roots: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRoots+1))
	if err != nil {
		return "", fmt.Errorf("certificate roots: %w", err)
	}
	if len(b) > MaxRoots {
		return "", fmt.Errorf("certificate roots %s: larger than %d bytes", name, MaxRoots)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return "", fmt.Errorf("certificate roots %s: no PEM certificate", name)
	}
	return string(b), nil
}
