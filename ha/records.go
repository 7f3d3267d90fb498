// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// listConcurrency bounds the reads List keeps in flight.
const listConcurrency = 8

// Record is one record of a Records collection.
type Record struct {
	Key      string
	Data     []byte
	Version  Version   // Absent when the record does not exist (Watch)
	Modified time.Time // as ZooKeeper's clock saw the last write
}

// Records is a keyed collection of small versioned records kept in ZooKeeper, for a framework's own state
// (for example the tasks it launched): one child znode of its path per key, so records are sharded over
// nodes and each is read and written on its own, with compare-and-set on its version. A record holds at
// most about 1 MB (ZooKeeper's jute.maxbuffer, see WithMaxRequestSize); a larger write fails with a
// *SizeError before anything is sent. Listing the keys is one request too, so a collection holds up to
// some tens of thousands of keys.
//
// With digest credentials (WithDigestAuth), the collection and its records are readable and writable only
// with the same credentials (CREATOR_ALL).
//
// Records is safe for concurrent use. Writes through Fenced(term) succeed only while term lasts.
type Records struct {
	c     *Conn
	path  string
	fence *Term
}

// NewRecords returns the collection at path (absolute; created with its parents on the first write). It
// does no I/O.
func NewRecords(c *Conn, path string) (*Records, error) {
	if c == nil {
		return nil, errors.New("ha: NewRecords: nil Conn")
	}
	if err := validPath(path); err != nil {
		return nil, err
	}
	return &Records{c: c, path: path}, nil
}

// Path returns the collection's path.
func (r *Records) Path() string { return r.path }

// Fenced returns a view of the collection whose writes are made only while t lasts: each is sent together
// with a check that t's election node exists, so that a replica that has lost leadership cannot write
// after its successor started. Such writes fail with an error matching ErrNotLeader once t has ended.
// Reads are not fenced.
func (r *Records) Fenced(t *Term) *Records {
	return &Records{c: r.c, path: r.path, fence: t}
}

func (r *Records) node(key string) (string, error) {
	if err := validKey(key); err != nil {
		return "", err
	}
	return r.path + "/" + key, nil
}

// Get returns the record for key, or ErrNotFound.
func (r *Records) Get(ctx context.Context, key string) (Record, error) {
	p, err := r.node(key)
	if err != nil {
		return Record{}, err
	}
	data, st, err := r.c.getNode(ctx, p)
	if err != nil {
		return Record{}, err
	}
	return record(key, data, st), nil
}

// Put writes data as the record for key if the record's version is expect, and returns the new version.
// expect is Absent to create the record (a *ConflictError if it exists), a version read before for
// compare-and-set (a *ConflictError if the record has another version or is gone), or Any to write
// unconditionally. A conflict writes nothing. Data larger than a ZooKeeper request can carry fails with a
// *SizeError before anything is sent. After a lost connection, a Put other than with Any reports the error
// and is not retried, as it may have been applied: read the record to find out.
func (r *Records) Put(ctx context.Context, key string, data []byte, expect Version) (Version, error) {
	p, err := r.node(key)
	if err != nil {
		return 0, err
	}
	return r.c.putNode(ctx, r.fence, p, data, expect, r.c.private, r.c.private)
}

// Delete deletes the record for key if its version is expect (a *ConflictError otherwise, or if it does
// not exist), or whatever it is with Any (no error if it does not exist).
func (r *Records) Delete(ctx context.Context, key string, expect Version) error {
	p, err := r.node(key)
	if err != nil {
		return err
	}
	return r.c.deleteNodeAt(ctx, r.fence, p, expect)
}

// Keys returns the keys of the collection, sorted. An absent collection has none.
func (r *Records) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	err := r.c.retry(ctx, func(z *zk.Conn) error {
		var err error
		keys, _, err = z.Children(r.path)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, r.c.opError("list", r.path, err)
	}
	sort.Strings(keys)
	return keys, nil
}

// List returns every record of the collection, sorted by key. It is not a snapshot: records written while
// it runs may be seen in either state, and records deleted meanwhile are left out.
func (r *Records) List(ctx context.Context) ([]Record, error) {
	keys, err := r.Keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(keys))
	found := make([]bool, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rec, err := r.Get(ctx, key)
			switch {
			case err == nil:
				out[i], found[i] = rec, true
			case errors.Is(err, ErrNotFound):
			default:
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	recs := out[:0]
	for i := range out {
		if found[i] {
			recs = append(recs, out[i])
		}
	}
	return recs, nil
}

// Watch returns the record for key (with Version Absent if there is none) and a channel closed when it
// changes: when it is created, written or deleted, when the ZooKeeper session ends (the watch is lost with
// it), or at the latest when the Conn is closed. Call Watch again to follow further changes.
func (r *Records) Watch(ctx context.Context, key string) (Record, <-chan struct{}, error) {
	p, err := r.node(key)
	if err != nil {
		return Record{}, nil, err
	}
	c := r.c
	for {
		var data []byte
		var st *zk.Stat
		var watch <-chan zk.Event
		err := c.retry(ctx, func(z *zk.Conn) error {
			var err error
			data, st, watch, err = z.GetW(p)
			if errors.Is(err, zk.ErrNoNode) {
				var ok bool
				ok, _, watch, err = z.ExistsW(p)
				if err == nil && ok {
					return errRetryNow // created meanwhile: read it
				}
				st = nil
			}
			return err
		})
		if errors.Is(err, errRetryNow) {
			continue
		}
		if err != nil {
			return Record{}, nil, c.opError("watch", p, err)
		}
		changed, err := c.relay(watch)
		if err != nil {
			return Record{}, nil, err
		}
		if st == nil {
			return Record{Key: key, Version: Absent}, changed, nil
		}
		return record(key, data, st), changed, nil
	}
}

var errRetryNow = errors.New("ha: retry now")

// relay turns a one-shot ZooKeeper watch into a channel that is closed when it fires. The goroutine ends
// when the watch fires, is invalidated (session expired) or the client is closed.
func (c *Conn) relay(watch <-chan zk.Event) (<-chan struct{}, error) {
	c.mu.Lock()
	if c.zkClosed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.ops.Add(1)
	c.mu.Unlock()
	ch := make(chan struct{})
	go func() {
		defer c.ops.Done()
		<-watch
		close(ch)
	}()
	return ch, nil
}

func record(key string, data []byte, st *zk.Stat) Record {
	return Record{Key: key, Data: data, Version: Version(st.Version), Modified: time.UnixMilli(st.Mtime)}
}

// String describes the record without its data.
func (r Record) String() string {
	return fmt.Sprintf("%s@%v (%d bytes)", r.Key, r.Version, len(r.Data))
}
