// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// validateRole follows src/common/roles.cpp roles::validate.
func validateRole(role string) error {
	if role == "*" {
		return nil
	}
	if strings.HasPrefix(role, "/") {
		return mesosErrf("Role '%s' cannot start with a slash", role)
	}
	if strings.HasSuffix(role, "/") {
		return mesosErrf("Role '%s' cannot end with a slash", role)
	}
	if strings.Contains(role, "//") {
		return mesosErrf("Role '%s' cannot contain two adjacent slashes", role)
	}
	if role == "" {
		return mesosErr("Role names cannot be the empty string")
	}
	for _, c := range strings.Split(role, "/") {
		switch {
		case c == ".":
			return mesosErrf("Role '%s' cannot include '.' as a component", role)
		case c == "..":
			return mesosErrf("Role '%s' cannot include '..' as a component", role)
		case c == "*":
			return mesosErrf("Role '%s' cannot include '*' as a component", role)
		case strings.HasPrefix(c, "-"):
			return mesosErrf("Role component '%s' is invalid because it starts with a dash", c)
		case strings.ContainsAny(c, "\x08\x0b\x0c\t\n\r \x7f"):
			return mesosErrf("Role component '%s' is invalid because it contains backspace or whitespace", c)
		}
	}
	return nil
}

// validateID follows src/common/validation.cpp validateID.
func validateID(id string) error {
	switch {
	case id == "":
		return mesosErr("ID must not be empty")
	case len(id) > 255:
		return mesosErr("ID must not be greater than 255 characters")
	case id == "." || id == "..":
		return mesosErrf("'%s' is disallowed", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return mesosErrf("'%s' contains invalid characters", id)
		}
	}
	return nil
}

func hasCapability(fi *mesosproto.FrameworkInfo, c mesosproto.FrameworkInfo_Capability_Type) bool {
	for _, x := range fi.GetCapabilities() {
		if x.GetType() == c {
			return true
		}
	}
	return false
}

// frameworkRoles is protobuf::framework::getRoles: `roles` for MULTI_ROLE
// frameworks, otherwise the single (deprecated) `role`, "*" when unset.
func frameworkRoles(fi *mesosproto.FrameworkInfo) []string {
	if hasCapability(fi, mesosproto.FrameworkInfo_Capability_MULTI_ROLE) {
		return append([]string(nil), fi.GetRoles()...)
	}
	//lint:ignore SA1019 FrameworkInfo.role is how non-MULTI_ROLE frameworks name their role
	return []string{fi.GetRole()}
}

// stringifySet renders a set as stout's stringify(std::set) does: "{ a, b }".
func stringifySet(items []string) string {
	s := append([]string(nil), items...)
	sort.Strings(s)
	return "{ " + strings.Join(s, ", ") + " }"
}

// validateFrameworkInfo follows Master::validateFramework and
// validation::framework::validate (src/master/master.cpp, src/master/validation.cpp).
// The completed-framework check is done by the caller.
func validateFrameworkInfo(fi *mesosproto.FrameworkInfo) error {
	multiRole := hasCapability(fi, mesosproto.FrameworkInfo_Capability_MULTI_ROLE)
	if multiRole {
		//lint:ignore SA1019 FrameworkInfo.role is how non-MULTI_ROLE frameworks name their role
		if fi.Role != nil {
			return mesosErr("'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable")
		}
		seen := map[string]bool{}
		var dups []string
		for _, r := range fi.GetRoles() {
			if seen[r] && !contains(dups, r) {
				dups = append(dups, r)
			}
			seen[r] = true
		}
		if len(dups) > 0 {
			return mesosErr("'FrameworkInfo.roles' contains duplicate items: " + stringifySet(dups))
		}
		for _, r := range fi.GetRoles() {
			if err := validateRole(r); err != nil {
				return mesosErr("'FrameworkInfo.roles' contains invalid role: " + err.Error())
			}
		}
	} else {
		if len(fi.GetRoles()) > 0 {
			return mesosErr("'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable")
		}
		//lint:ignore SA1019 FrameworkInfo.role is how non-MULTI_ROLE frameworks name their role
		if err := validateRole(fi.GetRole()); err != nil {
			return mesosErr("'FrameworkInfo.role' is not a valid role: " + err.Error())
		}
	}
	if id := fi.GetId().GetValue(); id != "" {
		if err := validateID(id); err != nil {
			return err
		}
	}
	if err := validateOfferFilters(fi); err != nil { // validate_common.go
		return err
	}
	if ft := fi.GetFailoverTimeout(); math.IsNaN(ft) || math.Abs(ft*1e9) >= math.MaxInt64 {
		return mesosErrf("The framework failover_timeout (%v) is invalid", ft)
	}
	return nil
}

