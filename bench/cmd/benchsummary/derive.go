// SPDX-License-Identifier: Apache-2.0

package main

// derive adds to one result's values (by unit) the metrics computed from
// others, and returns the units it added:
//
//   - "tasks" (BenchmarkScale): tasks per run, tasks/s × s/run;
//   - "resent-%" (BenchmarkScale): the updates the agents re-sent, in
//     percent of the 3 updates (STARTING, RUNNING, FINISHED) of every task.
func derive(v map[string]float64) []string {
	var added []string
	rate, ok1 := v["tasks/s"]
	secs, ok2 := v["s/run"]
	if !ok1 || !ok2 {
		return nil
	}
	tasks := rate * secs
	v["tasks"] = tasks
	added = append(added, "tasks")
	if resent, ok := v["resent-updates/run"]; ok && tasks > 0 {
		v["resent-%"] = 100 * resent / (3 * tasks)
		added = append(added, "resent-%")
	}
	return added
}
