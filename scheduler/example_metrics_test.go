// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A Client pointed at an address where no master runs: WaitSubscribed says why it is not subscribed, and
// WithSubscribeTimeout makes Run fail instead of retrying for ever.
func ExampleWithSubscribeTimeout() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	c, err := scheduler.New(&mesosproto.FrameworkInfo{User: proto.String("demo"), Name: proto.String("demo")},
		scheduler.WithMaster(addr),
		scheduler.WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		scheduler.WithSubscribeTimeout(300*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background(), scheduler.Callbacks{}) }()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err = c.WaitSubscribed(ctx)
	cancel()
	fmt.Println("subscribed:", err == nil)

	err = <-done
	var opErr *net.OpError
	fmt.Println("subscribe timeout:", errors.Is(err, scheduler.ErrSubscribeTimeout))
	fmt.Println("cause is the connection:", errors.As(err, &opErr))
	// Output:
	// subscribed: false
	// subscribe timeout: true
	// cause is the connection: true
}
