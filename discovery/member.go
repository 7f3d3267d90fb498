// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MemberPrefix starts the name of every member node an Announcer creates: ZooKeeper appends a ten-digit
// sequence number (member_0000000007), as the ServerSet writers of Twitter commons and Aurora do. Finagle
// reads only children with this prefix; Prometheus reads every child.
const MemberPrefix = "member_"

// MaxMemberSize bounds the member data a Watcher decodes; larger nodes are skipped.
const MaxMemberSize = 64 << 10

// Status values of the ServerSet format (Twitter commons' Status enum). Announcers write StatusAlive.
const (
	StatusAlive    = "ALIVE"
	StatusStarting = "STARTING"
	StatusStopping = "STOPPING"
	StatusDead     = "DEAD"
	StatusWarning  = "WARNING"
)

// Endpoint is a host and a TCP port.
type Endpoint struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// String returns host:port.
func (e Endpoint) String() string {
	if strings.Contains(e.Host, ":") {
		return fmt.Sprintf("[%s]:%d", e.Host, e.Port)
	}
	return fmt.Sprintf("%s:%d", e.Host, e.Port)
}

// Member is one instance of a service: the JSON document of a ServerSet member node,
//
//	{"serviceEndpoint":{"host":"h","port":1},"additionalEndpoints":{"http":{"host":"h","port":2}},"status":"ALIVE","shard":0}
//
// as Twitter commons' ServiceInstance is written by Aurora's executor and read by Finagle and by
// Prometheus's serverset_sd_configs (which maps serviceEndpoint to __address__, each additional endpoint
// to __meta_serverset_endpoint_host_<name> and _port_<name>, status and shard to labels).
type Member struct {
	// Node is the member's znode name (member_0000000007). Set by Watcher; ignored when announcing.
	Node string `json:"-"`
	// ServiceEndpoint is the instance's main endpoint. Required.
	ServiceEndpoint Endpoint `json:"serviceEndpoint"`
	// AdditionalEndpoints are named other endpoints (for example "http", "health"); may be empty.
	AdditionalEndpoints map[string]Endpoint `json:"additionalEndpoints"`
	// Status is one of the Status constants; empty is written as StatusAlive.
	Status string `json:"status"`
	// Shard is the instance's shard number, when it has one (Aurora writes the task's instance id).
	Shard *int `json:"shard,omitempty"`
}

// Validate reports what makes m unfit to announce.
func (m Member) Validate() error {
	var problems []string
	check := func(what string, e Endpoint) {
		if e.Host == "" {
			problems = append(problems, what+": empty host")
		}
		if e.Port < 1 || e.Port > 65535 {
			problems = append(problems, fmt.Sprintf("%s: port %d is not in 1..65535", what, e.Port))
		}
	}
	check("serviceEndpoint", m.ServiceEndpoint)
	for _, name := range slices.Sorted(maps.Keys(m.AdditionalEndpoints)) {
		if name == "" {
			problems = append(problems, "additionalEndpoints: empty name")
			continue
		}
		check(fmt.Sprintf("additionalEndpoints[%q]", name), m.AdditionalEndpoints[name])
	}
	if m.Shard != nil && *m.Shard < 0 {
		problems = append(problems, fmt.Sprintf("shard %d is negative", *m.Shard))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidMember, strings.Join(problems, "; "))
	}
	return nil
}

// Marshal returns m's JSON member document (additionalEndpoints always present, status ALIVE when empty).
func (m Member) Marshal() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.AdditionalEndpoints == nil {
		m.AdditionalEndpoints = map[string]Endpoint{}
	}
	if m.Status == "" {
		m.Status = StatusAlive
	}
	return json.Marshal(m)
}

// ParseMember decodes a member document as the ServerSet readers do: unknown fields are ignored, and a
// document without a usable serviceEndpoint (no host, or a port outside 1..65535) is an error wrapping
// ErrInvalidMember.
func ParseMember(data []byte) (Member, error) {
	if len(data) > MaxMemberSize {
		return Member{}, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidMember, len(data), MaxMemberSize)
	}
	var raw struct {
		ServiceEndpoint     *Endpoint           `json:"serviceEndpoint"`
		AdditionalEndpoints map[string]Endpoint `json:"additionalEndpoints"`
		Status              string              `json:"status"`
		Shard               *int                `json:"shard"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return Member{}, fmt.Errorf("%w: %w", ErrInvalidMember, err)
	}
	if dec.More() {
		return Member{}, fmt.Errorf("%w: data after the JSON document", ErrInvalidMember)
	}
	if raw.ServiceEndpoint == nil {
		return Member{}, fmt.Errorf("%w: no serviceEndpoint", ErrInvalidMember)
	}
	m := Member{ServiceEndpoint: *raw.ServiceEndpoint, AdditionalEndpoints: raw.AdditionalEndpoints,
		Status: raw.Status, Shard: raw.Shard}
	if err := m.Validate(); err != nil {
		return Member{}, err
	}
	return m, nil
}
