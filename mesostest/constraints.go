// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Offer constraints (docs/PROTOCOL.md §3), as the allocator
// applies them (src/master/allocator/mesos/offer_constraints_filter.cpp):
// per role, a list of groups that are OR-ed, each a list of attribute
// constraints that are AND-ed. An agent that satisfies no group of a role
// gets no offer for that role. Roles without constraints are not
// filtered. Go's regexp implements RE2 syntax; text_matches is a full match.

// constraintFilter is a compiled OfferConstraints (OfferConstraintsFilter).
type constraintFilter struct {
	roles map[string][][]attrConstraint
}

type attrConstraint struct {
	pseudo schedulerpb.AttributeConstraint_Selector_PseudoattributeType // 0 when by name
	name   string
	pred   predicate
}

type predicateKind int

const (
	predExists predicateKind = iota
	predNotExists
	predTextEquals
	predTextNotEquals
	predTextMatches
	predTextNotMatches
)

type predicate struct {
	kind  predicateKind
	value string
	re    *regexp.Regexp
}

// compileOfferConstraints is OfferConstraintsFilter::create: the errors
// are those of Mesos, which the callers prefix with "Offer constraints are
// not valid: ". A nil or empty oc gives a filter that excludes nothing.
func compileOfferConstraints(oc *schedulerpb.OfferConstraints, maxProgramSize int) (*constraintFilter, error) {
	f := &constraintFilter{roles: map[string][][]attrConstraint{}}
	roles := make([]string, 0, len(oc.GetRoleConstraints()))
	for r := range oc.GetRoleConstraints() {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, role := range roles {
		rc := oc.GetRoleConstraints()[role]
		if len(rc.GetGroups()) == 0 {
			return nil, mesosErr("'OfferConstraints::role_constraints' has an empty 'RoleConstraints::groups' for role " + role)
		}
		var groups [][]attrConstraint
		for _, g := range rc.GetGroups() {
			if len(g.GetAttributeConstraints()) == 0 {
				// Sic: Mesos's message lacks the space before "contains".
				return nil, mesosErr("'OfferConstraints::RoleConstraints::groups' for role " + role + "contains an empty RoleConstraints::Group")
			}
			var group []attrConstraint
			for _, ac := range g.GetAttributeConstraints() {
				c, err := compileAttributeConstraint(ac, maxProgramSize)
				if err != nil {
					return nil, mesosErr("A role " + role + " has an invalid 'AttributeConstraint': " + err.Error())
				}
				group = append(group, c)
			}
			groups = append(groups, group)
		}
		f.roles[role] = groups
	}
	return f, nil
}

func compileAttributeConstraint(ac *schedulerpb.AttributeConstraint, maxProgramSize int) (attrConstraint, error) {
	var c attrConstraint
	switch sel := ac.GetSelector().GetSelector().(type) {
	case *schedulerpb.AttributeConstraint_Selector_PseudoattributeType_:
		switch sel.PseudoattributeType {
		case schedulerpb.AttributeConstraint_Selector_HOSTNAME, schedulerpb.AttributeConstraint_Selector_REGION,
			schedulerpb.AttributeConstraint_Selector_ZONE:
			c.pseudo = sel.PseudoattributeType
		default:
			return c, mesosErr("Unknown pseudoattribute type")
		}
	case *schedulerpb.AttributeConstraint_Selector_AttributeName:
		c.name = sel.AttributeName
	default:
		return c, mesosErr("Exactly one of 'AttributeConstraint::Selector::name' or 'AttributeConstraint::Selector::pseudoattribute_type' must be set")
	}
	p := ac.GetPredicate()
	var err error
	switch p.GetPredicate().(type) {
	case *schedulerpb.AttributeConstraint_Predicate_Exists_:
		c.pred = predicate{kind: predExists}
	case *schedulerpb.AttributeConstraint_Predicate_NotExists_:
		c.pred = predicate{kind: predNotExists}
	case *schedulerpb.AttributeConstraint_Predicate_TextEquals_:
		c.pred = predicate{kind: predTextEquals, value: p.GetTextEquals().GetValue()}
	case *schedulerpb.AttributeConstraint_Predicate_TextNotEquals_:
		c.pred = predicate{kind: predTextNotEquals, value: p.GetTextNotEquals().GetValue()}
	case *schedulerpb.AttributeConstraint_Predicate_TextMatches_:
		c.pred = predicate{kind: predTextMatches}
		c.pred.re, err = compileRE2(p.GetTextMatches().GetRegex(), maxProgramSize)
	case *schedulerpb.AttributeConstraint_Predicate_TextNotMatches_:
		c.pred = predicate{kind: predTextNotMatches}
		c.pred.re, err = compileRE2(p.GetTextNotMatches().GetRegex(), maxProgramSize)
	default:
		return c, mesosErr("Unknown predicate type")
	}
	return c, err
}

// compileRE2 is createRE2: the pattern must compile and its program must
// not exceed the size limit. The pattern is anchored, as RE2::FullMatch is.
func compileRE2(pattern string, maxProgramSize int) (*regexp.Regexp, error) {
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, mesosErr("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return nil, mesosErr("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
	}
	if n := len(prog.Inst); n > maxProgramSize {
		return nil, mesosErr("Regex '" + pattern + "' is too complex: program size of " + strconv.Itoa(n) +
			" is larger than maximum of " + strconv.Itoa(maxProgramSize) + " allowed")
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return nil, mesosErr("Failed to construct regex from pattern '" + pattern + "': " + err.Error())
	}
	return re, nil
}

// excludes is OfferConstraintsFilter::isAgentExcluded: whether agent a
// satisfies no constraint group of role. A nil filter excludes nothing.
func (f *constraintFilter) excludes(role string, a *agent) bool {
	if f == nil {
		return false
	}
	groups, ok := f.roles[role]
	if !ok {
		return false
	}
	for _, g := range groups {
		all := true
		for _, c := range g {
			if !c.holds(a) {
				all = false
				break
			}
		}
		if all {
			return false
		}
	}
	return true
}

// holds evaluates one constraint on an agent (AttributeConstraintEvaluator).
func (c attrConstraint) holds(a *agent) bool {
	switch c.pseudo {
	case schedulerpb.AttributeConstraint_Selector_HOSTNAME:
		return c.pred.onString(a.hostname)
	case schedulerpb.AttributeConstraint_Selector_REGION, schedulerpb.AttributeConstraint_Selector_ZONE:
		// Agents here have no fault domain: the pseudo-attribute does not exist.
		return c.pred.onMissing()
	}
	for _, attr := range a.attributes {
		if attr.GetName() == c.name {
			return c.pred.onAttribute(attr)
		}
	}
	return c.pred.onMissing()
}

// onMissing applies the predicate to a (pseudo-)attribute the agent lacks.
func (p predicate) onMissing() bool {
	switch p.kind {
	case predNotExists, predTextNotEquals, predTextNotMatches:
		return true
	}
	return false
}

// onString applies the predicate to a pseudo-attribute's value.
func (p predicate) onString(s string) bool {
	switch p.kind {
	case predExists:
		return true
	case predNotExists:
		return false
	case predTextEquals:
		return s == p.value
	case predTextNotEquals:
		return s != p.value
	case predTextMatches:
		return p.re.MatchString(s)
	case predTextNotMatches:
		return !p.re.MatchString(s)
	}
	return false
}

// onAttribute applies the predicate to a named attribute: attributes that
// are not TEXT satisfy every text predicate.
func (p predicate) onAttribute(attr *mesosproto.Attribute) bool {
	switch p.kind {
	case predExists:
		return true
	case predNotExists:
		return false
	}
	if attr.GetType() != mesosproto.Value_TEXT {
		return true
	}
	return p.onString(attr.GetText().GetValue())
}
