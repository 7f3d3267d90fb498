// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"github.com/mesoskit/mesoskit/mesosproto"
)

// The places where a master with ACLs authorizes (WithACLs). Without
// WithACLs there is no authorizer (src/master/main.cpp creates one only
// for --acls or another --authorizers) and every check here passes.

// principalOf is the framework's principal as the object approvers see it
// (Framework::createObjectApprovers: FrameworkInfo.principal when set).
func principalOf(fi *mesosproto.FrameworkInfo) *string {
	if fi.Principal == nil {
		return nil
	}
	p := fi.GetPrincipal()
	return &p
}

// registrationRefusal is checkSubscribeAuthorization (Master::_subscribe)
// and the check of Master::updateFramework: "" when the framework's
// principal may register with all of fi's roles, else Mesos's text,
// "Not authorized to register framework <id> with roles { a, b }"
// (operator<< of ActionObject, src/master/authorization.cpp). principal is
// the framework's: for UPDATE_FRAMEWORK the one it subscribed with.
func (a *authConfig) registrationRefusal(principal *string, fi *mesosproto.FrameworkInfo) string {
	if a.acls == nil {
		return ""
	}
	roles := frameworkRoles(fi)
	if a.acls.mayRegister(principal, roles) {
		return ""
	}
	return "Not authorized to register framework " + fi.GetId().GetValue() + " with roles " + stringifySet(roles)
}

// taskUser is the user the local authorizer checks for RUN_TASK: the
// task's command user, else its executor's command user, else the
// framework's user.
func taskUser(ti *mesosproto.TaskInfo, fi *mesosproto.FrameworkInfo) string {
	if c := ti.GetCommand(); c != nil && c.User != nil {
		return c.GetUser()
	}
	if c := ti.GetExecutor().GetCommand(); c != nil && c.User != nil {
		return c.GetUser()
	}
	return fi.GetUser()
}

// launchAction is operator<< of a RUN_TASK ActionObject.
func launchAction(ti *mesosproto.TaskInfo, fw *framework) string {
	return "launch task " + ti.GetTaskId().GetValue() + " of framework " + fw.id + " under user '" + taskUser(ti, fw.info) + "'"
}

// launchRefusal is the RUN_TASK check of a LAUNCH in Master::_accept:
// "" when allowed, else Mesos's message (its "no authorized" included).
func (a *authConfig) launchRefusal(fw *framework, ti *mesosproto.TaskInfo) string {
	if a.acls == nil || a.acls.mayRunAs(principalOf(fw.info), taskUser(ti, fw.info)) {
		return ""
	}
	return "Principal '" + fw.info.GetPrincipal() + "' no authorized to " + launchAction(ti, fw)
}

// groupRefusal is the RUN_TASK check of a LAUNCH_GROUP in Master::_accept:
// every task is checked and the last refusal is the message, with no
// space after "to", as Mesos writes it.
func (a *authConfig) groupRefusal(fw *framework, lg *mesosproto.Offer_Operation_LaunchGroup) string {
	if a.acls == nil {
		return ""
	}
	msg := ""
	for _, ti := range lg.GetTaskGroup().GetTasks() {
		if !a.acls.mayRunAs(principalOf(fw.info), taskUser(ti, fw.info)) {
			msg = "Task '" + ti.GetTaskId().GetValue() + "' is not authorized to" + launchAction(ti, fw)
		}
	}
	return msg
}

// refuseLaunchLocked sends TASK_ERROR (REASON_TASK_UNAUTHORIZED) for a
// LAUNCH task the principal may not run; it reports whether it did.
func (m *master) refuseLaunchLocked(fw *framework, ti *mesosproto.TaskInfo) bool {
	msg := m.s.cfg.auth.launchRefusal(fw, ti)
	if msg == "" {
		return false
	}
	m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), mesosproto.TaskState_TASK_ERROR,
		mesosproto.TaskStatus_REASON_TASK_UNAUTHORIZED, msg, true)
	return true
}

// refuseGroupLocked sends TASK_ERROR (REASON_TASK_GROUP_UNAUTHORIZED) for
// every task of a group one of whose tasks the principal may not run; it
// reports whether it did.
func (m *master) refuseGroupLocked(fw *framework, lg *mesosproto.Offer_Operation_LaunchGroup) bool {
	msg := m.s.cfg.auth.groupRefusal(fw, lg)
	if msg == "" {
		return false
	}
	for _, ti := range lg.GetTaskGroup().GetTasks() {
		m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), mesosproto.TaskState_TASK_ERROR,
			mesosproto.TaskStatus_REASON_TASK_GROUP_UNAUTHORIZED, msg, true)
	}
	return true
}

// teardownForbidden is the TEARDOWN_FRAMEWORK check of
// Master::Http::_teardown (the operator API's TEARDOWN and /teardown):
// true when the caller (principal, nil when the operator API is not
// authenticated) may not tear down fw. Mesos then answers 403 with no body.
func (a *authConfig) teardownForbidden(principal *string, fw *framework) bool {
	return a.acls != nil && !a.acls.mayTeardown(principal, principalOf(fw.info))
}
