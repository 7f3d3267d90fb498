// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
)

// Identity says who a replica is. It is stored as JSON in the replica's election node, where CurrentLeader
// reads it.
type Identity struct {
	Hostname string    `json:"hostname"`
	Address  string    `json:"address,omitempty"` // the application's, e.g. host:port of its API
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"` // when the replica started

	// Node is the name of the replica's election node (filled in when read; not stored).
	Node string `json:"-"`
}

// filled returns id with the empty fields given defaults.
func (id Identity) filled(now time.Time) Identity {
	if id.Hostname == "" {
		id.Hostname, _ = os.Hostname()
	}
	if id.PID == 0 {
		id.PID = os.Getpid()
	}
	if id.Started.IsZero() {
		id.Started = now
	}
	return id
}

// candidatePrefix starts every election node's name: candidate_<guid>_<sequence>. The guid finds the node
// again when the reply to its creation was lost with the connection.
const candidatePrefix = "candidate_"

// candidate is an election node.
type candidate struct {
	name string
	guid string
	seq  int64
}

// parseCandidate decodes an election node's name; ok is false for other children.
func parseCandidate(name string) (candidate, bool) {
	rest, ok := strings.CutPrefix(name, candidatePrefix)
	if !ok || len(rest) < 12 {
		return candidate{}, false
	}
	guid, seqText := rest[:len(rest)-11], rest[len(rest)-11:]
	if seqText[0] != '_' {
		return candidate{}, false
	}
	seq, err := strconv.ParseInt(seqText[1:], 10, 64)
	if err != nil || seq < 0 {
		return candidate{}, false
	}
	return candidate{name: name, guid: guid, seq: seq}, true
}

// sortedCandidates returns the election nodes among children, lowest sequence number first.
func sortedCandidates(children []string) []candidate {
	var out []candidate
	for _, ch := range children {
		if c, ok := parseCandidate(ch); ok {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// CurrentLeader returns the identity of the replica elected on the election path: the candidate with the
// lowest sequence number. It may still be waiting out its predecessor's lease before its Term starts (see
// the package documentation). Anyone may call it, with any Conn, including one without credentials when the
// replicas use digest ACLs (election nodes are readable by all). It returns ErrNoLeader when no replica
// campaigns.
func CurrentLeader(ctx context.Context, c *Conn, path string) (Identity, error) {
	if err := validPath(path); err != nil {
		return Identity{}, err
	}
	var children []string
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		children, _, err = z.Children(path)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return Identity{}, ErrNoLeader
	}
	if err != nil {
		return Identity{}, c.opError("list", path, err)
	}
	for _, cand := range sortedCandidates(children) {
		node := path + "/" + cand.name
		var data []byte
		err := c.retry(ctx, func(z *zk.Conn) error {
			var err error
			data, _, err = z.Get(node)
			return err
		})
		if errors.Is(err, zk.ErrNoNode) {
			continue // gone since the listing
		}
		if err != nil {
			return Identity{}, c.opError("read", node, err)
		}
		var id Identity
		if err := json.Unmarshal(data, &id); err != nil {
			c.log.Warn("skipping an election node whose data cannot be decoded", zap.String("node", node), zap.Error(err))
			continue
		}
		id.Node = cand.name
		return id, nil
	}
	return Identity{}, ErrNoLeader
}

// encodeIdentity fails only for a Started time JSON cannot carry (a year outside 0-9999).
func encodeIdentity(id Identity) ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return b, nil
}
