// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mesoskit/mesoskit/ha"
)

// Two replicas of a scheduler campaign on one path; the first to create its node leads, and its Term lasts
// until it resigns. A fenced record write succeeds only while the writer's Term lasts.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := ha.Connect(zkServer.Cluster().Servers(), ha.WithSessionTimeout(2*time.Second))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	election, err := ha.NewElection(conn, "/examples/run/election")
	if err != nil {
		panic(err)
	}
	records, err := ha.NewRecords(conn, "/examples/run/records")
	if err != nil {
		panic(err)
	}

	err = ha.Run(ctx, election, func(ctx context.Context, t *ha.Term) error {
		fmt.Println("leading")
		// The work of a term: here, record that it ran. Returning nil ends Run: the work is done.
		_, err := records.Fenced(t).Put(ctx, "done", []byte("yes"), ha.Absent)
		return err
	})
	if err != nil {
		panic(err)
	}
	rec, err := records.Get(ctx, "done")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s=%s\n", rec.Key, rec.Data)
	// Output:
	// leading
	// done=yes
}
