// SPDX-License-Identifier: Apache-2.0

package mesostest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mesoskit/mesoskit/mesostest"
)

// A master with ACLs refuses a framework whose principal may not register
// with its role: one ERROR event on the SUBSCRIBE stream, as Mesos sends it.
func ExampleWithACLs() {
	acls, err := mesostest.ParseACLs([]byte(`{
		"permissive": false,
		"register_frameworks": [{"principals": {"values": ["web"]}, "roles": {"values": ["web"]}}]
	}`))
	if err != nil {
		panic(err)
	}
	srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithACLs(acls))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	body := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","principal":"web","role":"ops"}}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v1/scheduler", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	stream, _ := io.ReadAll(resp.Body) // the master closes the stream after the ERROR
	fmt.Println(resp.StatusCode, strings.Contains(string(stream), `"message":"Not authorized to register framework  with roles { ops }"`))
	// Output:
	// 200 true
}
