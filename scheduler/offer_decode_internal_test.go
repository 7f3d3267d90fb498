// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/testevents"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// refDecode is what the Client's decoder (fastpb) equals.
var refDecode = proto.UnmarshalOptions{AllowPartial: true}

// sameMessage reports whether x and y are equal: proto.Equal, or, for
// messages holding a NaN (which proto.Equal never finds equal), the same
// deterministic encoding.
func sameMessage(x, y proto.Message) bool {
	if proto.Equal(x, y) {
		return true
	}
	opts := proto.MarshalOptions{AllowPartial: true, Deterministic: true}
	a, err1 := opts.Marshal(x)
	b, err2 := opts.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// sameFloat compares scalars bit for bit (NaNs included).
func sameFloat(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }

// checkOffer reports how got differs from the reference offer want, "" when
// it does not: Proto and every plain field against want's getters.
func checkOffer(got *Offer, want *mesosproto.Offer) string {
	if p := got.Proto(); !sameMessage(p, want) {
		return fmt.Sprintf("Proto:\n got %v\nwant %v", p, want)
	}
	if got.ID != want.GetId().GetValue() || got.FrameworkID != want.GetFrameworkId().GetValue() ||
		got.AgentID != want.GetAgentId().GetValue() || got.Hostname != want.GetHostname() ||
		got.AllocationRole != want.GetAllocationInfo().GetRole() {
		return fmt.Sprintf("fields: got %q %q %q %q %q", got.ID, got.FrameworkID, got.AgentID, got.Hostname, got.AllocationRole)
	}
	if len(got.ExecutorIDs) != len(want.GetExecutorIds()) {
		return fmt.Sprintf("executor IDs: got %q", got.ExecutorIDs)
	}
	for i, id := range want.GetExecutorIds() {
		if got.ExecutorIDs[i] != id.GetValue() {
			return fmt.Sprintf("executor ID %d: got %q", i, got.ExecutorIDs[i])
		}
	}
	if len(got.Resources) != len(want.GetResources()) || len(got.Attributes) != len(want.GetAttributes()) {
		return fmt.Sprintf("got %d resources, %d attributes", len(got.Resources), len(got.Attributes))
	}
	if rs := got.ProtoResources(); len(rs) != len(want.GetResources()) {
		return fmt.Sprintf("ProtoResources: %d", len(rs))
	}
	for i, w := range want.GetResources() {
		r := &got.Resources[i]
		if p := r.Proto(); !sameMessage(p, w) {
			return fmt.Sprintf("resource %d Proto:\n got %v\nwant %v", i, p, w)
		}
		if p := got.ProtoResources()[i]; !sameMessage(p, w) {
			return fmt.Sprintf("ProtoResources()[%d]: %v", i, p)
		}
		if r.Name != w.GetName() || r.Type != w.GetType() || !sameFloat(r.Scalar, w.GetScalar().GetValue()) ||
			r.AllocationRole != w.GetAllocationInfo().GetRole() || !sameRanges(r.Ranges, w.GetRanges()) ||
			!sameItems(r.Set, w.GetSet().GetItem()) {
			return fmt.Sprintf("resource %d fields: got %+v\nwant %v", i, *r, w)
		}
	}
	for i, w := range want.GetAttributes() {
		a := &got.Attributes[i]
		if p := a.Proto(); !sameMessage(p, w) {
			return fmt.Sprintf("attribute %d Proto:\n got %v\nwant %v", i, p, w)
		}
		if a.Name != w.GetName() || a.Type != w.GetType() || !sameFloat(a.Scalar, w.GetScalar().GetValue()) ||
			a.Text != w.GetText().GetValue() || !sameRanges(a.Ranges, w.GetRanges()) || !sameItems(a.Set, w.GetSet().GetItem()) {
			return fmt.Sprintf("attribute %d fields: got %+v\nwant %v", i, *a, w)
		}
	}
	return ""
}

func sameRanges(got [][2]uint64, want *mesosproto.Value_Ranges) bool {
	if len(got) != len(want.GetRange()) {
		return false
	}
	for i, r := range want.GetRange() {
		if got[i] != [2]uint64{r.GetBegin(), r.GetEnd()} {
			return false
		}
	}
	return true
}

func sameItems(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// compareWithReference decodes b with UnmarshalOffers and with the
// reference and reports the first difference ("" for none): the same
// acceptance, ErrNotOffers exactly for a valid event of another type, and
// for an OFFERS event the same offers.
func compareWithReference(b []byte) string {
	ref := new(schedulerpb.Event)
	refErr := refDecode.Unmarshal(b, ref)
	got, err := UnmarshalOffers(b)
	_, ok, derr := decodeOffersEvent(b)
	switch {
	case refErr != nil:
		if err == nil || errors.Is(err, ErrNotOffers) {
			return fmt.Sprintf("reference refuses (%v), UnmarshalOffers: %v", refErr, err)
		}
		if ok && derr == nil {
			return "reference refuses, decodeOffersEvent accepts"
		}
		return ""
	case derr != nil:
		return fmt.Sprintf("decodeOffersEvent refuses what the reference accepts: %v", derr)
	case ref.GetType() != schedulerpb.Event_OFFERS:
		if !errors.Is(err, ErrNotOffers) || ok {
			return fmt.Sprintf("event of type %v: err %v, ok %v", ref.GetType(), err, ok)
		}
		return ""
	case err != nil || !ok:
		return fmt.Sprintf("OFFERS event refused: %v", err)
	}
	want := ref.GetOffers().GetOffers()
	if len(got) != len(want) {
		return fmt.Sprintf("got %d offers, want %d", len(got), len(want))
	}
	batch := OffersFromProto(want...)
	for i := range want {
		if d := checkOffer(&got[i], want[i]); d != "" {
			return fmt.Sprintf("offer %d: %s", i, d)
		}
		if d := checkOffer(&batch[i], want[i]); d != "" {
			return fmt.Sprintf("OffersFromProto, offer %d: %s", i, d)
		}
		// The same offer through offerFromProto.
		o := offerFromProto(want[i])
		if d := checkOffer(&o, want[i]); d != "" {
			return fmt.Sprintf("offerFromProto(offer %d): %s", i, d)
		}
	}
	return ""
}

func marshal(tb testing.TB, m proto.Message) []byte {
	tb.Helper()
	b, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fullOffer sets every field of Offer, Resource and Attribute.
func fullOffer() *mesosproto.Offer {
	labels := &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: proto.String("k"), Value: proto.String("v")}}}
	reservation := func(role string) *mesosproto.Resource_ReservationInfo {
		return &mesosproto.Resource_ReservationInfo{
			Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String(role),
			Principal: proto.String("ops"), Labels: labels,
		}
	}
	disk := &mesosproto.Resource{
		ProviderId:     &mesosproto.ResourceProviderID{Value: proto.String("rp-1")},
		Name:           proto.String("disk"),
		Type:           mesosproto.Value_SCALAR.Enum(),
		Scalar:         &mesosproto.Value_Scalar{Value: proto.Float64(2048)},
		Role:           proto.String("web/blue"), //lint:ignore SA1019 every field is set
		AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
		Reservation:    reservation("web"),
		Reservations:   []*mesosproto.Resource_ReservationInfo{reservation("web"), reservation("web/blue")},
		Disk: &mesosproto.Resource_DiskInfo{
			Persistence: &mesosproto.Resource_DiskInfo_Persistence{Id: proto.String("vol-1"), Principal: proto.String("ops")},
			Volume:      &mesosproto.Volume{ContainerPath: proto.String("data"), Mode: mesosproto.Volume_RW.Enum()},
			Source: &mesosproto.Resource_DiskInfo_Source{
				Type:     mesosproto.Resource_DiskInfo_Source_MOUNT.Enum(),
				Mount:    &mesosproto.Resource_DiskInfo_Source_Mount{Root: proto.String("/mnt/d1")},
				Vendor:   proto.String("org.example"),
				Id:       proto.String("d1"),
				Metadata: labels,
				Profile:  proto.String("fast"),
			},
		},
		Revocable: &mesosproto.Resource_RevocableInfo{},
		Shared:    &mesosproto.Resource_SharedInfo{},
	}
	return &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String("o-1")},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
		AgentId:     &mesosproto.AgentID{Value: proto.String("a-1")},
		Hostname:    proto.String("host-1"),
		Url: &mesosproto.URL{
			Scheme:   proto.String("http"),
			Address:  &mesosproto.Address{Hostname: proto.String("host-1"), Ip: proto.String("10.0.0.1"), Port: proto.Int32(5051)},
			Path:     proto.String("/slave(1)"),
			Query:    []*mesosproto.Parameter{{Key: proto.String("a"), Value: proto.String("1")}, {Key: proto.String("b"), Value: proto.String("")}},
			Fragment: proto.String("frag"),
		},
		Domain: &mesosproto.DomainInfo{FaultDomain: &mesosproto.DomainInfo_FaultDomain{
			Region: &mesosproto.DomainInfo_FaultDomain_RegionInfo{Name: proto.String("eu")},
			Zone:   &mesosproto.DomainInfo_FaultDomain_ZoneInfo{Name: proto.String("eu-1a")},
		}},
		Resources: []*mesosproto.Resource{
			disk,
			{
				Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(),
				Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
					{Begin: proto.Uint64(31000), End: proto.Uint64(32000)}, {Begin: proto.Uint64(1 << 63), End: proto.Uint64(math.MaxUint64)},
				}},
			},
			{Name: proto.String("zones"), Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{Item: []string{"a", "", "b"}}},
			{Name: proto.String("nan"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(math.NaN())}},
			{Name: proto.String(""), Type: mesosproto.Value_TEXT.Enum()},
		},
		Attributes: []*mesosproto.Attribute{
			{Name: proto.String("rack"), Type: mesosproto.Value_TEXT.Enum(), Text: &mesosproto.Value_Text{Value: proto.String("r1")}},
			{Name: proto.String("cores"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(math.Copysign(0, -1))}},
			{Name: proto.String("ids"), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{}},
			{Name: proto.String("tags"), Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{Item: []string{"ssd"}}},
		},
		ExecutorIds:    []*mesosproto.ExecutorID{{Value: proto.String("e-1")}, {Value: proto.String("")}},
		Unavailability: &mesosproto.Unavailability{Start: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(1e18)}, Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(36e11)}},
		AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
	}
}

