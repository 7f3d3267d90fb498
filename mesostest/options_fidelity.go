// SPDX-License-Identifier: Apache-2.0

package mesostest

import "time"

// Defaults of the master flags behind the options of this file.
const (
	// DefaultOfferConstraintsRE2MaxProgramSize is the master's
	// --offer_constraints_re2_max_program_size default.
	DefaultOfferConstraintsRE2MaxProgramSize = 100
)

// fidelityConfig holds the options of agent recovery and offer constraints.
type fidelityConfig struct {
	agentReregisterDelay time.Duration
	re2MaxProgramSize    int

	maxUnreachableTasks    int  // WithMaxUnreachableTasksPerFramework (unreachable.go)
	maxUnreachableTasksSet bool // maxUnreachableTasks was given
}

// WithAgentReregisterDelay makes agents re-register with a newly elected
// master only after d (default 0: at once). Until then the new master knows
// the agents only from its registry ("recovered", Master::recover): it makes
// no offers on them, does not know their tasks and operations, forwards no
// status update from them, and reconciliation stays silent about tasks it
// does not know (explicit RECONCILE naming such an agent, or naming none
// while any agent is recovered) and answers OPERATION_RECOVERING for
// operations on them. Mesos bounds the wait with --agent_reregister_timeout
// (10 minutes). ReregisterAgents ends the wait early. The first master's
// agents register at once whatever d is.
func WithAgentReregisterDelay(d time.Duration) Option {
	return func(c *config) { c.fidelity.agentReregisterDelay = d }
}

// WithOfferConstraintsRE2MaxProgramSize sets the limit on the size of a
// compiled text_matches/text_not_matches regular expression in offer
// constraints (the master's --offer_constraints_re2_max_program_size,
// default 100). Larger ones make SUBSCRIBE fail with an ERROR event and
// UPDATE_FRAMEWORK with 400. Sizes are counted in Go's regexp/syntax
// instructions, which are close to, but not exactly, RE2's.
func WithOfferConstraintsRE2MaxProgramSize(n int) Option {
	return func(c *config) { c.fidelity.re2MaxProgramSize = n }
}

// re2MaxProgramSize is the configured limit, or Mesos's default.
func (s *Server) re2MaxProgramSize() int {
	if n := s.cfg.fidelity.re2MaxProgramSize; n > 0 {
		return n
	}
	return DefaultOfferConstraintsRE2MaxProgramSize
}
