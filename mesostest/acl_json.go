// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// ErrInvalidACLs is wrapped by the errors of ParseACLs.
var ErrInvalidACLs = errors.New("mesostest: invalid ACLs")

// enforcedACLs are the lists of ACLs (acls.proto) that mesostest enforces.
var enforcedACLs = map[string]bool{"register_frameworks": true, "run_tasks": true, "teardown_frameworks": true}

// unenforcedACLs are the other lists of Mesos's ACLs message. ParseACLs
// refuses them rather than accept rules it would not apply.
var unenforcedACLs = []string{
	"reserve_resources", "unreserve_resources", "create_volumes", "destroy_volumes", "update_weights",
	"get_endpoints", "get_quotas", "update_quotas", "view_frameworks", "view_tasks", "view_executors",
	"access_sandboxes", "access_mesos_logs", "view_roles", "view_flags", "launch_nested_containers_as_user",
	"launch_nested_containers_under_parent_with_user", "kill_nested_containers", "wait_nested_containers",
	"launch_nested_container_sessions_as_user", "launch_nested_container_sessions_under_parent_with_user",
	"attach_containers_input", "attach_containers_output", "set_log_level", "remove_nested_containers",
	"view_containers", "register_agents", "update_maintenance_schedules", "get_maintenance_schedules",
	"start_maintenances", "stop_maintenances", "get_maintenance_statuses", "mark_agents_gone",
	"launch_standalone_containers", "kill_standalone_containers", "wait_standalone_containers",
	"remove_standalone_containers", "view_standalone_containers", "resize_volumes", "drain_agents",
	"deactivate_agents", "reactivate_agents", "mark_resource_providers_gone", "modify_resource_provider_configs",
	"prune_images", "create_block_disks", "destroy_block_disks", "create_mount_disks", "destroy_mount_disks",
	"destroy_raw_disks", "view_resource_providers",
}

// ParseACLs reads Mesos's JSON form of ACLs, the text a master's --acls
// takes (src/master/flags.cpp; the message in acls.proto):
//
//	{
//	  "permissive": false,
//	  "register_frameworks": [{"principals": {"values": ["web"]}, "roles": {"values": ["web"]}}],
//	  "run_tasks": [{"principals": {"type": "ANY"}, "users": {"values": ["nobody"]}}],
//	  "teardown_frameworks": [{"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}}]
//	}
//
// Entity types are "SOME" (the default), "ANY" and "NONE". Both fields of
// a rule are required, as in Mesos. Names Mesos does not know are ignored,
// as stout's JSON-to-protobuf parser does; lists of Mesos's ACLs that
// mesostest does not enforce are an error. Errors wrap ErrInvalidACLs.
func ParseACLs(data []byte) (ACLs, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return ACLs{}, fmt.Errorf("%w: %v", ErrInvalidACLs, err)
	}
	if top == nil {
		return ACLs{}, fmt.Errorf("%w: expected a JSON object", ErrInvalidACLs)
	}
	for _, name := range unenforcedACLs {
		if _, ok := top[name]; ok {
			return ACLs{}, fmt.Errorf("%w: %q is not enforced by mesostest (it enforces register_frameworks, run_tasks and teardown_frameworks)", ErrInvalidACLs, name)
		}
	}
	var a ACLs
	if raw, ok := top["permissive"]; ok && !isNull(raw) {
		var p bool
		if err := json.Unmarshal(raw, &p); err != nil {
			return ACLs{}, fmt.Errorf("%w: permissive: %v", ErrInvalidACLs, err)
		}
		a.Permissive = &p
	}
	names := make([]string, 0, len(enforcedACLs))
	for n := range enforcedACLs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		raw, ok := top[name]
		if !ok || isNull(raw) {
			continue
		}
		var rules []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rules); err != nil {
			return ACLs{}, fmt.Errorf("%w: %s: %v", ErrInvalidACLs, name, err)
		}
		for i, rule := range rules {
			if err := a.addRule(name, rule); err != nil {
				return ACLs{}, fmt.Errorf("%w: %s[%d]: %v", ErrInvalidACLs, name, i, err)
			}
		}
	}
	return a, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// addRule appends one rule of the list name.
func (a *ACLs) addRule(name string, rule map[string]json.RawMessage) error {
	objectField := map[string]string{
		"register_frameworks": "roles", "run_tasks": "users", "teardown_frameworks": "framework_principals",
	}[name]
	principals, err := entityField(rule, "principals")
	if err != nil {
		return err
	}
	object, err := entityField(rule, objectField)
	if err != nil {
		return err
	}
	switch name {
	case "register_frameworks":
		a.RegisterFrameworks = append(a.RegisterFrameworks, RegisterFrameworkACL{principals, object})
	case "run_tasks":
		a.RunTasks = append(a.RunTasks, RunTaskACL{principals, object})
	case "teardown_frameworks":
		a.TeardownFrameworks = append(a.TeardownFrameworks, TeardownFrameworkACL{principals, object})
	}
	return nil
}

// entityField parses the required ACL.Entity rule[field].
func entityField(rule map[string]json.RawMessage, field string) (ACLEntity, error) {
	raw, ok := rule[field]
	if !ok || isNull(raw) {
		return ACLEntity{}, fmt.Errorf("missing required field %q", field)
	}
	var e struct {
		Type   *string  `json:"type"`
		Values []string `json:"values"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return ACLEntity{}, fmt.Errorf("%s: %v", field, err)
	}
	out := ACLEntity{Values: e.Values}
	if e.Type != nil {
		switch *e.Type {
		case "SOME":
		case "ANY":
			out.Type = ACLAny
		case "NONE":
			out.Type = ACLNone
		default:
			return ACLEntity{}, fmt.Errorf("%s: unknown type %q (want SOME, ANY or NONE)", field, *e.Type)
		}
	}
	return out, nil
}
