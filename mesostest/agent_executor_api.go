// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithExecutorRegistrationTimeout sets how long a custom executor has to
// subscribe after its launch before the agent destroys it (default
// DefaultExecutorRegistrationTimeout; its tasks fail with
// REASON_EXECUTOR_REGISTRATION_TIMEOUT).
func WithExecutorRegistrationTimeout(d time.Duration) Option {
	return func(c *config) { c.exec.registrationTimeout = d }
}

// WithExecutorReregistrationTimeout sets how long checkpointing executors
// have to subscribe again after RestartAgent (default
// DefaultExecutorReregistrationTimeout). Executors also get it as
// MESOS_SUBSCRIPTION_BACKOFF_MAX, as from a Mesos agent.
func WithExecutorReregistrationTimeout(d time.Duration) Option {
	return func(c *config) { c.exec.reregistrationTimeout = d }
}

// WithExecutorShutdownGracePeriod sets the time between SHUTDOWN and the
// destruction of an executor when its ExecutorInfo has no
// shutdown_grace_period (default DefaultExecutorShutdownGracePeriod); it is
// the executor's MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD.
func WithExecutorShutdownGracePeriod(d time.Duration) Option {
	return func(c *config) { c.exec.shutdownGracePeriod = d }
}

// WithExecutorRecoveryTimeout sets MESOS_RECOVERY_TIMEOUT for checkpointing
// executors (default DefaultRecoveryTimeout).
func WithExecutorRecoveryTimeout(d time.Duration) Option {
	return func(c *config) { c.exec.recoveryTimeout = d }
}

// WithExecutorHeartbeatInterval sets the interval of HEARTBEAT events on
// executor streams (default DefaultExecutorHeartbeatInterval).
func WithExecutorHeartbeatInterval(d time.Duration) Option {
	return func(c *config) { c.exec.heartbeatInterval = d }
}

// WithExecutorAuthentication makes agents require a bearer token from their
// executors, as --authenticate_http_executors does: each executor gets its
// own in MESOS_EXECUTOR_AUTHENTICATION_TOKEN (an opaque string here, a JWT in
// Mesos); a missing or unknown token gets 401, another executor's 403.
func WithExecutorAuthentication() Option {
	return func(c *config) { c.exec.authenticate = true }
}

// WithExecutorEnv adds "KEY=value" variables to every custom executor's
// environment (the agent's --executor_environment_variables).
func WithExecutorEnv(kv ...string) Option {
	return func(c *config) { c.exec.env = append(c.exec.env, kv...) }
}

// ExecutorStatus describes a custom executor on an agent.
type ExecutorStatus struct {
	AgentID     string
	FrameworkID string
	ExecutorID  string
	ContainerID string
	Sandbox     string
	// State is REGISTERING, RUNNING (subscribed), TERMINATING or TERMINATED.
	State string
	// PID is the executor process's, 0 before it started.
	PID int
	// Subscriptions counts the SUBSCRIBE calls that were accepted.
	Subscriptions int
	// Subscribed reports a live event stream.
	Subscribed bool
	Checkpoint bool
	// Endpoint is the agent's executor API address ("127.0.0.1:port").
	Endpoint string
	// ExitStatus says how the process ended ("exited with status 0"), once
	// State is TERMINATED.
	ExitStatus string
	// Image names the container image that WithImageEmulation did not use
	// to run the executor ("" when its container has none).
	Image string
}

func (run *executorRun) statusLocked() ExecutorStatus {
	st := ExecutorStatus{
		AgentID: run.a.id, FrameworkID: run.key.framework, ExecutorID: run.key.executor,
		ContainerID: run.containerID, Sandbox: run.sandbox, State: run.state.String(),
		Subscriptions: run.subscriptions, Subscribed: run.stream != nil && run.state == executorRunning,
		Checkpoint: run.checkpoint, ExitStatus: run.exitStatus,
	}
	if run.s.emulated(run.info.GetContainer()) {
		st.Image = imageName(run.info.GetContainer())
	}
	if run.proc != nil {
		st.PID = run.proc.Pid
	}
	if run.a.ex != nil && run.a.ex.srv != nil {
		st.Endpoint = "127.0.0.1:" + strconv.Itoa(run.a.ex.srv.port)
	}
	return st
}

