// SPDX-License-Identifier: Apache-2.0

package console

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
)

// maxProxiedBody bounds a request body the proxy forwards (operator calls are small).
const maxProxiedBody = 1 << 20

// proxy forwards the page's master requests to remote masters. It follows a
// non-leading master's 307 to the leader (Master::Http::redirect answers
// with a protocol-relative Location, which net/http resolves) and, when a
// master cannot be reached, tries the next one, remembering the last that
// answered. Responses, the SUBSCRIBE stream included, are copied as they
// arrive.
type proxy struct {
	client    *http.Client
	upstreams []string

	mu   sync.Mutex
	next int // index of the upstream to try first
}

func newProxy(upstreams []string) *proxy {
	us := make([]string, 0, len(upstreams))
	for _, u := range upstreams {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			us = append(us, u)
		}
	}
	return &proxy{client: &http.Client{}, upstreams: us}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxProxiedBody+1))
	if err != nil {
		return
	}
	if len(body) > maxProxiedBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	p.mu.Lock()
	first := p.next
	p.mu.Unlock()
	var lastErr error
	for i := range p.upstreams {
		k := (first + i) % len(p.upstreams)
		req, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstreams[k]+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for _, h := range []string{"Content-Type", "Accept", "Authorization"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		resp, err := p.client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		p.mu.Lock()
		p.next = k
		p.mu.Unlock()
		copyResponse(w, resp)
		return
	}
	msg := "no upstream master answered"
	if lastErr != nil {
		msg += ": " + lastErr.Error()
	}
	http.Error(w, msg, http.StatusBadGateway)
}

// copyResponse writes resp to w, flushing after every read so that a
// stream reaches the page record by record.
func copyResponse(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Mesos-Stream-Id", "WWW-Authenticate"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	f, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
