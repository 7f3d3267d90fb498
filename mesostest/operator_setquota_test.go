// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 a master still serves the deprecated SET_QUOTA

package mesostest

import (
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

func setQuotaCall(role string, force bool, guarantee ...*mesosproto.Resource) *masterpb.Call {
	return &masterpb.Call{Type: masterpb.Call_SET_QUOTA.Enum(), SetQuota: &masterpb.Call_SetQuota{
		QuotaRequest: &quotapb.QuotaRequest{Role: proto.String(role), Force: proto.Bool(force), Guarantee: guarantee}}}
}

// TestOperatorSetQuota: the deprecated SET_QUOTA (Master::QuotaHandler::_set
// and __set, src/master/quota_handler.cpp) stores the guarantee as a
// QuotaConfig with equal guarantees and limits, refuses a role that has
// quota, invalid guarantees and nested roles (400), and guarantees beyond
// the cluster's capacity unless forced (409).
func TestOperatorSetQuota(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:1024;disk:1000"))
			c := newClient(t, srv, codec)
			expect(t, c.operatorRaw(setQuotaCall("web", false, scalar("cpus", 1), scalar("mem", 256))), http.StatusOK, "")
			configs := c.operator(operatorPath, opCall(masterpb.Call_GET_QUOTA)).GetGetQuota().GetStatus().GetConfigs()
			if len(configs) != 1 || configs[0].GetRole() != "web" || configs[0].GetGuarantees()["cpus"].GetValue() != 1 ||
				configs[0].GetLimits()["mem"].GetValue() != 256 || len(configs[0].GetLimits()) != 2 {
				t.Fatalf("configs %v", configs)
			}
			expect(t, c.operatorRaw(setQuotaCall("web", false, scalar("cpus", 1))), http.StatusBadRequest,
				"Failed to validate set quota request: Cannot set quota for role 'web' which already has quota")
			expect(t, c.operatorRaw(setQuotaCall("batch", false)), http.StatusBadRequest,
				"Failed to validate set quota request: QuotaInfo with empty 'guarantee'")
			expect(t, c.operatorRaw(setQuotaCall("batch", false, scalar("cpus", 1), scalar("cpus", 2))), http.StatusBadRequest,
				"Failed to validate set quota request: QuotaInfo contains duplicate resource name 'cpus'")
			expect(t, c.operatorRaw(setQuotaCall("a/b", false, scalar("cpus", 1))), http.StatusBadRequest,
				"Setting quota on nested role 'a/b' is not supported yet")
			expect(t, c.operatorRaw(setQuotaCall("batch", false, scalar("cpus", 10))), http.StatusConflict,
				"Quota guarantees overcommit the cluster (use 'force' to bypass this check): "+
					"Total quota guarantees 'cpus:11; mem:256' exceed cluster capacity 'cpus:4; disk:1000; mem:1024'")
			expect(t, c.operatorRaw(setQuotaCall("batch", true, scalar("cpus", 10))), http.StatusOK, "")
			if n := len(c.operator(operatorPath, opCall(masterpb.Call_GET_QUOTA)).GetGetQuota().GetStatus().GetConfigs()); n != 2 {
				t.Fatalf("%d configs after forced SET_QUOTA", n)
			}
		})
	}
}
