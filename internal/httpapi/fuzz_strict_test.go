// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// callSeeds are scheduler and executor calls as frameworks and executors
// send them (JSON); their protobuf encodings are added as seeds too.
var callSeeds = []string{
	`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"f","roles":["*"],"failover_timeout":60,"capabilities":[{"type":"MULTI_ROLE"}]}}}`,
	`{"framework_id":{"value":"f-1"},"type":"ACCEPT","accept":{"offer_ids":[{"value":"o-1"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t-1"},"agent_id":{"value":"a-1"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}],"command":{"value":"true"}}]}}],"filters":{"refuse_seconds":5}}}`,
	`{"framework_id":{"value":"f-1"},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a-1"},"task_id":{"value":"t-1"},"uuid":"AAECAwQFBgcICQoLDA0ODw=="}}`,
	`{"framework_id":{"value":"f-1"},"type":"RECONCILE","reconcile":{"tasks":[{"task_id":{"value":"t-1"}}]}}`,
	`{"framework_id":{"value":"f-1"},"type":"TEARDOWN"}`,
	`{"executor_id":{"value":"e-1"},"framework_id":{"value":"f-1"},"type":"SUBSCRIBE","subscribe":{"unacknowledged_tasks":[],"unacknowledged_updates":[]}}`,
	`{"executor_id":{"value":"e-1"},"framework_id":{"value":"f-1"},"type":"UPDATE","update":{"status":{"task_id":{"value":"t-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","uuid":"AAECAwQFBgcICQoLDA0ODw=="}}}`,
	`{"executor_id":{"value":"e-1"},"framework_id":{"value":"f-1"},"type":"MESSAGE","message":{"data":"aGVsbG8="}}`,
	`{"type":"UNKNOWN"}`, `{}`, `[]`, `{"type":7}`, `{"framework_id":null}`,
}

// FuzzUnmarshalStrict: the strict parser the fake master and agent use for
// every request body never panics, for scheduler and executor calls in both
// media types, and what it accepts has every required field set (it
// reports missing ones, as Mesos does) and encodes again.
func FuzzUnmarshalStrict(f *testing.F) {
	for _, s := range callSeeds {
		f.Add(true, []byte(s))
		for _, m := range []proto.Message{&schedulerpb.Call{}, &executorpb.Call{}} {
			if JSON.Unmarshal([]byte(s), m) == nil {
				if b, err := proto.Marshal(m); err == nil {
					f.Add(false, b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, asJSON bool, b []byte) {
		mt := MediaTypeProtobuf
		if asJSON {
			mt = MediaTypeJSON
		}
		for _, m := range []proto.Message{&schedulerpb.Call{}, &executorpb.Call{}} {
			if err := UnmarshalStrict(mt, b, m); err != nil {
				continue
			}
			if asJSON {
				if err := proto.CheckInitialized(m); err != nil {
					t.Fatalf("accepted %q with a required field missing: %v", b, err)
				}
			}
			if _, err := proto.Marshal(m); err != nil && asJSON {
				t.Fatalf("accepted %q but cannot encode it: %v", b, err)
			}
		}
	})
}
