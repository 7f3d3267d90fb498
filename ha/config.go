// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"bytes"
	"context"
	"errors"
	"path"
)

// Config is a framework's live configuration: one znode (conventionally <ha path>/config) whose data the
// framework reads with a watch, so that a change made while it runs reaches it without a restart. Writers
// use compare-and-set on its Version, so that two operators editing it at once cannot silently overwrite
// each other. The data's format is the application's (JSON, typically); it holds at most about 1 MB.
//
// With digest credentials (WithDigestAuth) the node is readable and writable only with the same
// credentials (CREATOR_ALL), as records are.
//
// Config is safe for concurrent use. Writes through Fenced(term) succeed only while term lasts.
type Config struct {
	rec *Records
	key string
}

// NewConfig returns the configuration kept at path (absolute; created with its parents on the first Set).
// It does no I/O.
func NewConfig(c *Conn, path string) (*Config, error) {
	if err := validPath(path); err != nil {
		return nil, err
	}
	dir, key := splitPath(path)
	if err := validKey(key); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("ha: NewConfig: the configuration cannot be a child of the root")
	}
	rec, err := NewRecords(c, dir)
	if err != nil {
		return nil, err
	}
	return &Config{rec: rec, key: key}, nil
}

func splitPath(p string) (dir, key string) {
	dir, key = path.Split(p)
	if dir == "/" {
		return "", key
	}
	return dir[:len(dir)-1], key
}

// Path returns the configuration's znode path.
func (c *Config) Path() string { return c.rec.Path() + "/" + c.key }

// Fenced returns a view whose Set and Delete succeed only while t lasts (see Records.Fenced).
func (c *Config) Fenced(t *Term) *Config { return &Config{rec: c.rec.Fenced(t), key: c.key} }

// Get returns the configuration, or ErrNotFound when none was set.
func (c *Config) Get(ctx context.Context) (Record, error) { return c.rec.Get(ctx, c.key) }

// Set writes the configuration if its version is expect, and returns the new version: Absent to create it
// (a *ConflictError if it exists), a version read before for compare-and-set (a *ConflictError if it was
// changed since), or Any to overwrite unconditionally.
func (c *Config) Set(ctx context.Context, data []byte, expect Version) (Version, error) {
	return c.rec.Put(ctx, c.key, data, expect)
}

// Delete deletes the configuration if its version is expect (Any: whatever it is).
func (c *Config) Delete(ctx context.Context, expect Version) error {
	return c.rec.Delete(ctx, c.key, expect)
}

// Watch returns the configuration (Version Absent when none is set) and a channel closed when it may have
// changed (see Records.Watch); call Watch again then.
func (c *Config) Watch(ctx context.Context) (Record, <-chan struct{}, error) {
	return c.rec.Watch(ctx, c.key)
}

// Follow calls apply with the configuration, then again after every change, until ctx ends (it then
// returns nil), apply returns an error (returned), or reading fails for good (ErrNotAuthorized,
// ErrClosed). apply sees Version Absent while no configuration is set. It is called one at a time, on
// Follow's goroutine, never twice in a row with the same version and data; changes made while apply runs
// are coalesced into one call with the latest configuration. Session expiry and lost connections are
// ridden out: the watch is set again in the next session.
func (c *Config) Follow(ctx context.Context, apply func(context.Context, Record) error) error {
	var last Record
	first := true
	for {
		rec, changed, err := c.Watch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if first || rec.Version != last.Version || !bytes.Equal(rec.Data, last.Data) {
			first, last = false, rec
			if err := apply(ctx, rec); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}
