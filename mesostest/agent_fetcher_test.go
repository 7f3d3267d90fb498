// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func tarGz(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: "dir/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write([]byte(content))
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

func zipped(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(content))
	_ = zw.Close()
	return buf.Bytes()
}

func gzipped(content string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(content))
	_ = zw.Close()
	return buf.Bytes()
}

// fileServer serves files on the loopback interface.
func fileServer(t *testing.T, files map[string][]byte) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(hs.Close)
	return hs
}

func uri(value string, f func(*mesosproto.CommandInfo_URI)) *mesosproto.CommandInfo_URI {
	u := &mesosproto.CommandInfo_URI{Value: proto.String(value)}
	if f != nil {
		f(u)
	}
	return u
}

// The fetcher (src/launcher/fetcher.cpp) puts every URI in the sandbox
// before the command runs: local paths, file:// and http://, renamed by
// output_file, made executable, archives extracted.
func TestFetcherFetchesURIs(t *testing.T) {
	local := filepath.Join(t.TempDir(), "plain.txt")
	if err := os.WriteFile(local, []byte("plain\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"/bin/tool.sh":    []byte("#!/bin/sh\necho tool\n"),
		"/pkg/files.tgz":  tarGz(t, "a.txt", "from tgz\n"),
		"/pkg/files.zip":  zipped(t, "z.txt", "from zip\n"),
		"/pkg/single.gz":  gzipped("from gz\n"),
		"/data/named.txt": []byte("renamed\n"),
	}
	extract := func(u *mesosproto.CommandInfo_URI) { u.Extract = proto.Bool(true) }
	hs := fileServer(t, files)
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			s := newClient(t, srv, c).subscribe(frameworkInfo("fetch"))
			o := s.offers()[0]
			ti := shellTask("t1", o, "./tool.sh > out.txt && cat dir/a.txt z.txt single sub/renamed.txt plain.txt copy.txt >> out.txt")
			ti.Command.Uris = []*mesosproto.CommandInfo_URI{
				uri(hs.URL+"/bin/tool.sh", func(u *mesosproto.CommandInfo_URI) { u.Executable = proto.Bool(true) }),
				uri(hs.URL+"/pkg/files.tgz", extract),
				uri(hs.URL+"/pkg/files.zip", extract),
				uri(hs.URL+"/pkg/single.gz", extract),
				uri(hs.URL+"/data/named.txt", func(u *mesosproto.CommandInfo_URI) { u.OutputFile = proto.String("sub/renamed.txt") }),
				uri(local, nil),
				uri("file://"+local, func(u *mesosproto.CommandInfo_URI) { u.OutputFile = proto.String("copy.txt") }),
			}
			s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
			if st, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_FINISHED); err != nil {
				t.Fatal(err, srv.TaskUpdates("t1"), st)
			}
			want := "tool\nfrom tgz\nfrom zip\nfrom gz\nrenamed\nplain\nplain\n"
			if got := sandboxFile(t, srv, "out.txt"); got != want {
				t.Fatalf("out.txt %q, want %q", got, want)
			}
		})
	}
}

// tar.bz2 and tar.xz archives, made by the tar program.
func TestFetcherExtractsBzip2AndXz(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.txt"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ flag, name string }{{"-cjf", "b.tar.bz2"}, {"-cJf", "b.txz"}} {
		if out, err := exec.Command("tar", "-C", dir, f.flag, filepath.Join(dir, f.name), "b.txt").CombinedOutput(); err != nil {
			t.Skipf("tar %s: %v %s", f.flag, err, out)
		}
	}
	srv := newServer(t)
	s := newClient(t, srv, codecs[1]).subscribe(frameworkInfo("fetch"))
	o := s.offers()[0]
	t1 := shellTask("t1", o, "test -f b.txt")
	t1.Command.Uris = []*mesosproto.CommandInfo_URI{uri(filepath.Join(dir, "b.tar.bz2"), func(u *mesosproto.CommandInfo_URI) { u.Extract = proto.Bool(true) })}
	t2 := shellTask("t2", o, "test -f b.txt")
	t2.Command.Uris = []*mesosproto.CommandInfo_URI{uri(filepath.Join(dir, "b.txz"), func(u *mesosproto.CommandInfo_URI) { u.Extract = proto.Bool(true) })}
	s.mustCall(launchCall(o, nil, t1, t2), http.StatusAccepted)
	for _, id := range []string{"t1", "t2"} {
		if _, err := srv.WaitTask(testCtx(t), id, mesosproto.TaskState_TASK_FINISHED); err != nil {
			t.Fatal(err, srv.TaskUpdates(id))
		}
	}
}

