// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"strings"

	"github.com/mesoskit/mesoskit/scheduler"
)

// FrameworkIDStore keeps the framework ID in one znode (its data is the ID as text), so that whichever
// replica leads resubscribes to the same framework. It implements scheduler.FrameworkIDStore: the scheduler
// Client loads the ID before SUBSCRIBE, stores it after SUBSCRIBED and forgets it when the master reports
// the framework removed (or after Teardown).
//
// With digest credentials (WithDigestAuth) the node is readable by all and writable only with the same
// credentials (EVERYONE_READ_CREATOR_ALL, as Mesos uses). It is safe for concurrent use.
type FrameworkIDStore struct {
	c     *Conn
	path  string
	fence *Term
	drop  []*Records // dropped by Forget (see Dropping)
}

var _ scheduler.FrameworkIDStore = (*FrameworkIDStore)(nil)

// NewFrameworkIDStore returns the store at path (absolute; created with its parents on the first Store).
// It does no I/O.
func NewFrameworkIDStore(c *Conn, path string) (*FrameworkIDStore, error) {
	if c == nil {
		return nil, errors.New("ha: NewFrameworkIDStore: nil Conn")
	}
	if err := validPath(path); err != nil {
		return nil, err
	}
	return &FrameworkIDStore{c: c, path: path}, nil
}

// Fenced returns a view of the store whose Store and Forget succeed only while t lasts (see
// Records.Fenced): give it to the scheduler Client of that Term.
func (s *FrameworkIDStore) Fenced(t *Term) *FrameworkIDStore {
	return &FrameworkIDStore{c: s.c, path: s.path, fence: t, drop: s.drop}
}

// Path returns the store's path.
func (s *FrameworkIDStore) Path() string { return s.path }

// Load returns the stored framework ID, or "" when there is none. Transient ZooKeeper errors are retried
// until ctx ends.
func (s *FrameworkIDStore) Load(ctx context.Context) (string, error) {
	data, _, err := s.c.getNode(ctx, s.path)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// Store saves id, replacing any stored one.
func (s *FrameworkIDStore) Store(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("ha: FrameworkIDStore.Store: empty framework ID")
	}
	_, err := s.c.putNode(ctx, s.fence, s.path, []byte(id), Any, s.c.public, s.c.public)
	return err
}

// Forget deletes the stored ID (after the collections given to Dropping); there being none is no error.
func (s *FrameworkIDStore) Forget(ctx context.Context) error {
	for _, r := range s.drop {
		if err := r.Drop(ctx); err != nil {
			return err
		}
	}
	return s.c.deleteNodeAt(ctx, s.fence, s.path, Any)
}