// offersEvent encodes an OFFERS event holding the given encoded offers.
func offersEvent(offers ...[]byte) []byte {
	var inner []byte
	for _, o := range offers {
		inner = protowire.AppendTag(inner, offersOffer, protowire.BytesType)
		inner = protowire.AppendBytes(inner, o)
	}
	b := protowire.AppendTag(nil, eventType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(schedulerpb.Event_OFFERS))
	b = protowire.AppendTag(b, eventOffersField, protowire.BytesType)
	return protowire.AppendBytes(b, inner)
}

// field appends field num of wire type typ with value v (a varint, a
// fixed64, or bytes).
func field(b []byte, num protowire.Number, typ protowire.Type, v any) []byte {
	b = protowire.AppendTag(b, num, typ)
	switch x := v.(type) {
	case uint64:
		if typ == protowire.Fixed64Type {
			return protowire.AppendFixed64(b, x)
		}
		return protowire.AppendVarint(b, x)
	case []byte:
		return protowire.AppendBytes(b, x)
	case string:
		return protowire.AppendBytes(b, []byte(x))
	}
	panic("field: bad value")
}

// str is a message holding only string field 1 (an ID, a Text, an
// AllocationInfo).
func str(v string) []byte { return field(nil, 1, protowire.BytesType, v) }

