// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/zkutil"
)

// Watcher follows the members under one path. Members hands out the current set with a channel closed
// when it is superseded, as detector.Detector's Leader does: a caller that asks again after every close
// never misses a change (intermediate sets may be skipped). Its methods are safe for concurrent use.
type Watcher struct {
	c    *Client
	path string
	log  *zap.Logger
	sub  *subscriber

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	mu      sync.Mutex
	members []Member
	err     error
	known   bool
	ready   chan struct{} // closed at the first answer
	changed chan struct{} // closed when the answer is superseded
}

// Watch starts following the members under path (which need not exist yet). It returns at once; Members
// waits for the first listing. Close the Watcher (or the Client) to stop it.
func (c *Client) Watch(path string) (*Watcher, error) {
	if err := validPath(path); err != nil {
		return nil, err
	}
	if err := c.start(); err != nil {
		return nil, err
	}
	w := &Watcher{
		c: c, path: path,
		log:     c.log.With(zap.String("zk_path", path)),
		sub:     c.subscribe(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		changed: make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// Members returns the members under the path, sorted by node name (so, for members made by Announce, in
// the order they were announced), and a channel closed when that set changes. Nodes whose data is not a
// ServerSet member are left out (and logged once). It blocks until the first listing is known or ctx ends;
// after a permanent failure (ErrNotAuthorized) or Close it returns the error. The slice is the caller's.
func (w *Watcher) Members(ctx context.Context) ([]Member, <-chan struct{}, error) {
	select {
	case <-w.ready:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		closed := make(chan struct{})
		close(closed)
		return nil, closed, w.err
	}
	out := make([]Member, len(w.members))
	for i, m := range w.members {
		out[i] = m
		out[i].AdditionalEndpoints = maps.Clone(m.AdditionalEndpoints)
		if m.Shard != nil {
			shard := *m.Shard
			out[i].Shard = &shard
		}
	}
	return out, w.changed, nil
}

// Close stops the Watcher and waits for its goroutine. It is idempotent; Members then returns ErrClosed.
func (w *Watcher) Close() error {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
	return nil
}

// publish sets the answer; an equal set is not a change.
func (w *Watcher) publish(members []Member, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.known && w.err == err && sameMembers(w.members, members) {
		return
	}
	w.members, w.err = members, err
	if !w.known {
		w.known = true
		close(w.ready)
		return
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

func sameMembers(a, b []Member) bool {
	return slices.EqualFunc(a, b, func(x, y Member) bool {
		return x.Node == y.Node && x.ServiceEndpoint == y.ServiceEndpoint && x.Status == y.Status &&
			(x.Shard == nil) == (y.Shard == nil) && (x.Shard == nil || *x.Shard == *y.Shard) &&
			maps.Equal(x.AdditionalEndpoints, y.AdditionalEndpoints)
	})
}

// cached is a member node read in the current session: its member, or ok false when it is not one.
type cached struct {
	member  Member
	ok      bool
	version int32
}

func (w *Watcher) run() {
	c := w.c
	defer c.workers.Done()
	defer close(w.done)
	defer c.unsubscribe(w.sub)
	defer func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.err = ErrClosed
		if !w.known {
			w.known = true
			close(w.ready)
		} else {
			close(w.changed)
			w.changed = make(chan struct{})
		}
	}()
	var (
		cache   = map[string]cached{}
		session int64
		need    = true
		delay   time.Duration
		timer   = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	for {
		sid, conn, err := c.state()
		switch {
		case err != nil && !errors.Is(err, ErrClosed):
			w.publish(nil, err)
		case sid != 0 && sid != session:
			session, need = sid, true
			clear(cache) // watches of the old session are gone
		}
		retry := false
		if need && sid != 0 && err == nil {
			if err := w.list(conn, cache); err != nil {
				if zkutil.IsPermanent(err) {
					w.publish(nil, c.opError("list", w.path, err))
				}
				delay = backoff(delay)
				w.log.Debug("listing members failed; retrying", zap.Error(err), zap.Duration("delay", delay))
				timer.Reset(delay)
				retry = true
			} else {
				need, delay = false, 0
			}
		}
		select {
		case <-w.stop:
			return
		case <-c.quit:
			return
		case <-w.sub.wake:
		case <-timer.C:
		}
		if retry {
			timer.Stop()
		}
		for _, ev := range w.sub.take() {
			switch {
			case ev.Type == zk.EventNotWatching:
			case ev.Path == w.path:
				need = true
			case strings.HasPrefix(ev.Path, w.path+"/"):
				name := ev.Path[len(w.path)+1:]
				if _, ok := cache[name]; ok && !strings.Contains(name, "/") {
					delete(cache, name)
					need = true
				}
			}
		}
	}
}

// list reads the children of the path with a watch, reads the members not in cache (with a data watch),
// and publishes the set.
func (w *Watcher) list(conn *zk.Conn, cache map[string]cached) error {
	children, _, _, err := conn.ChildrenW(w.path)
	if errors.Is(err, zk.ErrNoNode) {
		// Not created yet: watch for its creation (a children watch cannot be set on a missing node).
		ok, _, _, err := conn.ExistsW(w.path)
		if err != nil {
			return err
		}
		if ok {
			return errRelist
		}
		clear(cache)
		w.publish(nil, nil)
		return nil
	}
	if err != nil {
		return err
	}
	slices.Sort(children)
	members := make([]Member, 0, len(children))
	seen := make(map[string]bool, len(children))
	for _, name := range children {
		seen[name] = true
		e, ok := cache[name]
		if !ok {
			data, stat, _, err := conn.GetW(w.path + "/" + name)
			if errors.Is(err, zk.ErrNoNode) {
				continue // deleted meanwhile; the children watch fires
			}
			if err != nil {
				return err
			}
			e.member, err = ParseMember(data)
			e.ok, e.version = err == nil, stat.Version
			if err != nil {
				w.log.Warn("skipping a node that is not a ServerSet member", zap.String("node", name), zap.Error(err))
			}
			e.member.Node = name
			cache[name] = e
		}
		if e.ok {
			members = append(members, e.member)
		}
	}
	for name := range cache {
		if !seen[name] {
			delete(cache, name)
		}
	}
	w.publish(members, nil)
	return nil
}

var errRelist = errors.New("discovery: path created while listing")
