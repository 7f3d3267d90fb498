// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"math"
	"net/http"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// agentCall answers one validated call of the agent operator API (the
// switch of Http::_api, src/slave/http.cpp): a Response for a 200 with a
// body, or a status with a plain text body (none for OK()).
func (s *Server) agentCall(as *agentServer, call *agentpb.Call) (*agentpb.Response, int, string) {
	switch call.GetType() {
	case agentpb.Call_LIST_FILES:
		// Http::listFiles over Files::browse; FilesError maps to 400, 403,
		// 404 or 500 with its message.
		entries, err := s.listAgentFiles(as.a.id, call.GetListFiles().GetPath())
		if err != nil {
			return filesErrorAnswer(err)
		}
		lf := &agentpb.Response_ListFiles{FileInfos: make([]*mesosproto.FileInfo, 0, len(entries))}
		for _, e := range entries {
			lf.FileInfos = append(lf.FileInfos, fileInfoProto(e))
		}
		return &agentpb.Response{Type: agentpb.Response_LIST_FILES.Enum(), ListFiles: lf}, http.StatusOK, ""
	case agentpb.Call_READ_FILE:
		// Http::readFile over Files::read: length is optional (the whole
		// rest, bounded by Files::read), offset and length are size_t.
		rf := call.GetReadFile()
		length := int64(-1)
		if rf.Length != nil {
			length = clampInt64(rf.GetLength())
		}
		size, data, err := s.readAgentFile(as.a.id, rf.GetPath(), clampInt64(rf.GetOffset()), length)
		if err != nil {
			return filesErrorAnswer(err)
		}
		if data == nil {
			data = []byte{}
		}
		return &agentpb.Response{Type: agentpb.Response_READ_FILE.Enum(),
			ReadFile: &agentpb.Response_ReadFile{Size: proto.Uint64(uint64(size)), Data: data}}, http.StatusOK, ""
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if resp, ok := s.agentReadCallLocked(as, call); ok {
		return resp, http.StatusOK, ""
	}
	switch call.GetType() {
	case agentpb.Call_SET_LOGGING_LEVEL:
		s.setAgentLoggingLevelLocked(as.a.id, call.GetSetLoggingLevel())
		return nil, http.StatusOK, ""
	}
	return s.agentContainerCallLocked(as, call) // agent_operator_containers.go
}

// agentReadCallLocked answers the GET_* calls from the model the agent's
// /state, /flags, /metrics/snapshot and /containers endpoints render.
func (s *Server) agentReadCallLocked(as *agentServer, call *agentpb.Call) (*agentpb.Response, bool) {
	r := &agentpb.Response{}
	switch call.GetType() {
	case agentpb.Call_GET_HEALTH:
		r.GetHealth = &agentpb.Response_GetHealth{Healthy: proto.Bool(true)} // Http::getHealth
	case agentpb.Call_GET_FLAGS:
		// Http::getFlags: the /flags object evolved (evolve<GET_FLAGS>,
		// src/internal/evolve.cpp), in name order.
		r.GetFlags = &agentpb.Response_GetFlags{Flags: flagsProto(s.agentFlagsLocked(as))}
	case agentpb.Call_GET_VERSION:
		r.GetVersion = &agentpb.Response_GetVersion{VersionInfo: versionInfo()}
	case agentpb.Call_GET_METRICS:
		// Http::getMetrics: the /metrics/snapshot map, in name order.
		snap := s.agentMetricsLocked(as)
		ms := make([]metric, 0, len(snap))
		for name, v := range snap {
			ms = append(ms, metric{name, v})
		}
		sortMetrics(ms)
		r.GetMetrics = &agentpb.Response_GetMetrics{Metrics: metricsProto(ms)}
	case agentpb.Call_GET_LOGGING_LEVEL:
		r.GetLoggingLevel = &agentpb.Response_GetLoggingLevel{Level: proto.Uint32(s.op.agentLogLevel[as.a.id])}
	case agentpb.Call_GET_STATE:
		r.GetState = s.agentGetStateLocked(as)
	case agentpb.Call_GET_CONTAINERS:
		r.GetContainers = s.agentGetContainersLocked(as, call.GetGetContainers())
	case agentpb.Call_GET_FRAMEWORKS:
		r.GetFrameworks = s.agentGetFrameworksLocked(as)
	case agentpb.Call_GET_EXECUTORS:
		r.GetExecutors = s.agentGetExecutorsLocked(as)
	case agentpb.Call_GET_TASKS:
		r.GetTasks = s.agentGetTasksLocked(as)
	case agentpb.Call_GET_OPERATIONS:
		// Http::getOperations: the operations the agent holds; operations on
		// an agent's default resources are speculative and applied at once,
		// and the fake agents have no resource providers.
		r.GetOperations = &agentpb.Response_GetOperations{}
	case agentpb.Call_GET_AGENT:
		// Http::getAgent: slave->info (no drain config: the fake agents are
		// never drained).
		info := as.a.agentInfo()
		info.Resources = as.a.total.toProto("", true)
		info.Attributes = as.a.attributes
		r.GetAgent = &agentpb.Response_GetAgent{AgentInfo: info}
	case agentpb.Call_GET_RESOURCE_PROVIDERS:
		// Http::getResourceProviders: none without resource providers.
		r.GetResourceProviders = &agentpb.Response_GetResourceProviders{}
	default:
		return nil, false
	}
	r.Type = agentpb.Response_Type(agentpb.Response_Type_value[call.GetType().String()]).Enum() // same names, other numbers

	return r, true
}

// setAgentLoggingLevelLocked is Http::setLoggingLevel (Logging::set_level):
// the level holds for the duration, then the original level (0) returns.
func (s *Server) setAgentLoggingLevelLocked(agentID string, sl *agentpb.Call_SetLoggingLevel) {
	if s.op.agentLogLevel == nil {
		s.op.agentLogLevel, s.op.agentLogRevert = map[string]uint32{}, map[string]*time.Timer{}
	}
	if t := s.op.agentLogRevert[agentID]; t != nil {
		t.Stop()
		delete(s.op.agentLogRevert, agentID)
	}
	s.op.agentLogLevel[agentID] = sl.GetLevel()
	if sl.GetLevel() == 0 {
		return
	}
	s.op.agentLogRevert[agentID] = s.afterLocked(time.Duration(sl.GetDuration().GetNanoseconds()), func() {
		delete(s.op.agentLogLevel, agentID)
		delete(s.op.agentLogRevert, agentID)
	})
}

// flagsProto lists flags in name order, as v1 Flags.
func flagsProto(f map[string]string) []*mesosproto.Flag {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*mesosproto.Flag, 0, len(names))
	for _, n := range names {
		out = append(out, &mesosproto.Flag{Name: proto.String(n), Value: proto.String(f[n])})
	}
	return out
}

// fileInfoProto is protobuf::createFileInfo (src/common/protobuf_utils.cpp)
// of a listed entry.
func fileInfoProto(e fileEntry) *mesosproto.FileInfo {
	return &mesosproto.FileInfo{
		Path:  proto.String(e.Path),
		Nlink: proto.Int32(int32(e.Nlink)),
		Size:  proto.Uint64(uint64(e.Size)),
		Mtime: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(e.Mtime.Unix() * 1e9)},
		Mode:  proto.Uint32(e.Mode),
		Uid:   proto.String(e.UID),
		Gid:   proto.String(e.GID),
	}
}

// filesErrorAnswer maps a files error as Http::listFiles and readFile do:
// INVALID 400, UNAUTHORIZED 403, NOT_FOUND 404, UNKNOWN 500, with the
// error's message as body.
func filesErrorAnswer(err error) (*agentpb.Response, int, string) {
	var fe *filesError
	if errors.As(err, &fe) {
		return nil, fe.status(), fe.msg
	}
	return nil, http.StatusInternalServerError, err.Error()
}

func clampInt64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