// baseOffer encodes the required fields of an offer followed by extra.
func baseOffer(extra ...[]byte) []byte {
	b := field(nil, offerID, protowire.BytesType, str("o"))
	b = field(b, offerFrameworkID, protowire.BytesType, str("f"))
	b = field(b, offerAgentID, protowire.BytesType, str("a"))
	b = field(b, offerHostname, protowire.BytesType, "h")
	for _, e := range extra {
		b = append(b, e...)
	}
	return b
}

// resource encodes a resource field from the resource's fields.
func resource(fields ...[]byte) []byte {
	return field(nil, offerResources, protowire.BytesType, bytes.Join(fields, nil))
}

func attr(fields ...[]byte) []byte {
	return field(nil, offerAttributes, protowire.BytesType, bytes.Join(fields, nil))
}

var (
	nameCPUs    = field(nil, valueName, protowire.BytesType, "cpus")
	typeScalar  = field(nil, valueType, protowire.VarintType, uint64(0))
	typeRanges  = field(nil, valueType, protowire.VarintType, uint64(1))
	typeSet     = field(nil, valueType, protowire.VarintType, uint64(2))
	typeText    = field(nil, valueType, protowire.VarintType, uint64(3))
	scalarOne   = field(nil, valueScalar, protowire.BytesType, field(nil, 1, protowire.Fixed64Type, math.Float64bits(1)))
	rangeOK     = field(nil, 1, protowire.BytesType, field(field(nil, 1, protowire.VarintType, uint64(5)), 2, protowire.VarintType, uint64(9)))
	rangesOne   = field(nil, valueRanges, protowire.BytesType, rangeOK)
	unknown99   = field(nil, 99, protowire.VarintType, uint64(7))
	roleWeb     = field(nil, resourceAllocationInfo, protowire.BytesType, str("web"))
	canonScalar = resource(nameCPUs, typeScalar, scalarOne)
)

