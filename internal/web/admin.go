package web

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"vigie.eu/vigie/internal/operator"
	"vigie.eu/vigie/internal/store"
)

// The operators' side: sign-in with a password and a one-time code
// (both mandatory), a session in a __Host- cookie, the admin log, and
// sign-out with the session's CSRF token. Served when Options.Operators
// is set.

// sessionCookie is the session's cookie: __Host- makes the browser
// refuse it unless Secure, for this host only, on path /.
const sessionCookie = "__Host-vigie-session"

// adminState is what the operators' pages hold between requests.
type adminState struct {
	sessions *operator.Sessions
	throttle *operator.Throttle
	mu       sync.Mutex
	// lastStep is each operator's last accepted TOTP step: a code is
	// accepted once (RFC 6238 section 5.2).
	lastStep map[string]int64
}

func (s *Server) adminRoutes(m *http.ServeMux) {
	s.admin = &adminState{sessions: operator.NewSessions(operator.DefaultIdle, operator.DefaultAbsolute, s.opt.Now),
		throttle: operator.NewThrottle(s.opt.Now), lastStep: map[string]int64{}}
	m.HandleFunc("GET /admin/login", s.page(func(r *http.Request) (*view, error) { return s.adminView(r, &adminData{Login: true}, 0), nil }))
	m.HandleFunc("POST /admin/login", s.adminLogin)
	m.HandleFunc("GET /admin", s.adminHome)
	m.HandleFunc("POST /admin/logout", s.adminLogout)
}

type adminData struct {
	Login    bool
	Error    string
	Operator string
	CSRF     string
	Log      []store.AdminEntry
}

func (s *Server) adminView(r *http.Request, d *adminData, status int) *view {
	l := requestLang(r)
	return &view{name: "admin", title: tr(l.lang, "Opérateurs", "Operators"), noStore: true, status: status, data: d}
}

// logAdmin appends to the admin log; a failure is logged, not shown.
func (s *Server) logAdmin(r *http.Request, who, action, detail string) {
	if _, err := s.opt.Operators.AppendAdminLog(r.Context(), store.AdminEntry{Time: s.opt.Now(), Operator: who, Action: action, Detail: detail}); err != nil {
		s.opt.Log.Error("web: admin log", "action", action, "err", err)
	}
}

func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	if err := s.crossOrigin().Check(r); err != nil {
		http.Error(w, "403 cross-origin request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "400 bad form", http.StatusBadRequest)
		return
	}
	name, password, code := r.PostForm.Get("name"), r.PostForm.Get("password"), r.PostForm.Get("code")
	if len(name) > 64 {
		name = name[:64]
	}
	client := s.client(r).String()
	keys := []string{"name:" + name, "addr:" + client}
	a := s.admin
	wait := max(a.throttle.Wait(keys[0]), a.throttle.Wait(keys[1]))
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		s.page(func(r *http.Request) (*view, error) {
			return s.adminView(r, &adminData{Login: true, Error: tr(l.lang, "Trop d'essais : attendez avant de réessayer.", "Too many attempts: wait before trying again.")}, http.StatusTooManyRequests), nil
		})(w, r)
		return
	}
	ok := false
	if o, err := s.opt.Operators.Operator(r.Context(), name); err == nil && operator.CheckPassword(o.PasswordHash, password) == nil {
		if step, err := operator.CheckCode(o.TOTPSecret, code, s.opt.Now()); err == nil {
			a.mu.Lock()
			if step > a.lastStep[name] {
				a.lastStep[name], ok = step, true
			}
			a.mu.Unlock()
		}
	}
	if !ok {
		for _, k := range keys {
			a.throttle.Fail(k)
		}
		s.logAdmin(r, "", "login.fail", "name "+strconv.Quote(name)+" from "+client)
		s.page(func(r *http.Request) (*view, error) {
			return s.adminView(r, &adminData{Login: true, Error: tr(l.lang, "Nom, mot de passe ou code incorrect.", "Wrong name, password or code.")}, http.StatusUnauthorized), nil
		})(w, r)
		return
	}
	for _, k := range keys {
		a.throttle.Succeed(k)
	}
	token, _ := a.sessions.Start(name)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	s.logAdmin(r, name, "login", "from "+client)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, link(l.prefix, "/admin"), http.StatusSeeOther)
}

// session returns the request's session and its token.
func (s *Server) session(r *http.Request) (operator.Session, string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return operator.Session{}, "", false
	}
	sess, ok := s.admin.sessions.Get(c.Value)
	return sess, c.Value, ok
}

// signedIn returns the request's session; without one it sends the
// browser to the sign-in page and returns false. Every operator's page
// starts with it.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (operator.Session, bool) {
	sess, _, ok := s.session(r)
	if !ok {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, link(requestLang(r).prefix, "/admin/login"), http.StatusSeeOther)
	}
	return sess, ok
}

// operatorForm parses a state-changing operator's form: it needs a
// session, a same-origin request and the session's CSRF token, else it
// answers 403 and returns false. It takes URL-encoded and multipart
// forms (a file upload) of at most limit bytes. Every operator's POST
// starts with it.
func (s *Server) operatorForm(w http.ResponseWriter, r *http.Request, limit int64) (operator.Session, string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	sess, token, ok := s.session(r)
	if ok && s.crossOrigin().Check(r) != nil {
		ok = false
	}
	if err := r.ParseMultipartForm(limit); ok && err != nil && !errors.Is(err, http.ErrNotMultipart) {
		ok = false
	}
	if !ok || !s.admin.sessions.CheckCSRF(token, r.PostForm.Get("csrf")) {
		http.Error(w, "403 missing or wrong CSRF token", http.StatusForbidden)
		return operator.Session{}, "", false
	}
	return sess, token, true
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.page(func(r *http.Request) (*view, error) {
		log, err := s.opt.Operators.AdminLog(r.Context(), 100)
		if err != nil {
			return nil, err
		}
		return s.adminView(r, &adminData{Operator: sess.Operator, CSRF: sess.CSRF, Log: log}, 0), nil
	})(w, r)
}

func (s *Server) adminLogout(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	sess, token, ok := s.operatorForm(w, r, maxForm)
	if !ok {
		return
	}
	s.admin.sessions.End(token)
	s.logAdmin(r, sess.Operator, "logout", "")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, link(l.prefix, "/"), http.StatusSeeOther)
}
