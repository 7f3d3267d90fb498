// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// A FrameworkOption sets a field of the FrameworkInfo NewFrameworkInfo
// builds. (Options of the Client itself are Option, WithX.)
type FrameworkOption func(*mesosproto.FrameworkInfo)

// NewFrameworkInfo returns a FrameworkInfo for user and name with the
// options applied in order:
//
//	fw := scheduler.NewFrameworkInfo("svc", "billing",
//		scheduler.FrameworkRoles("billing"),
//		scheduler.FrameworkCapabilities(mesosproto.FrameworkInfo_Capability_PARTITION_AWARE),
//		scheduler.FrameworkFailoverTimeout(7*24*time.Hour),
//		scheduler.FrameworkCheckpoint())
//
// Mind the failover timeout: Mesos's default of 0 removes the framework,
// and kills its tasks, the moment its event stream drops — a scheduler
// restart or a network blip is enough. Production frameworks set a week or
// more with FrameworkFailoverTimeout.
func NewFrameworkInfo(user, name string, opts ...FrameworkOption) *mesosproto.FrameworkInfo {
	fw := &mesosproto.FrameworkInfo{User: proto.String(user), Name: proto.String(name)}
	for _, o := range opts {
		if o != nil {
			o(fw)
		}
	}
	return fw
}

// FrameworkRoles makes the framework subscribe with these roles: it sets
// the MULTI_ROLE capability and FrameworkInfo.roles, and clears the
// deprecated single role. Offers then carry allocation_info naming the role
// each is for. With no role at all the framework gets no offers.
func FrameworkRoles(roles ...string) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) {
		addCapabilities(fw, mesosproto.FrameworkInfo_Capability_MULTI_ROLE)
		//lint:ignore SA1019 a MULTI_ROLE framework must not set the deprecated role
		fw.Role = nil
		fw.Roles = append([]string(nil), roles...)
	}
}

// FrameworkCapabilities adds capabilities (each once), for example
// PARTITION_AWARE (TASK_UNREACHABLE, TASK_GONE, ... instead of TASK_LOST),
// TASK_KILLING_STATE, GPU_RESOURCES, RESERVATION_REFINEMENT,
// SHARED_RESOURCES, REGION_AWARE. MULTI_ROLE comes with FrameworkRoles.
func FrameworkCapabilities(caps ...mesosproto.FrameworkInfo_Capability_Type) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { addCapabilities(fw, caps...) }
}

func addCapabilities(fw *mesosproto.FrameworkInfo, caps ...mesosproto.FrameworkInfo_Capability_Type) {
	for _, c := range caps {
		if !slices.ContainsFunc(fw.GetCapabilities(), func(x *mesosproto.FrameworkInfo_Capability) bool { return x.GetType() == c }) {
			fw.Capabilities = append(fw.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: c.Enum()})
		}
	}
}

// FrameworkFailoverTimeout sets how long the master keeps the framework
// and its tasks after its event stream drops, waiting for it to
// resubscribe (FrameworkInfo.failover_timeout, in seconds on the wire).
// Mesos's default of 0 removes the framework at once on disconnection.
func FrameworkFailoverTimeout(d time.Duration) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { fw.FailoverTimeout = proto.Float64(d.Seconds()) }
}

// FrameworkCheckpoint makes agents checkpoint the framework's tasks, so
// that they survive an agent restart. It cannot be changed later.
func FrameworkCheckpoint() FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { fw.Checkpoint = proto.Bool(true) }
}

// FrameworkPrincipal sets the principal the framework acts as
// (reservations, volumes, authorization). With authentication it must be
// the authenticated principal (WithCredentials fills it in when unset). It
// cannot be changed later.
func FrameworkPrincipal(principal string) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { fw.Principal = proto.String(principal) }
}

// FrameworkLabel adds a label (key and value), as TaskLabel does for tasks.
func FrameworkLabel(key, value string) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) {
		if fw.Labels == nil {
			fw.Labels = &mesosproto.Labels{}
		}
		fw.Labels.Labels = append(fw.Labels.Labels, &mesosproto.Label{Key: proto.String(key), Value: proto.String(value)})
	}
}

// FrameworkHostname sets the hostname the framework reports (shown by the
// master's UI and endpoints).
func FrameworkHostname(hostname string) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { fw.Hostname = proto.String(hostname) }
}

// FrameworkWebUIURL sets the URL of the framework's own web UI, linked
// from the master's.
func FrameworkWebUIURL(url string) FrameworkOption {
	return func(fw *mesosproto.FrameworkInfo) { fw.WebuiUrl = proto.String(url) }
}
