// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Tests of the agent's side of issue 12 (environment, containers, network
// info, fetcher, resources, executor subscription), each written from the
// Mesos source cited in the code it tests.

// wantHostDefaultPath is stout's os::host_default_path() (posix/os.hpp).
const wantHostDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// execEnvCodec is execEnv with the scheduler speaking codec c.
func execEnvCodec(t *testing.T, srv *Server, c httpapi.Codec, fi *mesosproto.FrameworkInfo, exID, taskID string) (*sub, ExecutorStatus) {
	t.Helper()
	s := newClient(t, srv, c).subscribe(fi)
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, executorTask(taskID, o, customExecutor(exID))), http.StatusAccepted)
	st, err := srv.WaitExecutor(testCtx(t), s.fwID, exID, func(st ExecutorStatus) bool { return st.PID != 0 })
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// Slave::subscribe (src/slave/slave.cpp) sends SUBSCRIBED on the new stream
// before the acknowledgements of the updates the executor resends: the
// status update manager acknowledges them asynchronously.
func TestExecutorResubscribeSubscribedBeforeAcknowledged(t *testing.T) {
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			s, st := execEnvCodec(t, srv, c, frameworkInfo("order"), "ex", "t1")
			e := newExecClient(t, st, "")
			es := e.subscribe(nil)
			es.next(executorpb.Event_SUBSCRIBED)
			es.next(executorpb.Event_LAUNCH)
			uuid := newUUIDBytes()
			update := e.update("t1", mesosproto.TaskState_TASK_RUNNING, uuid).GetUpdate()
			es2 := e.subscribe(&executorpb.Call_Subscribe{UnacknowledgedUpdates: []*executorpb.Call_Update{update}})
			first := nextNonHeartbeat(t, es2)
			if first.GetType() != executorpb.Event_SUBSCRIBED {
				t.Fatalf("first event %v, want SUBSCRIBED", first.GetType())
			}
			ack := es2.next(executorpb.Event_ACKNOWLEDGED).GetAcknowledged()
			if !bytes.Equal(ack.GetUuid(), uuid) || ack.GetTaskId().GetValue() != "t1" {
				t.Fatalf("ACKNOWLEDGED %v", ack)
			}
			s.update("t1", mesosproto.TaskState_TASK_RUNNING)
		})
	}
}

func nextNonHeartbeat(t *testing.T, es *execSub) *executorpb.Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-es.events:
			if !ok {
				t.Fatalf("stream ended: %v", <-es.end)
			}
			if ev.GetType() != executorpb.Event_HEARTBEAT {
				return ev
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
	}
}

// checkNetworkInfo asserts the container status Slave::_statusUpdate
// (src/slave/slave.cpp) adds to an executor's update: the container id and,
// without a network isolator, one NetworkInfo with the agent's IP.
func checkNetworkInfo(t *testing.T, st *mesosproto.TaskStatus, containerID string) {
	t.Helper()
	cs := st.GetContainerStatus()
	if cs.GetContainerId().GetValue() == "" || (containerID != "" && cs.GetContainerId().GetValue() != containerID) {
		t.Fatalf("%v update: container id %q, want %q", st.GetState(), cs.GetContainerId().GetValue(), containerID)
	}
	nis := cs.GetNetworkInfos()
	if len(nis) != 1 || len(nis[0].GetIpAddresses()) != 1 || nis[0].GetIpAddresses()[0].GetIpAddress() != "127.0.0.1" {
		t.Fatalf("%v update: network_infos %v, want one with ip 127.0.0.1", st.GetState(), nis)
	}
}

func TestStatusUpdatesCarryNetworkInfo(t *testing.T) {
	for _, c := range codecs {
		t.Run(codecName(c)+"/command", func(t *testing.T) {
			srv := newServer(t)
			s := newClient(t, srv, c).subscribe(frameworkInfo("netinfo"))
			o := s.offers()[0]
			s.mustCall(launchCall(o, nil, shellTask("t1", o, "exit 0")), http.StatusAccepted)
			var cid string
			for _, state := range []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED} {
				st := s.update("t1", state)
				checkNetworkInfo(t, st, cid)
				cid = st.GetContainerStatus().GetContainerId().GetValue()
				s.ack(st)
			}
		})
		t.Run(codecName(c)+"/executor", func(t *testing.T) {
			srv := newServer(t)
			s, st := execEnvCodec(t, srv, c, frameworkInfo("netinfo"), "ex", "t1")
			e := newExecClient(t, st, "")
			es := e.subscribe(nil)
			es.next(executorpb.Event_SUBSCRIBED)
			es.next(executorpb.Event_LAUNCH)
			expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusAccepted, "")
			got := s.update("t1", mesosproto.TaskState_TASK_RUNNING)
			checkNetworkInfo(t, got, st.ContainerID)
			if got.GetContainerStatus().GetExecutorPid() != uint32(st.PID) {
				t.Fatalf("executor_pid %d, want %d", got.GetContainerStatus().GetExecutorPid(), st.PID)
			}
		})
	}
}

