// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

func quotaCall(configs ...*quotapb.QuotaConfig) *masterpb.Call {
	return &masterpb.Call{Type: masterpb.Call_UPDATE_QUOTA.Enum(), UpdateQuota: &masterpb.Call_UpdateQuota{QuotaConfigs: configs}}
}

func quotaConfig(role string, guarantees, limits map[string]float64) *quotapb.QuotaConfig {
	qc := &quotapb.QuotaConfig{Role: proto.String(role)}
	for k, v := range guarantees {
		if qc.Guarantees == nil {
			qc.Guarantees = map[string]*mesosproto.Value_Scalar{}
		}
		qc.Guarantees[k] = &mesosproto.Value_Scalar{Value: proto.Float64(v)}
	}
	for k, v := range limits {
		if qc.Limits == nil {
			qc.Limits = map[string]*mesosproto.Value_Scalar{}
		}
		qc.Limits[k] = &mesosproto.Value_Scalar{Value: proto.Float64(v)}
	}
	return qc
}

// TestOperatorQuota: UPDATE_QUOTA keeps the configs, GET_QUOTA shows them
// as configs and as legacy infos (guarantees only); bad configs get the
// quota handler's 400s.
func TestOperatorQuota(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			if q := c.operator(operatorPath, opCall(masterpb.Call_GET_QUOTA)); q.GetType() != masterpb.Response_GET_QUOTA || q.GetGetQuota().GetStatus() == nil ||
				len(q.GetGetQuota().GetStatus().GetConfigs()) != 0 {
				t.Fatalf("initial quota %v", q)
			}
			web := quotaConfig("web", map[string]float64{"cpus": 1, "mem": 512}, map[string]float64{"cpus": 2})
			expect(t, c.operatorRaw(quotaCall(web)), http.StatusOK, "")
			expect(t, c.operatorRaw(quotaCall(quotaConfig("a/b", nil, nil))), http.StatusBadRequest, "Updating quota on nested role 'a/b' is not supported yet")
			expect(t, c.operatorRaw(quotaCall(quotaConfig("-x", nil, nil))), http.StatusBadRequest,
				"Invalid QuotaConfig: Invalid 'QuotaConfig.role': Role component '-x' is invalid because it starts with a dash")
			expect(t, c.operatorRaw(quotaCall(quotaConfig("big", map[string]float64{"mem": 2e12}, nil))), http.StatusBadRequest,
				"Invalid QuotaConfig: Invalid 'QuotaConfig.guarantees': {'mem': 2000000000000} is invalid: values greater than 1 exabyte (1099511627776) are not supported")
			expect(t, c.operatorRaw(quotaCall(quotaConfig("neg", nil, map[string]float64{"gpus": -1}))), http.StatusBadRequest,
				"Invalid QuotaConfig: Invalid limit configuration {'gpus': -1}: Negative values not supported")
			st := c.operator(operatorPath, opCall(masterpb.Call_GET_QUOTA)).GetGetQuota().GetStatus()
			if len(st.GetConfigs()) != 1 || !proto.Equal(st.GetConfigs()[0], web) {
				t.Fatalf("configs %v, want %v", st.GetConfigs(), web)
			}
			infos := st.GetInfos() //lint:ignore SA1019 the legacy field Mesos still fills
			if len(infos) != 1 || infos[0].GetRole() != "web" || len(infos[0].GetGuarantee()) != 2 ||
				infos[0].GetGuarantee()[0].GetName() != "cpus" || infos[0].GetGuarantee()[1].GetScalar().GetValue() != 512 {
				t.Fatalf("legacy infos %v", infos)
			}
		})
	}
}

// TestOperatorRemoveQuota: REMOVE_QUOTA drops a role's quota (deprecated
// v1 call, still served).
func TestOperatorRemoveQuota(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			remove := func(role string) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_REMOVE_QUOTA.Enum(), RemoveQuota: &masterpb.Call_RemoveQuota{Role: proto.String(role)}} //lint:ignore SA1019 the deprecated call under test
			}
			expect(t, c.operatorRaw(quotaCall(quotaConfig("web", map[string]float64{"cpus": 1}, nil))), http.StatusOK, "")
			expect(t, c.operatorRaw(remove("web")), http.StatusOK, "")
			if st := c.operator(operatorPath, opCall(masterpb.Call_GET_QUOTA)).GetGetQuota().GetStatus(); len(st.GetConfigs()) != 0 {
				t.Fatalf("quota after REMOVE_QUOTA: %v", st)
			}
			expect(t, c.operatorRaw(remove("web")), http.StatusBadRequest, "Failed to remove quota: Role 'web' has no quota set")
		})
	}
}