// validateFrameworkUpdate is validation::framework::validateUpdate.
func validateFrameworkUpdate(old, nu *mesosproto.FrameworkInfo) error {
	if (old.Principal == nil) != (nu.Principal == nil) || old.GetPrincipal() != nu.GetPrincipal() {
		return mesosErr("Changing framework's principal is not allowed.")
	}
	if old.GetUser() != nu.GetUser() {
		return mesosErrf("Updating 'FrameworkInfo.user' is unsupported; attempted to update from '%s' to '%s'", old.GetUser(), nu.GetUser())
	}
	if old.GetCheckpoint() != nu.GetCheckpoint() {
		return mesosErrf("Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '%t' to '%t'", old.GetCheckpoint(), nu.GetCheckpoint())
	}
	return nil
}

// validateSuppressedAndConstraints is createAllocatorFrameworkOptions'
// validation (src/master/master.cpp): suppressed roles and constrained
// roles must be framework roles, and the constraints must compile
// (constraints.go). It returns the compiled constraints.
func validateSuppressedAndConstraints(roles []string, suppressed []string, oc *schedulerpb.OfferConstraints, maxRE2 int) (*constraintFilter, error) {
	var bad []string
	for _, r := range suppressed {
		if !contains(roles, r) && !contains(bad, r) {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		return nil, mesosErrf("Suppressed roles %s are not contained in the set of roles", stringifySet(bad))
	}
	keys := make([]string, 0, len(oc.GetRoleConstraints()))
	for r := range oc.GetRoleConstraints() {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	for _, r := range keys {
		if !contains(roles, r) {
			return nil, mesosErrf("Offer constraints specify `role_constraints` for a role '%s'not contained in the set of roles", r)
		}
	}
	f, err := compileOfferConstraints(oc, maxRE2)
	if err != nil {
		return nil, mesosErr("Offer constraints are not valid: " + err.Error())
	}
	return f, nil
}

// validateCall follows scheduler::call::validate (src/master/validation.cpp).
// Required fields were checked by the parser (step 6 of the handler).
func validateCall(c *schedulerpb.Call) error {
	if c.Type == nil {
		return mesosErr("Expecting 'type' to be present")
	}
	if c.GetType() == schedulerpb.Call_SUBSCRIBE {
		if c.Subscribe == nil {
			return mesosErr("Expecting 'subscribe' to be present")
		}
		if c.GetSubscribe().GetFrameworkInfo().GetId().GetValue() != c.GetFrameworkId().GetValue() {
			return mesosErr("'framework_id' differs from 'subscribe.framework_info.id'")
		}
		return nil
	}
	if c.FrameworkId == nil {
		return mesosErr("Expecting 'framework_id' to be present")
	}
	present := func(ok bool, name string) error {
		if !ok {
			return mesosErrf("Expecting '%s' to be present", name)
		}
		return nil
	}
	switch c.GetType() {
	case schedulerpb.Call_ACCEPT:
		return present(c.Accept != nil, "accept")
	case schedulerpb.Call_DECLINE:
		return present(c.Decline != nil, "decline")
	case schedulerpb.Call_ACCEPT_INVERSE_OFFERS:
		return present(c.AcceptInverseOffers != nil, "accept_inverse_offers")
	case schedulerpb.Call_DECLINE_INVERSE_OFFERS:
		return present(c.DeclineInverseOffers != nil, "decline_inverse_offers")
	case schedulerpb.Call_KILL:
		return present(c.Kill != nil, "kill")
	case schedulerpb.Call_SHUTDOWN:
		return present(c.Shutdown != nil, "shutdown")
	case schedulerpb.Call_ACKNOWLEDGE:
		if c.Acknowledge == nil {
			return present(false, "acknowledge")
		}
		if !validUUIDBytes(c.GetAcknowledge().GetUuid()) {
			return mesosErr("Not a valid UUID")
		}
	case schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		a := c.AcknowledgeOperationStatus
		if a == nil {
			return present(false, "acknowledge_operation_status")
		}
		if !validUUIDBytes(a.GetUuid()) {
			return mesosErr("Not a valid UUID")
		}
		if a.AgentId == nil {
			return mesosErr("Expecting 'agent_id' to be present")
		}
	case schedulerpb.Call_RECONCILE:
		return present(c.Reconcile != nil, "reconcile")
	case schedulerpb.Call_RECONCILE_OPERATIONS:
		return present(c.ReconcileOperations != nil, "reconcile_operations")
	case schedulerpb.Call_MESSAGE:
		return present(c.Message != nil, "message")
	case schedulerpb.Call_REQUEST:
		return present(c.Request != nil, "request")
	case schedulerpb.Call_UPDATE_FRAMEWORK:
		if c.UpdateFramework == nil {
			return present(false, "update_framework")
		}
		if c.GetFrameworkId().GetValue() != c.GetUpdateFramework().GetFrameworkInfo().GetId().GetValue() {
			return mesosErr("'framework_id' differs from 'update_framework.framework_info.id'")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mesosError carries a message Mesos sends verbatim (capitalised, sometimes
// ending in a period), so it is kept as is.
type mesosError string

func (e mesosError) Error() string { return string(e) }

func mesosErr(msg string) error { return mesosError(msg) }

func mesosErrf(format string, args ...any) error { return mesosError(fmt.Sprintf(format, args...)) }
