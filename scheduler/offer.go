// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Offer is a resource offer as Callbacks.Offers (and any OffersHandler)
// receives it: the fields a scheduler reads to place tasks, decoded into
// plain Go values, with everything else kept in wire form until Proto asks
// for it.
//
// The Client decodes an OFFERS event straight into []Offer, without building
// the protobuf-go messages of mesosproto.Offer: a 100-offer event costs a
// handful of allocations (9 for the benchmarks' 100-offer event) and 0.43×
// the bytes of those messages, and an offer kept for later holds 0.43× theirs
// (0.72× mesos-go's; docs/PERFORMANCE.md, "Round three: one pass" and "Round
// four: repeated offer elements"). A resource or attribute that repeats the
// previous offer's of the event, byte for byte or but for its scalar value,
// is a copy of that one's values, sharing its strings and slices.
// Nothing is lost: Proto returns the full message, equal to what
// proto.Unmarshal makes of the offer's bytes (unknown fields included).
//
// The offers of one event share their memory, so keeping any of them keeps
// the event's decoded bytes alive; copy out what you keep for long (an
// Offer value copied still shares them). An Offer is read-only: do not
// modify the slices it holds. A value built by hand (in a test, say) is
// valid too: Proto then makes the message from the fields set.
type Offer struct {
	// ID is the offer's id (offer_id.value): what Accept, Launch and Decline
	// take, as ProtoID.
	ID string
	// FrameworkID and AgentID are framework_id.value and agent_id.value.
	FrameworkID string
	AgentID     string
	// Hostname is the agent's hostname.
	Hostname string
	// AllocationRole is allocation_info.role: the role the offer is
	// allocated to (a MULTI_ROLE framework's offers always carry one), ""
	// when the master sent none.
	AllocationRole string
	// Resources are the offered resources, in the master's order.
	Resources []OfferResource
	// Attributes are the agent's attributes, in the master's order.
	Attributes []OfferAttribute
	// ExecutorIDs lists the framework's executors running on the agent
	// (executor_ids[].value).
	ExecutorIDs []string

	// wire holds, in protobuf wire format, the offer's fields not listed
	// above (url, domain, unavailability, unknown fields, a listed field's
	// number with another wire type) in their order, or, when whole is set,
	// the entire offer: input the fields above cannot reproduce exactly (a
	// required field missing or repeated, an ID message with other fields,
	// an empty or repeated allocation_info) is kept as it came, with the
	// fields above projected from its decoded message. The rules are in
	// offer_decoder.go (offerShape, valueShape). A Type outside the enum is
	// kept as a number, as protobuf-go keeps it, not made whole.
	wire  []byte
	whole bool
}

// OfferResource is one resource of an Offer: its name and value decoded,
// everything else (role, reservations, disk, revocable, shared, provider
// id) kept in wire form for Proto.
type OfferResource struct {
	// Name is the resource name: "cpus", "mem", "disk", "ports", "gpus", ...
	Name string
	// Type says which of Scalar, Ranges or Set holds the value.
	Type mesosproto.Value_Type

	whole bool // see Offer.wire

	// Scalar is the value of a SCALAR resource.
	Scalar float64
	// Ranges are the [begin, end] ranges of a RANGES resource, in the
	// master's order.
	Ranges [][2]uint64
	// Set holds the items of a SET resource.
	Set []string
	// AllocationRole is allocation_info.role, "" when absent.
	AllocationRole string

	wire []byte // see Offer.wire
}

// OfferAttribute is one attribute of an Offer's agent.
type OfferAttribute struct {
	// Name is the attribute name.
	Name string
	// Type says which of Scalar, Ranges, Set or Text holds the value.
	Type mesosproto.Value_Type

	whole bool // see Offer.wire

	Scalar float64
	Ranges [][2]uint64
	Set    []string
	Text   string

	wire []byte // see Offer.wire
}

// ProtoID returns the offer's ID as Accept, Launch and Decline take it.
func (o *Offer) ProtoID() *mesosproto.OfferID {
	return &mesosproto.OfferID{Value: proto.String(o.ID)}
}

// ProtoAgentID returns the offer's agent ID as a message.
func (o *Offer) ProtoAgentID() *mesosproto.AgentID {
	return &mesosproto.AgentID{Value: proto.String(o.AgentID)}
}

// ProtoResources returns the offered resources as protobuf messages, for
// the Resources helpers and for TaskInfo.resources: each as Proto of its
// OfferResource.
func (o *Offer) ProtoResources() Resources {
	if o.whole {
		return o.Proto().GetResources()
	}
	rs := make(Resources, len(o.Resources))
	for i := range o.Resources {
		rs[i] = o.Resources[i].Proto()
	}
	return rs
}

