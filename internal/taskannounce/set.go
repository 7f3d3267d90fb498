// SPDX-License-Identifier: Apache-2.0

package taskannounce

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Set is the announcements of one scheduler Client or Executor. A nil *Set does nothing.
type Set struct {
	client *discovery.Client
	path   string
	log    *zap.Logger

	mu    sync.Mutex
	live  map[string]context.CancelFunc // task ID → ends its announcement
	ended bool                          // End was called: announce nothing more
}

// New returns a Set announcing under path through client; nil when client is nil (no WithAnnouncer).
func New(client *discovery.Client, path string, log *zap.Logger) *Set {
	if client == nil {
		return nil
	}
	return &Set{client: client, path: path, log: log.Named("announce"), live: map[string]context.CancelFunc{}}
}

// Follow announces the task of st, running on host as info describes, when st says it serves and it is not
// announced yet, and withdraws its announcement when st says it does not serve. info without DiscoveryInfo
// (or nil) is not announced. It never waits for ZooKeeper: an announcement registers and withdraws itself in
// the background.
func (s *Set) Follow(st *mesosproto.TaskStatus, host string, info *mesosproto.TaskInfo) {
	if s == nil {
		return
	}
	id := st.GetTaskId().GetValue()
	serving := st.GetState() == mesosproto.TaskState_TASK_RUNNING && (st.Healthy == nil || st.GetHealthy())
	s.mu.Lock()
	defer s.mu.Unlock()
	cancel, live := s.live[id]
	switch {
	case !serving && live:
		cancel()
		delete(s.live, id)
		s.log.Debug("withdrawing task", zap.String("task_id", id), zap.Stringer("state", st.GetState()))
	case serving && !live && !s.ended && info.GetDiscovery() != nil:
		if host == "" {
			s.log.Warn("not announcing a task: its agent's hostname is unknown", zap.String("task_id", id))
			return
		}
		m, err := discovery.TaskMember(host, info)
		if err != nil {
			s.log.Warn("not announcing a task", zap.String("task_id", id), zap.Error(err))
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := s.client.Announce(ctx, s.path, m); err != nil {
			cancel()
			s.log.Warn("announcing a task failed", zap.String("task_id", id), zap.Error(err))
			return
		}
		s.live[id] = cancel
		s.log.Debug("announcing task", zap.String("task_id", id), zap.Stringer("endpoint", m.ServiceEndpoint))
	}
}

// End withdraws every announcement and makes Follow announce nothing more; Run calls it when it returns.
func (s *Set) End() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for id, cancel := range s.live {
		cancel()
		delete(s.live, id)
	}
}
