// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"strconv"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// validateResourceList is Resources::validate(RepeatedPtrField<Resource>)
// (src/common/resources.cpp): the first invalid resource fails the list with
// "Resource '<resource>' is invalid: <why>".
func validateResourceList(list []*mesosproto.Resource) error {
	for _, r := range list {
		if err := validateResource(r); err != nil {
			return mesosErrf("Resource '%s' is invalid: %s", stringifyResource(r), err.Error())
		}
	}
	return nil
}

// validateResource is Resources::validate(const Resource&)
// (src/common/resources.cpp), in its order.
func validateResource(r *mesosproto.Resource) error {
	if r.GetName() == "" {
		return mesosErr("Empty resource name")
	}
	if _, ok := mesosproto.Value_Type_name[int32(r.GetType())]; !ok {
		return mesosErr("Invalid resource type")
	}
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		if r.Scalar == nil || r.Ranges != nil || r.Set != nil {
			return mesosErr("Invalid scalar resource")
		}
		// Negative values, and non-zero values that are zero in fixed point.
		if v := r.GetScalar().GetValue(); v != 0 && (math.IsNaN(v) || math.Round(v*1000) <= 0) {
			return mesosErr("Invalid scalar resource: value <= 0")
		}
	case mesosproto.Value_RANGES:
		if r.Scalar != nil || r.Ranges == nil || r.Set != nil {
			return mesosErr("Invalid ranges resource")
		}
		rs := r.GetRanges().GetRange()
		for i, x := range rs {
			if x.GetBegin() > x.GetEnd() {
				return mesosErr("Invalid ranges resource: begin > end")
			}
			// As Mesos checks it: a later range may not begin inside this one.
			for _, y := range rs[i+1:] {
				if x.GetBegin() <= y.GetBegin() && y.GetBegin() <= x.GetEnd() {
					return mesosErr("Invalid ranges resource: overlapping ranges")
				}
			}
		}
	case mesosproto.Value_SET:
		if r.Scalar != nil || r.Ranges != nil || r.Set == nil {
			return mesosErr("Invalid set resource")
		}
		seen := make(map[string]bool, len(r.GetSet().GetItem()))
		for _, it := range r.GetSet().GetItem() {
			if seen[it] {
				return mesosErr("Invalid set resource: duplicated elements")
			}
			seen[it] = true
		}
	default:
		return mesosErr("Unsupported resource type")
	}
	if err := validateResourceDisk(r); err != nil {
		return err
	}
	if err := validateReservations(r); err != nil {
		return err
	}
	if r.Shared != nil {
		if r.GetName() != "disk" {
			return mesosErrf("Resource %s cannot be shared", r.GetName())
		}
		if r.GetDisk().GetPersistence() == nil {
			return mesosErr("Only persistent volumes can be shared")
		}
	}
	return nil
}

// validateResourceDisk is the DiskInfo part of Resources::validate.
func validateResourceDisk(r *mesosproto.Resource) error {
	if r.Disk == nil {
		return nil
	}
	if r.GetName() != "disk" {
		return mesosErrf("DiskInfo should not be set for %s resource", r.GetName())
	}
	src := r.GetDisk().GetSource()
	if src == nil {
		return nil
	}
	switch t := src.GetType(); t {
	case mesosproto.Resource_DiskInfo_Source_BLOCK, mesosproto.Resource_DiskInfo_Source_RAW:
		if src.Mount != nil {
			return mesosErrf("Mount should not be set for %s disk source", t)
		}
		if src.Path != nil {
			return mesosErrf("Path should not be set for %s disk source", t)
		}
	case mesosproto.Resource_DiskInfo_Source_UNKNOWN:
		return mesosErrf("Unsupported 'DiskInfo.Source.Type' in '%s'", stringifyDiskSource(src))
	}
	return nil
}