// A failed fetch fails the launch (Slave::executorLaunched, with
// FetcherProcess::run's message), from the agent and before TASK_STARTING;
// mesos-fetcher's reason is in the sandbox's stderr.
func TestFetcherFailureFailsTask(t *testing.T) {
	var evil bytes.Buffer
	zw := gzip.NewWriter(&evil)
	tw := tar.NewWriter(zw)
	_ = tw.WriteHeader(&tar.Header{Name: "../evil.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	_ = zw.Close()
	hs := fileServer(t, map[string][]byte{"/big": bytes.Repeat([]byte("x"), 1000), "/evil.tgz": evil.Bytes()})
	cases := []struct {
		name   string
		uri    *mesosproto.CommandInfo_URI
		prefix string
		suffix string
		stderr string
	}{
		{"404", uri(hs.URL+"/missing.tgz", nil), "Failed to launch container: Failed to fetch all URIs for container '",
			"': exited with status 1", "Failed to fetch '" + hs.URL + "/missing.tgz': Error downloading resource, received HTTP return code 404"},
		{"limit", uri(hs.URL+"/big", nil), "Failed to launch container: Failed to fetch all URIs for container '",
			"': exited with status 1", "fetch limit exceeded"},
		{"output-file", uri(hs.URL+"/big", func(u *mesosproto.CommandInfo_URI) { u.OutputFile = proto.String("/etc/big") }),
			"Failed to launch container: Could not fetch: URI output file must be within the sandbox directory", "", ""},
		{"escape", uri(hs.URL+"/big", func(u *mesosproto.CommandInfo_URI) { u.OutputFile = proto.String("../escape.txt") }),
			"Failed to launch container: Failed to fetch all URIs for container '", "': exited with status 1",
			"URI output file must be within the sandbox directory"},
		{"archive-escape", uri(hs.URL+"/evil.tgz", func(u *mesosproto.CommandInfo_URI) { u.Extract = proto.Bool(true) }),
			"Failed to launch container: Failed to fetch all URIs for container '", "': exited with status 1",
			"leaves the sandbox"},
		{"relative", uri("relative/file.txt", nil), "Failed to launch container: Failed to fetch all URIs for container '",
			"': exited with status 1", "A relative path was passed for the resource"},
	}
	for _, c := range codecs {
		for _, tc := range cases {
			t.Run(codecName(c)+"/"+tc.name, func(t *testing.T) {
				srv := newServer(t, WithFetchLimit(500))
				s := newClient(t, srv, c).subscribe(frameworkInfo("fetch"))
				o := s.offers()[0]
				ti := shellTask("t1", o, "touch ran")
				ti.Command.Uris = []*mesosproto.CommandInfo_URI{tc.uri}
				s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
				st := s.update("t1", mesosproto.TaskState_TASK_FAILED)
				msg := st.GetMessage()
				if st.GetReason() != mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED || st.GetSource() != mesosproto.TaskStatus_SOURCE_AGENT ||
					!strings.HasPrefix(msg, tc.prefix) || !strings.HasSuffix(msg, tc.suffix) {
					t.Fatalf("TASK_FAILED %v %q from %v", st.GetReason(), msg, st.GetSource())
				}
				if tc.stderr != "" && !strings.Contains(sandboxFile(t, srv, "stderr"), tc.stderr) {
					t.Fatalf("stderr %q lacks %q", sandboxFile(t, srv, "stderr"), tc.stderr)
				}
			})
		}
	}
}

// ExecutorInfo.command.uris are fetched before the executor starts.
func TestFetcherExecutorURIs(t *testing.T) {
	hs := fileServer(t, map[string][]byte{"/conf.txt": []byte("conf\n")})
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			s := newClient(t, srv, c).subscribe(frameworkInfo("fetch"))
			o := s.offers()[0]
			ei := customExecutor("ex")
			ei.Command.Uris = []*mesosproto.CommandInfo_URI{uri(hs.URL+"/conf.txt", nil)}
			s.mustCall(launchCall(o, nil, executorTask("t1", o, ei)), http.StatusAccepted)
			st, err := srv.WaitExecutor(testCtx(t), s.fwID, "ex", func(st ExecutorStatus) bool { return st.PID != 0 })
			if err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(st.Sandbox, "conf.txt")); err != nil || string(b) != "conf\n" {
				t.Fatalf("conf.txt %q, %v", b, err)
			}
		})
	}
}

// An executor whose URIs cannot be fetched never runs: its tasks fail with
// the launch failure, and the framework gets FAILURE with the status of the
// container's killed helper (Slave::executorLaunched, executorTerminated).
func TestFetcherExecutorFailure(t *testing.T) {
	hs := fileServer(t, nil)
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			s := newClient(t, srv, c).subscribe(frameworkInfo("fetch"))
			o := s.offers()[0]
			ei := customExecutor("ex")
			ei.Command.Uris = []*mesosproto.CommandInfo_URI{uri(hs.URL+"/missing", nil)}
			s.mustCall(launchCall(o, nil, executorTask("t1", o, ei)), http.StatusAccepted)
			st := s.update("t1", mesosproto.TaskState_TASK_FAILED)
			if st.GetReason() != mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED ||
				!strings.HasPrefix(st.GetMessage(), "Failed to launch container: Failed to fetch all URIs for container '") {
				t.Fatalf("TASK_FAILED %v %q", st.GetReason(), st.GetMessage())
			}
			if f := s.nextSkip(schedulerpb.Event_FAILURE).GetFailure(); f.GetExecutorId().GetValue() != "ex" || f.GetStatus() != int32(syscall.SIGKILL) {
				t.Fatalf("FAILURE %v", f)
			}
		})
	}
}
