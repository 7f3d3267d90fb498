// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// FuzzDecodeMember: a master's ZooKeeper node data (json.info_, info_ or a
// bare sequence number holding a UPID), as anyone who can write under the
// path may leave it, never panics the detector, and what it accepts has an
// address MasterURL can use.
func FuzzDecodeMember(f *testing.F) {
	mi := &mesosproto.MasterInfo{
		Id: proto.String("m-1"), Ip: proto.Uint32(0x0100007f), Port: proto.Uint32(5050),
		Pid: proto.String("master@127.0.0.1:5050"), Hostname: proto.String("localhost"),
		Address: &mesosproto.Address{Ip: proto.String("127.0.0.1"), Port: proto.Int32(5050)},
	}
	bin, _ := proto.Marshal(mi)
	for _, s := range []struct {
		label string
		data  []byte
	}{
		{labelJSON, []byte(`{"address":{"hostname":"localhost","ip":"127.0.0.1","port":5050},"hostname":"localhost","id":"m-1","ip":16777343,"pid":"master@127.0.0.1:5050","port":5050,"version":"1.11.0"}`)},
		{labelJSON, []byte(`{"id":"m","ip":0,"port":0}`)},
		{labelJSON, []byte(`{"address":{"ip":"::1","port":65536}}`)},
		{labelBinary, bin},
		{labelNone, []byte("master@127.0.0.1:5050")},
		{labelNone, []byte("master@[::1]:5050")},
		{labelNone, []byte("@:")},
	} {
		f.Add(s.label, s.data)
	}
	f.Fuzz(func(t *testing.T, label string, data []byte) {
		got, err := decodeMember(label, data)
		if err != nil {
			return
		}
		if _, err := MasterURL(got, "http"); err != nil {
			t.Fatalf("decodeMember(%q, %q) accepted %v, which MasterURL refuses: %v", label, data, got, err)
		}
	})
}