// nonCanonical lists offers the compact fields cannot reproduce (kept whole,
// or with a whole resource or attribute), and canonical ones with unusual
// shapes.
func nonCanonical() map[string][]byte {
	return map[string][]byte{
		"id twice":                  baseOffer(field(nil, offerID, protowire.BytesType, str("o2"))),
		"id missing":                field(field(field(nil, offerFrameworkID, protowire.BytesType, str("f")), offerAgentID, protowire.BytesType, str("a")), offerHostname, protowire.BytesType, "h"),
		"id with unknown field":     append(field(nil, offerID, protowire.BytesType, append(str("o"), unknown99...)), baseOffer()[len(field(nil, offerID, protowire.BytesType, str("o"))):]...),
		"id empty message":          append(field(nil, offerID, protowire.BytesType, []byte{}), baseOffer()[len(field(nil, offerID, protowire.BytesType, str("o"))):]...),
		"id value twice":            append(field(nil, offerID, protowire.BytesType, append(str("o"), str("p")...)), baseOffer()[len(field(nil, offerID, protowire.BytesType, str("o"))):]...),
		"hostname twice":            baseOffer(field(nil, offerHostname, protowire.BytesType, "h2")),
		"hostname empty":            baseOffer(field(nil, offerHostname, protowire.BytesType, "")),
		"id as varint":              baseOffer(field(nil, offerID, protowire.VarintType, uint64(3))),
		"resources as varint":       baseOffer(field(nil, offerResources, protowire.VarintType, uint64(3))),
		"allocation role empty":     baseOffer(field(nil, offerAllocationInfo, protowire.BytesType, str(""))),
		"allocation info empty":     baseOffer(field(nil, offerAllocationInfo, protowire.BytesType, []byte{})),
		"allocation info twice":     baseOffer(field(nil, offerAllocationInfo, protowire.BytesType, str("a")), field(nil, offerAllocationInfo, protowire.BytesType, str("b"))),
		"executor id unknown field": baseOffer(field(nil, offerExecutorIDs, protowire.BytesType, append(str("e"), unknown99...))),
		"executor id empty":         baseOffer(field(nil, offerExecutorIDs, protowire.BytesType, []byte{})),
		"offer unknown fields":      baseOffer(unknown99, canonScalar, field(nil, 1000, protowire.Fixed64Type, uint64(0)), field(nil, 98, protowire.BytesType, "x")),
		"whole offer with resources": baseOffer(canonScalar, field(nil, offerHostname, protowire.BytesType, "h2"),
			resource(nameCPUs, typeScalar), attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, str("t")))),
		"resource name twice":         baseOffer(resource(nameCPUs, nameCPUs, typeScalar, scalarOne)),
		"resource type missing":       baseOffer(resource(nameCPUs, scalarOne)),
		"resource name missing":       baseOffer(resource(typeScalar, scalarOne)),
		"resource type twice":         baseOffer(resource(nameCPUs, typeScalar, typeScalar, scalarOne)),
		"resource scalar missing":     baseOffer(resource(nameCPUs, typeScalar)),
		"resource scalar twice":       baseOffer(resource(nameCPUs, typeScalar, scalarOne, scalarOne)),
		"resource ranges for scalar":  baseOffer(resource(nameCPUs, typeScalar, scalarOne, rangesOne)),
		"resource ranges":             baseOffer(resource(nameCPUs, typeRanges, rangesOne, rangesOne[:0])),
		"resource type after value":   baseOffer(resource(scalarOne, nameCPUs, typeScalar, roleWeb, unknown99)),
		"resource type unknown":       baseOffer(resource(nameCPUs, field(nil, valueType, protowire.VarintType, uint64(7)))),
		"resource type unknown value": baseOffer(resource(nameCPUs, field(nil, valueType, protowire.VarintType, uint64(7)), scalarOne)),
		"resource type truncated":     baseOffer(resource(nameCPUs, field(nil, valueType, protowire.VarintType, uint64(1<<32+1)), rangesOne)),
		"resource type negative":      baseOffer(resource(nameCPUs, field(nil, valueType, protowire.VarintType, uint64(math.MaxUint64)))),
		"resource type as bytes":      baseOffer(resource(nameCPUs, typeScalar, scalarOne, field(nil, valueType, protowire.BytesType, "x"))),
		"resource text type":          baseOffer(resource(nameCPUs, typeText)),
		"resource text with set":      baseOffer(resource(nameCPUs, typeText, field(nil, resourceSet, protowire.BytesType, []byte{}))),
		"scalar unknown field":        baseOffer(resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType, append(field(nil, 1, protowire.Fixed64Type, uint64(1)), unknown99...)))),
		"scalar empty":                baseOffer(resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType, []byte{}))),
		"scalar as varint":            baseOffer(resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType, field(nil, 1, protowire.VarintType, uint64(1))))),
		"range missing end":           baseOffer(resource(nameCPUs, typeRanges, field(nil, valueRanges, protowire.BytesType, field(nil, 1, protowire.BytesType, field(nil, 1, protowire.VarintType, uint64(5)))))),
		"range begin twice":           baseOffer(resource(nameCPUs, typeRanges, field(nil, valueRanges, protowire.BytesType, field(nil, 1, protowire.BytesType, append(append(field(nil, 1, protowire.VarintType, uint64(5)), rangeOK[2:]...), field(nil, 1, protowire.VarintType, uint64(6))...))))),
		"range end first":             baseOffer(resource(nameCPUs, typeRanges, field(nil, valueRanges, protowire.BytesType, field(nil, 1, protowire.BytesType, field(field(nil, 2, protowire.VarintType, uint64(9)), 1, protowire.VarintType, uint64(5)))))),
		"ranges unknown field":        baseOffer(resource(nameCPUs, typeRanges, field(nil, valueRanges, protowire.BytesType, append(rangeOK, unknown99...)))),
		"ranges empty":                baseOffer(resource(nameCPUs, typeRanges, field(nil, valueRanges, protowire.BytesType, []byte{}))),
		"set unknown field":           baseOffer(resource(nameCPUs, typeSet, field(nil, resourceSet, protowire.BytesType, append(str("a"), unknown99...)))),
		"set empty":                   baseOffer(resource(nameCPUs, typeSet, field(nil, resourceSet, protowire.BytesType, []byte{}))),
		"resource role empty":         baseOffer(resource(nameCPUs, typeScalar, scalarOne, field(nil, resourceAllocationInfo, protowire.BytesType, str("")))),
		"resource role twice":         baseOffer(resource(nameCPUs, typeScalar, scalarOne, roleWeb, roleWeb)),
		"resource unknown fields":     baseOffer(resource(unknown99, nameCPUs, typeScalar, scalarOne, field(nil, 6, protowire.BytesType, "*"), field(nil, 9, protowire.BytesType, []byte{}))),
		"attribute text missing":      baseOffer(attr(nameCPUs, typeText)),
		"attribute text extra":        baseOffer(attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, append(str("t"), unknown99...)))),
		"attribute text empty":        baseOffer(attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, str("")))),
		"attribute set":               baseOffer(attr(nameCPUs, typeSet, field(nil, attributeSet, protowire.BytesType, str("x")))),
		"attribute set as resource":   baseOffer(attr(nameCPUs, typeSet, field(nil, resourceSet, protowire.BytesType, str("x")))),
		"attribute unknown field":     baseOffer(attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, str("t")), unknown99)),
		"attribute role field":        baseOffer(attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, str("t")), roleWeb)),
	}
}

