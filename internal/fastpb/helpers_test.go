// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"github.com/mesoskit/mesoskit/internal/testevents"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// offersEvent is the OFFERS event of n agents the tests and benchmarks share (see internal/testevents).
func offersEvent(n int) *schedulerpb.Event { return testevents.Offers(n, 0) }
