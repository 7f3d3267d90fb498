// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// fuzzTypes are the message types the fuzz target decodes into, chosen by
// the input's first byte.
var fuzzTypes = []protoreflect.MessageType{
	(&schedulerpb.Event{}).ProtoReflect().Type(),
	(&schedulerpb.Call{}).ProtoReflect().Type(),
	(&executorpb.Event{}).ProtoReflect().Type(),
	(&executorpb.Call{}).ProtoReflect().Type(),
	(&mesosproto.Offer{}).ProtoReflect().Type(),
	(&mesosproto.TaskInfo{}).ProtoReflect().Type(),
}

// FuzzUnmarshal: on any input, Unmarshal agrees with proto.Unmarshal (both
// fail, or both give equal messages) and never aliases the input.
func FuzzUnmarshal(f *testing.F) {
	for _, m := range realMessages() {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		for i, mt := range fuzzTypes {
			if mt == m.ProtoReflect().Type() {
				f.Add(byte(i), b)
			}
		}
	}
	g := &wireGen{r: rand.New(rand.NewPCG(5, 6)), maxDepth: 3}
	for i, mt := range fuzzTypes {
		for range 4 {
			f.Add(byte(i), g.message(mt.Descriptor(), 0))
		}
	}
	f.Fuzz(func(t *testing.T, which byte, b []byte) {
		check(t, fuzzTypes[int(which)%len(fuzzTypes)], b)
	})
}