func TestUnmarshalOffersTestevents(t *testing.T) {
	for _, n := range []int{0, 1, 100} {
		b := marshal(t, testevents.Offers(n, 3))
		if d := compareWithReference(b); d != "" {
			t.Fatalf("%d offers: %s", n, d)
		}
		offers, err := UnmarshalOffers(b)
		if err != nil || len(offers) != n {
			t.Fatalf("%d offers: got %d, %v", n, len(offers), err)
		}
		for i := range offers {
			if offers[i].whole || len(offers[i].wire) == 0 || offers[i].Resources[0].whole {
				t.Fatalf("offer %d of the fixture is not in compact form", i)
			}
		}
	}
}

func TestUnmarshalOffersEveryField(t *testing.T) {
	o := marshal(t, fullOffer())
	b := offersEvent(o, marshal(t, testevents.Offers(1, 0).GetOffers().GetOffers()[0]), o)
	if d := compareWithReference(b); d != "" {
		t.Fatal(d)
	}
	offers, _ := UnmarshalOffers(b)
	if offers[0].whole {
		t.Fatal("the offer with every field set is kept whole")
	}
	for i, r := range offers[0].Resources {
		if r.whole && i != 4 {
			t.Fatalf("resource %d kept whole", i)
		}
	}
}

func TestUnmarshalOffersNonCanonical(t *testing.T) {
	for name, o := range nonCanonical() {
		t.Run(name, func(t *testing.T) {
			b := offersEvent(o, baseOffer(canonScalar))
			if d := compareWithReference(b); d != "" {
				t.Fatal(d)
			}
		})
	}
	// Which cases are kept whole is the design's: spot checks.
	whole := func(name string) bool {
		offers, err := UnmarshalOffers(offersEvent(nonCanonical()[name]))
		if err != nil {
			t.Fatal(err)
		}
		return offers[0].whole
	}
	for name, want := range map[string]bool{"id twice": true, "id as varint": false, "offer unknown fields": false, "allocation role empty": true} {
		if got := whole(name); got != want {
			t.Errorf("%s: whole %v, want %v", name, got, want)
		}
	}
	offers, _ := UnmarshalOffers(offersEvent(nonCanonical()["resource type unknown"], nonCanonical()["resource scalar missing"]))
	if offers[0].Resources[0].whole || !offers[1].Resources[0].whole {
		t.Error("an unknown type number is kept as protobuf-go keeps it; a missing scalar makes the resource whole")
	}
}

