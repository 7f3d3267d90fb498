// SPDX-License-Identifier: Apache-2.0

package decode

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func mcodecsType(mt string) encoding.MediaType { return encoding.MediaType(mt) }
