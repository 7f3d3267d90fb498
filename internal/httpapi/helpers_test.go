// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/internal/testevents"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func protoreflectName(s string) protoreflect.Name { return protoreflect.Name(s) }

// valueOf builds a protoreflect.Value for fd from a Go value; enum values are
// given by name.
func valueOf(fd protoreflect.FieldDescriptor, v any) protoreflect.Value {
	if s, ok := v.(string); ok && fd.Kind() == protoreflect.EnumKind {
		return protoreflect.ValueOfEnum(fd.Enum().Values().ByName(protoreflect.Name(s)).Number())
	}
	return protoreflect.ValueOf(v)
}

// offersEvent is the OFFERS event of n agents the tests and benchmarks share (see internal/testevents).
func offersEvent(n int) *schedulerpb.Event { return testevents.Offers(n, 0) }

func protoreflectKey(s string) protoreflect.MapKey { return protoreflect.ValueOfString(s).MapKey() }

func protoreflectEnum(n int32) protoreflect.Value {
	return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n))
}

// msgDiff returns "" if a and b are equal (proto.Equal: NaN equals NaN),
// else a readable difference.
func msgDiff(a, b proto.Message) string {
	if proto.Equal(a, b) {
		return ""
	}
	return cmp.Diff(a, b, protocmp.Transform())
}
