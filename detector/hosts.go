// SPDX-License-Identifier: Apache-2.0

package detector

import "sync"

// roundRobinHosts is a go-zookeeper HostProvider that does not resolve names up front: the dialer resolves
// each name when it connects, so DNS changes are picked up at every reconnection and an unresolvable server
// does not stop the others from being used. (go-zookeeper's DNSHostProvider resolves once, and fails
// entirely if one name does not resolve.)
type roundRobinHosts struct {
	mu         sync.Mutex
	servers    []string
	curr, last int
}

func (h *roundRobinHosts) Init(servers []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.servers = append([]string(nil), servers...)
	h.curr, h.last = -1, -1
	return nil
}

func (h *roundRobinHosts) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.servers)
}

// Next returns the next server; retryStart is true once every server has been tried since the last
// successful connection (go-zookeeper then pauses a second).
func (h *roundRobinHosts) Next() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.curr = (h.curr + 1) % len(h.servers)
	retryStart := h.curr == h.last
	if h.last == -1 {
		h.last = 0
	}
	return h.servers[h.curr], retryStart
}

func (h *roundRobinHosts) Connected() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = h.curr
}
