// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests set the deprecated single role of frameworks without MULTI_ROLE

package mesostest

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Constraint builders for tests.
func byName(name string) *schedulerpb.AttributeConstraint_Selector {
	return &schedulerpb.AttributeConstraint_Selector{Selector: &schedulerpb.AttributeConstraint_Selector_AttributeName{AttributeName: name}}
}

func byPseudo(t schedulerpb.AttributeConstraint_Selector_PseudoattributeType) *schedulerpb.AttributeConstraint_Selector {
	return &schedulerpb.AttributeConstraint_Selector{Selector: &schedulerpb.AttributeConstraint_Selector_PseudoattributeType_{PseudoattributeType: t}}
}

func pExists() *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_Exists_{Exists: &schedulerpb.AttributeConstraint_Predicate_Exists{}}}
}

func pNotExists() *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_NotExists_{NotExists: &schedulerpb.AttributeConstraint_Predicate_NotExists{}}}
}

func pEquals(v string) *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_TextEquals_{
		TextEquals: &schedulerpb.AttributeConstraint_Predicate_TextEquals{Value: proto.String(v)}}}
}

func pNotEquals(v string) *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_TextNotEquals_{
		TextNotEquals: &schedulerpb.AttributeConstraint_Predicate_TextNotEquals{Value: proto.String(v)}}}
}

func pMatches(re string) *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_TextMatches_{
		TextMatches: &schedulerpb.AttributeConstraint_Predicate_TextMatches{Regex: proto.String(re)}}}
}

func pNotMatches(re string) *schedulerpb.AttributeConstraint_Predicate {
	return &schedulerpb.AttributeConstraint_Predicate{Predicate: &schedulerpb.AttributeConstraint_Predicate_TextNotMatches_{
		TextNotMatches: &schedulerpb.AttributeConstraint_Predicate_TextNotMatches{Regex: proto.String(re)}}}
}

func ac(sel *schedulerpb.AttributeConstraint_Selector, p *schedulerpb.AttributeConstraint_Predicate) *schedulerpb.AttributeConstraint {
	return &schedulerpb.AttributeConstraint{Selector: sel, Predicate: p}
}

// constraints builds OfferConstraints for one role from groups of constraints.
func constraints(role string, groups ...[]*schedulerpb.AttributeConstraint) *schedulerpb.OfferConstraints {
	rc := &schedulerpb.OfferConstraints_RoleConstraints{}
	for _, g := range groups {
		rc.Groups = append(rc.Groups, &schedulerpb.OfferConstraints_RoleConstraints_Group{AttributeConstraints: g})
	}
	return &schedulerpb.OfferConstraints{RoleConstraints: map[string]*schedulerpb.OfferConstraints_RoleConstraints{role: rc}}
}

func group(cs ...*schedulerpb.AttributeConstraint) []*schedulerpb.AttributeConstraint { return cs }

