// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
	"github.com/mesoskit/mesoskit/scheduler"
)

// opsSecret is the operator's secret in TestSecretsNeverShow.
const opsSecret = "0ps-S3cret-Hq7Yv-never-shown"

// TestSecretsNeverShow runs a cluster with every credential on — scheduler
// Basic credentials, operator credentials on the read-write realm, executor
// bearer tokens — and looks for the secrets in every output: the debug
// logs of the scheduler, the operator client and mesostest, every error
// returned, the Prometheus text of the SDK's metrics, the console's pages,
// the master's and agent's JSON endpoints and the operator's answers.
func TestSecretsNeverShow(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		log, logs := observed(t)
		sandbox := t.TempDir()
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithLogger(log.Named("mesostest")),
			mesostest.WithCredentials(map[string]string{testPrincipal: testSecret, "ops": opsSecret}),
			mesostest.WithOperatorAuthentication(), mesostest.WithExecutorAuthentication(), mesostest.WithSandboxDir(sandbox))
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			t.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

		var outputs []string // every text that must hold no secret
		keep := func(what string, v any) { outputs = append(outputs, fmt.Sprintf("%s: %v", what, v)) }

		c := newClient(t, srv, ct, frameworkInfo("secrets"), scheduler.WithLogger(log.Named("scheduler")),
			scheduler.WithCredentials(testPrincipal, testSecret), scheduler.WithMeterProvider(mp), scheduler.WithRefuseSeconds(0))
		terminal := runTokenTasks(t, c)
		for _, st := range terminal {
			keep("status", protojson.Format(st))
		}
		token := readToken(t, sandbox)

		// Errors: a refused call, a wrong scheduler secret, a wrong
		// operator secret.
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		bad := newClient(t, srv, ct, frameworkInfo("secrets"), scheduler.WithLogger(log.Named("scheduler")),
			scheduler.WithCredentials(testPrincipal, wrongSecret), scheduler.WithMeterProvider(mp))
		if err := start(t, bad, scheduler.Callbacks{}).wait(); !errors.Is(err, scheduler.ErrUnauthenticated) {
			t.Fatalf("Run with a wrong secret = %v", err)
		} else {
			keep("Run error", err)
		}
		op := newOperator(t, srv, ct, "ops", opsSecret, log, mp)
		wrongOp := newOperator(t, srv, ct, "ops", wrongSecret, log, mp)
		if _, err := wrongOp.GetState(ctx); !errors.Is(err, operator.ErrUnauthenticated) {
			t.Fatalf("GetState with a wrong secret = %v", err)
		} else {
			keep("operator error", err)
		}
		for what, call := range map[string]func() (proto.Message, error){
			"GET_STATE":      func() (proto.Message, error) { return op.GetState(ctx) },
			"GET_FRAMEWORKS": func() (proto.Message, error) { return op.GetFrameworks(ctx) },
		} {
			resp, err := call()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			keep(what, protojson.Format(resp))
		}
		flags, err := op.GetFlags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		keep("GET_FLAGS", flags)

		// The console and the JSON endpoints of the master and the agent.
		hc := srv.Client()
		for _, u := range []string{"/", "/console/app.js", "/console/app.css", "/state", "/state-summary", "/frameworks",
			"/tasks", "/flags", "/metrics/snapshot", "/master/state", "/roles"} {
			keep(u, get(t, hc, srv.URL()+u))
		}
		for _, id := range srv.AgentIDs() {
			for _, u := range []string{"/state", "/flags", "/containers", "/metrics/snapshot"} {
				keep("agent "+u, get(t, hc, srv.AgentURL(id)+u))
			}
		}
		rec := httptest.NewRecorder()
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		keep("metrics", rec.Body.String())

		traces := []string{testSecret, wrongSecret, opsSecret, token,
			base64.StdEncoding.EncodeToString([]byte(testPrincipal + ":" + testSecret)),
			base64.StdEncoding.EncodeToString([]byte(testPrincipal + ":" + wrongSecret)),
			base64.StdEncoding.EncodeToString([]byte("ops:" + opsSecret)),
			base64.StdEncoding.EncodeToString([]byte("ops:" + wrongSecret))}
		for _, out := range outputs {
			assertClean(t, "output", out, traces)
		}
		if n := assertLogsClean(t, logs, traces); n < 10 {
			t.Errorf("only %d log entries: the scan proves little", n)
		}
		if rec.Body.Len() == 0 {
			t.Error("no metrics exported")
		}
	})
}