// Executors lists the custom executors of every agent, including those a
// RestartAgent forgot whose processes still run, and (State TERMINATED)
// those that have exited.
func (s *Server) Executors() []ExecutorStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executorsLocked()
}

func (s *Server) executorsLocked() []ExecutorStatus {
	var out []ExecutorStatus
	for _, a := range s.agents {
		if a.ex == nil {
			continue
		}
		for _, run := range a.ex.runs {
			out = append(out, run.statusLocked())
		}
		for _, run := range a.ex.orphans {
			out = append(out, run.statusLocked())
		}
		out = append(out, a.ex.exited...)
	}
	return out
}

// WaitExecutor waits until executor executorID of framework frameworkID
// satisfies cond and returns its status. With several matches (an executor
// that exited and was launched again) any satisfying one counts. cond runs
// without the cluster's lock: it may call the Server.
func (s *Server) WaitExecutor(ctx context.Context, frameworkID, executorID string, cond func(ExecutorStatus) bool) (ExecutorStatus, error) {
	var found ExecutorStatus
	err := waitOutside(ctx, s, func() []ExecutorStatus {
		var matches []ExecutorStatus
		for _, st := range s.executorsLocked() {
			if st.FrameworkID == frameworkID && st.ExecutorID == executorID {
				matches = append(matches, st)
			}
		}
		return matches
	}, func(matches []ExecutorStatus) bool {
		for _, st := range matches {
			if cond(st) {
				found = st
				return true
			}
		}
		return false
	})
	if err != nil {
		return ExecutorStatus{}, fmt.Errorf("mesostest: waiting for executor %q: %w", executorID, err)
	}
	return found, nil
}

func (s *Server) findExecutorLocked(frameworkID, executorID string) *executorRun {
	for _, a := range s.agents {
		if a.ex != nil {
			if run := a.ex.runs[executorKey{frameworkID, executorID}]; run != nil {
				return run
			}
		}
	}
	return nil
}

// KillExecutor SIGKILLs an executor's process group, as a crash would: its
// live tasks then fail with REASON_EXECUTOR_TERMINATED.
func (s *Server) KillExecutor(frameworkID, executorID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.findExecutorLocked(frameworkID, executorID)
	if run == nil {
		return fmt.Errorf("mesostest: KillExecutor: no executor %q of framework %q", executorID, frameworkID)
	}
	run.killLocked()
	return nil
}

// ShutdownExecutor sends SHUTDOWN to an executor and destroys it after its
// shutdown grace period, as the SHUTDOWN call of a scheduler does.
func (s *Server) ShutdownExecutor(frameworkID, executorID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.findExecutorLocked(frameworkID, executorID)
	if run == nil {
		return fmt.Errorf("mesostest: ShutdownExecutor: no executor %q of framework %q", executorID, frameworkID)
	}
	run.shutdownLocked()
	return nil
}

