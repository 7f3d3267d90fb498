// SPDX-License-Identifier: Apache-2.0

package mesostest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/mesoskit/mesoskit/mesostest"
)

func ExampleNewServer() {
	srv, err := mesostest.NewServer(mesostest.WithAgents(2, "cpus:2;mem:1024;ports:[31000-31099]"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// A call before SUBSCRIBE is refused exactly as Mesos refuses it.
	body := `{"type":"RECONCILE","framework_id":{"value":"nope"},"reconcile":{}}`
	resp, err := srv.Client().Post(srv.URL()+"/api/v1/scheduler", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, http.StatusText(resp.StatusCode))
	fmt.Println(len(srv.AgentIDs()), "agents, master", srv.MasterInfo().GetVersion())
	// Output:
	// 400 Bad Request
	// 2 agents, master 1.12.0
}
