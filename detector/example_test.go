// SPDX-License-Identifier: Apache-2.0

package detector_test

import (
	"context"
	"fmt"

	"github.com/mesoskit/mesoskit/detector"
)

// Parse accepts every master spec Mesos does; a static spec names its master at once. A zk:// spec would
// follow the leading master in ZooKeeper, and the channel would close at each change of leader.
func ExampleParse() {
	d, err := detector.Parse("10.0.0.1:5050")
	if err != nil {
		panic(err)
	}
	defer d.Close()

	leader, changed, err := d.Leader(context.Background())
	if err != nil {
		panic(err)
	}
	u, err := detector.MasterURL(leader, detector.Scheme(d, leader))
	if err != nil {
		panic(err)
	}
	fmt.Println(leader.GetPid(), u)
	select {
	case <-changed:
		fmt.Println("changed")
	default:
		fmt.Println("still leading")
	}
	// Output:
	// master@10.0.0.1:5050 http://10.0.0.1:5050
	// still leading
}

// A spec that Mesos would refuse is an error naming the problem, and never echoes a password.
func ExampleValidate() {
	fmt.Println(detector.Validate("zk://user:secret@127.0.0.1:2181/"))
	// Output:
	// detector: invalid master spec "zk://user:xxxxx@127.0.0.1:2181/": expecting a (chroot) path for ZooKeeper ('/' is not supported)
}
