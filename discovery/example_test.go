// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"fmt"

	"github.com/mesoskit/mesoskit/discovery"
)

// A member as announced: the ServerSet JSON document that Prometheus, Finagle and Aurora's clients read.
func ExampleMember_Marshal() {
	shard := 0
	m := discovery.Member{
		ServiceEndpoint:     discovery.Endpoint{Host: "10.0.0.5", Port: 31000},
		AdditionalEndpoints: map[string]discovery.Endpoint{"http": {Host: "10.0.0.5", Port: 31001}},
		Shard:               &shard,
	}
	data, err := m.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
	back, err := discovery.ParseMember(data)
	fmt.Println(back.ServiceEndpoint, back.Status, err)
	// Output:
	// {"serviceEndpoint":{"host":"10.0.0.5","port":31000},"additionalEndpoints":{"http":{"host":"10.0.0.5","port":31001}},"status":"ALIVE","shard":0}
	// 10.0.0.5:31000 ALIVE <nil>
}
