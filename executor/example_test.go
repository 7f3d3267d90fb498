// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"errors"
	"fmt"

	"github.com/mesoskit/mesoskit/executor"
)

// An executor reads what the agent tells it from its environment (ConfigFromEnv); ConfigFromLookup takes
// any lookup function, which is how a test builds a Config. Every problem is reported at once.
func ExampleConfigFromLookup() {
	env := map[string]string{
		"MESOS_FRAMEWORK_ID":                   "fw-1",
		"MESOS_EXECUTOR_ID":                    "web-1",
		"MESOS_SLAVE_PID":                      "slave(1)@10.0.0.2:5051",
		"MESOS_CHECKPOINT":                     "1",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs",
		"MESOS_RECOVERY_TIMEOUT":               "15mins",
	}
	cfg, err := executor.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.AgentURL, cfg.Checkpoint, cfg.ShutdownGracePeriod, cfg.RecoveryTimeout)

	_, err = executor.ConfigFromLookup(func(k string) (string, bool) {
		if k == "MESOS_CHECKPOINT" {
			return "true", true
		}
		return "", false
	})
	var ce *executor.ConfigError
	fmt.Println(errors.As(err, &ce))
	fmt.Println(err)
	// Output:
	// http://10.0.0.2:5051/slave(1)/api/v1/executor true 5s 15m0s
	// true
	// executor: invalid environment: MESOS_FRAMEWORK_ID: executor: environment variable not set; MESOS_EXECUTOR_ID: executor: environment variable not set; MESOS_CHECKPOINT="true": executor: invalid environment variable: must be "1" or "0"; MESOS_SLAVE_PID or MESOS_AGENT_ENDPOINT: executor: environment variable not set
}
