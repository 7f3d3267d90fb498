// SPDX-License-Identifier: Apache-2.0

package decode

import (
	"net/http"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mclient "github.com/mesos/mesos-go/api/v1/lib/client"
	mcodecs "github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	mhttpcli "github.com/mesos/mesos-go/api/v1/lib/httpcli"
	msched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/mesoskit/mesoskit/bench/internal/cputime"
	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// offersPerEvent and distinctEvents shape the stream: distinct events keep
// the IDs varying as on a real stream.
const (
	offersPerEvent = 100
	distinctEvents = 8
)

// stream returns the RecordIO stream in media type mt and the mean record
// size (length prefix included).
func stream(tb testing.TB, mt string) ([]byte, int) {
	tb.Helper()
	return streamOf(tb, mt, fixtures.OffersEvent)
}

// streamOf is stream of the events event makes.
func streamOf(tb testing.TB, mt string, event func(n, seq int) *schedulerpb.Event) ([]byte, int) {
	tb.Helper()
	c, err := httpapi.CodecFor(mt)
	if err != nil {
		tb.Fatal(err)
	}
	evs := make([]*schedulerpb.Event, distinctEvents)
	for i := range evs {
		evs[i] = event(offersPerEvent, i)
	}
	b, err := fixtures.Stream(c, evs...)
	if err != nil {
		tb.Fatal(err)
	}
	return b, len(b) / distinctEvents
}

// mesoskitDecoder decodes as the Client does for Callbacks.Offers
// (scheduler/stream.go): a protobuf record straight into []scheduler.Offer
// (scheduler.UnmarshalOffers), a JSON one into a schedulerpb.Event whose
// offers scheduler.OffersFromProto converts.
func mesoskitDecoder(tb testing.TB, mt string, body []byte) func() []scheduler.Offer {
	codec, err := httpapi.CodecFor(mt)
	if err != nil {
		tb.Fatal(err)
	}
	r := recordio.NewReader(&fixtures.LoopReader{Data: body}, 0)
	if mt == httpapi.MediaTypeProtobuf {
		return func() []scheduler.Offer {
			frame, err := r.ReadFrame()
			if err != nil {
				tb.Fatal(err)
			}
			offers, err := scheduler.UnmarshalOffers(frame)
			if err != nil {
				tb.Fatal(err)
			}
			return offers
		}
	}
	return func() []scheduler.Offer {
		frame, err := r.ReadFrame()
		if err != nil {
			tb.Fatal(err)
		}
		ev := new(schedulerpb.Event)
		if err := codec.Unmarshal(frame, ev); err != nil {
			tb.Fatal(err)
		}
		return scheduler.OffersFromProto(ev.GetOffers().GetOffers()...)
	}
}

// mesosGoDecoder decodes as a mesos-go httpsched scheduler does: the
// SUBSCRIBE response goes through httpcli.Client.HandleResponse.
func mesosGoDecoder(tb testing.TB, mt string, body []byte) func() *msched.Event {
	codec, ok := mcodecs.ByMediaType[mcodecsType(mt)]
	if !ok {
		tb.Fatalf("mesos-go has no codec for %s", mt)
	}
	cl := mhttpcli.New(mhttpcli.Codec(codec))
	resp := &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {mt}},
		Body:       &fixtures.LoopReader{Data: body},
	}
	mresp, err := cl.HandleResponse(resp, mclient.ResponseClassAuto, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var dec mesos.Response = mresp
	return func() *msched.Event {
		var ev msched.Event
		if err := dec.Decode(&ev); err != nil {
			tb.Fatal(err)
		}
		return &ev
	}
}

var mediaTypes = []struct{ name, mt string }{
	{"protobuf", httpapi.MediaTypeProtobuf},
	{"json", httpapi.MediaTypeJSON},
}

// measure runs next once per op, each op an event of size bytes, and reports
// events/s, process CPU per event and GC cycles per event besides the
// allocations.
func measure(b *testing.B, size int, next func()) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start, gc := cputime.Now(), gcCycles()
	for b.Loop() {
		next()
	}
	reportGC(b, gc)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	cputime.Report(b, start)
}

// BenchmarkDecodeOffers: one op decodes one 100-offer OFFERS event from a
// SUBSCRIBE response body.
func BenchmarkDecodeOffers(b *testing.B) {
	for _, m := range mediaTypes {
		body, size := stream(b, m.mt)
		run := func(b *testing.B, next func()) { measure(b, size, next) }
		b.Run("codec="+m.name+"/impl=mesoskit", func(b *testing.B) {
			dec := mesoskitDecoder(b, m.mt, body)
			run(b, func() { _ = dec() })
		})
		b.Run("codec="+m.name+"/impl=mesos-go", func(b *testing.B) {
			dec := mesosGoDecoder(b, m.mt, body)
			run(b, func() { _ = dec() })
		})
	}
}

// BenchmarkDecodeOffersVaried is BenchmarkDecodeOffers (protobuf) on
// fixtures.VariedOffersEvent: no offer's resources repeat the previous
// offer's, so it shows the decoder without the copy of repeated elements
// (scheduler/offer_decoder.go, repeats) that the uniform fixture's offers
// all take. It is reported beside the verdicts, not one of them.
func BenchmarkDecodeOffersVaried(b *testing.B) {
	mt := httpapi.MediaTypeProtobuf
	body, size := streamOf(b, mt, fixtures.VariedOffersEvent)
	b.Run("codec=protobuf/impl=mesoskit", func(b *testing.B) {
		dec := mesoskitDecoder(b, mt, body)
		measure(b, size, func() { _ = dec() })
	})
	b.Run("codec=protobuf/impl=mesos-go", func(b *testing.B) {
		dec := mesosGoDecoder(b, mt, body)
		measure(b, size, func() { _ = dec() })
	})
}
