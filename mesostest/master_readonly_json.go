// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 the ENDPOINT resource format sets the pre-refinement `role` and `reservation`

package mesostest

import (
	"reflect"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// jsonWriter appends compact JSON to a byte slice, as stout's jsonify
// (JSON::ObjectWriter and JSON::ArrayWriter over rapidjson) writes it: keys
// in the order written, doubles in rapidjson's shortest form ("1.0"),
// integers as integers. The master's endpoints render their whole answer
// into one buffer under the cluster lock, as Mesos renders it into one
// string (OK(JSON::Proxy, jsonp) in 3rdparty/libprocess/src/http.cpp), and
// write it out after unlocking: one copy of the state, in its serialized
// form.
type jsonWriter struct {
	b      []byte
	chunks [][]byte // full chunks before b: a large answer grows without copying
	comma  []bool   // per open object or array: an element was written

	resCache map[uintptr]renderedResources // resource summaries already rendered, by map identity
	statuses []*mesosproto.TaskStatus
}

// renderedResources is a rendered summary with the map it renders: holding
// the map keeps its address from being reused by another during the answer.
type renderedResources struct {
	rs   resources
	json []byte
}

// chunkSize is the size from which the buffer is set aside for a new one.
const chunkSize = 256 << 10

// size is the length of everything written.
func (w *jsonWriter) size() int {
	n := len(w.b)
	for _, c := range w.chunks {
		n += len(c)
	}
	return n
}

// bytes returns the chunks and the current buffer, in order.
func (w *jsonWriter) bytes() [][]byte { return append(w.chunks, w.b) }

func (w *jsonWriter) sep() {
	if n := len(w.comma); n > 0 {
		if w.comma[n-1] {
			w.b = append(w.b, ',')
		}
		w.comma[n-1] = true
	}
}

func (w *jsonWriter) open(c byte) {
	w.b = append(w.b, c)
	w.comma = append(w.comma, false)
}

func (w *jsonWriter) close(c byte) {
	w.b = append(w.b, c)
	w.comma = w.comma[:len(w.comma)-1]
}

// beginObject starts an object as an array element or the top value.
// Element boundaries are where a full buffer is set aside.
func (w *jsonWriter) beginObject() {
	if len(w.b) >= chunkSize {
		w.chunks = append(w.chunks, w.b)
		w.b = make([]byte, 0, chunkSize+chunkSize/4)
	}
	w.sep()
	w.open('{')
}
func (w *jsonWriter) endObject() { w.close('}') }
func (w *jsonWriter) endArray()  { w.close(']') }

// key writes `"k":` in the current object.
func (w *jsonWriter) key(k string) {
	w.sep()
	w.b = httpapi.AppendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jsonWriter) objectField(k string) { w.key(k); w.open('{') }
func (w *jsonWriter) arrayField(k string)  { w.key(k); w.open('[') }

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.b = httpapi.AppendJSONString(w.b, v)
}

func (w *jsonWriter) double(k string, v float64) {
	w.key(k)
	w.b = httpapi.AppendJSONDouble(w.b, v)
}

