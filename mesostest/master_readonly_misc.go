// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// masterFlag is one entry of the master's flags as /flags shows them.
type masterFlag struct{ name, value string }

// masterFlagsLocked are m's flags that have a value, by name (the
// Flags map is ordered by name), stringified as stout does: durations as
// "15secs" or "10mins", booleans as "true"/"false". They are Mesos 1.12's
// defaults (src/master/flags.cpp, src/master/constants.hpp) where the fake
// does not differ, and the fake's settings where it does.
func (m *master) masterFlagsLocked() []masterFlag {
	s := m.s
	offerTimeout := ""
	if s.cfg.offerTimeout > 0 {
		offerTimeout = stringifyDuration(s.cfg.offerTimeout)
	}
	flags := []masterFlag{
		{"agent_ping_timeout", "15secs"},
		{"agent_reregister_timeout", "10mins"},
		{"allocation_interval", stringifyDuration(s.cfg.allocationInterval)},
		{"allocator", "hierarchical"},
		{"authenticate_agents", "false"},
		{"authenticate_frameworks", "false"},
		{"authenticate_http_frameworks", strconv.FormatBool(s.cfg.auth.on)},
		{"authenticate_http_readonly", "false"},
		{"authenticate_http_readwrite", "false"},
		{"authenticators", "crammd5"},
		{"authorizers", "local"},
		{"filter_gpu_resources", "true"},
		{"framework_sorter", "drf"},
		{"hostname", m.host},
		{"hostname_lookup", "true"},
		{"http_authenticators", "basic"},
		{"ip", m.host},
		{"log_auto_initialize", "true"},
		{"logbufsecs", "0"},
		{"logging_level", "INFO"},
		{"max_agent_ping_timeouts", "5"},
		{"max_completed_frameworks", strconv.Itoa(maxCompletedFrameworks)},
		{"max_completed_tasks_per_framework", strconv.Itoa(s.cfg.maxCompletedTasks)},
		{"max_operator_event_stream_subscribers", "1000"},
		{"max_unreachable_tasks_per_framework", "1000"},
		{"offer_timeout", offerTimeout},
		{"port", strconv.Itoa(m.port)},
		{"publish_per_framework_metrics", "true"},
		{"quiet", "false"},
		{"recovery_agent_removal_limit", "100%"},
		{"registry", "in_memory"},
		{"registry_fetch_timeout", "1mins"},
		{"registry_gc_interval", "15mins"},
		{"registry_max_agent_age", "2weeks"},
		{"registry_max_agent_count", "102400"},
		{"registry_store_timeout", "20secs"},
		{"registry_strict", "false"},
		{"require_agent_domain", "false"},
		{"role_sorter", "drf"},
		{"root_submissions", "true"},
		{"version", "false"},
		{"zk_session_timeout", "10secs"},
	}
	out := flags[:0]
	for _, f := range flags {
		if f.value != "" {
			out = append(out, f)
		}
	}
	return out
}

// stringifyDuration writes d as stout's Duration output operator does:
// in the largest unit not greater than d (ns, us, ms, secs, mins, hrs,
// days, weeks), the value printed as an ostream prints a double ("15secs",
// "1.5mins", "2weeks").
func stringifyDuration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{
		{7 * 24 * time.Hour, "weeks"}, {24 * time.Hour, "days"}, {time.Hour, "hrs"},
		{time.Minute, "mins"}, {time.Second, "secs"}, {time.Millisecond, "ms"},
		{time.Microsecond, "us"}, {time.Nanosecond, "ns"},
	}
	for _, u := range units {
		if d >= u.d || u.d == time.Nanosecond {
			return strconv.FormatFloat(float64(d)/float64(u.d), 'g', 6, 64) + u.name
		}
	}
	return ""
}

// serveFlags is Master::Http::flags: {"flags": {...}} for any method (the
// method check applies only with an authorizer), answered by every master,
// leading or not.
func (m *master) serveFlags(w http.ResponseWriter, _ *http.Request, q url.Values) {
	m.render(w, q, func(jw *jsonWriter) {
		jw.beginObject()
		jw.objectField("flags")
		for _, f := range m.masterFlagsLocked() {
			jw.str(f.name, f.value)
		}
		jw.endObject()
		jw.endObject()
	})
}

// serveVersion is VersionProcess::version (src/version/version.cpp), at
// /version only: version, build_date, build_time, build_user.
func (m *master) serveVersion(w http.ResponseWriter, _ *http.Request, q url.Values) {
	jw := &jsonWriter{}
	jw.beginObject()
	jw.str("build_date", buildDate)
	jw.double("build_time", buildTime)
	jw.str("build_user", buildUser)
	jw.str("version", mesosVersion)
	jw.endObject()
	writeJSON(w, q, jw.b)
}

// roleAncestors returns "a" and "a/b" for "a/b/c" (roles::ancestors).
func roleAncestors(role string) []string {
	var out []string
	for i := range len(role) {
		if role[i] == '/' {
			out = append(out, role[:i])
		}
	}
	return out
}