// The predicates and selectors of §1.11 on one agent, one at a time:
// missing attributes, pseudo-attributes, non-TEXT attributes that satisfy
// every text predicate, full-match regexes, groups OR-ed, constraints AND-ed.
func TestOfferConstraintsEvaluation(t *testing.T) {
	attrs, err := ParseAttributes("rack:r1;level:3;zone:west")
	if err != nil {
		t.Fatal(err)
	}
	a := &agent{hostname: "node-7.example", attributes: attrs}
	host := byPseudo(schedulerpb.AttributeConstraint_Selector_HOSTNAME)
	region := byPseudo(schedulerpb.AttributeConstraint_Selector_REGION)
	for _, tc := range []struct {
		name   string
		groups [][]*schedulerpb.AttributeConstraint
		offer  bool
	}{
		{"exists", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pExists()))}, true},
		{"exists missing", [][]*schedulerpb.AttributeConstraint{group(ac(byName("gpu"), pExists()))}, false},
		{"not_exists", [][]*schedulerpb.AttributeConstraint{group(ac(byName("gpu"), pNotExists()))}, true},
		{"not_exists present", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pNotExists()))}, false},
		{"text_equals", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pEquals("r1")))}, true},
		{"text_equals other", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pEquals("r2")))}, false},
		{"text_equals missing", [][]*schedulerpb.AttributeConstraint{group(ac(byName("gpu"), pEquals("x")))}, false},
		{"text_not_equals missing", [][]*schedulerpb.AttributeConstraint{group(ac(byName("gpu"), pNotEquals("x")))}, true},
		{"text_not_equals", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pNotEquals("r1")))}, false},
		{"scalar satisfies text_equals", [][]*schedulerpb.AttributeConstraint{group(ac(byName("level"), pEquals("nope")))}, true},
		{"scalar satisfies text_not_matches", [][]*schedulerpb.AttributeConstraint{group(ac(byName("level"), pNotMatches(".*")))}, true},
		{"text_matches is a full match", [][]*schedulerpb.AttributeConstraint{group(ac(byName("zone"), pMatches("wes")))}, false},
		{"text_matches", [][]*schedulerpb.AttributeConstraint{group(ac(byName("zone"), pMatches("w.*t")))}, true},
		{"text_not_matches", [][]*schedulerpb.AttributeConstraint{group(ac(byName("zone"), pNotMatches("e.*")))}, true},
		{"hostname equals", [][]*schedulerpb.AttributeConstraint{group(ac(host, pEquals("node-7.example")))}, true},
		{"hostname matches", [][]*schedulerpb.AttributeConstraint{group(ac(host, pMatches(`node-[0-9]+\.example`)))}, true},
		{"hostname not_matches", [][]*schedulerpb.AttributeConstraint{group(ac(host, pNotMatches(`node-.*`)))}, false},
		{"no region: not_exists", [][]*schedulerpb.AttributeConstraint{group(ac(region, pNotExists()))}, true},
		{"no region: text_equals", [][]*schedulerpb.AttributeConstraint{group(ac(region, pEquals("eu")))}, false},
		{"AND within a group", [][]*schedulerpb.AttributeConstraint{group(ac(byName("rack"), pEquals("r1")), ac(byName("zone"), pEquals("east")))}, false},
		{"OR across groups", [][]*schedulerpb.AttributeConstraint{
			group(ac(byName("zone"), pEquals("east"))),
			group(ac(byName("rack"), pEquals("r1")), ac(host, pExists())),
		}, true},
	} {
		f, err := compileOfferConstraints(constraints("web", tc.groups...), DefaultOfferConstraintsRE2MaxProgramSize)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := !f.excludes("web", a); got != tc.offer {
			t.Errorf("%s: offered = %v, want %v", tc.name, got, tc.offer)
		}
		if f.excludes("other", a) {
			t.Errorf("%s: a role without constraints is filtered", tc.name)
		}
	}

	// Invalid constraints, with Mesos's messages.
	for _, tc := range []struct {
		oc   *schedulerpb.OfferConstraints
		want string
	}{
		{constraints("web"), "'OfferConstraints::role_constraints' has an empty 'RoleConstraints::groups' for role web"},
		{constraints("web", group()), "'OfferConstraints::RoleConstraints::groups' for role webcontains an empty RoleConstraints::Group"},
		{constraints("web", group(ac(&schedulerpb.AttributeConstraint_Selector{}, pExists()))),
			"A role web has an invalid 'AttributeConstraint': Exactly one of 'AttributeConstraint::Selector::name' or 'AttributeConstraint::Selector::pseudoattribute_type' must be set"},
		{constraints("web", group(ac(byPseudo(schedulerpb.AttributeConstraint_Selector_UNKNOWN), pExists()))),
			"A role web has an invalid 'AttributeConstraint': Unknown pseudoattribute type"},
		{constraints("web", group(ac(byName("x"), &schedulerpb.AttributeConstraint_Predicate{}))),
			"A role web has an invalid 'AttributeConstraint': Unknown predicate type"},
		{constraints("web", group(ac(byName("x"), pMatches("(")))),
			"A role web has an invalid 'AttributeConstraint': Failed to construct regex from pattern '(': "},
		{constraints("web", group(ac(byName("x"), pMatches(strings.Repeat("a", 200))))),
			"A role web has an invalid 'AttributeConstraint': Regex '" + strings.Repeat("a", 200) + "' is too complex: program size of "},
	} {
		_, err := compileOfferConstraints(tc.oc, DefaultOfferConstraintsRE2MaxProgramSize)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("compile error %v, want prefix %q", err, tc.want)
		}
	}
}

