// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"
	"fmt"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// checkOperations finds, before anything is sent, the mistakes in an ACCEPT's operations that a master
// would answer with an unhelpful 400 ("Failed to parse body into Call protobuf" for a missing required
// field): every task needs a name, a task_id and an agent_id. Every problem is reported at once.
func checkOperations(ops []*mesosproto.Offer_Operation) error {
	var errs []error
	for i, op := range ops {
		if op == nil {
			errs = append(errs, fmt.Errorf("operation %d is nil", i))
			continue
		}
		switch op.GetType() {
		case mesosproto.Offer_Operation_LAUNCH:
			for _, t := range op.GetLaunch().GetTaskInfos() {
				errs = append(errs, checkTask(t))
			}
		case mesosproto.Offer_Operation_LAUNCH_GROUP:
			for _, t := range op.GetLaunchGroup().GetTaskGroup().GetTasks() {
				errs = append(errs, checkTask(t))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTask, err)
	}
	return nil
}

func checkTask(t *mesosproto.TaskInfo) error {
	if t == nil {
		return errors.New("a task is nil")
	}
	id := t.GetTaskId().GetValue()
	if id == "" {
		return fmt.Errorf("task %q has no task_id", t.GetName())
	}
	var errs []error
	if t.Name == nil {
		errs = append(errs, fmt.Errorf("task %q has no name (required by Mesos)", id))
	}
	if t.GetAgentId().GetValue() == "" {
		errs = append(errs, fmt.Errorf("task %q has no agent_id: use the offer's (Offer.agent_id), or let Match assign it", id))
	}
	return errors.Join(errs...)
}
