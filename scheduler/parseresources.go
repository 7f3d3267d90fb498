// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// ErrBadResources is wrapped by every error of ParseResources.
var ErrBadResources = errors.New("scheduler: bad resources")

// maxResourceText bounds what ParseResources reads: resource strings are typed by people.
const maxResourceText = 1 << 20

// ParseResources parses resources written as Mesos's command-line tools take them (an agent's --resources,
// mesos-execute's --resources): Resources::parse in src/common/resources.cpp, whose values are parsed by
// internal::values::parse in src/common/values.cpp. Two forms are accepted:
//
//   - text, "name(role):value;name:value;…": a scalar ("cpus:1.5"), ranges ("ports:[31000-32000,33000-33010]")
//     or a set ("disks:{a,b}"); "(role)" reserves the resource statically for role, "(*)" or none leaves it
//     unreserved; spaces inside a value are ignored and empty ";" entries skipped;
//   - a JSON array of Resource objects, as Mesos's JSON ([{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]).
//
// As Mesos does, it refuses negative, infinite, NaN and subnormal scalars, text values, inverted or overlapping
// ranges, duplicate set items, a name used with two types, and, in JSON, revocable resources, persistent volumes
// and dynamic reservations; it merges entries of the same kind ("cpus:1;cpus:2" is 3 cpus) and drops empty
// ones ("cpus:0"). Errors wrap ErrBadResources and quote the offending entry.
func ParseResources(text string) (Resources, error) {
	if len(text) > maxResourceText {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadResources, maxResourceText)
	}
	var list []*mesosproto.Resource
	var err error
	if raw, isJSON := jsonArray(text); isJSON {
		list, err = resourcesFromJSON(raw)
	} else {
		list, err = resourcesFromText(text)
	}
	if err != nil {
		return nil, err
	}
	types := map[string]mesosproto.Value_Type{}
	for _, r := range list {
		if err := validateParsed(r); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadResources, r.GetName(), err)
		}
		if t, seen := types[r.GetName()]; seen && t != r.GetType() {
			// validateCommandLineResources in src/common/resources.cpp.
			return nil, fmt.Errorf("%w: %q is used with two types, %s and %s", ErrBadResources, r.GetName(), t, r.GetType())
		}
		types[r.GetName()] = r.GetType()
	}
	return Resources(nil).Add(list...), nil
}

// jsonArray reports whether text is a JSON array (Resources::fromString tries JSON first).
func jsonArray(text string) ([]json.RawMessage, bool) {
	var raw []json.RawMessage
	if !strings.HasPrefix(strings.TrimSpace(text), "[") || json.Unmarshal([]byte(text), &raw) != nil {
		return nil, false
	}
	return raw, true
}

// resourcesFromJSON is Resources::fromJSON: each element is a Resource in protobuf's JSON mapping.
func resourcesFromJSON(raw []json.RawMessage) ([]*mesosproto.Resource, error) {
	list := make([]*mesosproto.Resource, 0, len(raw))
	for i, m := range raw {
		r := &mesosproto.Resource{}
		if err := protojson.Unmarshal(m, r); err != nil {
			return nil, fmt.Errorf("%w: element %d of the JSON array: %w", ErrBadResources, i, err)
		}
		// upgradeResource: the pre-refinement role ("*" is none) becomes the reservations stack.
		r.Reservations = reservationsOf(r)
		//lint:ignore SA1019 clearing the deprecated pre-refinement fields, now in Reservations
		r.Role, r.Reservation = nil, nil
		switch {
		case r.GetRevocable() != nil:
			return nil, fmt.Errorf("%w: %s: revocable resources cannot be given here", ErrBadResources, r.GetName())
		case r.GetDisk().GetPersistence() != nil:
			return nil, fmt.Errorf("%w: %s: persistent volumes cannot be given here", ErrBadResources, r.GetName())
		case slices.ContainsFunc(r.Reservations, func(ri *mesosproto.Resource_ReservationInfo) bool {
			return ri.GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC
		}):
			return nil, fmt.Errorf("%w: %s: dynamic reservations cannot be given here", ErrBadResources, r.GetName())
		}
		list = append(list, r)
	}
	return list, nil
}

// resourcesFromText is Resources::fromSimpleString.
func resourcesFromText(text string) ([]*mesosproto.Resource, error) {
	var list []*mesosproto.Resource
	for _, entry := range strings.Split(text, ";") {
		if entry == "" {
			continue // strings::tokenize skips empty tokens
		}
		pair := nonEmpty(strings.Split(entry, ":"))
		if len(pair) != 2 {
			return nil, fmt.Errorf("%w: missing or extra ':' in %q", ErrBadResources, entry)
		}
		name, role := strings.TrimSpace(pair[0]), "*"
		if open := strings.IndexByte(pair[0], '('); open >= 0 {
			closing := strings.IndexByte(pair[0], ')')
			if closing < open {
				return nil, fmt.Errorf("%w: mismatched parentheses in %q", ErrBadResources, entry)
			}
			name, role = strings.TrimSpace(pair[0][:open]), strings.TrimSpace(pair[0][open+1:closing])
		}
		r, err := parseValue(name, pair[1])
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrBadResources, entry, err)
		}
		if role != "*" {
			r.Reservations = []*mesosproto.Resource_ReservationInfo{{
				Type: mesosproto.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String(role),
			}}
		}
		list = append(list, r)
	}
	return list, nil
}

