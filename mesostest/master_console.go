// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"

	"github.com/mesoskit/mesoskit/mesostest/console"
)

// serveConsole serves the web console (package console) at "/", as a Mesos
// master serves its web UI there (src/master/master.cpp initialize:
// provide("", <webui_dir>/index.html)). The page reads the cluster through
// the operator API, the read-only endpoints and the agents' files API only;
// it is told every master's URL so that it can find the next leader when
// this master dies.
func (m *master) serveConsole(w http.ResponseWriter, r *http.Request) {
	console.New(console.WithMasters(m.s.MasterURLs)).ServeHTTP(w, r)
}
