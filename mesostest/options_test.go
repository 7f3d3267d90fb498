// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// NewServer reports every invalid option at once, as New does in every package.
func TestInvalidOptionsReportedAtOnce(t *testing.T) {
	_, err := NewServer(WithMasters(0), WithHeartbeatInterval(-time.Second), WithMaxCompletedTasksPerFramework(-1),
		WithCredentials(map[string]string{}))
	if !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("NewServer = %v, want ErrInvalidOption", err)
	}
	for _, want := range []string{"WithMasters(0)", "heartbeat interval", "WithMaxCompletedTasksPerFramework(-1)", "WithCredentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error misses %q: %v", want, err)
		}
	}
}

// WithLogger(nil) means the default, no logging, as in every package.
func TestNilLogger(t *testing.T) {
	srv, err := NewServer(WithLogger(nil), WithAgents(0, ""))
	if err != nil {
		t.Fatalf("NewServer(WithLogger(nil)) = %v", err)
	}
	srv.Close()
}
