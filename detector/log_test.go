// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Every change of answer is logged once at Info, after it is published: "leading master" with the master's
// id and node, or "no leading master" with the reason, each saying whether it was reported early. The
// confirming listing after an early report logs nothing more.
func TestZKAnswersLogged(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a := join(t, c, path, testMaster("10.22.0.1", 5050), nil)
	b := join(t, c, path, testMaster("10.22.0.2", 5050), nil)
	core, logs := observer.New(zapcore.InfoLevel)
	d := newZK(t, c, path, WithLogger(zap.New(core)))
	waitLeader(t, d, a.id())
	waitArmed(t, d, b.id())

	deleteNode(t, conn, path+"/"+a.node)
	waitLeader(t, d, b.id())
	waitArmed(t, d, "<none>") // after the confirming listing
	deleteNode(t, conn, path+"/"+b.node)
	waitNoLeader(t, d)
	// A new member: listed (after the confirming listing of "no leader", which logs nothing) and logged.
	cc := join(t, c, path, testMaster("10.22.0.3", 5050), nil)
	waitLeader(t, d, cc.id())

	want := []string{
		fmt.Sprintf("leading master %s node=%s early=false", a.id(), a.node),
		fmt.Sprintf("leading master %s node=%s early=true", b.id(), b.node),
		"no leading master reason=no usable member left early=true",
		fmt.Sprintf("leading master %s node=%s early=false", cc.id(), cc.node),
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		got := answerLines(logs)
		if slices.Equal(got, want) {
			return
		}
		if len(got) > len(want) || time.Now().After(deadline) {
			t.Fatalf("answer log lines:\n%q\nwant\n%q", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// answerLines renders the detector's answer log lines (the leader's, or none's) in order.
func answerLines(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		m := e.ContextMap()
		switch e.Message {
		case "leading master":
			out = append(out, fmt.Sprintf("leading master %v node=%v early=%v", m["master_id"], m["node"], m["early"]))
		case "no leading master":
			out = append(out, fmt.Sprintf("no leading master reason=%v early=%v", m["reason"], m["early"]))
		}
	}
	return out
}
