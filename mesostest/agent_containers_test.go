// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func dockerContainer(image string) *mesosproto.ContainerInfo {
	return &mesosproto.ContainerInfo{Type: mesosproto.ContainerInfo_DOCKER.Enum(),
		Docker: &mesosproto.ContainerInfo_DockerInfo{Image: proto.String(image)}}
}

func mesosImageContainer(image string) *mesosproto.ContainerInfo {
	return &mesosproto.ContainerInfo{Type: mesosproto.ContainerInfo_MESOS.Enum(),
		Mesos: &mesosproto.ContainerInfo_MesosInfo{Image: &mesosproto.Image{Type: mesosproto.Image_DOCKER.Enum(),
			Docker: &mesosproto.Image_Docker{Name: proto.String(image)}}}}
}

// A default agent is --containerizers=mesos without image providers
// (containerUnsupported cites the Mesos code paths): the task fails from
// the agent, without TASK_STARTING, and nothing runs.
func TestContainersNotSupportedByDefault(t *testing.T) {
	cases := []struct {
		name      string
		container *mesosproto.ContainerInfo
		reason    mesosproto.TaskStatus_Reason
		message   string
	}{
		{"docker", dockerContainer("busybox"), mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED,
			"Abnormal executor termination: unknown container"},
		{"mesos-image", mesosImageContainer("alpine"), mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			"Failed to launch container: Unsupported container image type: DOCKER"},
	}
	for _, c := range codecs {
		for _, tc := range cases {
			t.Run(codecName(c)+"/"+tc.name, func(t *testing.T) {
				srv := newServer(t)
				s := newClient(t, srv, c).subscribe(frameworkInfo("containers"))
				o := s.offers()[0]
				ti := shellTask("t1", o, "touch ran")
				ti.Container = tc.container
				s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
				st := s.update("t1", mesosproto.TaskState_TASK_FAILED)
				if st.GetReason() != tc.reason || st.GetMessage() != tc.message || st.GetSource() != mesosproto.TaskStatus_SOURCE_AGENT {
					t.Fatalf("TASK_FAILED %v %q from %v, want %v %q from the agent", st.GetReason(), st.GetMessage(), st.GetSource(), tc.reason, tc.message)
				}
				if ran, _ := filepath.Glob(filepath.Join(srv.SandboxDir(), "slaves", "*", "frameworks", "*", "executors", "t1", "runs", "*", "ran")); len(ran) != 0 {
					t.Fatalf("the command ran: %v", ran)
				}
			})
		}
	}
}

// A custom executor in a DOCKER container fails the same way, and the
// framework gets FAILURE with status -1 (Slave::executorTerminated).
func TestExecutorContainerNotSupported(t *testing.T) {
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t)
			s := newClient(t, srv, c).subscribe(frameworkInfo("containers"))
			o := s.offers()[0]
			ei := customExecutor("ex")
			ei.Container = dockerContainer("busybox")
			s.mustCall(launchCall(o, nil, executorTask("t1", o, ei)), http.StatusAccepted)
			st := s.update("t1", mesosproto.TaskState_TASK_FAILED)
			if st.GetReason() != mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED || st.GetMessage() != "Abnormal executor termination: unknown container" {
				t.Fatalf("TASK_FAILED %v %q", st.GetReason(), st.GetMessage())
			}
			if f := s.nextSkip(schedulerpb.Event_FAILURE).GetFailure(); f.GetExecutorId().GetValue() != "ex" || f.GetStatus() != -1 {
				t.Fatalf("FAILURE %v", f)
			}
		})
	}
}