// validateReservations is the reservation-format part of Resources::validate:
// the pre-refinement format (role, reservation) or the post-refinement one
// (a reservations stack, each a refinement of the one before).
func validateReservations(r *mesosproto.Resource) error {
	//lint:ignore SA1019 Resource.role and Resource.reservation are the pre-refinement format Mesos still validates
	role, hasRole, reservation := r.GetRole(), r.Role != nil, r.GetReservation()
	stack := r.GetReservations()
	if len(stack) == 0 {
		if err := validateRole(role); err != nil {
			return err
		}
		if reservation != nil {
			switch {
			case reservation.Type != nil:
				return mesosErr("'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field")
			case reservation.Role != nil:
				return mesosErr("'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field")
			case role == "*":
				return mesosErr(`Invalid reservation: role "*" cannot be dynamically reserved`)
			}
		}
		return nil
	}
	for _, ri := range stack {
		switch {
		case ri.Type == nil:
			return mesosErr("Invalid reservation: 'Resource.ReservationInfo.type' field must be set.")
		case ri.Role == nil:
			return mesosErr("Invalid reservation: 'Resource.ReservationInfo.role' field must be set.")
		}
		if err := validateRole(ri.GetRole()); err != nil {
			return err
		}
		if ri.GetRole() == "*" {
			return mesosErr(`Invalid reservation: role "*" cannot be reserved`)
		}
	}
	ancestor := stack[0].GetRole()
	for _, ri := range stack[1:] {
		if ri.GetType() == mesosproto.Resource_ReservationInfo_STATIC {
			return mesosErr("Invalid refined reservation: A refined reservation cannot be STATIC")
		}
		if !strings.HasPrefix(ri.GetRole(), ancestor+"/") {
			return mesosErrf("Invalid refined reservation: role '%s' is not a refinement of '%s'", ri.GetRole(), ancestor)
		}
		ancestor = ri.GetRole()
	}
	if len(stack) > 1 {
		if hasRole {
			return mesosErr("Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'")
		}
		if reservation != nil {
			return mesosErr("Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'")
		}
		return nil
	}
	ri := stack[0]
	if hasRole && role != ri.GetRole() {
		return mesosErrf("Invalid resource format: 'Resource.role' field with '%s' does not match the role '%s' in 'Resource.reservations'", role, ri.GetRole())
	}
	switch ri.GetType() {
	case mesosproto.Resource_ReservationInfo_STATIC:
		if reservation != nil {
			return mesosErr("Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC")
		}
	case mesosproto.Resource_ReservationInfo_DYNAMIC:
		if hasRole != (reservation != nil) {
			return mesosErr("Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC")
		}
		if reservation != nil && reservation.GetPrincipal() != ri.GetPrincipal() {
			return mesosErrf("Invalid resource format: 'Resource.reservation.principal' field with '%s' does not match the principal '%s' in 'Resource.reservations'", reservation.GetPrincipal(), ri.GetPrincipal())
		}
		if reservation != nil && stringifyLabels(reservation.GetLabels()) != stringifyLabels(ri.GetLabels()) {
			return mesosErrf("Invalid resource format: 'Resource.reservation.labels' field with '%s' does not match the labels '%s' in 'Resource.reservations'", stringifyLabels(reservation.GetLabels()), stringifyLabels(ri.GetLabels()))
		}
	default:
		return mesosErr("Unsupported 'Resource.ReservationInfo.Type'")
	}
	return nil
}

// validateResourcesOfOperation is validateAndUpgradeResources
// (src/common/resources_utils.cpp) for the resource lists the fake reads:
// every list of the operation is validated with Resources::validate.
func validateResourcesOfOperation(op *mesosproto.Offer_Operation) error {
	var lists [][]*mesosproto.Resource
	switch op.GetType() {
	case mesosproto.Offer_Operation_LAUNCH:
		if op.Launch == nil {
			return mesosErr("A LAUNCH offer operation must have the Offer.Operation.launch field set.")
		}
		for _, ti := range op.GetLaunch().GetTaskInfos() {
			lists = append(lists, ti.GetResources())
			if ti.Executor != nil {
				lists = append(lists, ti.GetExecutor().GetResources())
			}
		}
	case mesosproto.Offer_Operation_LAUNCH_GROUP:
		if op.LaunchGroup == nil {
			return mesosErr("A LAUNCH_GROUP offer operation must have the Offer.Operation.launch_group field set.")
		}
		if ei := op.GetLaunchGroup().GetExecutor(); ei != nil {
			lists = append(lists, ei.GetResources())
		}
		for _, ti := range op.GetLaunchGroup().GetTaskGroup().GetTasks() {
			lists = append(lists, ti.GetResources())
			if ti.Executor != nil {
				lists = append(lists, ti.GetExecutor().GetResources())
			}
		}
	case mesosproto.Offer_Operation_RESERVE:
		lists = append(lists, op.GetReserve().GetResources(), op.GetReserve().GetSource())
	case mesosproto.Offer_Operation_UNRESERVE:
		lists = append(lists, op.GetUnreserve().GetResources())
	case mesosproto.Offer_Operation_CREATE:
		lists = append(lists, op.GetCreate().GetVolumes())
	case mesosproto.Offer_Operation_DESTROY:
		lists = append(lists, op.GetDestroy().GetVolumes())
	}
	for _, l := range lists {
		if err := validateResourceList(l); err != nil {
			return err
		}
	}
	return nil
}

