// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// allTypesFile is a proto2 file with every scalar kind, enums, defaults of
// every kind (one deprecated), maps with integer, bool and string keys, a
// oneof, and required fields, for tests the Mesos protos do not reach.
const allTypesFile = `
name: "httpapitest/all.proto"
package: "httpapitest"
syntax: "proto2"
enum_type { name: "Color" value { name: "RED" number: 0 } value { name: "GREEN" number: 1 } value { name: "BLUE" number: 2 } }
message_type {
  name: "All"
  field { name: "i32"  number: 1  label: LABEL_OPTIONAL type: TYPE_INT32 }
  field { name: "i64"  number: 2  label: LABEL_OPTIONAL type: TYPE_INT64 }
  field { name: "u32"  number: 3  label: LABEL_OPTIONAL type: TYPE_UINT32 }
  field { name: "u64"  number: 4  label: LABEL_OPTIONAL type: TYPE_UINT64 }
  field { name: "s32"  number: 5  label: LABEL_OPTIONAL type: TYPE_SINT32 }
  field { name: "s64"  number: 6  label: LABEL_OPTIONAL type: TYPE_SINT64 }
  field { name: "f32"  number: 7  label: LABEL_OPTIONAL type: TYPE_FIXED32 }
  field { name: "f64"  number: 8  label: LABEL_OPTIONAL type: TYPE_FIXED64 }
  field { name: "sf32" number: 9  label: LABEL_OPTIONAL type: TYPE_SFIXED32 }
  field { name: "sf64" number: 10 label: LABEL_OPTIONAL type: TYPE_SFIXED64 }
  field { name: "fl"   number: 11 label: LABEL_OPTIONAL type: TYPE_FLOAT }
  field { name: "db"   number: 12 label: LABEL_OPTIONAL type: TYPE_DOUBLE }
  field { name: "b"    number: 13 label: LABEL_OPTIONAL type: TYPE_BOOL }
  field { name: "s"    number: 14 label: LABEL_OPTIONAL type: TYPE_STRING }
  field { name: "by"   number: 15 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "color" number: 16 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".httpapitest.Color" }
  field { name: "child" number: 17 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".httpapitest.All" }
  field { name: "r_i64" number: 18 label: LABEL_REPEATED type: TYPE_INT64 }
  field { name: "r_db"  number: 19 label: LABEL_REPEATED type: TYPE_DOUBLE }
  field { name: "r_color" number: 20 label: LABEL_REPEATED type: TYPE_ENUM type_name: ".httpapitest.Color" }
  field { name: "r_child" number: 21 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".httpapitest.All" }
  field { name: "r_by"  number: 22 label: LABEL_REPEATED type: TYPE_BYTES }
  field { name: "m_int" number: 23 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".httpapitest.All.MIntEntry" }
  field { name: "m_bool" number: 24 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".httpapitest.All.MBoolEntry" }
  field { name: "m_str" number: 25 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".httpapitest.All.MStrEntry" }
  field { name: "o_str" number: 26 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
  field { name: "o_int" number: 27 label: LABEL_OPTIONAL type: TYPE_INT32 oneof_index: 0 }
  field { name: "d_i32" number: 40 label: LABEL_OPTIONAL type: TYPE_INT32 default_value: "-7" }
  field { name: "d_u64" number: 41 label: LABEL_OPTIONAL type: TYPE_UINT64 default_value: "18446744073709551615" }
  field { name: "d_db"  number: 42 label: LABEL_OPTIONAL type: TYPE_DOUBLE default_value: "inf" }
  field { name: "d_fl"  number: 43 label: LABEL_OPTIONAL type: TYPE_FLOAT default_value: "0.1" }
  field { name: "d_b"   number: 44 label: LABEL_OPTIONAL type: TYPE_BOOL default_value: "true" }
  field { name: "d_s"   number: 45 label: LABEL_OPTIONAL type: TYPE_STRING default_value: "q\"\n" }
  field { name: "d_by"  number: 46 label: LABEL_OPTIONAL type: TYPE_BYTES default_value: "\\001\\002" }
  field { name: "d_color" number: 47 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".httpapitest.Color" default_value: "BLUE" }
  field { name: "d_dep" number: 48 label: LABEL_OPTIONAL type: TYPE_STRING default_value: "*" options { deprecated: true } }
  nested_type { name: "MIntEntry" options { map_entry: true }
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_SINT64 }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING } }
  nested_type { name: "MBoolEntry" options { map_entry: true }
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_BOOL }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".httpapitest.Req" } }
  nested_type { name: "MStrEntry" options { map_entry: true }
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".httpapitest.Color" } }
  oneof_decl { name: "o" }
}
message_type {
  name: "Req"
  field { name: "id"   number: 1 label: LABEL_REQUIRED type: TYPE_STRING }
  field { name: "kind" number: 2 label: LABEL_REQUIRED type: TYPE_ENUM type_name: ".httpapitest.Color" }
  field { name: "sub"  number: 3 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".httpapitest.Req" }
  field { name: "subs" number: 4 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".httpapitest.Req" }
}
`

var allTypes, reqType protoreflect.MessageDescriptor

func init() {
	var fdp descriptorpb.FileDescriptorProto
	if err := prototext.Unmarshal([]byte(allTypesFile), &fdp); err != nil {
		panic(err)
	}
	fd, err := protodesc.NewFile(&fdp, nil)
	if err != nil {
		panic(err)
	}
	allTypes = fd.Messages().ByName("All")
	reqType = fd.Messages().ByName("Req")
}

// newAll returns an empty dynamic All message; its fields carry no defaults
// (the d_* fields are only for rendering tests).
func newAll() *dynamicpb.Message { return dynamicpb.NewMessage(allTypes) }

func newReq() *dynamicpb.Message { return dynamicpb.NewMessage(reqType) }

// allDefaults is how an empty All renders: every non-deprecated default.
const allDefaults = `"d_i32":-7,"d_u64":18446744073709551615,"d_db":"Infinity","d_fl":0.10000000149011612,` +
	`"d_b":true,"d_s":"q\"\n","d_by":"AQI=","d_color":"BLUE"`

func TestDynamicDescriptor(t *testing.T) {
	if allTypes == nil || reqType == nil || allTypes.Fields().Len() != 36 {
		t.Fatalf("test descriptor not built: %v", allTypes)
	}
}