// sandboxFile reads a file of task t1's sandbox.
func sandboxFile(t *testing.T, srv *Server, name string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(srv.SandboxDir(), "slaves", "*", "frameworks", "*", "executors", "t1", "runs", "*", name))
	if len(files) != 1 {
		t.Fatalf("%s in the sandbox: %v", name, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// WithImageEmulation runs the command on the host under the container's
// argv rules, shows the network and port mappings, and warns about the image.
func TestImageEmulation(t *testing.T) {
	docker := dockerContainer("example/web:1")
	docker.Docker.PortMappings = []*mesosproto.ContainerInfo_DockerInfo_PortMapping{
		{HostPort: proto.Uint32(31000), ContainerPort: proto.Uint32(80), Protocol: proto.String("tcp")}}
	docker.NetworkInfos = []*mesosproto.NetworkInfo{{Name: proto.String("bridge")}}
	cases := []struct {
		name      string
		container *mesosproto.ContainerInfo
		args      []string
		want      string
	}{
		// Docker: value, then the arguments.
		{"docker", docker, []string{"hello", "world"}, "hello world\n"},
		// Mesos: the arguments are the whole argv (argv[0] included).
		{"mesos-image", mesosImageContainer("alpine"), []string{"echo", "hello", "world"}, "hello world\n"},
	}
	for _, c := range codecs {
		for _, tc := range cases {
			t.Run(codecName(c)+"/"+tc.name, func(t *testing.T) {
				core, logs := observer.New(zap.WarnLevel)
				srv := newServer(t, WithImageEmulation(), WithLogger(zap.New(core)))
				s := newClient(t, srv, c).subscribe(frameworkInfo("emulation"))
				o := s.offers()[0]
				ti := shellTask("t1", o, "")
				ti.Command = &mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/bin/echo"), Arguments: tc.args}
				ti.Container = tc.container
				s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
				s.ack(s.update("t1", mesosproto.TaskState_TASK_STARTING))
				s.ack(s.update("t1", mesosproto.TaskState_TASK_RUNNING))
				st := s.update("t1", mesosproto.TaskState_TASK_FINISHED)
				if got := sandboxFile(t, srv, "stdout"); got != tc.want {
					t.Fatalf("stdout %q, want %q", got, tc.want)
				}
				nis := st.GetContainerStatus().GetNetworkInfos()
				if len(nis) != 1 || nis[0].GetIpAddresses()[0].GetIpAddress() != "127.0.0.1" {
					t.Fatalf("network_infos %v", nis)
				}
				if tc.name == "docker" {
					pm := nis[0].GetPortMappings()
					if nis[0].GetName() != "bridge" || len(pm) != 1 || pm[0].GetHostPort() != 31000 || pm[0].GetContainerPort() != 80 || pm[0].GetProtocol() != "tcp" {
						t.Fatalf("network %v", nis[0])
					}
				}
				image := map[string]string{"docker": "example/web:1", "mesos-image": "alpine"}[tc.name]
				found := false
				for _, e := range logs.All() {
					if strings.Contains(e.Message, "image emulation") && e.ContextMap()["image"] == image {
						found = true
					}
				}
				if !found {
					t.Fatalf("no warning naming image %q: %v", image, logs.All())
				}
			})
		}
	}
}

// An emulated Docker container needs a command: the image's entrypoint is
// unknown.
func TestImageEmulationNeedsCommand(t *testing.T) {
	srv := newServer(t, WithImageEmulation())
	s := newClient(t, srv, codecs[1]).subscribe(frameworkInfo("emulation"))
	o := s.offers()[0]
	ti := shellTask("t1", o, "")
	ti.Command = &mesosproto.CommandInfo{Shell: proto.Bool(false)}
	ti.Container = dockerContainer("busybox")
	s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
	st := s.update("t1", mesosproto.TaskState_TASK_FAILED)
	if st.GetReason() != mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED || !strings.Contains(st.GetMessage(), "CommandInfo.value") {
		t.Fatalf("TASK_FAILED %v %q", st.GetReason(), st.GetMessage())
	}
}

// A custom executor in an emulated DOCKER container runs (its shell
// command on the host), lists its image, and its updates show the
// container's network.
func TestImageEmulationExecutor(t *testing.T) {
	for _, c := range codecs {
		t.Run(codecName(c), func(t *testing.T) {
			srv := newServer(t, WithImageEmulation())
			s := newClient(t, srv, c).subscribe(frameworkInfo("emulation"))
			o := s.offers()[0]
			ei := customExecutor("ex")
			ei.Container = dockerContainer("example/executor:2")
			ei.Container.NetworkInfos = []*mesosproto.NetworkInfo{{Name: proto.String("overlay")}}
			s.mustCall(launchCall(o, nil, executorTask("t1", o, ei)), http.StatusAccepted)
			st, err := srv.WaitExecutor(testCtx(t), s.fwID, "ex", func(st ExecutorStatus) bool { return st.PID != 0 })
			if err != nil {
				t.Fatal(err)
			}
			if st.Image != "example/executor:2" {
				t.Fatalf("Image %q", st.Image)
			}
			e := newExecClient(t, st, "")
			es := e.subscribe(nil)
			es.next(executorpb.Event_SUBSCRIBED)
			es.next(executorpb.Event_LAUNCH)
			expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusAccepted, "")
			nis := s.update("t1", mesosproto.TaskState_TASK_RUNNING).GetContainerStatus().GetNetworkInfos()
			if len(nis) != 1 || nis[0].GetName() != "overlay" || nis[0].GetIpAddresses()[0].GetIpAddress() != "127.0.0.1" {
				t.Fatalf("network_infos %v", nis)
			}
		})
	}
}
