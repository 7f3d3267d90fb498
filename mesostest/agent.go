// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// agentPort is the agent's default port, reported only when its endpoint
// cannot listen (otherwise the port it listens on is the agent's port).
const agentPort = 5051

// agent is one in-process agent: its resources and attributes, the
// FrameworkInfos of the frameworks it runs tasks for, and (through
// Server.tasks) its tasks with their status update streams.
type agent struct {
	idx        int
	id         string
	hostname   string
	port       int
	total      resources
	used       resources // held by tasks that have not reached a terminal state
	offered    resources // in outstanding offers of the leading master
	attributes []*mesosproto.Attribute
	frameworks map[string]*mesosproto.FrameworkInfo
	ex         *agentExec // custom executors and their endpoint (agent_executor.go)

	unreachable *mesosproto.TimeInfo    // set by LoseAgent: the master marked the agent unreachable (agent_loss.go)
	maintenance *maintenance            // scheduled unavailability (inverse_offers.go)
	operations  map[opKey]*operationRun // operations with feedback not yet acknowledged (operations.go)

	idpb *mesosproto.AgentID // shared by the statuses of its tasks (idProto)

	registeredAt time.Time // shown by the master's endpoints (master_readonly_model.go)

	free       resources            // cache of freeLocked; nil when stale
	freeByRole map[string]resources // cache of freeForRoleLocked
}

// idProto is the agent's AgentID message, shared by the statuses of its
// tasks, which are never modified.
func (a *agent) idProto() *mesosproto.AgentID {
	if a.idpb == nil {
		a.idpb = &mesosproto.AgentID{Value: proto.String(a.id)}
	}
	return a.idpb
}

type parsedAgent struct {
	hostname string
	res      resources
	attrs    []*mesosproto.Attribute
}

// parseAgentConfig parses an agent's configuration; resources it does not
// name among cpus, mem, disk and ports are detected on the host, whose work
// directory (for disk) is workDir (agent_resources_detect.go).
func parseAgentConfig(ac AgentConfig, workDir string) (parsedAgent, error) {
	text := ac.Resources
	if text == "" {
		text = DefaultAgentResources
	} else {
		text = withDetectedResources(text, workDir)
	}
	res, err := parseResourceString(text)
	if err != nil {
		return parsedAgent{}, err
	}
	attrs, err := ParseAttributes(ac.Attributes)
	if err != nil {
		return parsedAgent{}, err
	}
	host := ac.Hostname
	if host == "" {
		host = "127.0.0.1"
	}
	return parsedAgent{hostname: host, res: res, attrs: attrs}, nil
}

// addAgentLocked registers an agent with the leading master, which gives it
// the id "<master id>-S<n>" (Master::newSlaveId).
func (s *Server) addAgentLocked(pa parsedAgent) *agent {
	masterID := s.masters[0].info.GetId()
	if m := s.leaderLocked(); m != nil {
		masterID = m.info.GetId()
	}
	a := &agent{
		idx:        len(s.agents),
		id:         agentIDFor(masterID, s.nextAgent),
		hostname:   pa.hostname,
		port:       agentPort,
		total:      pa.res,
		used:       resources{},
		offered:    resources{},
		attributes: pa.attrs,
		frameworks: map[string]*mesosproto.FrameworkInfo{},
		operations: map[opKey]*operationRun{},

		registeredAt: time.Now(),
	}
	s.nextAgent++
	s.agents = append(s.agents, a)
	s.agentByID[a.id] = a
	// Every agent listens from the start; its port is the real one (agent_http.go).
	if err := s.ensureAgentServerLocked(a); err != nil {
		s.log.Error("agent endpoint", zap.String("agent_id", a.id), zap.Error(err))
	} else {
		a.port = a.ex.srv.port
	}
	s.operatorAgentAddedLocked(a) // operator_events.go
	s.log.Info("agent registered", zap.String("agent_id", a.id), zap.String("resources", a.total.String()))
	s.kickAllocator()
	return a
}

// freeLocked is what the agent has neither in use nor in offers. The
// result is cached until total, used or offered change (through the
// setters below) and must not be modified.
func (a *agent) freeLocked() resources {
	if a.free == nil {
		a.free = a.total.minus(a.used).minus(a.offered)
	}
	return a.free
}

// freeForRoleLocked is freeLocked().forRole(role), cached likewise: an
// allocation round over agents that did not change allocates nothing.
func (a *agent) freeForRoleLocked(role string) resources {
	if r, ok := a.freeByRole[role]; ok && a.free != nil {
		return r
	}
	r := a.freeLocked().forRole(role)
	if a.freeByRole == nil {
		a.freeByRole = map[string]resources{}
	}
	a.freeByRole[role] = r
	return r
}

// The agent's resources change only through these, so that the free
// resources cached for the allocator stay right.
func (a *agent) setTotal(r resources)   { a.total = r; a.invalidateFree() }
func (a *agent) setUsed(r resources)    { a.used = r; a.invalidateFree() }
func (a *agent) setOffered(r resources) { a.offered = r; a.invalidateFree() }

func (a *agent) invalidateFree() {
	a.free = nil
	clear(a.freeByRole)
}

// updateAgentFrameworkInfoLocked is the UpdateFrameworkMessage every agent
// gets when a framework (re)subscribes or updates its FrameworkInfo.
func (s *Server) updateAgentFrameworkInfoLocked(fi *mesosproto.FrameworkInfo) {
	id := fi.GetId().GetValue()
	for _, a := range s.agents {
		if _, ok := a.frameworks[id]; ok {
			a.frameworks[id] = proto.Clone(fi).(*mesosproto.FrameworkInfo)
		}
	}
}

// shutdownFrameworkLocked is the agent side of framework removal
// (Slave::shutdownFramework): every task of the framework is killed at once
// and its pending status updates are dropped.
func (s *Server) shutdownFrameworkLocked(fwID string) {
	for k, t := range s.tasks {
		if k.framework != fwID {
			continue
		}
		t.stopLocked()
		t.releaseResourcesLocked()
		s.removeTaskLocked(t) // completed.go
	}
	s.shutdownFrameworkExecutorsLocked(fwID)
	s.dropFrameworkOperationsLocked(fwID)
	for _, a := range s.agents {
		delete(a.frameworks, fwID)
	}
}

// sandboxPath is the task's sandbox, laid out as the agent's work directory
// (src/slave/paths.cpp getExecutorRunPath).
func (s *Server) sandboxPath(a *agent, fwID, executorID, containerID string) string {
	return filepath.Join(s.sandboxDir, "slaves", a.id, "frameworks", fwID, "executors", executorID, "runs", containerID)
}
