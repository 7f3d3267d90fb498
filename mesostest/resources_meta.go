// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 the pre-refinement `role` and `reservation` fields are half of what Mesos speaks

package mesostest

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Resource identity beyond name and reservation role: dynamic reservations
// (principal, labels, refined stacks), disk info (persistent volumes,
// sources), shared, revocable and provider markers. Two resources add up
// only when all of it agrees (Resource::operator+= in
// src/common/resources.cpp). The key keeps it as rkey.meta: the
// deterministic encoding of a template Resource holding only those fields,
// with the reservations in the post-refinement format (a `reservations`
// stack). Plain resources — unreserved, or statically reserved for one role
// — have an empty meta, so their keys stay (name, role).

// postReservations returns r's reservation stack in the post-refinement
// format, whichever format r uses (convertResourceFormat
// POST_RESERVATION_REFINEMENT in src/common/resources_utils.cpp).
func postReservations(r *mesosproto.Resource) []*mesosproto.Resource_ReservationInfo {
	if rs := r.GetReservations(); len(rs) > 0 {
		out := make([]*mesosproto.Resource_ReservationInfo, len(rs))
		for i, x := range rs {
			out[i] = proto.Clone(x).(*mesosproto.Resource_ReservationInfo)
		}
		return out
	}
	role := r.GetRole()
	if role == "" || role == "*" {
		return nil
	}
	ri := &mesosproto.Resource_ReservationInfo{Type: mesosproto.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String(role)}
	if res := r.GetReservation(); res != nil {
		ri.Type = mesosproto.Resource_ReservationInfo_DYNAMIC.Enum()
		if res.Principal != nil {
			ri.Principal = proto.String(res.GetPrincipal())
		}
		if res.Labels != nil {
			ri.Labels = proto.Clone(res.GetLabels()).(*mesosproto.Labels)
		}
	}
	return []*mesosproto.Resource_ReservationInfo{ri}
}

// keyOf returns the key of r: its name, the role of its last reservation
// ("*" when unreserved), and the meta encoding described above.
func keyOf(r *mesosproto.Resource) rkey {
	tmpl := &mesosproto.Resource{Reservations: postReservations(r)}
	if d := r.GetDisk(); d != nil && (d.Persistence != nil || d.Volume != nil || d.Source != nil) {
		tmpl.Disk = proto.Clone(d).(*mesosproto.Resource_DiskInfo)
	}
	if r.Shared != nil {
		tmpl.Shared = &mesosproto.Resource_SharedInfo{}
	}
	if r.Revocable != nil {
		tmpl.Revocable = &mesosproto.Resource_RevocableInfo{}
	}
	if r.ProviderId != nil {
		tmpl.ProviderId = proto.Clone(r.GetProviderId()).(*mesosproto.ResourceProviderID)
	}
	return keyFromTemplate(r.GetName(), tmpl)
}

// keyFromTemplate builds the key of a resource named name with the
// identity fields of tmpl.
func keyFromTemplate(name string, tmpl *mesosproto.Resource) rkey {
	k := rkey{name: name, role: "*"}
	rs := tmpl.GetReservations()
	if len(rs) > 0 {
		k.role = rs[len(rs)-1].GetRole()
	}
	plainStatic := len(rs) == 1 && rs[0].GetType() == mesosproto.Resource_ReservationInfo_STATIC &&
		rs[0].Principal == nil && rs[0].Labels == nil
	if tmpl.Disk == nil && tmpl.Shared == nil && tmpl.Revocable == nil && tmpl.ProviderId == nil &&
		(len(rs) == 0 || plainStatic) {
		return k
	}
	b, err := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(tmpl)
	if err != nil {
		// Only invalid UTF-8 in a string field makes this fail; such a
		// resource is still told apart by its raw fields.
		b = []byte(tmpl.String())
	}
	k.meta = string(b)
	return k
}

// template returns the identity fields of k as a Resource: the
// reservations stack (post-refinement format) and the disk, shared,
// revocable and provider fields.
func (k rkey) template() *mesosproto.Resource {
	tmpl := &mesosproto.Resource{}
	if k.meta != "" {
		if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal([]byte(k.meta), tmpl); err == nil {
			return tmpl
		}
	}
	if k.role != "*" {
		tmpl.Reservations = []*mesosproto.Resource_ReservationInfo{{
			Type: mesosproto.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String(k.role)}}
	}
	return tmpl
}

// dynamic reports whether the last reservation of k is dynamic
// (Resources::isDynamicallyReserved).
func (k rkey) dynamic() bool {
	rs := k.template().GetReservations()
	return len(rs) > 0 && rs[len(rs)-1].GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC
}

// persistentVolume reports whether k is a persistent volume.
func (k rkey) persistentVolume() bool {
	return k.meta != "" && k.template().GetDisk().GetPersistence() != nil
}

// render fills r (name, type and value already set) with k's identity in
// the format the framework understands: the `reservations` stack with
// RESERVATION_REFINEMENT, else `role` ("*" when unreserved) plus a
// `reservation` for a dynamic one (convertResourceFormat
// PRE_RESERVATION_REFINEMENT).
func (k rkey) render(r *mesosproto.Resource, refined bool) {
	tmpl := k.template()
	r.Disk, r.Shared, r.Revocable, r.ProviderId = tmpl.Disk, tmpl.Shared, tmpl.Revocable, tmpl.ProviderId
	rs := tmpl.GetReservations()
	if refined {
		r.Reservations = rs
		return
	}
	switch len(rs) {
	case 0:
		r.Role = proto.String("*")
	default:
		// A framework without RESERVATION_REFINEMENT is never offered
		// refined reservations (the allocator strips them); render the
		// innermost role if it ever happens.
		last := rs[len(rs)-1]
		r.Role = proto.String(last.GetRole())
		if last.GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC {
			r.Reservation = &mesosproto.Resource_ReservationInfo{Principal: last.Principal, Labels: last.Labels}
		}
	}
}

// describe renders the identity of k for error messages, roughly as
// stout's stringify(Resource) does: "disk(reserved: web, principal)[id:path]".
func (k rkey) describe() string {
	if k.meta == "" {
		if k.role == "*" {
			return k.name
		}
		return k.name + "(" + k.role + ")"
	}
	tmpl := k.template()
	var b strings.Builder
	b.WriteString(k.name)
	if rs := tmpl.GetReservations(); len(rs) > 0 {
		b.WriteString("(reservations: [")
		for i, r := range rs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + r.GetType().String() + "," + r.GetRole())
			if r.Principal != nil {
				b.WriteString("," + r.GetPrincipal())
			}
			b.WriteString(")")
		}
		b.WriteString("])")
	}
	if d := tmpl.GetDisk(); d.GetPersistence() != nil {
		b.WriteString("[" + d.GetPersistence().GetId())
		if p := d.GetVolume().GetContainerPath(); p != "" {
			b.WriteString(":" + p)
		}
		b.WriteString("]")
	}
	if tmpl.Shared != nil {
		b.WriteString("<SHARED>")
	}
	return b.String()
}
