package pageprobe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/pdf"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/thirdparty"
)

// Limits of a browser load (LoadConfig's defaults).
const (
	// DefaultTimeout bounds one page load, from navigation to the end
	// of the recording.
	DefaultTimeout = 20 * time.Second
	// DefaultMaxBytes bounds what one page load receives from servers.
	DefaultMaxBytes = 16 << 20
	// idleAfter is how long the network must stay quiet after the load
	// event for the page to count as loaded.
	idleAfter = 500 * time.Millisecond
	// collectTimeout bounds the reading of the DOM, storage and cookies
	// after the load.
	collectTimeout = 3 * time.Second
	// maxBrowserRequests bounds the requests recorded.
	maxBrowserRequests = 1000
	// maxConsoleErrors bounds the console errors kept, each cut at
	// maxConsoleBytes.
	maxConsoleErrors = 20
	maxConsoleBytes  = 300
	// rendererHeapMB bounds the JavaScript heap of each renderer: a page
	// that allocates without end crashes its own tab there.
	rendererHeapMB = 256
)

// BrowserConfig says how to start the browser.
type BrowserConfig struct {
	// Path is Chromium's executable; "" finds it as the PDF renderer
	// does ($VIGIE_CHROMIUM, then chromium on the PATH).
	Path string
	// Parallel bounds the pages loaded at once (1 if < 1).
	Parallel int
	// CAPEM, when set, are PEM roots the browser trusts besides the
	// system's (the lab's CA, for labs only): they go into an NSS
	// database of the browser's own profile, made with certutil (Debian's
	// libnss3-tools).
	CAPEM []byte
}

// Browser is one headless Chromium shared by the page loads of a vigie
// process: each load gets its own browser context (cookies, storage and
// cache of its own) whose proxy is a proxy of that load, so that its
// connections go through that audit's guard. It is safe for concurrent
// use.
type Browser struct {
	ctx      context.Context // the browser's chromedp context
	cancel   func()
	dir      string
	sem      chan struct{}
	closeErr error
	once     sync.Once
}

// ErrNoBrowser is returned by StartBrowser when no Chromium is
// installed.
var ErrNoBrowser = errors.New("pageprobe: chromium not found")

// StartBrowser starts Chromium. Close stops it.
func StartBrowser(ctx context.Context, cfg BrowserConfig) (*Browser, error) {
	path := cfg.Path
	if path == "" {
		p, err := pdf.Browser()
		if err != nil {
			return nil, ErrNoBrowser
		}
		path = p
	}
	dir, err := os.MkdirTemp("", "vigie-browser-")
	if err != nil {
		return nil, fmt.Errorf("pageprobe: %w", err)
	}
	if len(cfg.CAPEM) > 0 {
		if err := trustCA(ctx, dir, cfg.CAPEM); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	// Each load's context is off the record, where Chromium blocks
	// third-party cookies by the profile's preference: an ordinary
	// visitor's Chrome accepts them (cookie_controls_mode 0), and they
	// are what the checks look for.
	prefs := filepath.Join(dir, "profile", "Default")
	if err := os.MkdirAll(prefs, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pageprobe: %w", err)
	}
	if err := os.WriteFile(filepath.Join(prefs, "Preferences"), []byte(`{"profile":{"cookie_controls_mode":0}}`), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pageprobe: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("HOME="+dir),
		// The browser's own requests (and any target without a
		// context of a load) meet a dead proxy; each load's context
		// has its own proxy. The browser resolves no name itself.
		chromedp.ProxyServer("127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.Flag("js-flags", fmt.Sprintf("--max-old-space-size=%d", rendererHeapMB)),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-quic", true),
		// One renderer for a page and its frames, so that a frame's
		// requests are seen on the page's own target, and less memory.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
		chromedp.WindowSize(1366, 768),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) { cmd.WaitDelay = 5 * time.Second }),
	)
	actx, acancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// The first Run starts the browser, which lives as long as bctx: no
	// deadline on it, a watchdog instead.
	watchdog := time.AfterFunc(30*time.Second, bcancel)
	err = chromedp.Do(bctx)
	watchdog.Stop()
	if err != nil {
		bcancel()
		acancel()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pageprobe: starting %s: %w", path, err)
	}
	n := max(cfg.Parallel, 1)
	b := &Browser{ctx: bctx, dir: dir, sem: make(chan struct{}, n)}
	b.cancel = func() {
		bcancel()
		acancel()
	}
	return b, nil
}

