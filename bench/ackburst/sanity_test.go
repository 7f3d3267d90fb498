// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"testing"
)

// TestSmallBurst runs every client through a burst of 200 updates: all are
// acknowledged (Wait returns) and the clients shut down cleanly.
func TestSmallBurst(t *testing.T) {
	srv, err := newSmallServer(200)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			if d := oneBurst(t, srv, c.run); d <= 0 {
				t.Fatalf("burst took %v", d)
			}
		})
	}
}
