// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// msgCheck is checkMessage's view of a message type, built once: the kind of
// each of its fields 1 to 15 (numbered as almost all of mesos.proto's
// fields are) without the descriptors' interface calls and map lookups;
// other numbers are looked up in md.
type msgCheck struct {
	md    protoreflect.MessageDescriptor
	dense [16]fieldCheck
}

// fieldCheck is one field of a msgCheck.
type fieldCheck struct {
	known bool
	list  bool
	kind  protoreflect.Kind
	msg   *msgCheck // for a message field
}

// Checks of the messages the decoder keeps in wire form.
var offerCheck, resourceCheck, attributeCheck = func() (*msgCheck, *msgCheck, *msgCheck) {
	built := map[protoreflect.FullName]*msgCheck{}
	return buildCheck(offerDesc, built), buildCheck(resourceDesc, built), buildCheck(attributeDesc, built)
}()

// buildCheck builds the msgCheck of md and of every message it reaches
// (built holds those made, for recursive types).
func buildCheck(md protoreflect.MessageDescriptor, built map[protoreflect.FullName]*msgCheck) *msgCheck {
	if c := built[md.FullName()]; c != nil {
		return c
	}
	c := &msgCheck{md: md}
	built[md.FullName()] = c
	for n := range c.dense {
		fd := md.Fields().ByNumber(protowire.Number(n))
		if fd == nil {
			continue
		}
		c.dense[n] = fieldCheck{known: true, list: fd.IsList(), kind: fd.Kind()}
		if fd.Kind() == protoreflect.MessageKind {
			c.dense[n].msg = buildCheck(fd.Message(), built)
		}
	}
	return c
}

// checkWith is checkMessage on a built check: whether proto.Unmarshal
// accepts b as message c.md at nesting depth left.
func checkWith(b []byte, c *msgCheck, left int) bool {
	if left <= 0 {
		return false
	}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return false
		}
		if f.typ == protowire.BytesType && !checkFieldWith(f, c, left) {
			return false
		}
		i = j
	}
	return true
}

// checkFieldWith checks the length-delimited field f of message c.
func checkFieldWith(f wireField, c *msgCheck, left int) bool {
	if f.num >= protowire.Number(len(c.dense)) {
		fd := c.md.Fields().ByNumber(f.num)
		return fd == nil || checkKnown(f, fd, left)
	}
	fc := &c.dense[f.num]
	switch {
	case !fc.known:
		return true
	case fc.msg != nil:
		return checkWith(f.v, fc.msg, left-1)
	case fc.kind == protoreflect.StringKind || fc.kind == protoreflect.BytesKind || fc.kind == protoreflect.GroupKind:
		return true // proto2 strings are not checked for UTF-8
	case !fc.list:
		return true // a length-delimited scalar: an unknown field
	}
	return checkPacked(f.v, fc.kind)
}