// End to end: constraints given at SUBSCRIBE filter the offers; those of
// UPDATE_FRAMEWORK replace them; invalid ones are an ERROR event or a 400.
func TestOfferConstraintsFilterOffers(t *testing.T) {
	// Allocation only when something happens (subscription, update), so
	// that each OFFERS event answers one change.
	srv := newServer(t, WithAllocationInterval(time.Hour),
		WithAgent(AgentConfig{Hostname: "alpha", Attributes: "rack:r1"}),
		WithAgent(AgentConfig{Hostname: "beta", Attributes: "rack:r2"}))
	c := newClient(t, srv, codecs[0])
	fi := frameworkInfo("constrained")
	fi.Role = proto.String("web")
	call := subscribeCall(fi)
	call.Subscribe.OfferConstraints = constraints("web", group(ac(byName("rack"), pEquals("r2"))))
	s := c.open(call)
	s.fwID = s.next(schedulerpb.Event_SUBSCRIBED).GetSubscribed().GetFrameworkId().GetValue()
	hosts := func(offers []*mesosproto.Offer) []string {
		var out []string
		for _, o := range offers {
			out = append(out, o.GetHostname())
		}
		return out
	}
	if h := hosts(s.offers()); len(h) != 1 || h[0] != "beta" {
		t.Fatalf("offered hosts %v, want only beta (alpha is excluded by rack:r2)", h)
	}
	if st, _ := srv.Framework(s.fwID); st.Offers != 1 {
		t.Fatalf("%d outstanding offers, want 1", st.Offers)
	}

	// UPDATE_FRAMEWORK replaces the constraints: alpha, by hostname, is
	// offered now (beta's resources are still in the outstanding offer).
	uf := &schedulerpb.Call{Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &schedulerpb.Call_UpdateFramework{
		FrameworkInfo:    fi2(fi, s.fwID),
		OfferConstraints: constraints("web", group(ac(byPseudo(schedulerpb.AttributeConstraint_Selector_HOSTNAME), pEquals("alpha")))),
	}}
	s.mustCall(uf, 200)
	if h := hosts(s.offers()); len(h) != 1 || h[0] != "alpha" {
		t.Fatalf("offered hosts %v after the update, want alpha", h)
	}

	// Invalid constraints: 400 on UPDATE_FRAMEWORK, ERROR on SUBSCRIBE.
	uf.UpdateFramework.OfferConstraints = constraints("web", group(ac(byName("rack"), pMatches("["))))
	r := s.call(uf)
	if r.status != 400 || !strings.HasPrefix(r.body, "'UpdateFramework' call is not valid: Offer constraints are not valid: A role web has an invalid 'AttributeConstraint': Failed to construct regex from pattern '[': ") {
		t.Errorf("UPDATE_FRAMEWORK with a bad regex: %d %q", r.status, r.body)
	}
	bad := subscribeCall(frameworkInfo("bad"))
	bad.Subscribe.OfferConstraints = constraints("*", group())
	evs, _ := c.open(bad).waitEnd()
	if len(evs) != 1 || evs[0].GetError().GetMessage() != "Offer constraints are not valid: 'OfferConstraints::RoleConstraints::groups' for role *contains an empty RoleConstraints::Group" {
		t.Errorf("SUBSCRIBE with an empty group: %v", evs)
	}
}
