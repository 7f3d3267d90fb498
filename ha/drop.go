// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"
)

// Drop deletes every record of the collection and the collection's node.
// Through a fenced view, each delete is fenced. A record written while Drop
// runs may survive it (and keeps the collection's node).
func (r *Records) Drop(ctx context.Context) error {
	keys, err := r.Keys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := r.Delete(ctx, k, Any); err != nil {
			return err
		}
	}
	err = r.c.deleteNodeAt(ctx, r.fence, r.path, Any)
	if errors.Is(err, zk.ErrNotEmpty) {
		return fmt.Errorf("ha: drop %q: written to while dropped: %w", r.path, err)
	}
	return err
}

// Dropping returns a view of the store whose Forget also drops the given
// collections (see Records.Drop) before it deletes the framework ID: the
// records of a framework go with it when the master reports it removed or
// after Teardown. The collections' own fences apply to their deletes; the
// ID is deleted last, so a Forget that failed part way is completed by the
// next one.
func (s *FrameworkIDStore) Dropping(recs ...*Records) *FrameworkIDStore {
	cp := *s
	cp.drop = append(append([]*Records(nil), s.drop...), recs...)
	return &cp
}