func TestUnmarshalOffersEventShapes(t *testing.T) {
	one, two := baseOffer(canonScalar), marshal(t, fullOffer())
	typ := field(nil, eventType, protowire.VarintType, uint64(schedulerpb.Event_OFFERS))
	offersField := func(os ...[]byte) []byte {
		var inner []byte
		for _, o := range os {
			inner = field(inner, offersOffer, protowire.BytesType, o)
		}
		return field(nil, eventOffersField, protowire.BytesType, inner)
	}
	cases := map[string][]byte{
		"offers twice":            bytes.Join([][]byte{typ, offersField(one), offersField(two, one)}, nil),
		"type after offers":       bytes.Join([][]byte{offersField(one, two), typ}, nil),
		"type twice, last counts": bytes.Join([][]byte{field(nil, eventType, protowire.VarintType, uint64(5)), offersField(one), typ}, nil),
		"type truncated":          bytes.Join([][]byte{field(nil, eventType, protowire.VarintType, uint64(1<<32)|uint64(schedulerpb.Event_OFFERS)), offersField(one)}, nil),
		"type unknown after":      bytes.Join([][]byte{typ, offersField(one), field(nil, eventType, protowire.VarintType, uint64(77))}, nil),
		"offers five times":       bytes.Join([][]byte{typ, offersField(one), offersField(one), offersField(two), offersField(), offersField(one)}, nil),
		"unknown fields":          bytes.Join([][]byte{unknown99, typ, field(nil, eventOffersField, protowire.BytesType, append(unknown99, field(nil, offersOffer, protowire.BytesType, one)...))}, nil),
		"offers as varint":        bytes.Join([][]byte{typ, field(nil, eventOffersField, protowire.VarintType, uint64(1)), offersField(one)}, nil),
		"with a failure field":    bytes.Join([][]byte{typ, offersField(one), field(nil, 7, protowire.BytesType, str("x"))}, nil),
		"no offers field":         typ,
		"empty":                   {},
	}
	for _, tp := range []schedulerpb.Event_Type{schedulerpb.Event_SUBSCRIBED, schedulerpb.Event_UPDATE, schedulerpb.Event_HEARTBEAT, schedulerpb.Event_RESCIND} {
		cases["type "+tp.String()] = bytes.Join([][]byte{field(nil, eventType, protowire.VarintType, uint64(tp)), offersField(one)}, nil)
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if d := compareWithReference(b); d != "" {
				t.Fatal(d)
			}
		})
	}
	if _, err := UnmarshalOffers(marshal(t, &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()})); !errors.Is(err, ErrNotOffers) {
		t.Fatalf("HEARTBEAT: %v, want ErrNotOffers", err)
	}
	offers, err := UnmarshalOffers(cases["offers five times"])
	if err != nil || len(offers) != 4 {
		t.Fatalf("offers five times: %d offers, %v", len(offers), err)
	}
}

