// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Health check results are counted: failures in the grace period, then
// failures, of a real command check.
func TestMetricsHealthChecks(t *testing.T) {
	t.Parallel()
	mr := telemetrytest.New(t)
	x, s := newSinkExecutor(t, true)
	x.m = newMetrics(mr.Provider)
	task := shellTask("t", "sleep 30")
	task.HealthCheck = &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String("exit 1")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.05),
		GracePeriodSeconds:  proto.Float64(1),
		ConsecutiveFailures: proto.Uint32(1),
	}
	launch(t, x, Command{}, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	s.expect(t, mesosproto.TaskState_TASK_RUNNING) // unhealthy after the grace period: killed
	deadline := time.Now().Add(10 * time.Second)
	for mr.Int("mesoskit.executor.health_checks", map[string]string{"mesoskit.health_check.result": "unhealthy"}) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("unhealthy results not counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := mr.Int("mesoskit.executor.health_checks", map[string]string{"mesoskit.health_check.result": "grace"}); n < 1 {
		t.Errorf("health_checks{grace} = %d, want ≥ 1", n)
	}
	if n := mr.Int("mesoskit.executor.health_checks", map[string]string{"mesoskit.health_check.result": "healthy"}); n != 0 {
		t.Errorf("health_checks{healthy} = %d for a check that always fails, want 0", n)
	}
}