func (w *jsonWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// protobuf writes m as stout's JSON::Protobuf renders it.
func (w *jsonWriter) protobuf(k string, m proto.Message) {
	w.key(k)
	w.b = httpapi.AppendJSON(w.b, m)
}

// strElem and protoElem write array elements.
func (w *jsonWriter) strElem(v string) {
	w.sep()
	w.b = httpapi.AppendJSONString(w.b, v)
}

func (w *jsonWriter) protoElem(m proto.Message) {
	w.sep()
	w.b = httpapi.AppendJSON(w.b, m)
}

// strings writes an array of strings.
func (w *jsonWriter) strings(k string, vs []string) {
	w.arrayField(k)
	for _, v := range vs {
		w.strElem(v)
	}
	w.endArray()
}

// emptyArray writes `"k":[]`.
func (w *jsonWriter) emptyArray(k string) { w.arrayField(k); w.endArray() }

// resourcesField writes resources summarized by name, as
// json(JSON::ObjectWriter*, const Resources&) in src/common/http.cpp does:
// cpus, gpus, mem and disk always (0.0 when absent), every scalar summed
// over reservations, ranges as "[31000-32000]" and sets as "{a, b}"
// (stringify of Value::Ranges and Value::Set, src/common/values.cpp);
// revocable resources under "<name>_revocable". Text resources are left out.
//
// Resources values are never modified in place and tasks of one shape
// share one (internResourcesLocked): a summary is rendered once per
// answer and copied for every other task of the shape.
func (w *jsonWriter) resourcesField(k string, rs resources) {
	w.key(k)
	id := reflect.ValueOf(rs).Pointer()
	if cached, ok := w.resCache[id]; ok && id != 0 {
		w.b = append(w.b, cached.json...)
		return
	}
	start := len(w.b)
	w.open('{')
	writeResourceSummary(w, rs)
	w.close('}')
	if id != 0 {
		if w.resCache == nil {
			w.resCache = map[uintptr]renderedResources{}
		}
		w.resCache[id] = renderedResources{rs, append([]byte(nil), w.b[start:]...)}
	}
}

func writeResourceSummary(w *jsonWriter, rs resources) {
	scalars := map[string]int64{"cpus": 0, "gpus": 0, "mem": 0, "disk": 0}
	var ranges map[string][]rng
	var sets map[string]map[string]struct{}
	for k, v := range rs {
		name := k.name
		if k.meta != "" && k.template().Revocable != nil {
			name += "_revocable"
		}
		switch v.typ {
		case mesosproto.Value_RANGES:
			if ranges == nil {
				ranges = map[string][]rng{}
			}
			ranges[name] = addRanges(ranges[name], v.ranges)
		case mesosproto.Value_SET:
			if sets == nil {
				sets = map[string]map[string]struct{}{}
			}
			if sets[name] == nil {
				sets[name] = map[string]struct{}{}
			}
			for it := range v.set {
				sets[name][it] = struct{}{}
			}
		case mesosproto.Value_SCALAR:
			scalars[name] += v.scalar
		}
	}
	// Mesos writes its hashmaps in hash order; these are written in a fixed
	// order: cpus, disk, gpus, mem, other scalars, ranges, sets, by name.
	for _, name := range sortedKeys(scalars) {
		w.double(name, fromMilli(scalars[name]))
	}
	for _, name := range sortedKeys(ranges) {
		w.key(name)
		w.b = appendRangesString(w.b, ranges[name])
	}
	for _, name := range sortedKeys(sets) {
		items := sortedKeys(sets[name])
		w.key(name)
		w.b = append(w.b, `"{`...)
		for i, it := range items {
			if i > 0 {
				w.b = append(w.b, ", "...)
			}
			w.b = appendJSONStringBody(w.b, it)
		}
		w.b = append(w.b, `}"`...)
	}
}

// appendRangesString appends "[b-e, b-e]" as a JSON string.
func appendRangesString(b []byte, rs []rng) []byte {
	b = append(b, `"[`...)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, r.begin, 10)
		b = append(b, '-')
		b = strconv.AppendUint(b, r.end, 10)
	}
	return append(b, `]"`...)
}

// appendJSONStringBody appends s escaped, without the quotes.
func appendJSONStringBody(b []byte, s string) []byte {
	n := len(b)
	b = httpapi.AppendJSONString(b, s)
	// Drop the quotes AppendJSONString wrote around s.
	copy(b[n:], b[n+1:len(b)-1])
	return b[:len(b)-2]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resourcesFullField writes resources as an array of Resource messages in
// the ENDPOINT format (convertResourceFormat in
// src/common/resources_utils.cpp: the `reservations` stack kept, plus
// `role`, "*" when unreserved, and `reservation` for a single dynamic
// reservation), each rendered by JSON::Protobuf, as SlavesWriter::writeSlave
// (src/master/readonly_handler.cpp) writes reserved_resources_full and the
// other *_full fields.
func (w *jsonWriter) resourcesFullField(k string, rs resources) {
	w.arrayField(k)
	for _, r := range rs.toProto("", true) {
		switch len(r.GetReservations()) {
		case 0:
			r.Role = proto.String("*")
		case 1:
			ri := r.GetReservations()[0]
			r.Role = proto.String(ri.GetRole())
			if ri.GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC {
				r.Reservation = &mesosproto.Resource_ReservationInfo{Principal: ri.Principal, Labels: ri.Labels}
			}
		}
		w.protoElem(r)
	}
	w.endArray()
}
