// SPDX-License-Identifier: Apache-2.0

package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// execution launches the tasks on the first offer that holds them all and follows them to their end, as
// CommandScheduler in src/cli/execute.cpp does. Its callbacks run one at a time on Run's goroutine; the
// output streams and the kill timer run on their own goroutines, which wait ends.
type execution struct {
	client    *scheduler.Client
	tasks     []*mesosproto.TaskInfo
	group     bool
	role      string
	killAfter time.Duration
	out, err  io.Writer // locked: written by the callbacks, the streams and the kill timer

	launched bool
	waiting  bool           // said that no offer fits
	agentURL string         // http://host:port of the agent the tasks run on
	ended    map[string]int // exit status of each ended task
	exit     int            // -1 until every task has ended
	failure  int            // exit status of the first task that ended otherwise than FINISHED
	streams  map[string]*sandboxStream
	killing  map[string]bool // tasks with a kill timer
	timers   []*time.Timer
	wg       sync.WaitGroup
}

func newExecution(tasks []*mesosproto.TaskInfo, group bool, role string, killAfter time.Duration, stdout, stderr io.Writer) *execution {
	var mu sync.Mutex
	return &execution{tasks: tasks, group: group, role: role, killAfter: killAfter,
		out: &lockedWriter{mu: &mu, w: stdout}, err: &lockedWriter{mu: &mu, w: stderr},
		ended: map[string]int{}, exit: -1, streams: map[string]*sandboxStream{}, killing: map[string]bool{}}
}

func (e *execution) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{
		Subscribed: func(ctx context.Context, s *schedulerpb.Event_Subscribed) error {
			fmt.Fprintf(e.out, "Subscribed with ID %s\n", s.GetFrameworkId().GetValue())
			return nil
		},
		Offers: e.offers,
		Update: e.update,
		Error: func(ctx context.Context, message string) error {
			e.exit = 1
			return fmt.Errorf("received an ERROR event: %s", message)
		},
	}
}

// offers launches the tasks on the first offer that holds them (and, for a group, the default executor).
func (e *execution) offers(ctx context.Context, offers []scheduler.Offer) error {
	if e.launched {
		return nil // declined by the Client
	}
	role := e.role
	if role == "*" {
		role = ""
	}
	for k := range offers {
		offer := &offers[k]
		reqs := make([]scheduler.TaskRequest, len(e.tasks))
		for i, t := range e.tasks {
			if e.group { // for Match to charge the executor once; LAUNCH_GROUP carries it apart (launch)
				t = proto.Clone(t).(*mesosproto.TaskInfo)
				t.Executor = defaultExecutor() // not TaskExecutor, which drops the task's command
			}
			reqs[i] = scheduler.TaskRequest{Task: t, Role: role}
		}
		assigned, unmatched := scheduler.Match(offers[k:k+1], reqs) // this offer alone
		if len(unmatched) > 0 {
			continue
		}
		if err := e.launch(ctx, assigned[0]); err != nil {
			fmt.Fprintf(e.err, "Failed to launch on agent '%s': %v\n", offer.AgentID, err)
			continue
		}
		e.launched, e.agentURL = true, agentURL(offer.Proto())
		break
	}
	if e.launched {
		return e.client.Suppress(ctx)
	}
	if !e.waiting && len(offers) > 0 { // Mesos's mesos-execute waits in silence
		e.waiting = true
		fmt.Fprintf(e.err, "No offer holds what the task needs yet (offered: %s); waiting\n", offers[0].ProtoResources())
	}
	return nil
}

func (e *execution) launch(ctx context.Context, a scheduler.Assignment) error {
	agent := a.Offer.AgentID
	ids := []*mesosproto.OfferID{a.Offer.ProtoID()}
	if !e.group {
		if err := e.client.Launch(ctx, ids, a.Tasks, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Submitted task '%s' to agent '%s'\n", a.Tasks[0].GetName(), agent)
		return nil
	}
	ex := a.Tasks[0].GetExecutor() // Match gave every task the same one, with the resources it took
	ex.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(e.client.FrameworkID())}
	names := make([]string, len(a.Tasks))
	for i, t := range a.Tasks {
		t.Executor, names[i] = nil, t.GetTaskId().GetValue()
	}
	if err := e.client.Accept(ctx, ids, []*mesosproto.Offer_Operation{scheduler.LaunchGroupOperation(ex, a.Tasks...)}, nil); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Submitted task group with tasks [%s] to agent '%s'\n", strings.Join(names, ", "), agent)
	return nil
}

