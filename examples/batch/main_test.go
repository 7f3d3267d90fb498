// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func batchRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	t.Logf("exit %d\n%s%s", code, out.String(), errOut.String())
	return code, out.String()
}

// TestRetrySucceeds runs the example as `go run ./examples/batch` does: the flaky job fails once and
// succeeds on its retry.
func TestRetrySucceeds(t *testing.T) {
	for _, ct := range []string{scheduler.ContentTypeProtobuf, scheduler.ContentTypeJSON} {
		t.Run(ct, func(t *testing.T) {
			code, out := batchRun(t, "-content-type", ct)
			if code != 0 {
				t.Fatalf("exit status %d, want 0", code)
			}
			for _, want := range []string{"flaky-1      TASK_FAILED", "; retrying", "flaky-2      succeeded", "4/4 jobs succeeded"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Contains(out, "flaky-3") {
				t.Error("a third attempt of flaky after it succeeded")
			}
		})
	}
}

// TestNoRetriesFails: without retries the flaky job fails for good, and the batch exits 1.
func TestNoRetriesFails(t *testing.T) {
	code, out := batchRun(t, "-retries", "0")
	if code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	if !strings.Contains(out, "giving up after 1 attempts") || !strings.Contains(out, "3/4 jobs succeeded") {
		t.Errorf("unexpected output")
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-retries", "-1"}, {"extra"}, {"-content-type", "text/xml"}, {"-nope"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("run(%q) = %d with stderr %q, want 2 and an error", args, code, errOut.String())
		}
	}
}