// stringifyResource renders one Resource as operator<<(ostream&, const
// Resource&) does (src/common/resources.cpp):
// name(allocated: role)(reservations: [(TYPE,role,principal)])[disk]{REV}<SHARED>:value.
func stringifyResource(r *mesosproto.Resource) string {
	var b strings.Builder
	b.WriteString(r.GetName())
	if r.AllocationInfo != nil {
		b.WriteString("(allocated: " + r.GetAllocationInfo().GetRole() + ")")
	}
	if rs := r.GetReservations(); len(rs) > 0 {
		b.WriteString("(reservations: [")
		for i, ri := range rs {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(" + ri.GetType().String() + "," + ri.GetRole())
			if ri.Principal != nil {
				b.WriteString("," + ri.GetPrincipal())
			}
			if ri.Labels != nil {
				b.WriteString("," + stringifyLabels(ri.GetLabels()))
			}
			b.WriteString(")")
		}
		b.WriteString("])")
	}
	if d := r.GetDisk(); r.Disk != nil {
		b.WriteString("[")
		if d.Source != nil {
			b.WriteString(stringifyDiskSource(d.GetSource()))
		}
		if d.Persistence != nil {
			if d.Source != nil {
				b.WriteString(",")
			}
			b.WriteString(d.GetPersistence().GetId())
		}
		if v := d.GetVolume(); v != nil {
			b.WriteString(":")
			if v.HostPath != nil {
				b.WriteString(v.GetHostPath() + ":")
			}
			b.WriteString(v.GetContainerPath())
		}
		b.WriteString("]")
	}
	if r.Revocable != nil {
		b.WriteString("{REV}")
	}
	if r.Shared != nil {
		b.WriteString("<SHARED>")
	}
	b.WriteString(":")
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		b.WriteString(stringifyScalar(r.GetScalar().GetValue()))
	case mesosproto.Value_RANGES:
		b.WriteString("[")
		for i, x := range r.GetRanges().GetRange() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatUint(x.GetBegin(), 10) + "-" + strconv.FormatUint(x.GetEnd(), 10))
		}
		b.WriteString("]")
	case mesosproto.Value_SET:
		b.WriteString("{" + strings.Join(r.GetSet().GetItem(), ", ") + "}")
	}
	return b.String()
}

// stringifyScalar is operator<<(ostream&, const Value::Scalar&)
// (src/common/values.cpp): the value rounded to three decimals, printed
// with 15 significant digits.
func stringifyScalar(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'g', 15, 64)
}

// stringifyLabels is operator<<(ostream&, const Labels&): "{k: v, k2}".
func stringifyLabels(l *mesosproto.Labels) string {
	parts := make([]string, 0, len(l.GetLabels()))
	for _, x := range l.GetLabels() {
		s := x.GetKey()
		if x.Value != nil {
			s += ": " + x.GetValue()
		}
		parts = append(parts, s)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// stringifyDiskSource is operator<<(ostream&, const DiskInfo::Source&)
// without the CSI (vendor, id, profile) part.
func stringifyDiskSource(src *mesosproto.Resource_DiskInfo_Source) string {
	switch src.GetType() {
	case mesosproto.Resource_DiskInfo_Source_MOUNT:
		if src.GetMount().Root != nil {
			return "MOUNT:" + src.GetMount().GetRoot()
		}
		return "MOUNT"
	case mesosproto.Resource_DiskInfo_Source_PATH:
		if src.GetPath().Root != nil {
			return "PATH:" + src.GetPath().GetRoot()
		}
		return "PATH"
	}
	return src.GetType().String()
}
