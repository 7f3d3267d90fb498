// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"strings"
)

// ACLs is the configuration of Mesos's local authorizer, a master's --acls
// (include/mesos/authorizer/acls.proto), for the actions mesostest
// enforces. Each list is read in order: the first rule whose subject
// (principals) and object both match a request decides it; when none
// matches, Permissive decides. See [WithACLs] and [ParseACLs].
type ACLs struct {
	// Permissive is the answer when no rule matches; nil means true, the
	// default of ACLs.permissive.
	Permissive *bool
	// RegisterFrameworks: which principals may subscribe (and
	// UPDATE_FRAMEWORK) with which roles.
	RegisterFrameworks []RegisterFrameworkACL
	// RunTasks: which principals may launch tasks as which users.
	RunTasks []RunTaskACL
	// TeardownFrameworks: which principals may tear down (operator API
	// TEARDOWN, /teardown) the frameworks of which principals.
	TeardownFrameworks []TeardownFrameworkACL
}

// RegisterFrameworkACL is ACL.RegisterFramework. A role value ending in
// "/%" matches every role nested under its prefix ("a/%" matches "a/b" and
// "a/b/c", not "a"), as the local authorizer's hierarchical role rules do.
type RegisterFrameworkACL struct {
	Principals ACLEntity
	Roles      ACLEntity
}

// RunTaskACL is ACL.RunTask. The user of a task is its command's user, else
// its executor's command's user, else FrameworkInfo.user.
type RunTaskACL struct {
	Principals ACLEntity
	Users      ACLEntity
}

// TeardownFrameworkACL is ACL.TeardownFramework: FrameworkPrincipals are the
// principals of the frameworks that Principals may tear down.
type TeardownFrameworkACL struct {
	Principals          ACLEntity
	FrameworkPrincipals ACLEntity
}

// ACLEntityType is ACL.Entity.Type.
type ACLEntityType int

// The entity types. The zero value is SOME, as in Mesos.
const (
	ACLSome ACLEntityType = iota // the listed values
	ACLAny                       // anything, including no principal
	ACLNone                      // nothing; matches a request without a principal
)

// String returns SOME, ANY or NONE.
func (t ACLEntityType) String() string {
	switch t {
	case ACLSome:
		return "SOME"
	case ACLAny:
		return "ANY"
	case ACLNone:
		return "NONE"
	}
	return fmt.Sprintf("ACLEntityType(%d)", int(t))
}

// ACLEntity is ACL.Entity: a type and, for SOME, the values.
type ACLEntity struct {
	Type   ACLEntityType
	Values []string // used only when Type is ACLSome
}

// ACLValues is ACLEntity{Type: ACLSome, Values: values}.
func ACLValues(values ...string) ACLEntity { return ACLEntity{Values: values} }

// ACLAnything is ACLEntity{Type: ACLAny}.
func ACLAnything() ACLEntity { return ACLEntity{Type: ACLAny} }

// ACLNothing is ACLEntity{Type: ACLNone}.
func ACLNothing() ACLEntity { return ACLEntity{Type: ACLNone} }

// WithACLs turns on authorization, as a master started with --acls does
// (the local authorizer, src/authorizer/local/authorizer.cpp). Without it
// there is no authorizer and everything is allowed. With it:
//
//   - SUBSCRIBE: the framework's principal (FrameworkInfo.principal, filled
//     in from the authenticated one with [WithCredentials]) must be allowed
//     to register with every role it asks for; otherwise the stream gets
//     one ERROR event "Not authorized to register framework <id> with roles
//     { r1, r2 }" and ends (Master::_subscribe);
//   - UPDATE_FRAMEWORK: the same check, 403 with the same text;
//   - LAUNCH: a task whose user the principal may not run as gets
//     TASK_ERROR with REASON_TASK_UNAUTHORIZED (LAUNCH_GROUP: every task of
//     the group, REASON_TASK_GROUP_UNAUTHORIZED) (Master::_accept);
//   - operator TEARDOWN and /teardown: 403 with no body when the caller's
//     principal ([WithOperatorAuthentication]) may not tear down frameworks
//     of the framework's principal.
//
// A request without a principal is matched as ANY: only rules whose
// principals are ANY or NONE match it, and only ANY allows it. The value
// is copied; an invalid entity type is an ErrInvalidOption from NewServer.
func WithACLs(acls ACLs) Option {
	return func(c *config) {
		cp := acls.clone()
		c.auth.acls = &cp
	}
}

