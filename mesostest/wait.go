// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// waitChangeLocked returns a channel closed at the next observable change.
func (s *Server) waitChangeLocked() <-chan struct{} {
	s.watched = true
	return s.changed
}

// waitFor calls check with s.mu held until it reports done, ctx ends or the
// server closes.
func (s *Server) waitFor(ctx context.Context, check func() bool) error {
	return waitOutside(ctx, s, check, func(done bool) bool { return done })
}

// waitOutside takes a snapshot with s.mu held and passes it to done without
// the lock, until done reports true, ctx ends or the server closes. done may
// call the Server, panic or end its goroutine: the lock is not held.
func waitOutside[T any](ctx context.Context, s *Server, snapshotLocked func() T, done func(T) bool) error {
	for {
		s.mu.Lock()
		snap := snapshotLocked()
		closed := s.closed
		ch := s.waitChangeLocked() // taken under the lock: no change is missed
		s.mu.Unlock()
		if done(snap) {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitTask waits until task taskID has reached state and returns that
// status (the first one with that state). It returns at once if that
// happened earlier. States come from the agents (executor and agent
// updates) and from the master's own updates for tasks that never started
// (TASK_ERROR, TASK_LOST/DROPPED for invalid offers); reconciliation
// answers are not states reached. With WithoutHistory the status returned
// carries only the task id and the state. Tasks are known by id alone:
// statuses of tasks of different frameworks with the same id are kept
// together. The history of a completed task is forgotten once
// WithMaxCompletedTasksPerFramework (default 1000) later tasks of its
// framework have completed, unless another framework still runs or
// remembers a task of that id: WaitTask then waits for it as for a task
// never seen, until ctx ends.
func (s *Server) WaitTask(ctx context.Context, taskID string, state mesosproto.TaskState) (*mesosproto.TaskStatus, error) {
	var found *mesosproto.TaskStatus
	err := s.waitFor(ctx, func() bool {
		if s.cfg.noHistory {
			if state >= 0 && state < 64 && s.reached[taskID]&(1<<uint(state)) != 0 {
				found = &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String(taskID)}, State: state.Enum()}
				return true
			}
			return false
		}
		for _, st := range s.history[taskID] {
			if st.GetState() == state {
				found = proto.Clone(st).(*mesosproto.TaskStatus)
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("mesostest: waiting for task %q to reach %v: %w", taskID, state, err)
	}
	return found, nil
}

// TaskUpdates returns every status task taskID went through, in order
// (see WaitTask for which ones count); nil for a task never seen or
// forgotten (see WithMaxCompletedTasksPerFramework), and nil with
// WithoutHistory.
func (s *Server) TaskUpdates(taskID string) []*mesosproto.TaskStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.noHistory || len(s.history[taskID]) == 0 {
		return nil
	}
	out := make([]*mesosproto.TaskStatus, len(s.history[taskID]))
	for i, st := range s.history[taskID] {
		out[i] = proto.Clone(st).(*mesosproto.TaskStatus)
	}
	return out
}

// WaitSubscribed waits until a framework is subscribed (connected to the
// leading master) and returns its id; with several, the one that first
// subscribed.
func (s *Server) WaitSubscribed(ctx context.Context) (string, error) {
	var id string
	err := s.waitFor(ctx, func() bool {
		m := s.leaderLocked()
		if m == nil {
			return false
		}
		for _, fid := range s.recordSeq {
			if fw := m.st.frameworks[fid]; fw != nil && fw.conn == frameworkConnected {
				id = fid
				return true
			}
		}
		return false
	})
	if err != nil {
		return "", fmt.Errorf("mesostest: waiting for a subscription: %w", err)
	}
	return id, nil
}

// WaitFramework waits until framework id is in state and returns its status.
func (s *Server) WaitFramework(ctx context.Context, id string, state FrameworkState) (FrameworkStatus, error) {
	var st FrameworkStatus
	err := s.waitFor(ctx, func() bool {
		st, _ = s.frameworkStatusLocked(id)
		return st.State == state
	})
	if err != nil {
		return st, fmt.Errorf("mesostest: waiting for framework %q to be %v: %w", id, state, err)
	}
	return st, nil
}

// CompleteTask ends a simulated task (see WithSimulatedTasks) with a
// terminal state, as if its executor reported it. It fails for tasks that
// run a process and for tasks the cluster does not run. When frameworks run
// live tasks of the same id, it ends the one of the framework that
// subscribed first.
func (s *Server) CompleteTask(taskID string, state mesosproto.TaskState, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !mesosproto.IsTerminalState(state) {
		return fmt.Errorf("mesostest: CompleteTask: %v is not a terminal state", state)
	}
	// One lookup per framework, in the order they first subscribed, rather
	// than a scan of every task.
	for _, fwID := range s.recordSeq {
		t := s.tasks[taskKey{fwID, taskID}]
		if t == nil || t.gone || t.terminated {
			continue
		}
		if !t.simulated {
			return ErrNotSimulated
		}
		t.statusLocked(state, message, nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		return nil
	}
	return ErrUnknownTask
}