// taskEnv runs a command task that writes its environment to its sandbox
// and returns that environment.
func taskEnv(t *testing.T, srv *Server, c httpapi.Codec, fi *mesosproto.FrameworkInfo, edit func(*mesosproto.TaskInfo)) map[string]string {
	t.Helper()
	s := newClient(t, srv, c).subscribe(fi)
	o := s.offers()[0]
	ti := shellTask("t1", o, "env > env.txt")
	if edit != nil {
		edit(ti)
	}
	s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
	if _, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(srv.SandboxDir(), "slaves", "*", "frameworks", s.fwID, "executors", "t1", "runs", "*", "env.txt"))
	if len(files) != 1 {
		t.Fatalf("env.txt files: %v", files)
	}
	return readEnvFile(t, files[0])
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

// A command task sees the environment the containerizer builds (Slave's
// executorEnvironment, MesosContainerizerProcess::_launch, launch.cpp's
// PATH default, the command executor's MESOS_ALLOCATION_ROLE and
// CommandInfo.environment): nothing of the agent's own environment.
func TestCommandTaskEnvironment(t *testing.T) {
	t.Setenv("MESOSTEST_HOST_ONLY", "leak")
	t.Setenv("HOME", "/home/mesostest-host")
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			fi := frameworkInfo("env")
			fi.Checkpoint = proto.Bool(true)
			env := taskEnv(t, srv, c, fi, func(ti *mesosproto.TaskInfo) {
				ti.Command.Environment = &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
					{Name: proto.String("FROM_TASK"), Value: proto.String("yes")},
					{Name: proto.String("LIBPROCESS_PORT"), Value: proto.String("1234")},    // the task's environment wins...
					{Name: proto.String("MESOS_ALLOCATION_ROLE"), Value: proto.String("x")}, // ...but the executor sets this last
				}}
				ti.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(2 * time.Second))}}
			})
			want := map[string]string{
				"PATH":                                 wantHostDefaultPath,
				"MESOS_EXECUTOR_ID":                    "t1",
				"MESOS_CHECKPOINT":                     "1",
				"MESOS_HTTP_COMMAND_EXECUTOR":          "0",
				"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "4secs", // kill policy + MAX_REAP_INTERVAL + 1s
				"MESOS_RECOVERY_TIMEOUT":               "15mins",
				"MESOS_SUBSCRIPTION_BACKOFF_MAX":       "2secs",
				"MESOS_ALLOCATION_ROLE":                "*",
				"LIBPROCESS_PORT":                      "1234",
				"FROM_TASK":                            "yes",
			}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s=%q, want %q", k, env[k], v)
				}
			}
			for _, k := range []string{"MESOSTEST_HOST_ONLY", "HOME"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s=%q inherited from the host", k, v)
				}
			}
			if env["MESOS_SANDBOX"] == "" || env["MESOS_SANDBOX"] != env["MESOS_DIRECTORY"] {
				t.Errorf("MESOS_SANDBOX %q, MESOS_DIRECTORY %q", env["MESOS_SANDBOX"], env["MESOS_DIRECTORY"])
			}
		})
	}
}

// Without a kill policy and a checkpointing framework: the agent's default
// grace period, MESOS_CHECKPOINT=0 and no recovery variables.
func TestCommandTaskEnvironmentDefaults(t *testing.T) {
	srv := newServer(t)
	env := taskEnv(t, srv, httpapi.Protobuf, frameworkInfo("env"), nil)
	if env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] != "5secs" || env["MESOS_CHECKPOINT"] != "0" {
		t.Errorf("grace %q checkpoint %q", env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"], env["MESOS_CHECKPOINT"])
	}
	if _, ok := env["MESOS_RECOVERY_TIMEOUT"]; ok {
		t.Error("MESOS_RECOVERY_TIMEOUT without checkpointing")
	}
}

