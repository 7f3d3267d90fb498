// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestHandlerPanicCrashes: a panic in one of the fake's handlers ends the
// process with the panic's value and stack, instead of being recovered by
// net/http with the cluster lock still held (every later request, and
// Server.Close, would then hang). The panic runs in a child process.
func TestHandlerPanicCrashes(t *testing.T) {
	if os.Getenv("MESOSTEST_PANIC_CHILD") == "1" {
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			defer crashOnPanic()
			panic("boom from a handler")
		}))
		defer srv.Close()
		_, _ = http.Get(srv.URL) // the process ends during this call
		t.Fatal("the process survived a panic in a handler")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHandlerPanicCrashes$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MESOSTEST_PANIC_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("child: %v, want exit status 2 (an unrecovered panic); output:\n%s", err, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"mesostest: panic while serving a request", "boom from a handler", "panic_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

// TestHandlerAbortPassesThrough: http.ErrAbortHandler, net/http's way to
// abandon a response on purpose, still only ends that response.
func TestHandlerAbortPassesThrough(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		defer crashOnPanic()
		panic(http.ErrAbortHandler)
	}))
	srv.Config.ErrorLog = nil
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET answered %s, want the connection abandoned", resp.Status)
	}
	// The server goes on serving: the process did not crash.
	resp, err = http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("second GET answered %s, want the connection abandoned again", resp.Status)
	}
}