// inRoleSubtree reports whether role is root or below it.
func inRoleSubtree(role, root string) bool {
	return role == root || strings.HasPrefix(role, root+"/")
}

// quantities is ResourceQuantities: scalar totals by name (in
// thousandths), written as an object ordered by name.
type quantities map[string]int64

func (qs quantities) add(rs resources, keep func(rkey) bool) {
	for k, v := range rs {
		if v.ranges == nil && v.set == nil && keep(k) {
			qs[k.name] += v.scalar
		}
	}
}

func (w *jsonWriter) quantitiesField(k string, qs quantities) {
	w.objectField(k)
	for _, name := range sortedKeys(qs) {
		if qs[name] > 0 {
			w.double(name, fromMilli(qs[name]))
		}
	}
	w.endObject()
}

// serveRoles is Master::ReadOnlyHandler::roles: every known role
// (Master::knownRoles: roles of frameworks, of reservations, and their
// ancestors, sorted) with its weight, quota and resource breakdown
// (Master::RoleResourceBreakdown). The fake keeps no weights or quotas:
// every weight is the default 1.0 and every quota empty.
func (m *master) serveRoles(w http.ResponseWriter, _ *http.Request, q url.Values) {
	m.render(w, q, func(jw *jsonWriter) { m.writeRolesLocked(jw) })
}

func (m *master) writeRolesLocked(jw *jsonWriter) {
	s := m.s
	ls := m.leaderStateLocked()
	registered, _ := m.agentsLocked(ls)
	known := map[string]bool{}
	addRole := func(r string) {
		known[r] = true
		for _, a := range roleAncestors(r) {
			known[a] = true
		}
	}
	members := map[string][]string{}
	fws := ls.sortedFrameworks()
	for _, fw := range fws {
		for _, r := range fw.roles() {
			addRole(r)
			members[r] = append(members[r], fw.id)
		}
	}
	for _, a := range registered {
		for k := range a.total {
			if k.role != "*" {
				addRole(k.role)
			}
		}
	}
	jw.beginObject()
	jw.arrayField("roles")
	for _, name := range sortedKeys(known) {
		sub := func(role string) bool { return inRoleSubtree(role, name) }
		allocated, offered, reserved, unallocRes := quantities{}, quantities{}, quantities{}, quantities{}
		for _, t := range s.tasks {
			if t.holdsRes && sub(t.role) {
				allocated.add(t.res, func(rkey) bool { return true })
			}
		}
		for _, fw := range fws {
			for _, o := range fw.offers {
				if sub(o.role) {
					offered.add(o.res, func(rkey) bool { return true })
				}
			}
		}
		reservedKey := func(k rkey) bool { return k.role != "*" && sub(k.role) }
		for _, a := range registered {
			reserved.add(a.total, reservedKey)
			unallocRes.add(a.total, reservedKey)
			used := quantities{}
			used.add(a.used, reservedKey)
			for n, v := range used {
				unallocRes[n] -= v
			}
		}
		consumed := quantities{}
		for n, v := range allocated {
			consumed[n] += v
		}
		for n, v := range unallocRes {
			consumed[n] += v
		}
		both := quantities{}
		for n, v := range allocated {
			both[n] += v
		}
		for n, v := range offered {
			both[n] += v
		}
		jw.beginObject()
		jw.str("name", name)
		jw.double("weight", 1.0)
		jw.objectField("quota")
		jw.str("role", name)
		jw.quantitiesField("guarantee", nil)
		jw.quantitiesField("limit", nil)
		jw.quantitiesField("consumed", consumed)
		jw.endObject()
		jw.quantitiesField("resources", both)
		jw.quantitiesField("allocated", allocated)
		jw.quantitiesField("offered", offered)
		jw.quantitiesField("reserved", reserved)
		ids := members[name]
		sort.Strings(ids)
		jw.strings("frameworks", ids)
		jw.endObject()
	}
	jw.endArray()
	jw.endObject()
}

// serveQuota is Master::Http::quota. GET answers QuotaStatus as
// JSON::Protobuf: the fake sets no quota, so "{}". Setting and removing
// quota are not modelled (docs/MESOSTEST-DEVIATIONS.md).
func (m *master) serveQuota(w http.ResponseWriter, r *http.Request, q url.Values) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, q, []byte("{}"))
	case http.MethodPost, http.MethodDelete:
		writeText(w, http.StatusNotImplemented, "mesostest: quota updates are not modelled")
	default:
		methodNotAllowed(w, r.Method, "GET", "POST", "DELETE")
	}
}

// serveWeights is Master::Http::weights. GET answers the configured
// weights as a JSON array of WeightInfo: the fake configures none, so "[]".
func (m *master) serveWeights(w http.ResponseWriter, r *http.Request, q url.Values) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, q, []byte("[]"))
	case http.MethodPut:
		writeText(w, http.StatusNotImplemented, "mesostest: weight updates are not modelled")
	default:
		methodNotAllowed(w, r.Method, "GET", "PUT")
	}
}
