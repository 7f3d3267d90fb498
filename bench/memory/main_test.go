// SPDX-License-Identifier: Apache-2.0

package memory

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestHold: both decode paths give the offers they are asked to keep.
func TestHold(t *testing.T) {
	stream := offersStream(t)
	if n := len(holdMesoskit(t, stream, false)); n != events {
		t.Fatalf("mesoskit held %d offers, want %d", n, events)
	}
	if n := len(holdMesosGo(t, stream, true)); n != events {
		t.Fatalf("mesos-go held %d events, want %d", n, events)
	}
}
