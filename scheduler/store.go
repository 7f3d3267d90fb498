// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"sync"
)

// FrameworkIDStore keeps the framework ID across runs so that a restarted
// scheduler resubscribes to its framework instead of registering a new one.
// Implementations must be safe for concurrent use. Run calls Load once before
// the first SUBSCRIBE, Store after each SUBSCRIBED whose ID differs from the
// stored one, and Forget when the master reports the framework removed.
type FrameworkIDStore interface {
	// Load returns the stored ID, or "" when there is none.
	Load(ctx context.Context) (string, error)
	// Store saves id.
	Store(ctx context.Context, id string) error
	// Forget deletes the stored ID.
	Forget(ctx context.Context) error
}

// MemoryStore is a FrameworkIDStore held in memory. The zero value is ready
// to use. Share one between successive Clients of a process to resubscribe
// with the same framework ID.
type MemoryStore struct {
	mu sync.Mutex
	id string
}

// Load implements FrameworkIDStore.
func (s *MemoryStore) Load(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id, nil
}

// Store implements FrameworkIDStore.
func (s *MemoryStore) Store(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.id = id
	return nil
}

// Forget implements FrameworkIDStore.
func (s *MemoryStore) Forget(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.id = ""
	return nil
}
