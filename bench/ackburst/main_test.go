// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"github.com/mesoskit/mesoskit/bench/internal/burst"

	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newSmallServer(n int) (*burst.Server, error) { return burst.NewServer(n) }