// RestartAgent simulates a restart of an agent with --recover=reconnect, as
// seen by its executors. At once, every executor stream breaks and the
// executor endpoint stops listening (connections are refused). Executors of
// frameworks that do not checkpoint are forgotten: their live tasks get
// TASK_LOST (TASK_DROPPED when partition-aware) "Reconciliation: task
// unknown to the agent", REASON_RECONCILIATION, and their processes are left
// to exit by themselves (as they must without checkpointing; Close kills
// any that do not). After down/2 the endpoint listens again on the same
// port but answers 503 "Agent has not finished recovery" to everything;
// after down it is RECOVERING: checkpointing executors may SUBSCRIBE (other
// calls get 503) and have the reregistration timeout to do so, after which
// those still missing are destroyed and their tasks get TASK_LOST (or
// TASK_DROPPED), REASON_EXECUTOR_REREGISTRATION_TIMEOUT. Task status update
// streams of checkpointing frameworks survive the restart.
func (s *Server) RestartAgent(agentID string, down time.Duration) error {
	s.mu.Lock()
	a := s.agentByID[agentID]
	if a == nil {
		s.mu.Unlock()
		return fmt.Errorf("mesostest: RestartAgent: unknown agent %q", agentID)
	}
	ex := a.exec()
	if ex.srv == nil {
		// No executor ever ran here: nothing to see.
		s.mu.Unlock()
		return nil
	}
	s.log.Info("agent restarting", zap.String("agent_id", agentID), zap.Duration("down", down))
	ex.down = true
	ex.recovering = false
	ex.recoverGen++
	gen := ex.recoverGen
	hs := ex.srv.hs
	for key, run := range ex.runs {
		if run.stream != nil {
			run.stream.closeLocked(true)
			run.stream = nil
		}
		if run.checkpoint {
			if run.state == executorRunning {
				run.state = executorRegistering
			}
			continue
		}
		delete(ex.runs, key)
		ex.orphans = append(ex.orphans, run)
		for id, t := range run.tasks {
			if !t.terminated && !t.gone {
				t.statusLocked(lostStateFor(run.fwInfo, mesosproto.TaskState_TASK_DROPPED),
					"Reconciliation: task unknown to the agent", mesosproto.TaskStatus_REASON_RECONCILIATION.Enum(),
					mesosproto.TaskStatus_SOURCE_AGENT)
			}
			delete(run.tasks, id)
		}
		run.queued = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	_ = hs.Close()

	// The endpoint comes back on the same port. Listening may have to wait
	// for the old socket, so it is done without s.mu; Close waits for it
	// (s.wg, added while not closed, under s.mu, as Close sets closed).
	time.AfterFunc(down/2, func() {
		s.mu.Lock()
		if s.closed || ex.recoverGen != gen {
			s.mu.Unlock()
			return
		}
		s.wg.Add(1)
		defer s.wg.Done()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ex.srv.port))
		s.mu.Unlock()
		ln, err := listenRetry(addr)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case err != nil:
			s.log.Error("agent endpoint cannot listen again", zap.Error(err))
		case s.closed || ex.recoverGen != gen:
			_ = ln.Close()
		default:
			s.serveAgentLocked(ex.srv, ln)
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.afterLocked(down, func() {
		if ex.recoverGen != gen {
			return
		}
		ex.down = false
		ex.recovering = true
		s.log.Info("agent recovering", zap.String("agent_id", agentID))
		timeout := orDefault(s.cfg.exec.reregistrationTimeout, DefaultExecutorReregistrationTimeout)
		s.afterLocked(timeout, func() {
			if ex.recoverGen != gen || !ex.recovering {
				return
			}
			for _, run := range ex.runs {
				if run.state == executorRegistering {
					run.destroyLocked(&termination{lostStateFor(run.fwInfo, mesosproto.TaskState_TASK_DROPPED),
						mesosproto.TaskStatus_REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
						"Executor did not reregister within " + formatDuration(timeout)})
				}
			}
			ex.recovering = false
			s.notifyLocked()
		})
		s.checkRecoveredLocked(a)
		s.notifyLocked()
	})
	return nil
}

// checkRecoveredLocked ends RECOVERING once every executor has subscribed
// again or is gone.
func (s *Server) checkRecoveredLocked(a *agent) {
	ex := a.ex
	if ex == nil || !ex.recovering {
		return
	}
	for _, run := range ex.runs {
		if run.state == executorRegistering {
			return
		}
	}
	ex.recovering = false
	s.log.Info("agent recovered", zap.String("agent_id", a.id))
	s.notifyLocked()
}
