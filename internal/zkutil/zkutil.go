// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
)

// HostList is a go-zookeeper HostProvider that does not resolve names up front: the dialer resolves each name
// when it connects, so DNS changes are picked up at every reconnection and an unresolvable server does not
// stop the others from being used. (go-zookeeper's DNSHostProvider resolves once, and fails entirely if one
// name does not resolve.) The zero value is ready for Init. It is safe for concurrent use.
type HostList struct {
	mu         sync.Mutex
	servers    []string
	curr, last int
	skipPause  bool
}

var _ zk.HostProvider = (*HostList)(nil)

// Init implements zk.HostProvider.
func (h *HostList) Init(servers []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.servers = append([]string(nil), servers...)
	h.curr, h.last = -1, -1
	return nil
}

// Len implements zk.HostProvider.
func (h *HostList) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.servers)
}

// Next returns the next server; retryStart is true once every server has been tried since the last
// successful connection (go-zookeeper then pauses a second), unless SkipNextPause was called.
func (h *HostList) Next() (server string, retryStart bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.curr = (h.curr + 1) % len(h.servers)
	retryStart = h.curr == h.last && !h.skipPause
	h.skipPause = false
	if h.last == -1 {
		h.last = 0
	}
	return h.servers[h.curr], retryStart
}

// Connected implements zk.HostProvider.
func (h *HostList) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = h.curr
}

// SkipNextPause makes the next round of servers start without go-zookeeper's one-second pause. Call it when a
// server answered that the session expired: the servers are fine, only the session is not, and the pause
// would only delay the new session.
func (h *HostList) SkipNextPause() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skipPause = true
}

// Logger adapts l to go-zookeeper's logger. The client's lines go to debug level, so nothing reaches stdout.
func Logger(l *zap.Logger) zk.Logger { return zkLogger{l.Sugar()} }

type zkLogger struct{ l *zap.SugaredLogger }

func (l zkLogger) Printf(format string, args ...any) {
	l.l.Debugf(strings.TrimSuffix(format, "\n"), args...)
}
