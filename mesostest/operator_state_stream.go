// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"net/http"
	"reflect"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// GET_STATE and the state in SUBSCRIBED are encoded straight from the
// cluster model, one element (task, executor, framework, agent) at a time,
// into chunked buffers under the cluster lock, and written after unlocking,
// as the master's /state is (master_readonly.go render). Only the encoded
// answer is held, not a mesos.v1.master.Response as well: each element's
// message is built, encoded and dropped. The bytes are those proto.Marshal
// or the JSON codec would produce for the whole Response (Go's protobuf
// writes fields in field-number order, and the JSON codec in declaration
// order; the two agree on the fields written here), which
// TestOperatorGetStateStreamed checks.
//
// Protobuf needs each nested message's length before its bytes. Each
// repeated field is encoded into its own chunked buffer; the lengths of
// the enclosing messages (GetTasks ..., GetState, Response or Event) are
// then known and their few header bytes are put in front.

// Field numbers of the enclosing messages, taken from the descriptors.
var (
	respTypeNum     = fieldNum(&masterpb.Response{}, "type")
	respGetStateNum = fieldNum(&masterpb.Response{}, "get_state")
	evTypeNum       = fieldNum(&masterpb.Event{}, "type")
	evSubscribedNum = fieldNum(&masterpb.Event{}, "subscribed")
	subGetStateNum  = fieldNum(&masterpb.Event_Subscribed{}, "get_state")
	subHeartbeatNum = fieldNum(&masterpb.Event_Subscribed{}, "heartbeat_interval_seconds")
	getStateNums    = [4]protowire.Number{
		fieldNum(&masterpb.Response_GetState{}, "get_tasks"),
		fieldNum(&masterpb.Response_GetState{}, "get_executors"),
		fieldNum(&masterpb.Response_GetState{}, "get_frameworks"),
		fieldNum(&masterpb.Response_GetState{}, "get_agents"),
	}
	tasksNum          = fieldNum(&masterpb.Response_GetTasks{}, "tasks")
	completedTasksNum = fieldNum(&masterpb.Response_GetTasks{}, "completed_tasks")
	executorsNum      = fieldNum(&masterpb.Response_GetExecutors{}, "executors")
	frameworksNum     = fieldNum(&masterpb.Response_GetFrameworks{}, "frameworks")
	agentsNum         = fieldNum(&masterpb.Response_GetAgents{}, "agents")
)

func fieldNum(m proto.Message, name string) protowire.Number {
	return m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name)).Number()
}

// stateChunks is an encoded piece of an answer held as a list of byte
// slices: the chunks of the element buffers and the small headers between.
type stateChunks struct {
	parts [][]byte
	size  int
}

func (c *stateChunks) add(b []byte) {
	if len(b) > 0 {
		c.parts = append(c.parts, b)
		c.size += len(b)
	}
}

func (c *stateChunks) addAll(o *stateChunks) {
	c.parts = append(c.parts, o.parts...)
	c.size += o.size
}

// stateList is the encoding of one repeated field: each element with its
// tag and length (protobuf) or comma-separated (JSON), in chunks of about
// chunkSize so that growing never copies more than one chunk.
type stateList struct {
	num   protowire.Number
	key   string
	done  stateChunks
	b     []byte
	count int
}

func (l *stateList) rotate() {
	if len(l.b) >= chunkSize {
		l.done.add(l.b)
		l.b = make([]byte, 0, chunkSize+16<<10) // room for the element that crosses chunkSize
	}
}

// stateEncoder encodes elements in one content type.
type stateEncoder struct {
	json    bool
	scratch []byte // one protobuf element, reused
}

func (e *stateEncoder) add(l *stateList, m proto.Message) {
	if l.b == nil {
		l.b = make([]byte, 0, 4<<10)
	}
	if e.json {
		if l.count > 0 {
			l.b = append(l.b, ',')
		}
		l.b = httpapi.AppendJSON(l.b, m)
	} else {
		var err error
		e.scratch, err = proto.MarshalOptions{}.MarshalAppend(e.scratch[:0], m)
		if err != nil {
			// The model's messages are complete: a required field cannot be
			// missing. Leave the element out rather than send garbage.
			return
		}
		l.b = protowire.AppendTag(l.b, l.num, protowire.BytesType)
		l.b = protowire.AppendBytes(l.b, e.scratch)
		if cap(e.scratch) > chunkSize {
			e.scratch = nil // an unusually large element: do not keep its buffer
		}
	}
	l.count++
	l.rotate()
}

