// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// fieldPlan is what the JSON encoder and decoder need to know about one
// field, computed once per message descriptor.
type fieldPlan struct {
	fd         protoreflect.FieldDescriptor
	key        string // `"name":`
	useDefault bool   // singular with an explicit default, not deprecated
	def        protoreflect.Value
	closedEnum protoreflect.EnumDescriptor // set if the value (or map value) is a closed enum

	// enumNames maps the names of the field's (or map value's) enum to numbers.
	enumNames map[string]protoreflect.EnumNumber

	// Wire format, for the decoder: the tag of each value (each element of
	// a repeated field, each entry of a map); for maps the tags of the
	// entry's key (1) and value (2); for groups the end tag.
	tag, keyTag, valTag, endTag []byte
}

type messagePlan struct {
	fields []fieldPlan           // declaration order
	byName map[string]*fieldPlan // proto names and JSON (lowerCamel) names
}

// plans caches a *messagePlan per protoreflect.MessageDescriptor.
var plans sync.Map

func planFor(md protoreflect.MessageDescriptor) *messagePlan {
	if p, ok := plans.Load(md); ok {
		return p.(*messagePlan)
	}
	fds := md.Fields()
	p := &messagePlan{fields: make([]fieldPlan, fds.Len())}
	for i := range fds.Len() {
		fd := fds.Get(i) // declaration order
		f := fieldPlan{fd: fd, key: string(appendString(nil, string(fd.Name()))) + ":"}
		if fd.Cardinality() != protoreflect.Repeated && fd.HasDefault() && !isDeprecated(fd) {
			f.useDefault = true
			f.def = fd.Default()
		}
		vd := fd
		if fd.IsMap() {
			vd = fd.MapValue()
			f.tag = protowire.AppendTag(nil, fd.Number(), protowire.BytesType)
			f.keyTag = protowire.AppendTag(nil, 1, wireType(fd.MapKey().Kind()))
			f.valTag = protowire.AppendTag(nil, 2, wireType(vd.Kind()))
		} else {
			f.tag = protowire.AppendTag(nil, fd.Number(), wireType(fd.Kind()))
			if fd.Kind() == protoreflect.GroupKind {
				f.endTag = protowire.AppendTag(nil, fd.Number(), protowire.EndGroupType)
			}
		}
		if vd.Kind() == protoreflect.EnumKind {
			if vd.Enum().IsClosed() {
				f.closedEnum = vd.Enum()
			}
			vals := vd.Enum().Values()
			f.enumNames = make(map[string]protoreflect.EnumNumber, vals.Len())
			for j := range vals.Len() {
				f.enumNames[string(vals.Get(j).Name())] = vals.Get(j).Number()
			}
		}
		p.fields[i] = f
	}
	p.byName = make(map[string]*fieldPlan, 2*len(p.fields))
	for i := range p.fields {
		f := &p.fields[i]
		p.byName[f.fd.JSONName()] = f
	}
	for i := range p.fields { // proto names win over a clashing JSON name
		f := &p.fields[i]
		p.byName[string(f.fd.Name())] = f
	}
	actual, _ := plans.LoadOrStore(md, p)
	return actual.(*messagePlan)
}

func isDeprecated(fd protoreflect.FieldDescriptor) bool {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	return ok && opts.GetDeprecated()
}

// wireType is the (unpacked) wire type of a value of the given kind.
func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}