// trustCA writes an NSS database under dir/.pki/nssdb (where Chromium on
// Linux reads the user's roots, with HOME=dir) holding the roots
// pems as trusted issuers of server certificates.
func trustCA(ctx context.Context, dir string, pems []byte) error {
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		return errors.New("pageprobe: certutil not found (Debian's libnss3-tools): needed for the browser to trust the lab's CA")
	}
	db := filepath.Join(dir, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		return fmt.Errorf("pageprobe: %w", err)
	}
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, certutil, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pageprobe: certutil %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := run("-N", "-d", "sql:"+db, "--empty-password"); err != nil {
		return err
	}
	// One certificate per file: certutil -A reads only the first.
	for i, blk := range splitPEM(pems) {
		f := filepath.Join(dir, fmt.Sprintf("ca%d.pem", i))
		if err := os.WriteFile(f, blk, 0o600); err != nil {
			return fmt.Errorf("pageprobe: %w", err)
		}
		if err := run("-A", "-d", "sql:"+db, "-n", fmt.Sprintf("vigie-ca-%d", i), "-t", "C,,", "-i", f); err != nil {
			return err
		}
	}
	return nil
}

// splitPEM returns each certificate block of b.
func splitPEM(b []byte) [][]byte {
	const begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
	var out [][]byte
	s := string(b)
	for {
		i := strings.Index(s, begin)
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], end)
		if j < 0 {
			return out
		}
		out = append(out, []byte(s[i:i+j+len(end)]+"\n"))
		s = s[i+j+len(end):]
	}
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() error {
	if b == nil {
		return nil
	}
	b.once.Do(func() {
		b.cancel()
		b.closeErr = os.RemoveAll(b.dir)
	})
	return b.closeErr
}

// LoadConfig is what one page load needs from its audit.
type LoadConfig struct {
	// Domain is the audited domain (first or third party).
	Domain string
	// Guard checks every connection (nil: the default policy).
	Guard *guard.Guard
	// Lookup resolves names (nil: the system's resolver).
	Lookup probe.LookupFunc
	// Table is the third-party table; nil means the embedded one.
	Table *thirdparty.Table
	// Ports are the ports the page may reach; nil means 80 and 443.
	Ports []int
	// Timeout and MaxBytes bound the load (DefaultTimeout,
	// DefaultMaxBytes when 0).
	Timeout  time.Duration
	MaxBytes int64
	// UserAgent, when set, replaces the browser's.
	UserAgent string
}

// The stable error codes of a load (PageObservation.ErrorCode).
var (
	errTimeout  = errors.New("timeout")
	errCrash    = errors.New("crash")
	errTooLarge = errors.New("too_large")
)

// Load loads pageURL without any interaction and records what it did
// until the network went idle after the load event, or the load's limits
// ended it (PageObservation.Error). It never returns nil.
func (b *Browser) Load(ctx context.Context, cfg LoadConfig, pageURL string) *audit.PageObservation {
	tab := cfg.Table
	if tab == nil {
		tab, _ = thirdparty.Load()
	}
	obs := &audit.PageObservation{URL: pageURL, Method: audit.PageBrowser, ThirdPartyTable: tab.Version}
	start := time.Now()
	defer func() { obs.DurationMS = time.Since(start).Milliseconds() }()
	fail := func(code, msg string) *audit.PageObservation {
		obs.ErrorCode, obs.Error = code, msg
		return obs
	}
	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-ctx.Done():
		return fail("timeout", "pageprobe: no browser slot before the audit's deadline")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxBytes := cfg.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	ports := cfg.Ports
	if ports == nil {
		ports = []int{80, 443}
	}
	lctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	lctx, cancelT := context.WithTimeoutCause(lctx, timeout, errTimeout)
	defer cancelT()

	px, err := startProxy(cfg.Guard, cfg.Lookup, ports, maxBytes, func() { stop(errTooLarge) })
	if err != nil {
		return fail("browser", err.Error())
	}
	defer px.Close()

	rec := &recorder{domain: cfg.Domain, tab: tab, byID: map[network.RequestID]int{}, start: time.Now()}
	rec.crashed = func() { stop(errCrash) }
	tctx, tcancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
			p.ProxyServer = "http://" + px.Addr()
			p.ProxyBypassList = "<-loopback>"
		}),
		chromedp.WithListener(rec.event))
	defer tcancel()

	// Create the tab (its first Run: the tab lives as long as tctx, so
	// no deadline on it but a watchdog), then navigate under the load's
	// deadline.
	created := make(chan error, 1)
	go func() { created <- chromedp.Do(tctx) }()
	select {
	case err = <-created:
	case <-lctx.Done():
		tcancel()
		err = <-created
	}
	if err != nil {
		if lctx.Err() == nil {
			return fail("browser", "pageprobe: opening a tab: "+bounded(err.Error()))
		}
		rec.finish(obs, px.Received())
		return fail("timeout", "pageprobe: no tab opened before the deadline")
	}
	actx, acancel := context.WithCancel(tctx)
	defer acancel()
	stopAfter := context.AfterFunc(lctx, acancel)
	defer stopAfter()
	navErr := chromedp.Do(actx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if cfg.UserAgent != "" {
			if _, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: cfg.UserAgent}); err != nil {
				return err
			}
		}
		res, err := cdp.Call(ctx, t, page.Navigate, page.NavigateParams{URL: pageURL})
		if err != nil {
			return err
		}
		if res.ErrorText != "" {
			return errors.New(res.ErrorText)
		}
		return nil
	}))
	if navErr == nil {
		navErr = rec.wait(lctx)
	}
	if cause := context.Cause(lctx); cause != nil && lctx.Err() != nil {
		switch {
		case errors.Is(cause, errTimeout):
			fail("timeout", fmt.Sprintf("pageprobe: the page did not finish loading within %v", timeout))
		case errors.Is(cause, errCrash):
			fail("crash", "pageprobe: the page's tab crashed")
		case errors.Is(cause, errTooLarge):
			fail("too_large", fmt.Sprintf("pageprobe: the page received more than %d MiB", maxBytes>>20))
		default:
			fail("timeout", "pageprobe: the audit's deadline came before the page loaded")
		}
	} else if navErr != nil {
		fail("navigation", "pageprobe: "+bounded(navErr.Error()))
	}

	// What the page holds now, unless its tab is gone.
	if obs.ErrorCode != "crash" {
		cctx, ccancel := context.WithTimeout(tctx, collectTimeout)
		rec.collect(cctx, obs)
		ccancel()
	}
	rec.finish(obs, px.Received())
	return obs
}