// message closes the lists of one message (GetTasks, GetExecutors, ...):
// its encoded body, with JSON's braces, keys and brackets; empty lists are
// left out as both encodings leave them out.
func (e *stateEncoder) message(lists ...*stateList) *stateChunks {
	out := &stateChunks{}
	if e.json {
		out.add([]byte{'{'})
	}
	first := true
	for _, l := range lists {
		if l.count == 0 {
			continue
		}
		if e.json {
			open := []byte(`"` + l.key + `":[`)
			if !first {
				open = append([]byte{','}, open...)
			}
			out.add(open)
		}
		first = false
		out.addAll(&l.done)
		out.add(l.b)
		if e.json {
			out.add([]byte{']'})
		}
	}
	if e.json {
		out.add([]byte{'}'})
	}
	return out
}

// field appends a message-typed field holding body to out.
func (e *stateEncoder) field(out *stateChunks, num protowire.Number, key string, first bool, body *stateChunks) {
	if e.json {
		h := []byte(`"` + key + `":`)
		if !first {
			h = append([]byte{','}, h...)
		}
		out.add(h)
	} else {
		h := protowire.AppendTag(nil, num, protowire.BytesType)
		out.add(protowire.AppendVarint(h, uint64(body.size)))
	}
	out.addAll(body)
}

// enumField opens a message with its "type" field: "{"type":"NAME"" in
// JSON, tag and number in protobuf.
func (e *stateEncoder) enumField(out *stateChunks, num protowire.Number, name string, value int32) {
	if e.json {
		out.add([]byte(`{"type":"` + name + `"`))
		return
	}
	h := protowire.AppendTag(nil, num, protowire.VarintType)
	out.add(protowire.AppendVarint(h, uint64(int64(value))))
}

func (e *stateEncoder) closeMessage(out *stateChunks) {
	if e.json {
		out.add([]byte{'}'})
	}
}

// getStateLocked encodes Response.GetState as getStateLocked
// (operator_state.go) builds it: tasks, executors, frameworks, agents.
func (m *master) encodeGetStateLocked(e *stateEncoder) *stateChunks {
	tasks := &stateList{num: tasksNum, key: "tasks"}
	completed := &stateList{num: completedTasksNum, key: "completed_tasks"}
	m.eachTaskCachedLocked(&resProtoCache{}, func(pt *mesosproto.Task, done bool) {
		if done {
			e.add(completed, pt)
			return
		}
		e.add(tasks, pt)
	})
	executors := &stateList{num: executorsNum, key: "executors"}
	m.eachExecutorLocked(func(x *masterpb.Response_GetExecutors_Executor) { e.add(executors, x) })
	frameworks := &stateList{num: frameworksNum, key: "frameworks"}
	m.eachFrameworkLocked(func(f *masterpb.Response_GetFrameworks_Framework) { e.add(frameworks, f) })
	agents := &stateList{num: agentsNum, key: "agents"}
	m.eachAgentLocked(func(a *masterpb.Response_GetAgents_Agent) { e.add(agents, a) })

	sections := [4]*stateChunks{e.message(tasks, completed), e.message(executors), e.message(frameworks), e.message(agents)}
	keys := [4]string{"get_tasks", "get_executors", "get_frameworks", "get_agents"}
	out := &stateChunks{}
	if e.json {
		out.add([]byte{'{'})
	}
	for i, sec := range sections {
		e.field(out, getStateNums[i], keys[i], i == 0, sec)
	}
	e.closeMessage(out)
	return out
}

// encodeGetStateResponseLocked is the whole GET_STATE Response.
func (m *master) encodeGetStateResponseLocked(json bool) *stateChunks {
	e := &stateEncoder{json: json}
	gs := m.encodeGetStateLocked(e)
	out := &stateChunks{}
	e.enumField(out, respTypeNum, masterpb.Response_GET_STATE.String(), int32(masterpb.Response_GET_STATE))
	e.field(out, respGetStateNum, "get_state", false, gs)
	e.closeMessage(out)
	return out
}

