// SPDX-License-Identifier: Apache-2.0

package memory

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	mclient "github.com/mesos/mesos-go/api/v1/lib/client"
	mcodecs "github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	mhttpcli "github.com/mesos/mesos-go/api/v1/lib/httpcli"
	msched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/bench/internal/rss"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

const (
	events         = 200
	offersPerEvent = 100
)

// offersStream is a protobuf RecordIO stream of distinct OFFERS events.
func offersStream(tb testing.TB) []byte {
	evs := make([]*schedulerpb.Event, events)
	for i := range evs {
		evs[i] = fixtures.OffersEvent(offersPerEvent, i)
	}
	b, err := fixtures.Stream(httpapi.Protobuf, evs...)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// holdMesoskit decodes the stream as the Client does for Callbacks.Offers
// (scheduler.UnmarshalOffers on each record) and keeps the offers of each
// event, or its first offer (a sub-slice: the event's decoded memory is
// shared by its offers, so one kept offer keeps it all).
func holdMesoskit(tb testing.TB, stream []byte, all bool) [][]scheduler.Offer {
	r := recordio.NewReader(&fixtures.LoopReader{Data: stream}, 0)
	var held [][]scheduler.Offer
	for range events {
		frame, err := r.ReadFrame()
		if err != nil {
			tb.Fatal(err)
		}
		offers, err := scheduler.UnmarshalOffers(frame)
		if err != nil {
			tb.Fatal(err)
		}
		if !all {
			offers = offers[:1:1]
		}
		held = append(held, offers)
	}
	return held
}

// holdMesosGo decodes the stream as an httpsched client does and keeps
// offers.
func holdMesosGo(tb testing.TB, stream []byte, all bool) []*msched.Event_Offers {
	cl := mhttpcli.New(mhttpcli.Codec(mcodecs.ByMediaType[mcodecs.MediaTypeProtobuf]))
	resp, err := cl.HandleResponse(&http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {httpapi.MediaTypeProtobuf}},
		Body:       &fixtures.LoopReader{Data: stream},
	}, mclient.ResponseClassAuto, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var held []*msched.Event_Offers
	for range events {
		var ev msched.Event
		if err := resp.Decode(&ev); err != nil {
			tb.Fatal(err)
		}
		offers := ev.GetOffers()
		if !all {
			// mesos-go's offers are values in one array: keeping one keeps
			// the array, as a pointer to offers.Offers[0] would.
			offers = &msched.Event_Offers{Offers: offers.Offers[:1]}
		}
		held = append(held, offers)
	}
	return held
}

// BenchmarkRetainedPerOffer reports the live heap kept per held offer.
func BenchmarkRetainedPerOffer(b *testing.B) {
	stream := offersStream(b)
	for _, all := range []bool{true, false} {
		name := "held=all"
		held := events * offersPerEvent
		if !all {
			name, held = "held=1-per-event", events
		}
		b.Run(name+"/impl=mesoskit", func(b *testing.B) {
			var per float64
			for b.Loop() {
				before := rss.LiveHeap()
				h := holdMesoskit(b, stream, all)
				per = float64(rss.LiveHeap()-before) / float64(held)
				runtime.KeepAlive(h)
			}
			b.ReportMetric(per, "retained-B/offer")
		})
		b.Run(name+"/impl=mesos-go", func(b *testing.B) {
			var per float64
			for b.Loop() {
				before := rss.LiveHeap()
				h := holdMesosGo(b, stream, all)
				per = float64(rss.LiveHeap()-before) / float64(held)
				runtime.KeepAlive(h)
			}
			b.ReportMetric(per, "retained-B/offer")
		})
	}
}

// BenchmarkSubscribedHeap reports the heap a subscribed scheduler adds on a
// 10,000-agent cluster.
func BenchmarkSubscribedHeap(b *testing.B) {
	const agents = 10000
	var grown float64
	for b.Loop() {
		grown = subscribedHeap(b, agents)
	}
	b.ReportMetric(grown/(1<<20), "heap-MiB")
}

func subscribedHeap(tb testing.TB, agents int) float64 {
	srv, err := mesostest.NewServer(
		mesostest.WithAgents(agents, "cpus:32;mem:65536;disk:100000;ports:[31000-32000]"),
		mesostest.WithAllocationInterval(100*time.Millisecond),
		mesostest.WithHeartbeatInterval(time.Second),
	)
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	before := rss.LiveHeap()

	c, err := scheduler.New(
		&mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("memory"), FailoverTimeout: proto.Float64(60)},
		scheduler.WithDetector(srv.Detector()),
		scheduler.WithRefuseSeconds(0.2), // declined offers come back every few rounds
	)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rounds := make(chan int, 64)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Run(ctx, scheduler.Callbacks{Offers: func(_ context.Context, offers []scheduler.Offer) error {
			select {
			case rounds <- len(offers):
			default:
			}
			return nil
		}})
	}()
	// Several offer rounds, then the steady state.
	offered := 0
	deadline := time.After(2 * time.Minute)
	for offered < 3*agents {
		select {
		case n := <-rounds:
			offered += n
		case err := <-errc:
			tb.Fatalf("Run ended: %v", err)
		case <-deadline:
			tb.Fatalf("only %d offers in 2 minutes", offered)
		}
	}
	after := rss.LiveHeap()
	cancel()
	if err := <-errc; err != nil {
		tb.Fatal(err)
	}
	return float64(after) - float64(before)
}