// recorder gathers the events of one load.
type recorder struct {
	domain  string
	tab     *thirdparty.Table
	start   time.Time
	crashed func()

	mu         sync.Mutex
	reqs       []audit.PageRequest
	byID       map[network.RequestID]int
	inflight   map[network.RequestID]bool
	truncated  bool
	loaded     bool
	lastChange time.Time
	console    []string
}

func (r *recorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight == nil {
		r.inflight = map[network.RequestID]bool{}
	}
	now := time.Now()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.lastChange = now
		if e.RedirectResponse != nil {
			if i, ok := r.byID[e.RequestID]; ok {
				r.reqs[i].Status = int(e.RedirectResponse.Status)
				r.reqs[i].TransferBytes = int64(e.RedirectResponse.EncodedDataLength)
			}
		}
		r.inflight[e.RequestID] = true
		if len(r.reqs) >= maxBrowserRequests {
			r.truncated = true
			delete(r.byID, e.RequestID)
			return
		}
		req := audit.PageRequest{URL: bounded(e.Request.URL), Type: resourceType(e.Type)}
		if e.Initiator != nil {
			req.Initiator = string(e.Initiator.Type)
			req.InitiatorURL = bounded(e.Initiator.URL)
			if req.InitiatorURL == "" && e.Initiator.Stack != nil && len(e.Initiator.Stack.CallFrames) > 0 {
				req.InitiatorURL = bounded(e.Initiator.Stack.CallFrames[0].URL)
			}
		}
		r.reqs = append(r.reqs, req)
		r.byID[e.RequestID] = len(r.reqs) - 1
	case *network.EventResponseReceived:
		r.lastChange = now
		if i, ok := r.byID[e.RequestID]; ok && e.Response != nil {
			r.reqs[i].Status = int(e.Response.Status)
		}
	case *network.EventDataReceived:
		r.lastChange = now
		if i, ok := r.byID[e.RequestID]; ok {
			r.reqs[i].DecodedBytes += e.DataLength
		}
	case *network.EventLoadingFinished:
		r.lastChange = now
		delete(r.inflight, e.RequestID)
		if i, ok := r.byID[e.RequestID]; ok {
			r.reqs[i].TransferBytes = int64(e.EncodedDataLength)
		}
	case *network.EventLoadingFailed:
		r.lastChange = now
		delete(r.inflight, e.RequestID)
		if i, ok := r.byID[e.RequestID]; ok {
			r.reqs[i].Error = bounded(e.ErrorText)
		}
	case *page.EventLoadEventFired:
		r.loaded = true
		r.lastChange = now
	case *inspector.EventTargetCrashed:
		r.crashed()
	case *runtime.EventExceptionThrown:
		if d := e.ExceptionDetails; d != nil {
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			r.logError(msg)
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range e.Args {
				if a == nil {
					continue
				}
				if len(a.Value) > 0 {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				} else if a.Description != "" {
					parts = append(parts, a.Description)
				}
			}
			r.logError(strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		if e.Entry != nil && e.Entry.Level == log.EntryLevelError {
			r.logError(e.Entry.Text)
		}
	}
}

func (r *recorder) logError(msg string) {
	if len(r.console) < maxConsoleErrors {
		r.console = append(r.console, boundedN(msg, maxConsoleBytes))
	}
}

// wait returns once the load event has fired and no request has been in
// flight, nor any network event seen, for idleAfter; or when ctx ends.
func (r *recorder) wait(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		r.mu.Lock()
		idle := r.loaded && len(r.inflight) == 0 && time.Since(r.lastChange) >= idleAfter
		r.mu.Unlock()
		if idle {
			return nil
		}
	}
}

