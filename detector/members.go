// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Member node labels, as Mesos writes them under the base path.
const (
	labelJSON   = "json.info" // MasterInfo as JSON (Mesos ≥ 0.24)
	labelBinary = "info"      // MasterInfo as binary protobuf (older masters)
	labelNone   = ""          // bare sequence number: a UPID text (oldest masters)
)

// member is a child of the base path that takes part in the election.
type member struct {
	name  string
	label string
	seq   int32
}

// parseMember applies Mesos's rule for group members: the name is split on '_'; with more than one token the
// first is the label; the last token must parse as an int32, otherwise the child is not a member (ok false).
func parseMember(name string) (member, bool) {
	tokens := strings.Split(name, "_")
	seq, err := strconv.ParseInt(tokens[len(tokens)-1], 10, 32)
	if err != nil {
		return member{}, false
	}
	m := member{name: name, seq: int32(seq)}
	if len(tokens) > 1 {
		m.label = tokens[0]
	}
	return m, true
}

// knownLabel reports whether the detector can decode members with this label.
func knownLabel(label string) bool {
	return label == labelJSON || label == labelBinary || label == labelNone
}

// sortedMembers returns the members among children, lowest sequence number first (ties, which ZooKeeper
// never produces for sequential nodes of one parent, by name).
func sortedMembers(children []string) []member {
	ms := make([]member, 0, len(children))
	for _, c := range children {
		if m, ok := parseMember(c); ok {
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b member) int {
		if a.seq != b.seq {
			if a.seq < b.seq {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return ms
}

var (
	jsonUnmarshal  = protojson.UnmarshalOptions{DiscardUnknown: true, AllowPartial: true}
	protoUnmarshal = proto.UnmarshalOptions{AllowPartial: true}
)

// decodeMember decodes a member node's data by its label. A MasterInfo without a usable address (as garbage
// that happens to parse as protobuf would be) is an error too.
func decodeMember(label string, data []byte) (*mesosproto.MasterInfo, error) {
	var mi *mesosproto.MasterInfo
	switch label {
	case labelJSON:
		mi = &mesosproto.MasterInfo{}
		if err := jsonUnmarshal.Unmarshal(data, mi); err != nil {
			return nil, fmt.Errorf("MasterInfo JSON: %w", err)
		}
	case labelBinary:
		mi = &mesosproto.MasterInfo{}
		if err := protoUnmarshal.Unmarshal(data, mi); err != nil {
			return nil, fmt.Errorf("MasterInfo protobuf: %w", err)
		}
	case labelNone:
		var err error
		if mi, err = infoFromUPID(data); err != nil {
			return nil, fmt.Errorf("master PID: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown label %q", label)
	}
	if _, _, ok := masterHostPort(mi, false); !ok {
		return nil, errNoAddressInData
	}
	return mi, nil
}

var errNoAddressInData = errors.New("MasterInfo without a usable address")
