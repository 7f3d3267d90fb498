// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mesoskit/mesoskit/executor"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// agentEnv is what a Mesos agent sets for a checkpointing framework.
func agentEnv() map[string]string {
	return map[string]string{
		"MESOS_FRAMEWORK_ID":                   "fw-0001",
		"MESOS_EXECUTOR_ID":                    "ex-1",
		"MESOS_SLAVE_PID":                      "slave(1)@10.0.0.2:5051",
		"MESOS_AGENT_ENDPOINT":                 "10.0.0.2:5051",
		"MESOS_SLAVE_ID":                       "agent-S0",
		"MESOS_DIRECTORY":                      "/var/lib/mesos/slaves/x/runs/y",
		"MESOS_SANDBOX":                        "/mnt/mesos/sandbox",
		"MESOS_CHECKPOINT":                     "1",
		"MESOS_HTTP_COMMAND_EXECUTOR":          "0",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs",
		"MESOS_RECOVERY_TIMEOUT":               "15mins",
		"MESOS_SUBSCRIPTION_BACKOFF_MAX":       "2secs",
		"MESOS_EXECUTOR_AUTHENTICATION_TOKEN":  "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig",
	}
}

func TestConfigFromLookupEveryVariable(t *testing.T) {
	cfg, err := executor.ConfigFromLookup(lookupMap(agentEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := executor.Config{
		FrameworkID:            "fw-0001",
		ExecutorID:             "ex-1",
		AgentID:                "agent-S0",
		AgentPID:               "slave(1)@10.0.0.2:5051",
		AgentEndpoint:          "10.0.0.2:5051",
		AgentURL:               "http://10.0.0.2:5051/slave(1)/api/v1/executor",
		Directory:              "/var/lib/mesos/slaves/x/runs/y",
		Sandbox:                "/mnt/mesos/sandbox",
		Checkpoint:             true,
		ShutdownGracePeriod:    5 * time.Second,
		RecoveryTimeout:        15 * time.Minute,
		SubscriptionBackoffMax: 2 * time.Second,
		AuthenticationToken:    "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig",
	}
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestConfigFromLookupCases(t *testing.T) {
	minimal := func() map[string]string {
		return map[string]string{
			"MESOS_FRAMEWORK_ID":   "fw",
			"MESOS_EXECUTOR_ID":    "ex",
			"MESOS_AGENT_ENDPOINT": "127.0.0.1:5051",
		}
	}
	cases := []struct {
		name  string
		edit  func(m map[string]string)
		check func(t *testing.T, c executor.Config)
		bad   []string // variables reported, in order
	}{
		{name: "minimal: endpoint only, defaults", edit: func(map[string]string) {},
			check: func(t *testing.T, c executor.Config) {
				if c.AgentURL != "http://127.0.0.1:5051/api/v1/executor" || c.Checkpoint ||
					c.ShutdownGracePeriod != executor.DefaultShutdownGracePeriod || c.RecoveryTimeout != 0 {
					t.Errorf("%v", c)
				}
			}},
		{name: "checkpoint 0 means off", edit: func(m map[string]string) { m["MESOS_CHECKPOINT"] = "0" },
			check: func(t *testing.T, c executor.Config) {
				if c.Checkpoint {
					t.Error("MESOS_CHECKPOINT=0 read as on")
				}
			}},
		{name: "recovery variables ignored without checkpoint", edit: func(m map[string]string) {
			m["MESOS_CHECKPOINT"] = "0"
			m["MESOS_RECOVERY_TIMEOUT"] = "bogus"
		}, check: func(t *testing.T, c executor.Config) {
			if c.RecoveryTimeout != 0 || c.SubscriptionBackoffMax != 0 {
				t.Errorf("%v", c)
			}
		}},
		{name: "checkpoint without recovery variables takes the agent defaults", edit: func(m map[string]string) {
			m["MESOS_CHECKPOINT"] = "1"
		}, check: func(t *testing.T, c executor.Config) {
			if !c.Checkpoint || c.RecoveryTimeout != 15*time.Minute || c.SubscriptionBackoffMax != 2*time.Second {
				t.Errorf("%v", c)
			}
		}},
		{name: "http command executor", edit: func(m map[string]string) { m["MESOS_HTTP_COMMAND_EXECUTOR"] = "1" },
			check: func(t *testing.T, c executor.Config) {
				if !c.HTTPCommandExecutor {
					t.Error("not set")
				}
			}},
		{name: "pid wins over endpoint", edit: func(m map[string]string) { m["MESOS_SLAVE_PID"] = "slave(1)@10.1.1.1:5052" },
			check: func(t *testing.T, c executor.Config) {
				if c.AgentURL != "http://10.1.1.1:5052/slave(1)/api/v1/executor" {
					t.Error(c.AgentURL)
				}
			}},
		{name: "ssl gives https", edit: func(m map[string]string) { m["LIBPROCESS_SSL_ENABLED"] = "true" },
			check: func(t *testing.T, c executor.Config) {
				if !c.TLS || c.AgentURL != "https://127.0.0.1:5051/api/v1/executor" {
					t.Error(c.AgentURL)
				}
			}},
		{name: "ipv6 pid", edit: func(m map[string]string) { m["MESOS_SLAVE_PID"] = "slave(1)@[::1]:5051" },
			check: func(t *testing.T, c executor.Config) {
				if c.AgentURL != "http://[::1]:5051/slave(1)/api/v1/executor" {
					t.Error(c.AgentURL)
				}
			}},
		{name: "domain socket", edit: func(m map[string]string) { m["MESOS_DOMAIN_SOCKET"] = "/run/agent.sock" },
			check: func(t *testing.T, c executor.Config) {
				if c.DomainSocket != "/run/agent.sock" {
					t.Error(c.DomainSocket)
				}
			}},
		{name: "fractional grace", edit: func(m map[string]string) { m["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "1.5secs" },
			check: func(t *testing.T, c executor.Config) {
				if c.ShutdownGracePeriod != 1500*time.Millisecond {
					t.Error(c.ShutdownGracePeriod)
				}
			}},
		{name: "missing ids and endpoint", edit: func(m map[string]string) {
			delete(m, "MESOS_FRAMEWORK_ID")
			m["MESOS_EXECUTOR_ID"] = ""
			delete(m, "MESOS_AGENT_ENDPOINT")
		}, bad: []string{"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_SLAVE_PID or MESOS_AGENT_ENDPOINT"}},
		{name: "checkpoint true is not 1", edit: func(m map[string]string) { m["MESOS_CHECKPOINT"] = "true" },
			bad: []string{"MESOS_CHECKPOINT"}},
		{name: "every problem at once", edit: func(m map[string]string) {
			m["MESOS_CHECKPOINT"] = "yes"
			m["MESOS_HTTP_COMMAND_EXECUTOR"] = "2"
			m["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "5s"
			m["MESOS_SLAVE_PID"] = "10.0.0.1:5051"
			m["MESOS_AGENT_ENDPOINT"] = "10.0.0.1"
			m["MESOS_DOMAIN_SOCKET"] = "/" + strings.Repeat("x", 120)
			m["LIBPROCESS_SSL_ENABLED"] = "maybe"
		}, bad: []string{"MESOS_CHECKPOINT", "MESOS_HTTP_COMMAND_EXECUTOR", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
			"LIBPROCESS_SSL_ENABLED", "MESOS_DOMAIN_SOCKET", "MESOS_SLAVE_PID", "MESOS_AGENT_ENDPOINT"}},
		{name: "bad recovery durations when checkpointing", edit: func(m map[string]string) {
			m["MESOS_CHECKPOINT"] = "1"
			m["MESOS_RECOVERY_TIMEOUT"] = "-1secs"
			m["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2 secs"
		}, bad: []string{"MESOS_RECOVERY_TIMEOUT", "MESOS_SUBSCRIPTION_BACKOFF_MAX"}},
		{name: "bad port", edit: func(m map[string]string) { m["MESOS_AGENT_ENDPOINT"] = "127.0.0.1:99999" },
			bad: []string{"MESOS_AGENT_ENDPOINT"}},
		{name: "empty token", edit: func(m map[string]string) { m["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = "" },
			bad: []string{"MESOS_EXECUTOR_AUTHENTICATION_TOKEN"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := minimal()
			tc.edit(m)
			cfg, err := executor.ConfigFromLookup(lookupMap(m))
			if tc.bad == nil {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, cfg)
				return
			}
			var ce *executor.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.Name)
				if !strings.Contains(err.Error(), p.Name) {
					t.Errorf("error text misses %s: %v", p.Name, err)
				}
			}
			if d := cmp.Diff(tc.bad, got); d != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", d, err)
			}
			if !errors.Is(err, executor.ErrMissingVariable) && !errors.Is(err, executor.ErrInvalidVariable) &&
				!errors.Is(err, executor.ErrUnsupported) {
				t.Errorf("error wraps no sentinel: %v", err)
			}
		})
	}
}

func TestConfigNeverShowsToken(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	env := agentEnv()
	env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = secret + "\n"
	env["MESOS_CHECKPOINT"] = "bad"
	cfg, err := executor.ConfigFromLookup(lookupMap(env))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error shows the token or is nil: %v", err)
	}
	var ce *executor.ConfigError
	if !errors.As(err, &ce) || !ce.Has("MESOS_EXECUTOR_AUTHENTICATION_TOKEN") || !ce.Has("MESOS_CHECKPOINT") {
		t.Fatalf("problems: %v", err)
	}
	cfg.AuthenticationToken = secret
	js, _ := json.Marshal(cfg)
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(cfg.AuthenticationToken), string(js)} {
		if strings.Contains(s, secret) {
			t.Errorf("token shown in %q", s)
		}
		if !strings.Contains(s, "redacted") {
			t.Errorf("no redaction marker in %q", s)
		}
	}
}

func TestConfigFromEnvRemovesToken(t *testing.T) {
	for k, v := range agentEnv() {
		t.Setenv(k, v)
	}
	cfg, err := executor.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthenticationToken == "" {
		t.Fatal("token not read")
	}
	if v, ok := lookupEnv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN"); ok {
		t.Errorf("token still in the environment: %d bytes", len(v))
	}
}
