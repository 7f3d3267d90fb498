// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

// Quota through the operator API (src/master/quota_handler.cpp): kept
// cluster-wide (Mesos keeps it in the registry) and shown by GET_QUOTA. The
// allocator of mesostest does not enforce it.

// getQuotaLocked is Master::QuotaHandler::_status: per role with a quota,
// the legacy QuotaInfo (guarantees as scalar resources) and the QuotaConfig.
func (s *Server) getQuotaLocked() *masterpb.Response_GetQuota {
	st := &quotapb.QuotaStatus{}
	roles := make([]string, 0, len(s.op.quotas))
	for r := range s.op.quotas {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, r := range roles {
		qc := s.op.quotas[r]
		info := &quotapb.QuotaInfo{Role: proto.String(r)}
		for _, name := range sortedNames(qc.GetGuarantees()) {
			info.Guarantee = append(info.Guarantee, &mesosproto.Resource{
				Name: proto.String(name), Type: mesosproto.Value_SCALAR.Enum(), Scalar: proto.CloneOf(qc.GetGuarantees()[name]),
			})
		}
		st.Infos = append(st.Infos, info) //lint:ignore SA1019 Mesos still fills the legacy infos
		st.Configs = append(st.Configs, proto.CloneOf(qc))
	}
	return &masterpb.Response_GetQuota{Status: st}
}

func sortedNames(m map[string]*mesosproto.Value_Scalar) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scalarString is stringify(Value::Scalar) (src/common/values.cpp): the
// value rounded to thousandths, with 15 significant digits.
func scalarString(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'g', 15, 64)
}

// validateQuotaConfig is the part of quota::validate(QuotaConfig)
// (src/master/quota.cpp) that mesostest applies: the role, the size and
// the kind of every quantity.
func validateQuotaConfig(qc *quotapb.QuotaConfig) string {
	if err := validateRole(qc.GetRole()); err != nil {
		return "Invalid 'QuotaConfig.role': " + err.Error()
	}
	const exabyteInMegabytes, otherLimit = 1024 * 1024 * 1024 * 1024, 1000 * 1000 * 1000 * 1000
	tooLarge := func(m map[string]*mesosproto.Value_Scalar) string {
		for _, name := range sortedNames(m) {
			v := m[name].GetValue()
			switch {
			case (name == "mem" || name == "disk") && v > exabyteInMegabytes:
				return "{'" + name + "': " + scalarString(v) + "} is invalid: values greater than 1 exabyte (1099511627776) are not supported"
			case name != "mem" && name != "disk" && v > otherLimit:
				return "{'" + name + "': " + scalarString(v) + "} is invalid: values greater than 1 trillion (1000000000000) are not supported"
			}
		}
		return ""
	}
	if msg := tooLarge(qc.GetGuarantees()); msg != "" {
		return "Invalid 'QuotaConfig.guarantees': " + msg
	}
	if msg := tooLarge(qc.GetLimits()); msg != "" {
		return "Invalid 'QuotaConfig.limits': " + msg
	}
	for _, set := range []struct {
		what string
		m    map[string]*mesosproto.Value_Scalar
	}{{"guarantee", qc.GetGuarantees()}, {"limit", qc.GetLimits()}} {
		for _, name := range sortedNames(set.m) {
			if msg := inputScalarError(set.m[name].GetValue()); msg != "" {
				return "Invalid " + set.what + " configuration {'" + name + "': " + scalarString(set.m[name].GetValue()) + "}: " + msg
			}
		}
	}
	return ""
}

// inputScalarError is common::validation::validateInputScalarValue.
func inputScalarError(v float64) string {
	switch {
	case math.IsInf(v, 0):
		return "Infinite values not supported"
	case math.IsNaN(v):
		return "NaN not supported"
	case v != 0 && math.Abs(v) < 0x1p-1022:
		return "Subnormal values not supported"
	case v < 0:
		return "Negative values not supported"
	}
	return ""
}

// updateQuotaLocked is Master::QuotaHandler::update, then _update: every
// config is checked first (no role is whitelisted away without --roles),
// then all are stored at once.
func (s *Server) updateQuotaLocked(u *masterpb.Call_UpdateQuota) (int, string) {
	for _, qc := range u.GetQuotaConfigs() {
		if strings.Contains(qc.GetRole(), "/") {
			return http.StatusBadRequest, "Updating quota on nested role '" + qc.GetRole() + "' is not supported yet"
		}
		if msg := validateQuotaConfig(qc); msg != "" {
			return http.StatusBadRequest, "Invalid QuotaConfig: " + msg
		}
	}
	if s.op.quotas == nil {
		s.op.quotas = map[string]*quotapb.QuotaConfig{}
	}
	for _, qc := range u.GetQuotaConfigs() {
		// Stored even when it is the default (no guarantees, no limits):
		// master->quotas keeps it, although the registry drops it.
		s.op.quotas[qc.GetRole()] = proto.CloneOf(qc)
	}
	return http.StatusOK, ""
}

// removeQuotaLocked is Master::QuotaHandler::__remove: the role's quota is
// dropped. For a role without quota Mesos's v1 path (_remove) first calls
// master->quotas.at(role), which aborts the master; mesostest answers what
// __remove would, 400 "Failed to remove quota: Role '<role>' has no quota
// set" (docs/MESOSTEST-DEVIATIONS.md).
func (s *Server) removeQuotaLocked(role string) (int, string) {
	if _, ok := s.op.quotas[role]; !ok {
		return http.StatusBadRequest, "Failed to remove quota: Role '" + role + "' has no quota set"
	}
	delete(s.op.quotas, role)
	return http.StatusOK, ""
}
