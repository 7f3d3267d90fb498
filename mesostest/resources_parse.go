// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// parseValue parses one value in Mesos's text syntax (src/common/values.cpp
// internal::values::parse): "[a-b, c-d]" ranges, "{x,y}" sets, a number for a
// scalar, anything else text.
func parseValue(text string) (*mesosproto.Value, error) {
	t := strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(t, "["):
		if !strings.HasSuffix(t, "]") {
			return nil, fmt.Errorf("expecting ranges to end with ']' in %q", text)
		}
		v := &mesosproto.Value{Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{}}
		body := strings.TrimSpace(t[1 : len(t)-1])
		if body == "" {
			return v, nil
		}
		for _, part := range strings.Split(body, ",") {
			b, e, ok := strings.Cut(strings.TrimSpace(part), "-")
			if !ok {
				return nil, fmt.Errorf("expecting one or more \"ranges\" in %q", text)
			}
			bv, err1 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
			ev, err2 := strconv.ParseUint(strings.TrimSpace(e), 10, 64)
			if err1 != nil || err2 != nil || bv > ev {
				return nil, fmt.Errorf("invalid range %q in %q", part, text)
			}
			v.Ranges.Range = append(v.Ranges.Range, &mesosproto.Value_Range{Begin: proto.Uint64(bv), End: proto.Uint64(ev)})
		}
		return v, nil
	case strings.HasPrefix(t, "{"):
		if !strings.HasSuffix(t, "}") {
			return nil, fmt.Errorf("expecting set to end with '}' in %q", text)
		}
		v := &mesosproto.Value{Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{}}
		for _, it := range strings.Split(t[1:len(t)-1], ",") {
			if it = strings.TrimSpace(it); it != "" {
				v.Set.Item = append(v.Set.Item, it)
			}
		}
		return v, nil
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return &mesosproto.Value{Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(f)}}, nil
	}
	return &mesosproto.Value{Type: mesosproto.Value_TEXT.Enum(), Text: &mesosproto.Value_Text{Value: proto.String(t)}}, nil
}

// ParseResources parses a resource string in the syntax of the agent's
// --resources flag (Resources::parse, src/common/resources.cpp):
// "cpus:4;mem:4096;disk:10000;ports:[31000-32000];gpus:1;disks:{a,b}", each
// name optionally followed by a static reservation "(role)". Repeated names
// add up. The result uses the pre-refinement format: role "*" when unreserved.
func ParseResources(text string) ([]*mesosproto.Resource, error) {
	rs, err := parseResourceString(text)
	if err != nil {
		return nil, err
	}
	return rs.toProto("", false), nil
}

func parseResourceString(text string) (resources, error) {
	out := resources{}
	for _, tok := range strings.Split(text, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, value, ok := strings.Cut(tok, ":")
		if !ok {
			return nil, fmt.Errorf("%w: bad value for resources, missing ':' within %q", ErrInvalidResources, tok)
		}
		name = strings.TrimSpace(name)
		role := "*"
		if i := strings.IndexByte(name, '('); i >= 0 {
			if !strings.HasSuffix(name, ")") {
				return nil, fmt.Errorf("%w: bad value for resources, bad role in %q", ErrInvalidResources, tok)
			}
			role = name[i+1 : len(name)-1]
			name = strings.TrimSpace(name[:i])
			if err := validateRole(role); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidResources, err)
			}
		}
		if name == "" {
			return nil, fmt.Errorf("%w: empty resource name in %q", ErrInvalidResources, tok)
		}
		v, err := parseValue(value)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResources, err)
		}
		rv := &rval{typ: v.GetType()}
		switch v.GetType() {
		case mesosproto.Value_SCALAR:
			if v.GetScalar().GetValue() < 0 {
				return nil, fmt.Errorf("%w: negative scalar in %q", ErrInvalidResources, tok)
			}
			rv.scalar = toMilli(v.GetScalar().GetValue())
		case mesosproto.Value_RANGES:
			for _, x := range v.GetRanges().GetRange() {
				rv.ranges = addRanges(rv.ranges, []rng{{x.GetBegin(), x.GetEnd()}})
			}
		case mesosproto.Value_SET:
			rv.set = map[string]struct{}{}
			for _, it := range v.GetSet().GetItem() {
				rv.set[it] = struct{}{}
			}
		default:
			return nil, fmt.Errorf("%w: bad value for resources, %q is not a scalar, ranges or set", ErrInvalidResources, tok)
		}
		if err := out.addOne(rkey{name: name, role: role}, rv); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResources, err)
		}
	}
	return out, nil
}

// ParseAttributes parses an attribute string in the syntax of the agent's
// --attributes flag (Attributes::parse, src/common/attributes.cpp):
// "rack:r1;zone:west;level:10;keys:[1000-1500];tags:{a,b}". Values that
// parse as numbers are SCALAR, "[..]" RANGES, "{..}" SET, anything else TEXT.
func ParseAttributes(text string) ([]*mesosproto.Attribute, error) {
	var out []*mesosproto.Attribute
	for _, tok := range strings.Split(text, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, value, ok := strings.Cut(tok, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%w: invalid attribute %q, expecting name:value", ErrInvalidResources, tok)
		}
		v, err := parseValue(value)
		if err != nil {
			return nil, fmt.Errorf("%w: attribute %q: %v", ErrInvalidResources, name, err)
		}
		out = append(out, &mesosproto.Attribute{
			Name:   proto.String(strings.TrimSpace(name)),
			Type:   v.Type,
			Scalar: v.Scalar,
			Ranges: v.Ranges,
			Set:    v.Set,
			Text:   v.Text,
		})
	}
	return out, nil
}