func nonEmpty(parts []string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseValue is internal::values::parse in src/common/values.cpp, limited to the types a resource can have.
func parseValue(name, text string) (*mesosproto.Resource, error) {
	v := strings.ReplaceAll(text, " ", "")
	r := &mesosproto.Resource{Name: proto.String(name)}
	switch {
	case v == "":
		return nil, errors.New("expecting a non-empty value")
	case !bracketsMatch(v, '{', '}') || !bracketsMatch(v, '[', ']') || !bracketsMatch(v, '(', ')'):
		return nil, errors.New("mismatched brackets")
	case v[0] == '[':
		ranges, err := parseRanges(v)
		if err != nil {
			return nil, err
		}
		r.Type, r.Ranges = mesosproto.Value_RANGES.Enum(), ranges
	case strings.ContainsRune(v, '['):
		return nil, errors.New("unexpected '['")
	case v[0] == '{':
		r.Type, r.Set = mesosproto.Value_SET.Enum(), &mesosproto.Value_Set{Item: nonEmpty(strings.FieldsFunc(v, func(c rune) bool {
			return c == '{' || c == '}' || c == ',' || c == '\n'
		}))}
	case strings.ContainsRune(v, '{'):
		return nil, errors.New("unexpected '{'")
	default:
		f, err := parseScalar(v)
		if err != nil {
			return nil, err
		}
		r.Type, r.Scalar = mesosproto.Value_SCALAR.Enum(), &mesosproto.Value_Scalar{Value: proto.Float64(f)}
	}
	return r, nil
}

func parseScalar(v string) (float64, error) {
	if strings.ContainsAny(v, "xXpP_") { // hexadecimal floats and digit separators are Go's, not Mesos's
		return 0, fmt.Errorf("%q is not a number (a text value, which resources cannot have)", v)
	}
	f, err := strconv.ParseFloat(v, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is not a number (a text value, which resources cannot have)", v)
	case math.IsInf(f, 0) || math.IsNaN(f):
		return 0, fmt.Errorf("%q: unsupported floating point value", v)
	case f < 0:
		return 0, fmt.Errorf("%q: negative values are not supported", v)
	case f != 0 && f < 0x1p-1022:
		return 0, fmt.Errorf("%q: subnormal values are not supported", v)
	}
	return f, nil
}

// parseRanges reads "[a-b,c-d]", coalescing the ranges (values.cpp coalesce(Value::Ranges*)).
func parseRanges(v string) (*mesosproto.Value_Ranges, error) {
	tokens := strings.FieldsFunc(v, func(c rune) bool { return c == '[' || c == ']' || c == '-' || c == ',' || c == '\n' })
	if len(tokens)%2 != 0 {
		return nil, errors.New("expecting one or more ranges begin-end")
	}
	pairs := make([][2]uint64, 0, len(tokens)/2)
	for i := 0; i < len(tokens); i += 2 {
		b, err1 := strconv.ParseUint(tokens[i], 10, 64)
		e, err2 := strconv.ParseUint(tokens[i+1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("expecting non-negative integers in %q", tokens[i]+"-"+tokens[i+1])
		}
		if b > e {
			return nil, fmt.Errorf("range %d-%d: begin > end", b, e)
		}
		pairs = append(pairs, [2]uint64{b, e})
	}
	return rangesProto(normRanges(pairs)), nil
}

// bracketsMatch is strings::checkBracketsMatching of stout: never more closing than opening, equal at the end.
func bracketsMatch(s string, open, closing byte) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case closing:
			if depth--; depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// validateParsed is Resources::validate for one parsed resource.
func validateParsed(r *mesosproto.Resource) error {
	if r.GetName() == "" {
		return errors.New("empty resource name")
	}
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		if r.Scalar == nil || r.Ranges != nil || r.Set != nil {
			return errors.New("invalid scalar resource")
		}
		if f := r.GetScalar().GetValue(); f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("invalid scalar value")
		}
	case mesosproto.Value_RANGES:
		if r.Scalar != nil || r.Ranges == nil || r.Set != nil {
			return errors.New("invalid ranges resource")
		}
		rs := r.GetRanges().GetRange()
		for i, a := range rs {
			if a.GetBegin() > a.GetEnd() {
				return errors.New("range with begin > end")
			}
			for _, b := range rs[i+1:] {
				if a.GetBegin() <= b.GetBegin() && b.GetBegin() <= a.GetEnd() {
					return errors.New("overlapping ranges")
				}
			}
		}
	case mesosproto.Value_SET:
		if r.Scalar != nil || r.Ranges != nil || r.Set == nil {
			return errors.New("invalid set resource")
		}
		seen := map[string]bool{}
		for _, it := range r.GetSet().GetItem() {
			if seen[it] {
				return fmt.Errorf("duplicate item %q", it)
			}
			seen[it] = true
		}
	default:
		return fmt.Errorf("type %s is not allowed for resources", r.GetType())
	}
	return nil
}