// encodeSubscribedLocked is the SUBSCRIBED Event: the state and the
// heartbeat interval.
func (m *master) encodeSubscribedLocked(json bool, heartbeat float64) *stateChunks {
	e := &stateEncoder{json: json}
	gs := m.encodeGetStateLocked(e)
	sub := &stateChunks{}
	if json {
		sub.add([]byte{'{'})
	}
	e.field(sub, subGetStateNum, "get_state", true, gs)
	if json {
		sub.add(httpapi.AppendJSONDouble([]byte(`,"heartbeat_interval_seconds":`), heartbeat))
		sub.add([]byte{'}'})
	} else {
		h := protowire.AppendTag(nil, subHeartbeatNum, protowire.Fixed64Type)
		sub.add(protowire.AppendFixed64(h, math.Float64bits(heartbeat)))
	}
	out := &stateChunks{}
	e.enumField(out, evTypeNum, masterpb.Event_SUBSCRIBED.String(), int32(masterpb.Event_SUBSCRIBED))
	e.field(out, evSubscribedNum, "subscribed", false, sub)
	e.closeMessage(out)
	return out
}

// serveOperatorGetState answers GET_STATE: encoded under the lock, written
// after unlocking (so a slow client stalls nothing), with its length.
func (m *master) serveOperatorGetState(w http.ResponseWriter, rp *reply, lr *http.Request, mediaType string) {
	s := m.s
	s.mu.Lock()
	if !m.leadershipLocked(lr, rp) {
		s.mu.Unlock()
		rp.write(w)
		return
	}
	body := m.encodeGetStateResponseLocked(mediaType == httpapi.MediaTypeJSON)
	s.mu.Unlock()
	h := w.Header()
	h.Set(httpapi.HeaderContentType, mediaType)
	h.Set("Content-Length", strconv.Itoa(body.size))
	w.WriteHeader(http.StatusOK)
	for _, b := range body.parts {
		if _, err := w.Write(b); err != nil {
			return // the client went away
		}
	}
}

// writeRecordChunks writes body as one RecordIO record ("<length>\n" then
// the bytes, as recordio.Writer frames an event); false if the client went
// away.
func writeRecordChunks(w http.ResponseWriter, body *stateChunks) bool {
	if _, err := w.Write(strconv.AppendInt(nil, int64(body.size), 10)); err != nil {
		return false
	}
	if _, err := w.Write([]byte{'\n'}); err != nil {
		return false
	}
	for _, b := range body.parts {
		if _, err := w.Write(b); err != nil {
			return false
		}
	}
	return true
}

// resProtoCache holds, for one answer, the Resource messages made for each
// resources map (by identity: tasks launched with the same resources share
// one interned map, internResourcesLocked) and allocation role, so that
// 100,000 tasks with the same resources make their messages once. The
// messages are only encoded, never changed. A nil cache makes them anew;
// at most maxResProtoCache entries are kept.
type resProtoCache struct {
	m map[resProtoKey]resProtoEntry
}

type resProtoKey struct {
	id   uintptr
	role string
}

// resProtoEntry keeps the map it was made from, so that its address is not
// reused by another map during the answer.
type resProtoEntry struct {
	rs  resources
	out []*mesosproto.Resource
}

func (c *resProtoCache) toProto(rs resources, role string) []*mesosproto.Resource {
	if c == nil {
		return rs.toProto(role, true)
	}
	id := reflect.ValueOf(rs).Pointer()
	if id == 0 {
		return rs.toProto(role, true)
	}
	k := resProtoKey{id, role}
	if e, ok := c.m[k]; ok {
		return e.out
	}
	out := rs.toProto(role, true)
	if c.m == nil {
		c.m = map[resProtoKey]resProtoEntry{}
	}
	if len(c.m) < maxResProtoCache {
		c.m[k] = resProtoEntry{rs, out}
	}
	return out
}

// maxResProtoCache bounds the cache: resources that are not shared (every
// task its own) must not make it a second copy of the state.
const maxResProtoCache = 1024
