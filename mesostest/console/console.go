// SPDX-License-Identifier: Apache-2.0

package console

import (
	"embed"
	"html/template"
	"net/http"
	"strings"
)

// Paths the console serves, besides "/" (the page).
const (
	ScriptPath = "/console/app.js"
	StylePath  = "/console/app.css"
)

//go:embed assets/index.html assets/app.js assets/app.css
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "assets/index.html"))

// Option configures a [Handler].
type Option func(*config)

type config struct {
	masters  func() []string
	upstream []string
	title    string
}

// WithMasters tells the page the URLs of all the cluster's masters (called at every page load), so that
// it can find the new leader when the master that served it dies. Without it the page knows only its own
// origin.
func WithMasters(f func() []string) Option { return func(c *config) { c.masters = f } }

// WithTitle sets the page's title (default "Mesos").
func WithTitle(t string) Option { return func(c *config) { c.title = t } }

// WithUpstream makes the handler serve the console for remote masters (base URLs such as
// http://10.0.0.1:5050): the page's master requests are proxied to the one that leads (see [Handler]).
func WithUpstream(masterURLs ...string) Option {
	return func(c *config) { c.upstream = append([]string(nil), masterURLs...) }
}

// Handler serves the console. It is safe for concurrent use.
type Handler struct {
	cfg   config
	proxy *proxy // nil without WithUpstream
}

// New returns the console's handler. It does no I/O.
func New(opts ...Option) *Handler {
	h := &Handler{cfg: config{title: "Mesos"}}
	for _, o := range opts {
		o(&h.cfg)
	}
	if len(h.cfg.upstream) > 0 {
		h.proxy = newProxy(h.cfg.upstream)
	}
	return h
}

// Serves reports whether path is one the console answers (the page and its assets). A master routes
// these to the console and keeps every other path for itself.
func Serves(path string) bool {
	return path == "/" || path == ScriptPath || path == StylePath
}

// pageData is what index.html is rendered with.
type pageData struct {
	Title   string
	Masters []string
	Script  string
	Style   string
}

// ServeHTTP serves the page at "/", its assets, and with WithUpstream the proxied master paths.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		d := pageData{Title: h.cfg.title, Script: ScriptPath, Style: StylePath}
		if h.cfg.masters != nil && h.proxy == nil {
			d.Masters = h.cfg.masters()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_ = page.Execute(w, d)
	case ScriptPath:
		serveAsset(w, "assets/app.js", "text/javascript; charset=utf-8")
	case StylePath:
		serveAsset(w, "assets/app.css", "text/css; charset=utf-8")
	default:
		if h.proxy != nil && proxied(r.URL.Path) {
			h.proxy.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}
}

func serveAsset(w http.ResponseWriter, name, contentType string) {
	b, err := assets.ReadFile(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// proxied reports whether the page reads path from the master.
func proxied(path string) bool {
	return path == "/api/v1" || path == "/master/api/v1" || path == "/metrics/snapshot" ||
		strings.HasPrefix(path, "/master/")
}
