// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// FuzzElectionNodes: what another process may leave in an election
// directory (child names, an election node's identity JSON, the lease
// record) never panics the package: names parse only as candidates the
// package could have created, and an identity read back encodes again.
func FuzzElectionNodes(f *testing.F) {
	f.Add("candidate_0f1e2d3c4b5a69788796a5b4c3d2e1f0_0000000007",
		[]byte(`{"hostname":"h","address":"127.0.0.1:8080","pid":42,"started":"2026-12-06T15:00:00Z"}`),
		[]byte(`{"holder":"candidate_x_0000000001","lease_ms":1500}`))
	f.Add("candidate__0000000000", []byte(`{"started":"10000-01-01T00:00:00Z"}`), []byte(`{"released":true}`))
	f.Add("candidate_x_-000000001", []byte(`null`), []byte(`{"lease_ms":-1}`))
	f.Add("lease", []byte(`[]`), []byte(`{`))
	e := &Election{log: zap.NewNop()}
	f.Fuzz(func(t *testing.T, name string, identity, lease []byte) {
		if c, ok := parseCandidate(name); ok {
			if c.seq < 0 || c.name != name || !strings.HasPrefix(name, candidatePrefix+c.guid) {
				t.Fatalf("parseCandidate(%q) = %+v", name, c)
			}
		}
		var id Identity
		if json.Unmarshal(identity, &id) == nil {
			if _, err := encodeIdentity(id); err != nil && id.Started.Year() >= 0 && id.Started.Year() <= 9999 {
				t.Fatalf("identity %q decoded but does not encode: %v", identity, err)
			}
		}
		_ = e.decodeLease(lease)
	})
}