// malformed lists inputs proto.Unmarshal refuses.
func malformed(tb testing.TB) map[string][]byte {
	good := marshal(tb, testevents.Offers(2, 0))
	ev := offersEvent(marshal(tb, fullOffer()))
	badURL := baseOffer(field(nil, 8, protowire.BytesType, []byte{0x0a, 0x05, 'x'})) // url.scheme longer than url
	return map[string][]byte{
		"truncated":             good[:len(good)-1],
		"truncated every field": ev[:len(ev)/2],
		"bad wire type":         append(append([]byte{}, good...), 0x0f),
		"bad varint":            append(append([]byte{}, good...), 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"over-long length":      append(append([]byte{}, good...), 0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"field number 0":        append(append([]byte{}, good...), 0x00, 0x00),
		"end group outside":     append(append([]byte{}, good...), 0x0c),
		"group mismatch":        offersEvent(baseOffer([]byte{0xab, 0x06, 0x08, 0x01, 0xb4, 0x06})), // start 101, end 102
		"group unterminated":    offersEvent(baseOffer([]byte{0xab, 0x06, 0x08, 0x01})),
		"bad url":               offersEvent(badURL),
		"bad nested in whole":   offersEvent(append(badURL, field(nil, offerHostname, protowire.BytesType, "h2")...)),
		"bad resource disk":     offersEvent(baseOffer(resource(nameCPUs, typeScalar, scalarOne, field(nil, 7, protowire.BytesType, []byte{0x0a, 0x01})))),
		"bad whole resource":    offersEvent(baseOffer(resource(nameCPUs, scalarOne, field(nil, 7, protowire.BytesType, []byte{0x0a, 0x01})))),
		"bad attribute":         offersEvent(baseOffer(attr(nameCPUs, typeText, field(nil, attributeText, protowire.BytesType, []byte{0x0a, 0x03, 'x'})))),
		"bad scalar":            offersEvent(baseOffer(resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType, []byte{0x09, 1, 2})))),
		"bad subscribed":        append(offersEvent(baseOffer()), field(nil, 2, protowire.BytesType, []byte{0x0a, 0x09})...),
		"bad other event":       append(field(nil, eventType, protowire.VarintType, uint64(schedulerpb.Event_UPDATE)), field(nil, 5, protowire.BytesType, []byte{0x0a, 0x09})...),
	}
}

func TestUnmarshalOffersMalformed(t *testing.T) {
	for name, b := range malformed(t) {
		t.Run(name, func(t *testing.T) {
			if err := refDecode.Unmarshal(b, new(schedulerpb.Event)); err == nil {
				t.Fatal("the reference accepts the case")
			}
			if d := compareWithReference(b); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestOffersFromProtoCompact(t *testing.T) {
	full := fullOffer()
	offers := OffersFromProto(full, testevents.Offers(1, 0).GetOffers().GetOffers()[0], &mesosproto.Offer{}, nil)
	for i, want := range []*mesosproto.Offer{full, testevents.Offers(1, 0).GetOffers().GetOffers()[0], {}, nil} {
		if d := checkOffer(&offers[i], want); d != "" {
			t.Fatalf("offer %d: %s", i, d)
		}
	}
	if offers[0].whole || offers[1].whole || !offers[2].whole {
		t.Fatal("compact form: want the full and the fixture's offer compact, the empty one whole")
	}
}

func TestUnmarshalOffersAllocs(t *testing.T) {
	b := marshal(t, testevents.Offers(100, 1))
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := UnmarshalOffers(b); err != nil {
			t.Fatal(err)
		}
	})
	// The single pass plans its arena and its ranges and items slabs from
	// the input's length and grows them chunk by chunk (10 on this event).
	if allocs > 12 {
		t.Fatalf("%v allocations per 100-offer event, want at most 12", allocs)
	}
	t.Logf("%v allocations per 100-offer event", allocs)
}