// WithHostEnvironment puts the test process's environment under the one
// Mesos builds.
func TestHostEnvironmentOption(t *testing.T) {
	t.Setenv("MESOSTEST_HOST_ONLY", "kept")
	srv := newServer(t, WithHostEnvironment())
	env := taskEnv(t, srv, httpapi.Protobuf, frameworkInfo("env"), nil)
	if env["MESOSTEST_HOST_ONLY"] != "kept" || env["MESOS_EXECUTOR_ID"] != "t1" {
		t.Fatalf("MESOSTEST_HOST_ONLY=%q MESOS_EXECUTOR_ID=%q", env["MESOSTEST_HOST_ONLY"], env["MESOS_EXECUTOR_ID"])
	}
	if env["PATH"] != os.Getenv("PATH") {
		t.Fatalf("PATH %q, want the host's", env["PATH"])
	}
}

// A custom executor gets executorEnvironment and nothing of the host.
func TestExecutorEnvironmentNotInherited(t *testing.T) {
	t.Setenv("MESOSTEST_HOST_ONLY", "leak")
	t.Setenv("HOME", "/home/mesostest-host")
	srv := newServer(t)
	_, _, env := execEnv(t, srv, frameworkInfo("env"), "ex", "t1")
	if env["PATH"] != wantHostDefaultPath {
		t.Errorf("PATH %q", env["PATH"])
	}
	for _, k := range []string{"MESOSTEST_HOST_ONLY", "HOME"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q inherited from the host", k, v)
		}
	}
}

// offeredAmount is the amount of an unreserved scalar in an offer.
func offeredAmount(o *mesosproto.Offer, name string) (float64, bool) {
	for _, r := range o.GetResources() {
		if r.GetName() == name {
			return r.GetScalar().GetValue(), true
		}
	}
	return 0, false
}

// memTotalBytes reads MemTotal from /proc/meminfo (the same total as
// sysinfo's totalram, which stout's os::memory reads).
func memTotalBytes(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo:", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no MemTotal")
	return 0
}

// Containerizer::resources (src/slave/containerizer/containerizer.cpp):
// what --resources leaves out is detected; what it names, even as 0, is not.
func TestAgentResourcesDetected(t *testing.T) {
	mem := memTotalBytes(t)
	wantMem := float64((mem - 1<<30) >> 20)
	if mem < 2<<30 {
		wantMem = float64((mem / 2) >> 20)
	}
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;gpus:0"))
			o := newClient(t, srv, c).subscribe(frameworkInfo("detect")).offers()[0]
			if got, _ := offeredAmount(o, "cpus"); got != 2 {
				t.Errorf("cpus %v, want 2 as configured", got)
			}
			if got, ok := offeredAmount(o, "mem"); !ok || got != wantMem {
				t.Errorf("mem %v (present %v), want %v (total %d bytes less 1 GB)", got, ok, wantMem, mem)
			}
			if got, ok := offeredAmount(o, "disk"); !ok || got <= 0 {
				t.Errorf("disk %v (present %v), want the detected size", got, ok)
			}
			var ports []string
			for _, r := range o.GetResources() {
				if r.GetName() == "ports" {
					for _, rg := range r.GetRanges().GetRange() {
						ports = append(ports, strconv.FormatUint(rg.GetBegin(), 10)+"-"+strconv.FormatUint(rg.GetEnd(), 10))
					}
				}
			}
			if strings.Join(ports, ",") != "31000-32000" {
				t.Errorf("ports %v, want [31000-32000]", ports)
			}
		})
	}
}

// cpus left out: the host's online CPUs; a mem named as 0 stays out.
func TestAgentCPUsDetected(t *testing.T) {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		t.Skip("no /sys/devices/system/cpu/online:", err)
	}
	want := 0
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, ok := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		z := a
		if ok {
			z, _ = strconv.Atoi(hi)
		}
		want += z - a + 1
	}
	srv := newServer(t, WithAgents(1, "mem:512;disk:0;ports:[5000-5001]"))
	o := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("detect")).offers()[0]
	if got, _ := offeredAmount(o, "cpus"); got != float64(want) {
		t.Errorf("cpus %v, want %d online CPUs", got, want)
	}
	if got, ok := offeredAmount(o, "disk"); ok {
		t.Errorf("disk %v offered, but the agent was given disk:0", got)
	}
}
