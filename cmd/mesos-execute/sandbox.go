// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Output streaming reads the task's sandbox through the agent's files API (src/files/files.cpp,
// FilesProcess::read): GET /files/read?path=P&offset=N&length=M answers {"data":"…","offset":N}. The sandbox
// is the executor's "directory" in the agent's /state (src/slave/http.cpp Http::state), or, while /state does
// not list it, the alias the agent attaches for an executor's latest run,
// /frameworks/<framework>/executors/<executor>/runs/latest (src/slave/paths.cpp getExecutorVirtualPath).
// An agent that serves neither leaves the output unstreamed, without a word.

const (
	pollInterval = 250 * time.Millisecond
	readLength   = 64 << 10
)

type sandboxStream struct {
	hc                        *http.Client
	agent, framework, executr string
	sub                       string // the task's directory in the executor's sandbox: "" or /tasks/<task id>
	out, err                  io.Writer
	directory                 string // from /state, once found
	offsets                   map[string]int64
	done                      chan struct{}
	once                      sync.Once
}

func newSandboxStream(agent, framework, executor, sub string, stdout, stderr io.Writer) *sandboxStream {
	return &sandboxStream{hc: &http.Client{Timeout: 5 * time.Second}, agent: agent, framework: framework,
		executr: executor, sub: sub, out: stdout, err: stderr, offsets: map[string]int64{}, done: make(chan struct{})}
}

// stop makes run read what is left and return.
func (s *sandboxStream) stop() { s.once.Do(func() { close(s.done) }) }

// run copies the sandbox's stdout and stderr as they grow until stop, then reads them to their end.
func (s *sandboxStream) run() {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		last := false
		select {
		case <-s.done:
			last = true
		case <-tick.C:
		}
		dir := s.sandbox() + s.sub
		s.drain(dir+"/stdout", s.out)
		s.drain(dir+"/stderr", s.err)
		if last {
			return
		}
	}
}

// sandbox returns the executor's directory from the agent's /state, or the alias of its latest run.
func (s *sandboxStream) sandbox() string {
	if s.directory == "" {
		s.directory = s.stateDirectory()
	}
	if s.directory != "" {
		return s.directory
	}
	return "/frameworks/" + s.framework + "/executors/" + s.executr + "/runs/latest"
}

// stateDirectory finds the executor in the agent's /state, running or completed (a task that ends before
// the first poll has a completed executor already).
func (s *sandboxStream) stateDirectory() string {
	type executor struct {
		ID        string `json:"id"`
		Directory string `json:"directory"`
	}
	type framework struct {
		ID                 string     `json:"id"`
		Executors          []executor `json:"executors"`
		CompletedExecutors []executor `json:"completed_executors"`
	}
	var state struct {
		Frameworks          []framework `json:"frameworks"`
		CompletedFrameworks []framework `json:"completed_frameworks"`
	}
	if !s.get(s.agent+"/state", &state) {
		return ""
	}
	for _, fw := range append(state.Frameworks, state.CompletedFrameworks...) {
		for _, ex := range append(fw.Executors, fw.CompletedExecutors...) {
			if fw.ID == s.framework && ex.ID == s.executr {
				return ex.Directory
			}
		}
	}
	return ""
}

// drain copies what path has beyond the offset already read.
func (s *sandboxStream) drain(path string, w io.Writer) {
	for range 1024 { // at most 64 MiB per poll
		var chunk struct {
			Data   string `json:"data"`
			Offset int64  `json:"offset"`
		}
		q := url.Values{"path": {path}, "offset": {strconv.FormatInt(s.offsets[path], 10)}, "length": {strconv.Itoa(readLength)}}
		if !s.get(s.agent+"/files/read?"+q.Encode(), &chunk) || chunk.Data == "" {
			return
		}
		_, _ = io.WriteString(w, chunk.Data)
		s.offsets[path] += int64(len(chunk.Data))
		if len(chunk.Data) < readLength {
			return
		}
	}
}

// get decodes a 200 answer's JSON body into v; anything else is false.
func (s *sandboxStream) get(u string, v any) bool {
	resp, err := s.hc.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return false
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(v) == nil
}