// pageState is what the page's script returns.
type pageState struct {
	Href    string   `json:"href"`
	Elems   int      `json:"elems"`
	Local   []string `json:"local"`
	Session []string `json:"session"`
}

const stateScript = `(() => {
	const keys = (s) => { try { const k = []; for (let i = 0; i < s.length && i < 200; i++) k.push(String(s.key(i)).slice(0, 200)); return k; } catch (e) { return []; } };
	return { href: String(location.href).slice(0, 2000), elems: document.getElementsByTagName('*').length,
		local: keys(window.localStorage), session: keys(window.sessionStorage) };
})()`

// collect reads the page's DOM size, storage keys and the cookies of
// the load's browser context.
func (r *recorder) collect(ctx context.Context, obs *audit.PageObservation) {
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](stateScript))
	if err == nil {
		obs.FinalURL = st.Href
		obs.DOMElements = st.Elems
		for _, k := range st.Local {
			obs.Storage = append(obs.Storage, audit.PageStorage{Area: "local", Key: k})
		}
		for _, k := range st.Session {
			obs.Storage = append(obs.Storage, audit.PageStorage{Area: "session", Key: k})
		}
	}
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil {
		return
	}
	res, err := cdp.Call(ctx, c.Browser, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: c.BrowserContextID})
	if err != nil {
		return
	}
	now := float64(time.Now().UnixMilli()) / 1000
	for i, ck := range res.Cookies {
		if i == 200 {
			break
		}
		host := strings.TrimPrefix(strings.ToLower(ck.Domain), ".")
		pc := audit.PageCookie{
			Name: boundedN(ck.Name, 200), Domain: boundedN(ck.Domain, 253), Path: boundedN(ck.Path, 200),
			Party: thirdparty.Party(r.domain, host), Session: ck.Session,
			Secure: ck.Secure, HttpOnly: ck.HTTPOnly, SameSite: string(ck.SameSite),
		}
		if !ck.Session && ck.Expires > now {
			pc.LifetimeDays = int(math.Ceil((ck.Expires - now) / 86400))
		}
		if e := r.tab.Match(host, "/"); e != nil {
			pc.Entity = e.ID
		}
		obs.Cookies = append(obs.Cookies, pc)
	}
}

// finish writes the requests, third parties and totals into obs.
func (r *recorder) finish(obs *audit.PageObservation, received int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := builder{domain: r.domain, tab: r.tab, page: obs, seen: map[string]bool{}, entities: map[string]int{}}
	for _, req := range r.reqs {
		b.record(req)
	}
	obs.RequestsTruncated = r.truncated
	obs.RequestCount = len(r.reqs)
	if r.truncated {
		obs.RequestCount = maxBrowserRequests + 1
	}
	var sum int64
	for _, q := range obs.Requests {
		sum += q.TransferBytes
	}
	// The proxy's count covers what the browser's events did not report
	// (a load cut short); the larger of the two is the weight.
	obs.TransferBytes = max(sum, received)
	obs.ConsoleErrors = r.console
	for _, c := range obs.Cookies {
		host := strings.TrimPrefix(strings.ToLower(c.Domain), ".")
		if e := r.tab.Match(host, "/"); e != nil {
			b.entity(e, host, c.Party == thirdparty.First)
		}
	}
	if obs.FinalURL == "" && len(obs.Requests) > 0 {
		obs.FinalURL = obs.Requests[0].URL
	}
}

// resourceType maps the protocol's resource types to the observation's.
func resourceType(t network.ResourceType) string {
	switch t {
	case network.ResourceTypeDocument:
		return "document"
	case network.ResourceTypeScript:
		return "script"
	case network.ResourceTypeStylesheet:
		return "stylesheet"
	case network.ResourceTypeImage:
		return "image"
	case network.ResourceTypeFont:
		return "font"
	case network.ResourceTypeMedia:
		return "media"
	case network.ResourceTypeXHR:
		return "xhr"
	case network.ResourceTypeFetch:
		return "fetch"
	}
	return "other"
}

// bounded cuts hostile text at 2000 bytes.
func bounded(s string) string { return boundedN(s, 2000) }

func boundedN(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