func (a ACLs) clone() ACLs {
	cp := ACLs{}
	if a.Permissive != nil {
		p := *a.Permissive
		cp.Permissive = &p
	}
	cpEntity := func(e ACLEntity) ACLEntity {
		return ACLEntity{Type: e.Type, Values: append([]string(nil), e.Values...)}
	}
	for _, r := range a.RegisterFrameworks {
		cp.RegisterFrameworks = append(cp.RegisterFrameworks, RegisterFrameworkACL{cpEntity(r.Principals), cpEntity(r.Roles)})
	}
	for _, r := range a.RunTasks {
		cp.RunTasks = append(cp.RunTasks, RunTaskACL{cpEntity(r.Principals), cpEntity(r.Users)})
	}
	for _, r := range a.TeardownFrameworks {
		cp.TeardownFrameworks = append(cp.TeardownFrameworks, TeardownFrameworkACL{cpEntity(r.Principals), cpEntity(r.FrameworkPrincipals)})
	}
	return cp
}

func (a *ACLs) validate() error {
	check := func(list string, i int, field string, e ACLEntity) error {
		if e.Type < ACLSome || e.Type > ACLNone {
			return fmt.Errorf("%w: WithACLs: %s[%d].%s: unknown entity type %d", ErrInvalidOption, list, i, field, int(e.Type))
		}
		return nil
	}
	var errs []error
	for i, r := range a.RegisterFrameworks {
		errs = append(errs, check("register_frameworks", i, "principals", r.Principals), check("register_frameworks", i, "roles", r.Roles))
	}
	for i, r := range a.RunTasks {
		errs = append(errs, check("run_tasks", i, "principals", r.Principals), check("run_tasks", i, "users", r.Users))
	}
	for i, r := range a.TeardownFrameworks {
		errs = append(errs, check("teardown_frameworks", i, "principals", r.Principals), check("teardown_frameworks", i, "framework_principals", r.FrameworkPrincipals))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *ACLs) permissive() bool { return a.Permissive == nil || *a.Permissive }

// aclRule is the local authorizer's GenericACL: subjects and objects.
type aclRule struct{ subjects, objects ACLEntity }

// subjectEntity is the request's subject: SOME principal, or ANY without
// one (LocalAuthorizerObjectApprover::approved).
func subjectEntity(principal *string) ACLEntity {
	if principal == nil {
		return ACLAnything()
	}
	return ACLValues(*principal)
}

// aclMatches is the local authorizer's match matrix: a NONE request
// matches only NONE, ANY matches ANY and NONE, SOME matches ANY, NONE and
// a SOME holding every requested value.
func aclMatches(request, acl ACLEntity) bool {
	switch request.Type {
	case ACLNone:
		return acl.Type == ACLNone
	case ACLAny:
		return acl.Type == ACLAny || acl.Type == ACLNone
	}
	return acl.Type != ACLSome || subset(request.Values, acl.Values)
}

// aclAllows is the local authorizer's allow matrix: NONE is allowed only by
// NONE, ANY only by ANY, SOME by ANY and by a SOME holding every value.
func aclAllows(request, acl ACLEntity) bool {
	switch request.Type {
	case ACLNone:
		return acl.Type == ACLNone
	case ACLAny:
		return acl.Type == ACLAny
	}
	switch acl.Type {
	case ACLAny:
		return true
	case ACLNone:
		return false
	}
	return subset(request.Values, acl.Values)
}

func subset(values, of []string) bool {
	for _, v := range values {
		found := false
		for _, w := range of {
			if v == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// approved is LocalAuthorizerObjectApprover::approved over a rule list:
// the first matching rule decides, else permissive.
func approved(rules []aclRule, subject, object ACLEntity, permissive bool) bool {
	for _, r := range rules {
		if aclMatches(subject, r.subjects) && aclMatches(object, r.objects) {
			return aclAllows(subject, r.subjects) && aclAllows(object, r.objects)
		}
	}
	return permissive
}

// approvedHierarchical is LocalHierarchicalRoleApprover::approved: a rule
// whose only object value ends in "/%" applies to roles nested under it
// and then matches the object as ANY would.
func approvedHierarchical(rules []aclRule, subject, object ACLEntity, permissive bool) bool {
	for _, r := range rules {
		recursive := len(r.objects.Values) == 1 && strings.HasSuffix(r.objects.Values[0], "/%")
		if !recursive {
			if aclMatches(subject, r.subjects) && aclMatches(object, r.objects) {
				return aclAllows(subject, r.subjects) && aclAllows(object, r.objects)
			}
			continue
		}
		prefix := strings.TrimSuffix(r.objects.Values[0], "%")
		if object.Type == ACLSome && strings.HasPrefix(object.Values[0], prefix) {
			if aclMatches(subject, r.subjects) {
				return aclAllows(subject, r.subjects) // the object against ANY: always allowed
			}
		}
	}
	return permissive
}

// registerRules is createHierarchicalRoleACLs: a SOME rule is split into
// one rule per recursive value and one for the other values.
func (a *ACLs) registerRules() []aclRule {
	var rules []aclRule
	for _, r := range a.RegisterFrameworks {
		if r.Roles.Type != ACLSome {
			rules = append(rules, aclRule{r.Principals, r.Roles})
			continue
		}
		var plain []string
		for _, v := range r.Roles.Values {
			if strings.HasSuffix(v, "/%") {
				rules = append(rules, aclRule{r.Principals, ACLValues(v)})
			} else {
				plain = append(plain, v)
			}
		}
		if len(plain) > 0 {
			rules = append(rules, aclRule{r.Principals, ACLValues(plain...)})
		}
	}
	return rules
}

// mayRegister reports whether principal may register with every one of
// roles (REGISTER_FRAMEWORK: one object per role, all must be approved; no
// role at all is decided by permissive).
func (a *ACLs) mayRegister(principal *string, roles []string) bool {
	rules := a.registerRules()
	subject := subjectEntity(principal)
	for _, role := range roles {
		if !approvedHierarchical(rules, subject, ACLValues(role), a.permissive()) {
			return false
		}
	}
	if len(roles) == 0 {
		return a.permissive()
	}
	return true
}

// mayRunAs reports whether principal may launch a task as user.
func (a *ACLs) mayRunAs(principal *string, user string) bool {
	rules := make([]aclRule, 0, len(a.RunTasks))
	for _, r := range a.RunTasks {
		rules = append(rules, aclRule{r.Principals, r.Users})
	}
	return approved(rules, subjectEntity(principal), ACLValues(user), a.permissive())
}

// mayTeardown reports whether principal may tear down a framework whose
// principal is frameworkPrincipal (nil: the framework has none, and the
// object is ANY, as Master::Http::_teardown leaves it unset).
func (a *ACLs) mayTeardown(principal, frameworkPrincipal *string) bool {
	rules := make([]aclRule, 0, len(a.TeardownFrameworks))
	for _, r := range a.TeardownFrameworks {
		rules = append(rules, aclRule{r.Principals, r.FrameworkPrincipals})
	}
	object := ACLAnything()
	if frameworkPrincipal != nil {
		object = ACLValues(*frameworkPrincipal)
	}
	return approved(rules, subjectEntity(principal), object, a.permissive())
}
