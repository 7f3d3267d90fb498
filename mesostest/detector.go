// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// leaderDetector is the detector.Detector handed out by Server.Detector: it
// reports the leading master directly from the cluster state, as a ZooKeeper
// detector watching the masters' contention would. Its state is guarded by
// the server's mutex.
type leaderDetector struct {
	s      *Server
	ch     chan struct{} // closed when the current answer stops being current
	closed bool
}

var _ detector.Detector = (*leaderDetector)(nil)

// Detector returns a new detector.Detector that reports the leading master
// (nil while none leads) and signals every leadership change. Close it when
// done; closing the Server ends it too (Leader then returns detector.ErrClosed).
// With WithZooKeeper it is a real ZooKeeper detector (detector.NewZK) on the
// masters' path, with their credentials and session timeout, which sees what
// any framework's detector would.
func (s *Server) Detector() detector.Detector {
	if s.zkMode() {
		return s.newZKDetector()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := &leaderDetector{s: s, ch: make(chan struct{})}
	if s.closed {
		d.closed = true
		close(d.ch)
		return d
	}
	if s.detectors == nil {
		s.detectors = map[*leaderDetector]struct{}{}
	}
	s.detectors[d] = struct{}{}
	return d
}

// Leader implements detector.Detector. It never blocks: the cluster always
// knows its leader.
func (d *leaderDetector) Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.closed || s.closed {
		return nil, nil, detector.ErrClosed
	}
	var mi *mesosproto.MasterInfo
	if m := s.leaderLocked(); m != nil {
		mi = proto.Clone(m.info).(*mesosproto.MasterInfo)
	}
	return mi, d.ch, nil
}

// Close implements detector.Detector; it is idempotent.
func (d *leaderDetector) Close() error {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d.closeLocked()
	return nil
}

func (d *leaderDetector) closeLocked() {
	if d.closed {
		return
	}
	d.closed = true
	close(d.ch)
	delete(d.s.detectors, d)
}

// signalDetectorsLocked tells every detector that the leader changed (or,
// when closing, that it is gone for good).
func (s *Server) signalDetectorsLocked(closing bool) {
	for d := range s.detectors {
		if closing {
			d.closeLocked()
			continue
		}
		close(d.ch)
		d.ch = make(chan struct{})
	}
}