// Proto returns the whole offer as a new protobuf message, equal to what
// proto.Unmarshal makes of the bytes the master sent (or, for an Offer
// built by hand, made from its fields). It decodes on every call.
func (o *Offer) Proto() *mesosproto.Offer {
	pb := new(mesosproto.Offer)
	if o.whole {
		_ = fastpb.Unmarshal(o.wire, pb) // the bytes decoded once already
		return pb
	}
	pb.Id = &mesosproto.OfferID{Value: proto.String(o.ID)}
	pb.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(o.FrameworkID)}
	pb.AgentId = &mesosproto.AgentID{Value: proto.String(o.AgentID)}
	pb.Hostname = proto.String(o.Hostname)
	pb.Resources = o.ProtoResources()
	if len(o.Attributes) > 0 {
		pb.Attributes = make([]*mesosproto.Attribute, len(o.Attributes))
		for i := range o.Attributes {
			pb.Attributes[i] = o.Attributes[i].Proto()
		}
	}
	if len(o.ExecutorIDs) > 0 {
		pb.ExecutorIds = make([]*mesosproto.ExecutorID, len(o.ExecutorIDs))
		for i, id := range o.ExecutorIDs {
			pb.ExecutorIds[i] = &mesosproto.ExecutorID{Value: proto.String(id)}
		}
	}
	if o.AllocationRole != "" {
		pb.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(o.AllocationRole)}
	}
	mergeWire(o.wire, pb)
	return pb
}

// Proto returns the resource as a new protobuf message. The value field
// set is the one Type names (scalar, ranges or set; none for TEXT).
func (r *OfferResource) Proto() *mesosproto.Resource {
	pb := new(mesosproto.Resource)
	if r.whole {
		_ = fastpb.Unmarshal(r.wire, pb)
		return pb
	}
	pb.Name = proto.String(r.Name)
	pb.Type = r.Type.Enum()
	pb.Scalar, pb.Ranges, pb.Set = valueProto(r.Type, r.Scalar, r.Ranges, r.Set)
	if r.AllocationRole != "" {
		pb.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(r.AllocationRole)}
	}
	mergeWire(r.wire, pb)
	return pb
}

// Proto returns the attribute as a new protobuf message. The value field
// set is the one Type names.
func (a *OfferAttribute) Proto() *mesosproto.Attribute {
	pb := new(mesosproto.Attribute)
	if a.whole {
		_ = fastpb.Unmarshal(a.wire, pb)
		return pb
	}
	pb.Name = proto.String(a.Name)
	pb.Type = a.Type.Enum()
	pb.Scalar, pb.Ranges, pb.Set = valueProto(a.Type, a.Scalar, a.Ranges, a.Set)
	if a.Type == mesosproto.Value_TEXT {
		pb.Text = &mesosproto.Value_Text{Value: proto.String(a.Text)}
	}
	mergeWire(a.wire, pb)
	return pb
}

// valueProto makes the value message of type t (the others nil; all nil for
// TEXT, which a Resource cannot hold and an Attribute keeps apart).
func valueProto(t mesosproto.Value_Type, scalar float64, ranges [][2]uint64, set []string) (*mesosproto.Value_Scalar, *mesosproto.Value_Ranges, *mesosproto.Value_Set) {
	switch t {
	case mesosproto.Value_SCALAR:
		return &mesosproto.Value_Scalar{Value: proto.Float64(scalar)}, nil, nil
	case mesosproto.Value_RANGES:
		return nil, rangesProto(ranges), nil
	case mesosproto.Value_SET:
		return nil, nil, &mesosproto.Value_Set{Item: append([]string(nil), set...)}
	}
	return nil, nil, nil
}

// mergeWire decodes the kept fields b into m. They were decoded once
// already, so they cannot fail now.
func mergeWire(b []byte, m proto.Message) {
	if len(b) == 0 {
		return
	}
	_ = proto.UnmarshalOptions{Merge: true, AllowPartial: true}.Unmarshal(b, m)
}

// OffersFromProto converts offers to the form Callbacks.Offers receives,
// for tests and for handlers that wrap Callbacks (the Client uses it for
// JSON events). Proto of each result equals the message given. The offers
// are encoded and decoded together, so that they share one set of
// allocations as a decoded event's do.
func OffersFromProto(offers ...*mesosproto.Offer) []Offer {
	return offersFromProto(offers)
}
