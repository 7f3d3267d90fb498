// SPDX-License-Identifier: Apache-2.0

package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mesoskit/mesoskit/mesostest/console"
)

// A tool of its own can serve the console for remote Mesos masters: the page comes from the handler, its
// master requests are proxied to whichever of the masters leads.
func ExampleNew() {
	h := console.New(console.WithTitle("prod"), console.WithUpstream("http://10.0.0.1:5050", "http://10.0.0.2:5050"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.String()
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(strings.Contains(page, "<title>prod</title>"), strings.Contains(page, console.ScriptPath))
	fmt.Println(console.Serves("/"), console.Serves("/master/state"))
	// Output:
	// 200 text/html; charset=utf-8
	// true true
	// true false
}
