// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mesoskit/mesoskit/mesostest"
)

// restartAgentPath is the control endpoint that restarts an agent, served on every master listener.
const restartAgentPath = "/mesos-local/restart-agent"

// restartAgentHandler answers POST /mesos-local/restart-agent[?agent=<index or id>][&down=<duration>]
// (without agent: the agent running the most custom executors, the first one on a tie): the
// agent restarts as mesostest.Server.RestartAgent models it (an agent started with --recover=reconnect:
// its executor endpoint goes away for down, default 1s; executors of checkpointing frameworks subscribe
// again and keep their tasks, those of other frameworks are forgotten and their tasks lost). Command tasks,
// which the agent itself runs here (docs/MESOSTEST-DEVIATIONS.md), are not affected. The answer is 202 and
// "restarting agent <index> <id> (<n> custom executors)", 404 for an unknown agent, 400 for a bad down.
func restartAgentHandler(cluster *atomic.Pointer[mesostest.Server]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !postOnly(w, r) {
			return
		}
		srv := cluster.Load()
		if srv == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "cluster not started\n")
			return
		}
		down := time.Second
		if v := r.URL.Query().Get("down"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, "down must be a positive duration such as 1s\n")
				return
			}
			down = d
		}
		ids := srv.AgentIDs()
		running := map[string]int{}
		for _, ex := range srv.Executors() {
			if ex.State != "TERMINATED" {
				running[ex.AgentID]++
			}
		}
		want, index := r.URL.Query().Get("agent"), -1
		for i, id := range ids {
			if id == want || strconv.Itoa(i) == want || (want == "" && (index < 0 || running[id] > running[ids[index]])) {
				index = i
			}
		}
		if index < 0 {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "no agent %q (want an index from 0 to %d or an agent id)\n", want, len(ids)-1)
			return
		}
		n := running[ids[index]]
		if err := srv.RestartAgent(ids[index], down); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintln(w, err)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "restarting agent %d %s (%d custom executors)\n", index, ids[index], n)
	})
}

// postOnly starts a plain-text answer of the /mesos-local/ control endpoints and answers 405 (with Allow:
// POST) to any other method; it reports whether the handler goes on.
func postOnly(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", http.MethodPost)
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = io.WriteString(w, "use POST\n")
	return false
}