// runTokenTasks runs a command task and a custom executor that writes its
// bearer token to its sandbox and exits, and returns their last updates.
func runTokenTasks(t *testing.T, c *scheduler.Client) []*mesosproto.TaskStatus {
	t.Helper()
	var once sync.Once
	done := make(chan []*mesosproto.TaskStatus, 1)
	var mu sync.Mutex
	last := map[string]*mesosproto.TaskStatus{}
	r := start(t, c, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			launched := false
			var err error
			once.Do(func() {
				launched = true
				o := offers[0]
				res := []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)}
				cmd := &mesosproto.TaskInfo{Name: proto.String("cmd"), TaskId: &mesosproto.TaskID{Value: proto.String("cmd")},
					AgentId: o.ProtoAgentID(), Resources: res, Command: &mesosproto.CommandInfo{Value: proto.String("true")}}
				ex := &mesosproto.TaskInfo{Name: proto.String("exec"), TaskId: &mesosproto.TaskID{Value: proto.String("exec")},
					AgentId: o.ProtoAgentID(), Resources: res, Executor: &mesosproto.ExecutorInfo{
						ExecutorId: &mesosproto.ExecutorID{Value: proto.String("token-writer")},
						Command: &mesosproto.CommandInfo{Value: proto.String(
							`printf %s "$MESOS_EXECUTOR_AUTHENTICATION_TOKEN" > token; echo "started"; exit 0`)},
					}}
				err = c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{cmd, ex}, nil)
			})
			if launched {
				return err
			}
			ids := make([]*mesosproto.OfferID, 0, len(offers))
			for _, o := range offers {
				ids = append(ids, o.ProtoID())
			}
			return c.Decline(ctx, ids, nil)
		},
		Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
			mu.Lock()
			defer mu.Unlock()
			last[st.GetTaskId().GetValue()] = st
			if len(last) == 2 && terminalState(last["cmd"]) && terminalState(last["exec"]) {
				select {
				case done <- []*mesosproto.TaskStatus{last["cmd"], last["exec"]}:
				default:
				}
			}
			return nil
		},
	})
	out := recv(t, "both tasks terminal", done)
	if err := r.stop(); err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
	return out
}

func terminalState(st *mesosproto.TaskStatus) bool {
	switch st.GetState() {
	case mesosproto.TaskState_TASK_FINISHED, mesosproto.TaskState_TASK_FAILED, mesosproto.TaskState_TASK_KILLED,
		mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_ERROR, mesosproto.TaskState_TASK_DROPPED, mesosproto.TaskState_TASK_GONE:
		return true
	}
	return false
}

// readToken finds the token the custom executor wrote in its sandbox.
func readToken(t *testing.T, sandbox string) string {
	t.Helper()
	var token string
	_ = filepath.Walk(sandbox, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Name() == "token" {
			b, rerr := os.ReadFile(p)
			if rerr == nil {
				token = string(b)
			}
		}
		return nil
	})
	if len(token) < 16 {
		t.Fatalf("the executor's token %q was not found in the sandbox", token)
	}
	return token
}

func newOperator(t *testing.T, srv *mesostest.Server, ct, principal, secret string, log *zap.Logger, mp *sdkmetric.MeterProvider) *operator.Master {
	t.Helper()
	opts := []operator.Option{operator.WithContentType(ct), operator.WithCredentials(principal, secret),
		operator.WithMeterProvider(mp), operator.WithLogger(log.Named("operator"))}
	m, err := operator.NewMaster(srv.URL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func get(t *testing.T, hc *http.Client, u string) string {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}
