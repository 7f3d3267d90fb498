// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Status updates share their id messages (the agent's AgentID with every
// task on it): two frameworks, in the two content types, whose streams are
// written at the same time by their own goroutines, get every update intact
// (run with -race).
func TestSharedStatusesAcrossStreams(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(0), WithAgents(1, "cpus:100;mem:100000"))
	agentID := srv.AgentIDs()[0]
	noFilter := &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}
	ctx := testCtx(t)
	// Every framework keeps declining its offers until all are done: one
	// that stopped early would hold the agent in an offer forever and starve
	// the other.
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopAll := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopAll()
	var subs []*sub
	var fins []chan struct{}
	for i, codec := range codecs {
		c := newClient(t, srv, codec)
		s := c.subscribe(frameworkInfo(fmt.Sprintf("shared-%d", i)))
		o := ownOffer(t, srv, s, subs...)
		subs = append(subs, s)
		var tasks []*mesosproto.TaskInfo
		for k := range 20 {
			tasks = append(tasks, shellTask(fmt.Sprintf("f%d-t%d", i, k), o, "ignored"))
		}
		s.mustCall(launchCall(o, noFilter, tasks...), http.StatusAccepted)
		fin := make(chan struct{})
		fins = append(fins, fin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var finOnce sync.Once
			finish := func() { finOnce.Do(func() { close(fin) }) }
			defer finish()
			// Acknowledge every update until every task finished; decline
			// offers so that the other framework gets the agent too.
			for finished := 0; ; {
				if finished == len(tasks) {
					finish()
				}
				var ev *schedulerpb.Event
				select {
				case e, ok := <-s.events:
					if !ok {
						if finished < len(tasks) {
							t.Errorf("framework %d: stream ended with %d of %d tasks finished", i, finished, len(tasks))
						}
						return
					}
					ev = e
				case <-stop:
					return
				case <-ctx.Done():
					t.Errorf("framework %d: %d of %d tasks finished", i, finished, len(tasks))
					return
				}
				var call *schedulerpb.Call
				switch ev.GetType() {
				case schedulerpb.Event_OFFERS:
					var ids []*mesosproto.OfferID
					for _, o := range ev.GetOffers().GetOffers() {
						ids = append(ids, o.GetId())
					}
					call = &schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(), Decline: &schedulerpb.Call_Decline{OfferIds: ids, Filters: noFilter}}
				case schedulerpb.Event_UPDATE:
					st := ev.GetUpdate().GetStatus()
					if st.GetAgentId().GetValue() != agentID || st.GetExecutorId().GetValue() != st.GetTaskId().GetValue() || len(st.GetUuid()) != 16 {
						t.Errorf("framework %d: update %v", i, st)
						return
					}
					if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
						finished++
					}
					call = &schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
						AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()}}
				default:
					continue
				}
				if r := s.call(call); r.status != http.StatusAccepted {
					t.Errorf("framework %d: %v: %d %s", i, call.GetType(), r.status, r.body)
					return
				}
			}
		}()
	}
	for _, fin := range fins {
		<-fin
	}
}
