// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/executor"
)

// fuzzSecret is the authentication token of every fuzzed environment: it
// must never appear in an error.
const fuzzSecret = "s3cr3t-token-value"

// FuzzConfigFromLookup: the agent's environment for an executor never
// panics ConfigFromLookup; a refusal is a *ConfigError that does not repeat
// the token, and what is accepted has the required identities.
func FuzzConfigFromLookup(f *testing.F) {
	f.Add("fw-1", "ex-1", "slave(1)@127.0.0.1:5051", "", "1", "5secs", "15mins", "2secs", "0", "/tmp/s")
	f.Add("fw-1", "ex-1", "", "127.0.0.1:5051", "0", "", "", "", "true", "")
	f.Add("", "", "", "", "yes", "-1secs", "1e400days", "nan", "2", "")
	f.Add("fw", "ex", "slave(1)@[::1]:1", "unix:///x", "1", "1ns", "0secs", "9223372036854775807ns", "false", "rel/path")
	f.Fuzz(func(t *testing.T, fw, ex, pid, endpoint, checkpoint, grace, recovery, backoff, ssl, sandbox string) {
		env := map[string]string{
			executor.EnvFrameworkID: fw, executor.EnvExecutorID: ex, executor.EnvAgentPID: pid,
			executor.EnvAgentEndpoint: endpoint, executor.EnvCheckpoint: checkpoint,
			executor.EnvShutdownGracePeriod: grace, executor.EnvRecoveryTimeout: recovery,
			executor.EnvSubscriptionBackoffMax: backoff, executor.EnvSSLEnabled: ssl, executor.EnvSandbox: sandbox,
			executor.EnvAuthenticationToken: fuzzSecret,
		}
		lookup := func(k string) (string, bool) {
			v, ok := env[k]
			if !ok || v == "" {
				return "", false
			}
			return v, true
		}
		cfg, err := executor.ConfigFromLookup(lookup)
		if err != nil {
			var ce *executor.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if strings.Contains(err.Error(), fuzzSecret) {
				t.Fatalf("the token appears in the error: %v", err)
			}
			return
		}
		if cfg.FrameworkID == "" || cfg.ExecutorID == "" {
			t.Fatalf("accepted without identities: %+v", cfg)
		}
		if s := fmt.Sprintf("%v %+v", cfg, cfg); strings.Contains(s, fuzzSecret) {
			t.Fatalf("the token appears in the formatted Config: %s", s)
		}
	})
}