// update prints a status update as Mesos's mesos-execute does, starts the output streams and the kill
// timer when a task runs, and ends the framework when every task has ended.
func (e *execution) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	id := st.GetTaskId().GetValue()
	fmt.Fprintf(e.out, "Received status update %s for task '%s'\n", st.GetState(), id)
	if st.Message != nil {
		fmt.Fprintf(e.out, "  message: '%s'\n", st.GetMessage())
	}
	if st.Source != nil {
		fmt.Fprintf(e.out, "  source: %s\n", st.GetSource())
	}
	if st.Reason != nil {
		fmt.Fprintf(e.out, "  reason: %s\n", st.GetReason())
	}
	if st.Healthy != nil {
		fmt.Fprintf(e.out, "  healthy?: %t\n", st.GetHealthy())
	}
	if _, done := e.ended[id]; done {
		return nil
	}
	if st.GetState() == mesosproto.TaskState_TASK_RUNNING || st.GetState() == mesosproto.TaskState_TASK_STARTING {
		e.follow(st)
	}
	if !mesosproto.IsTerminalState(st.GetState()) {
		return nil
	}
	e.ended[id] = exitStatus(st)
	if e.ended[id] != 0 && e.failure == 0 {
		e.failure = e.ended[id] // the first task to fail decides (the default executor then kills the group)
	}
	if s := e.streams[id]; s != nil {
		s.stop()
	}
	if len(e.ended) < len(e.tasks) {
		return nil
	}
	e.exit = e.failure
	// The output is read to its end while the agent still lists the framework's executors, and the last
	// update acknowledged, before the framework goes.
	e.wait()
	if len(st.GetUuid()) > 0 {
		if err := e.client.AcknowledgeStatus(ctx, st); err != nil {
			return err
		}
	}
	return e.client.Teardown(ctx)
}

// follow starts the output stream of a starting or running task, and, once it runs, its kill timer.
func (e *execution) follow(st *mesosproto.TaskStatus) {
	id := st.GetTaskId().GetValue()
	if _, started := e.streams[id]; !started {
		executorID, sub := st.GetExecutorId().GetValue(), ""
		if e.group {
			// A task of a group has its sandbox inside the executor's (default_executor.cpp __launchGroup).
			executorID, sub = cmp.Or(executorID, defaultExecutor().GetExecutorId().GetValue()), "/tasks/"+id
		} else if executorID == "" {
			executorID = id // the command executor's ID is its task's (src/slave/slave.cpp Slave::getExecutorInfo)
		}
		s := newSandboxStream(e.agentURL, e.client.FrameworkID(), executorID, sub, e.out, e.err)
		e.streams[id] = s
		e.wg.Add(1)
		go func() { defer e.wg.Done(); s.run() }()
	}
	if e.killAfter <= 0 || st.GetState() != mesosproto.TaskState_TASK_RUNNING || e.killing[id] {
		return
	}
	e.killing[id] = true
	taskID, agentID := st.GetTaskId(), st.GetAgentId()
	e.timers = append(e.timers, time.AfterFunc(e.killAfter, func() {
		fmt.Fprintf(e.out, "Asked to kill task '%s' on agent '%s'\n", id, agentID.GetValue())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.client.Kill(ctx, taskID, agentID, nil); err != nil {
			fmt.Fprintf(e.err, "Failed to kill task '%s': %v\n", id, err)
		}
	}))
}

// wait stops the kill timers and the streams (after their last read) and waits for them.
func (e *execution) wait() {
	for _, t := range e.timers {
		t.Stop()
	}
	for _, s := range e.streams {
		s.stop()
	}
	e.wg.Wait()
}

func (e *execution) status() int {
	if e.exit < 0 {
		return 1
	}
	return e.exit
}

// exitStatus is a task's exit status: 0 when it finished, the command's status when it failed with one
// (the command executor's message, "Command exited with status N": src/launcher/executor.cpp, WSTRINGIFY),
// 1 otherwise.
func exitStatus(st *mesosproto.TaskStatus) int {
	switch st.GetState() {
	case mesosproto.TaskState_TASK_FINISHED:
		return 0
	case mesosproto.TaskState_TASK_FAILED:
		if rest, ok := strings.CutPrefix(st.GetMessage(), "Command exited with status "); ok {
			if n, err := strconv.Atoi(rest); err == nil && n > 0 && n < 256 {
				return n
			}
		}
	}
	return 1
}

// agentURL is the base URL of an offer's agent (Offer.url), or its hostname on Mesos's port 5051.
func agentURL(offer *mesosproto.Offer) string {
	u := offer.GetUrl()
	host := u.GetAddress().GetIp()
	if host == "" {
		host = u.GetAddress().GetHostname()
	}
	port := int(u.GetAddress().GetPort())
	if host == "" {
		host, port = offer.GetHostname(), 5051
	}
	scheme := u.GetScheme()
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// lockedWriter serialises writes of several goroutines to one output.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
