// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// Header names of the agent API's streaming requests (src/common/http.hpp).
const (
	headerMessageContentType = "Message-Content-Type"
	headerMessageAccept      = "Message-Accept"
)

// serveAgentOperator is the agent's v1 operator API, POST /api/v1 of the
// agent process: Http::api and Http::_api (src/slave/http.cpp), checks in
// their order:
//
//  1. the agent is recovering: 503 "Agent has not finished recovery";
//  2. not POST: 405 with Allow: POST;
//  3. no Content-Type: 400; not JSON, protobuf or recordio: 415; a streaming
//     (recordio) request needs Message-Content-Type (400 when absent, 415
//     when neither JSON nor protobuf), a non-streaming one must not carry it;
//  4. Accept allows none of JSON, protobuf, recordio: 406; Message-Accept on
//     a non-streaming answer: 406;
//  5. the body (the first record of a streaming request) does not parse or
//     validation::agent::call::validate (src/slave/validation.cpp) fails: 400;
//  6. a streaming request for a call other than ATTACH_CONTAINER_INPUT, or
//     that call without streaming: 415;
//  7. the call (agent_operator_calls.go).
//
// The endpoint is not authenticated: an agent authenticates it only with
// --authenticate_http_readwrite, which mesostest does not model.
func (s *Server) serveAgentOperator(as *agentServer, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	recovering := as.a.ex != nil && (as.a.ex.down || as.a.ex.recovering)
	s.mu.Unlock()
	if recovering {
		writeText(w, http.StatusServiceUnavailable, "Agent has not finished recovery")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeText(w, http.StatusMethodNotAllowed, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '"+r.Method+"'.")
		return
	}
	cts, present := r.Header[httpapi.HeaderContentType]
	if !present {
		writeText(w, http.StatusBadRequest, "Expecting 'Content-Type' to be present")
		return
	}
	contentType := cts[0]
	switch contentType {
	case httpapi.MediaTypeJSON, httpapi.MediaTypeProtobuf, httpapi.MediaTypeRecordIO:
	default:
		writeText(w, http.StatusUnsupportedMediaType, "Expecting 'Content-Type' of "+httpapi.MediaTypeJSON+" or "+
			httpapi.MediaTypeProtobuf+" or "+httpapi.MediaTypeRecordIO)
		return
	}
	streaming := contentType == httpapi.MediaTypeRecordIO
	messageType, hasMessageType := r.Header[headerMessageContentType]
	switch {
	case streaming && !hasMessageType:
		writeText(w, http.StatusBadRequest, "Expecting '"+headerMessageContentType+"' to be set for streaming requests")
		return
	case streaming && messageType[0] != httpapi.MediaTypeJSON && messageType[0] != httpapi.MediaTypeProtobuf:
		writeText(w, http.StatusUnsupportedMediaType, "Expecting '"+headerMessageContentType+"' of "+
			httpapi.MediaTypeJSON+" or "+httpapi.MediaTypeProtobuf)
		return
	case !streaming && hasMessageType:
		writeText(w, http.StatusUnsupportedMediaType, "Expecting '"+headerMessageContentType+"' to be not set for non-streaming requests")
		return
	}
	mediaType, ok := httpapi.NegotiateAcceptHeader(r.Header)
	if !ok {
		writeText(w, http.StatusNotAcceptable, "Expecting 'Accept' to allow "+httpapi.MediaTypeJSON+" or "+
			httpapi.MediaTypeProtobuf+" or "+httpapi.MediaTypeRecordIO)
		return
	}
	if _, ok := r.Header[headerMessageAccept]; ok {
		writeText(w, http.StatusNotAcceptable, "Expecting '"+headerMessageAccept+"' to be not set for non-streaming responses")
		return
	}
	body, err := readBody(r, maxRequestBody)
	if err != nil {
		return // the client went away
	}
	if len(body) > maxRequestBody {
		writeText(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	bodyType := contentType
	if streaming {
		bodyType = messageType[0]
		rec, ok := firstRecord(body)
		if !ok {
			writeText(w, http.StatusBadRequest, "Received EOF while reading request body")
			return
		}
		body = rec
	}
	call := &agentpb.Call{}
	if err := httpapi.UnmarshalStrict(bodyType, body, call); err != nil {
		msg := err.Error()
		var pe *httpapi.ParseError
		if errors.As(err, &pe) {
			msg = pe.Body()
		}
		writeText(w, http.StatusBadRequest, msg)
		return
	}
	if msg := validateAgentCall(call); msg != "" {
		writeText(w, http.StatusBadRequest, "Failed to validate agent::Call: "+msg)
		return
	}
	input := call.GetType() == agentpb.Call_ATTACH_CONTAINER_INPUT
	if streaming && !input {
		writeText(w, http.StatusUnsupportedMediaType, "Streaming 'Content-Type' "+httpapi.MediaTypeRecordIO+
			" is not supported for "+call.GetType().String()+" call")
		return
	}
	if !streaming && input {
		writeText(w, http.StatusUnsupportedMediaType, "Expecting 'Content-Type' to be "+httpapi.MediaTypeRecordIO+
			" for "+call.GetType().String()+" call")
		return
	}

	resp, status, text := s.agentCall(as, call)
	if resp == nil {
		writeText(w, status, text)
		return
	}
	codec, _ := httpapi.CodecFor(mediaType)
	out, err := codec.Marshal(resp)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set(httpapi.HeaderContentType, mediaType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// firstRecord is the first record of a RecordIO stream ("<length>\n<bytes>",
// src/common/recordio.hpp), or false when the stream holds none.
func firstRecord(b []byte) ([]byte, bool) {
	i := bytes.IndexByte(b, '\n')
	if i <= 0 || i > 20 {
		return nil, false
	}
	n, err := strconv.ParseUint(string(b[:i]), 10, 63)
	if err != nil || uint64(len(b)-i-1) < n {
		return nil, false
	}
	return b[i+1 : i+1+int(n)], true
}
