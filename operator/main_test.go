// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLimit bounds every wait in these tests; nothing sleeps for it.
const waitLimit = 20 * time.Second

// forEachCodec runs f once per content type: every behaviour must hold for
// protobuf and JSON alike.
func forEachCodec(t *testing.T, f func(t *testing.T, contentType string)) {
	for _, ct := range []struct{ name, mt string }{
		{"protobuf", httpapi.MediaTypeProtobuf},
		{"json", httpapi.MediaTypeJSON},
	} {
		t.Run(ct.name, func(t *testing.T) { f(t, ct.mt) })
	}
}
