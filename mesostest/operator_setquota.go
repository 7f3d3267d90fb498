// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

// setQuotaLocked is the deprecated SET_QUOTA: Master::QuotaHandler::_set
// and __set (src/master/quota_handler.cpp). The QuotaRequest becomes a
// QuotaInfo (quota::createQuotaInfo) validated by quota::validation::
// quotaInfo (src/master/quota.cpp); a role that has a quota already, a
// nested role, and (without force) guarantees that the registered agents'
// scalar resources do not cover (overcommitCheck) are refused; the quota
// is stored as a QuotaConfig whose guarantees and limits are both the
// guarantee. The quota tree check and Resources::validate of the guarantee
// are not applied (docs/MESOSTEST-DEVIATIONS.md).
func (m *master) setQuotaLocked(req *quotapb.QuotaRequest) (int, string) {
	s := m.s
	role := req.GetRole()
	if req.Role == nil {
		return http.StatusBadRequest, "Failed to validate set quota request: QuotaInfo must specify a role"
	}
	if err := validateRole(role); err != nil {
		return http.StatusBadRequest, "Failed to validate set quota request: QuotaInfo with invalid role: " + err.Error()
	}
	if msg := validateQuotaGuarantee(req.GetGuarantee()); msg != "" {
		return http.StatusBadRequest, "Failed to validate set quota request: " + msg
	}
	if _, ok := s.op.quotas[role]; ok {
		return http.StatusBadRequest, "Failed to validate set quota request: Cannot set quota for role '" + role + "' which already has quota"
	}
	if strings.Contains(role, "/") {
		return http.StatusBadRequest, "Setting quota on nested role '" + role + "' is not supported yet"
	}
	g := map[string]*mesosproto.Value_Scalar{}
	for _, r := range req.GetGuarantee() {
		g[r.GetName()] = &mesosproto.Value_Scalar{Value: proto.Float64(r.GetScalar().GetValue())}
	}
	if !req.GetForce() {
		total := map[string]float64{}
		for _, qc := range s.op.quotas {
			for name, v := range qc.GetGuarantees() {
				total[name] += v.GetValue()
			}
		}
		for name, v := range g {
			total[name] += v.GetValue()
		}
		capacity := map[string]float64{}
		if m.st != nil {
			registered, _ := m.agentsLocked(m.st)
			for _, a := range registered {
				for _, name := range []string{"cpus", "gpus", "mem", "disk"} {
					if v := a.total.scalar(name); v > 0 {
						capacity[name] += fromMilli(v)
					}
				}
			}
		}
		for name, v := range total {
			if v > capacity[name] {
				return http.StatusConflict, "Quota guarantees overcommit the cluster (use 'force' to bypass this check): " +
					"Total quota guarantees '" + quantitiesString(total) + "' exceed cluster capacity '" + quantitiesString(capacity) + "'"
			}
		}
	}
	if s.op.quotas == nil {
		s.op.quotas = map[string]*quotapb.QuotaConfig{}
	}
	limits := map[string]*mesosproto.Value_Scalar{}
	for name, v := range g {
		limits[name] = proto.CloneOf(v)
	}
	s.op.quotas[role] = &quotapb.QuotaConfig{Role: proto.String(role), Guarantees: g, Limits: limits}
	return http.StatusOK, ""
}

// validateQuotaGuarantee is the guarantee part of quota::validation::quotaInfo.
func validateQuotaGuarantee(rs []*mesosproto.Resource) string {
	if len(rs) == 0 {
		return "QuotaInfo with empty 'guarantee'"
	}
	names := map[string]bool{}
	for _, r := range rs {
		switch {
		case len(r.GetReservations()) > 0:
			return "QuotaInfo must not contain any ReservationInfo"
		case r.Disk != nil:
			return "QuotaInfo must not contain DiskInfo"
		case r.Revocable != nil:
			return "QuotaInfo must not contain RevocableInfo"
		case r.GetType() != mesosproto.Value_SCALAR:
			return "QuotaInfo must not include non-scalar resources"
		case names[r.GetName()]:
			return "QuotaInfo contains duplicate resource name '" + r.GetName() + "'"
		}
		names[r.GetName()] = true
	}
	return ""
}

// quantitiesString is operator<< of ResourceQuantities
// (src/common/resource_quantities.cpp): "name:value; ..." by name, "{}"
// when empty.
func quantitiesString(q map[string]float64) string {
	if len(q) == 0 {
		return "{}"
	}
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+":"+strconv.FormatFloat(q[n], 'g', 6, 64))
	}
	return strings.Join(parts, "; ")
}
