// SPDX-License-Identifier: Apache-2.0

package mesosproto_test

// The operator API schema (mesosproto/masterpb, quotapb, maintenancepb,
// allocatorpb) pinned field by field: every message complete, every enum
// complete, as Apache Mesos 1.12 declares them in include/mesos/v1/master/
// master.proto, quota/quota.proto, maintenance/maintenance.proto and
// allocator/allocator.proto. The tables are checked by TestOperatorSchema
// (operator_descriptor_test.go).

var masterMessageFacts = []messageFact{
	{"mesos.v1.allocator.InverseOfferStatus", true, []field{
		{"status", 1, req, enumK, "mesos.v1.allocator.InverseOfferStatus.Status"},
		{"framework_id", 2, req, msgK, "mesos.v1.FrameworkID"},
		{"timestamp", 3, req, msgK, "mesos.v1.TimeInfo"},
	}},
	{"mesos.v1.maintenance.ClusterStatus", true, []field{
		{"draining_machines", 1, rep, msgK, "mesos.v1.maintenance.ClusterStatus.DrainingMachine"},
		{"down_machines", 2, rep, msgK, "mesos.v1.MachineID"},
	}},
	{"mesos.v1.maintenance.ClusterStatus.DrainingMachine", true, []field{
		{"id", 1, req, msgK, "mesos.v1.MachineID"},
		{"statuses", 2, rep, msgK, "mesos.v1.allocator.InverseOfferStatus"},
	}},
	{"mesos.v1.maintenance.Schedule", true, []field{
		{"windows", 1, rep, msgK, "mesos.v1.maintenance.Window"},
	}},
	{"mesos.v1.maintenance.Window", true, []field{
		{"machine_ids", 1, rep, msgK, "mesos.v1.MachineID"},
		{"unavailability", 2, req, msgK, "mesos.v1.Unavailability"},
	}},
	{"mesos.v1.master.Call", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.master.Call.Type"},
		{"get_metrics", 2, opt, msgK, "mesos.v1.master.Call.GetMetrics"},
		{"set_logging_level", 3, opt, msgK, "mesos.v1.master.Call.SetLoggingLevel"},
		{"list_files", 4, opt, msgK, "mesos.v1.master.Call.ListFiles"},
		{"read_file", 5, opt, msgK, "mesos.v1.master.Call.ReadFile"},
		{"update_weights", 6, opt, msgK, "mesos.v1.master.Call.UpdateWeights"},
		{"reserve_resources", 7, opt, msgK, "mesos.v1.master.Call.ReserveResources"},
		{"unreserve_resources", 8, opt, msgK, "mesos.v1.master.Call.UnreserveResources"},
		{"create_volumes", 9, opt, msgK, "mesos.v1.master.Call.CreateVolumes"},
		{"destroy_volumes", 10, opt, msgK, "mesos.v1.master.Call.DestroyVolumes"},
		{"grow_volume", 18, opt, msgK, "mesos.v1.master.Call.GrowVolume"},
		{"shrink_volume", 19, opt, msgK, "mesos.v1.master.Call.ShrinkVolume"},
		{"update_maintenance_schedule", 11, opt, msgK, "mesos.v1.master.Call.UpdateMaintenanceSchedule"},
		{"start_maintenance", 12, opt, msgK, "mesos.v1.master.Call.StartMaintenance"},
		{"stop_maintenance", 13, opt, msgK, "mesos.v1.master.Call.StopMaintenance"},
		{"drain_agent", 21, opt, msgK, "mesos.v1.master.Call.DrainAgent"},
		{"deactivate_agent", 22, opt, msgK, "mesos.v1.master.Call.DeactivateAgent"},
		{"reactivate_agent", 23, opt, msgK, "mesos.v1.master.Call.ReactivateAgent"},
		{"update_quota", 20, opt, msgK, "mesos.v1.master.Call.UpdateQuota"},
		{"teardown", 16, opt, msgK, "mesos.v1.master.Call.Teardown"},
		{"mark_agent_gone", 17, opt, msgK, "mesos.v1.master.Call.MarkAgentGone"},
		{"set_quota", 14, opt, msgK, "mesos.v1.master.Call.SetQuota"},
		{"remove_quota", 15, opt, msgK, "mesos.v1.master.Call.RemoveQuota"},
	}},
	{"mesos.v1.master.Call.CreateVolumes", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"volumes", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Call.DeactivateAgent", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.master.Call.DestroyVolumes", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"volumes", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Call.DrainAgent", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"max_grace_period", 2, opt, msgK, "google.protobuf.Duration"},
		{"mark_gone", 3, opt, boolK, ""},
	}},
	{"mesos.v1.master.Call.GetMetrics", true, []field{
		{"timeout", 1, opt, msgK, "mesos.v1.DurationInfo"},
	}},
	{"mesos.v1.master.Call.GrowVolume", true, []field{
		{"agent_id", 1, opt, msgK, "mesos.v1.AgentID"},
		{"volume", 2, req, msgK, "mesos.v1.Resource"},
		{"addition", 3, req, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Call.ListFiles", true, []field{
		{"path", 1, req, strK, ""},
	}},
	{"mesos.v1.master.Call.MarkAgentGone", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.master.Call.ReactivateAgent", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.master.Call.ReadFile", true, []field{
		{"path", 1, req, strK, ""},
		{"offset", 2, req, uint64K, ""},
		{"length", 3, opt, uint64K, ""},
	}},
	{"mesos.v1.master.Call.RemoveQuota", true, []field{
		{"role", 1, req, strK, ""},
	}},
	{"mesos.v1.master.Call.ReserveResources", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"source", 3, rep, msgK, "mesos.v1.Resource"},
		{"resources", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Call.SetLoggingLevel", true, []field{
		{"level", 1, req, uint32K, ""},
		{"duration", 2, req, msgK, "mesos.v1.DurationInfo"},
	}},
	{"mesos.v1.master.Call.SetQuota", true, []field{
		{"quota_request", 1, req, msgK, "mesos.v1.quota.QuotaRequest"},
	}},
	{"mesos.v1.master.Call.ShrinkVolume", true, []field{
		{"agent_id", 1, opt, msgK, "mesos.v1.AgentID"},
		{"volume", 2, req, msgK, "mesos.v1.Resource"},
		{"subtract", 3, req, msgK, "mesos.v1.Value.Scalar"},
	}},
	{"mesos.v1.master.Call.StartMaintenance", true, []field{
		{"machines", 1, rep, msgK, "mesos.v1.MachineID"},
	}},
	{"mesos.v1.master.Call.StopMaintenance", true, []field{
		{"machines", 1, rep, msgK, "mesos.v1.MachineID"},
	}},
	{"mesos.v1.master.Call.Teardown", true, []field{
		{"framework_id", 1, req, msgK, "mesos.v1.FrameworkID"},
	}},
	{"mesos.v1.master.Call.UnreserveResources", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"resources", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Call.UpdateMaintenanceSchedule", true, []field{
		{"schedule", 1, req, msgK, "mesos.v1.maintenance.Schedule"},
	}},
	{"mesos.v1.master.Call.UpdateQuota", true, []field{
		{"force", 1, opt, boolK, ""},
		{"quota_configs", 2, rep, msgK, "mesos.v1.quota.QuotaConfig"},
	}},
	{"mesos.v1.master.Call.UpdateWeights", true, []field{
		{"weight_infos", 1, rep, msgK, "mesos.v1.WeightInfo"},
	}},
	{"mesos.v1.master.Event", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.master.Event.Type"},
		{"subscribed", 2, opt, msgK, "mesos.v1.master.Event.Subscribed"},
		{"task_added", 3, opt, msgK, "mesos.v1.master.Event.TaskAdded"},
		{"task_updated", 4, opt, msgK, "mesos.v1.master.Event.TaskUpdated"},
		{"agent_added", 5, opt, msgK, "mesos.v1.master.Event.AgentAdded"},
		{"agent_removed", 6, opt, msgK, "mesos.v1.master.Event.AgentRemoved"},
		{"framework_added", 7, opt, msgK, "mesos.v1.master.Event.FrameworkAdded"},
		{"framework_updated", 8, opt, msgK, "mesos.v1.master.Event.FrameworkUpdated"},
		{"framework_removed", 9, opt, msgK, "mesos.v1.master.Event.FrameworkRemoved"},
	}},
	{"mesos.v1.master.Event.AgentAdded", true, []field{
		{"agent", 1, req, msgK, "mesos.v1.master.Response.GetAgents.Agent"},
	}},
	{"mesos.v1.master.Event.AgentRemoved", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.master.Event.FrameworkAdded", true, []field{
		{"framework", 1, req, msgK, "mesos.v1.master.Response.GetFrameworks.Framework"},
	}},
	{"mesos.v1.master.Event.FrameworkRemoved", true, []field{
		{"framework_info", 1, req, msgK, "mesos.v1.FrameworkInfo"},
	}},
	{"mesos.v1.master.Event.FrameworkUpdated", true, []field{
		{"framework", 1, req, msgK, "mesos.v1.master.Response.GetFrameworks.Framework"},
	}},
	{"mesos.v1.master.Event.Subscribed", true, []field{
		{"get_state", 1, opt, msgK, "mesos.v1.master.Response.GetState"},
		{"heartbeat_interval_seconds", 2, opt, dblK, ""},
	}},
	{"mesos.v1.master.Event.TaskAdded", true, []field{
		{"task", 1, req, msgK, "mesos.v1.Task"},
	}},
	{"mesos.v1.master.Event.TaskUpdated", true, []field{
		{"framework_id", 1, req, msgK, "mesos.v1.FrameworkID"},
		{"status", 2, req, msgK, "mesos.v1.TaskStatus"},
		{"state", 3, req, enumK, "mesos.v1.TaskState"},
	}},
	{"mesos.v1.master.Response", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.master.Response.Type"},
		{"get_health", 2, opt, msgK, "mesos.v1.master.Response.GetHealth"},
		{"get_flags", 3, opt, msgK, "mesos.v1.master.Response.GetFlags"},
		{"get_version", 4, opt, msgK, "mesos.v1.master.Response.GetVersion"},
		{"get_metrics", 5, opt, msgK, "mesos.v1.master.Response.GetMetrics"},
		{"get_logging_level", 6, opt, msgK, "mesos.v1.master.Response.GetLoggingLevel"},
		{"list_files", 7, opt, msgK, "mesos.v1.master.Response.ListFiles"},
		{"read_file", 8, opt, msgK, "mesos.v1.master.Response.ReadFile"},
		{"get_state", 9, opt, msgK, "mesos.v1.master.Response.GetState"},
		{"get_agents", 10, opt, msgK, "mesos.v1.master.Response.GetAgents"},
		{"get_frameworks", 11, opt, msgK, "mesos.v1.master.Response.GetFrameworks"},
		{"get_executors", 12, opt, msgK, "mesos.v1.master.Response.GetExecutors"},
		{"get_operations", 20, opt, msgK, "mesos.v1.master.Response.GetOperations"},
		{"get_tasks", 13, opt, msgK, "mesos.v1.master.Response.GetTasks"},
		{"get_roles", 14, opt, msgK, "mesos.v1.master.Response.GetRoles"},
		{"get_weights", 15, opt, msgK, "mesos.v1.master.Response.GetWeights"},
		{"get_master", 16, opt, msgK, "mesos.v1.master.Response.GetMaster"},
		{"get_maintenance_status", 17, opt, msgK, "mesos.v1.master.Response.GetMaintenanceStatus"},
		{"get_maintenance_schedule", 18, opt, msgK, "mesos.v1.master.Response.GetMaintenanceSchedule"},
		{"get_quota", 19, opt, msgK, "mesos.v1.master.Response.GetQuota"},
	}},
	{"mesos.v1.master.Response.GetAgents", true, []field{
		{"agents", 1, rep, msgK, "mesos.v1.master.Response.GetAgents.Agent"},
		{"recovered_agents", 2, rep, msgK, "mesos.v1.AgentInfo"},
	}},
	{"mesos.v1.master.Response.GetAgents.Agent", true, []field{
		{"agent_info", 1, req, msgK, "mesos.v1.AgentInfo"},
		{"active", 2, req, boolK, ""},
		{"deactivated", 12, opt, boolK, ""},
		{"version", 3, req, strK, ""},
		{"pid", 4, opt, strK, ""},
		{"registered_time", 5, opt, msgK, "mesos.v1.TimeInfo"},
		{"reregistered_time", 6, opt, msgK, "mesos.v1.TimeInfo"},
		{"total_resources", 7, rep, msgK, "mesos.v1.Resource"},
		{"allocated_resources", 8, rep, msgK, "mesos.v1.Resource"},
		{"offered_resources", 9, rep, msgK, "mesos.v1.Resource"},
		{"capabilities", 10, rep, msgK, "mesos.v1.AgentInfo.Capability"},
		{"resource_providers", 11, rep, msgK, "mesos.v1.master.Response.GetAgents.Agent.ResourceProvider"},
		{"drain_info", 13, opt, msgK, "mesos.v1.DrainInfo"},
		{"estimated_drain_start_time", 14, opt, msgK, "mesos.v1.TimeInfo"},
	}},
	{"mesos.v1.master.Response.GetAgents.Agent.ResourceProvider", true, []field{
		{"resource_provider_info", 1, req, msgK, "mesos.v1.ResourceProviderInfo"},
		{"total_resources", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.master.Response.GetExecutors", true, []field{
		{"executors", 1, rep, msgK, "mesos.v1.master.Response.GetExecutors.Executor"},
		{"orphan_executors", 2, rep, msgK, "mesos.v1.master.Response.GetExecutors.Executor"},
	}},
	{"mesos.v1.master.Response.GetExecutors.Executor", true, []field{
		{"executor_info", 1, req, msgK, "mesos.v1.ExecutorInfo"},
		{"agent_id", 2, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.master.Response.GetFlags", true, []field{
		{"flags", 1, rep, msgK, "mesos.v1.Flag"},
	}},
	{"mesos.v1.master.Response.GetFrameworks", true, []field{
		{"frameworks", 1, rep, msgK, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"completed_frameworks", 2, rep, msgK, "mesos.v1.master.Response.GetFrameworks.Framework"},
		{"recovered_frameworks", 3, rep, msgK, "mesos.v1.FrameworkInfo"},
	}},
	{"mesos.v1.master.Response.GetFrameworks.Framework", true, []field{
		{"framework_info", 1, req, msgK, "mesos.v1.FrameworkInfo"},
		{"active", 2, req, boolK, ""},
		{"connected", 3, req, boolK, ""},
		{"recovered", 11, req, boolK, ""},
		{"registered_time", 4, opt, msgK, "mesos.v1.TimeInfo"},
		{"reregistered_time", 5, opt, msgK, "mesos.v1.TimeInfo"},
		{"unregistered_time", 6, opt, msgK, "mesos.v1.TimeInfo"},
		{"offers", 7, rep, msgK, "mesos.v1.Offer"},
		{"inverse_offers", 8, rep, msgK, "mesos.v1.InverseOffer"},
		{"allocated_resources", 9, rep, msgK, "mesos.v1.Resource"},
		{"offered_resources", 10, rep, msgK, "mesos.v1.Resource"},
		{"offer_constraints", 12, opt, msgK, "mesos.v1.scheduler.OfferConstraints"},
	}},
	{"mesos.v1.master.Response.GetHealth", true, []field{
		{"healthy", 1, req, boolK, ""},
	}},
	{"mesos.v1.master.Response.GetLoggingLevel", true, []field{
		{"level", 1, req, uint32K, ""},
	}},
	{"mesos.v1.master.Response.GetMaintenanceSchedule", true, []field{
		{"schedule", 1, req, msgK, "mesos.v1.maintenance.Schedule"},
	}},
	{"mesos.v1.master.Response.GetMaintenanceStatus", true, []field{
		{"status", 1, req, msgK, "mesos.v1.maintenance.ClusterStatus"},
	}},
	{"mesos.v1.master.Response.GetMaster", true, []field{
		{"master_info", 1, opt, msgK, "mesos.v1.MasterInfo"},
		{"start_time", 2, opt, dblK, ""},
		{"elected_time", 3, opt, dblK, ""},
	}},
	{"mesos.v1.master.Response.GetMetrics", true, []field{
		{"metrics", 1, rep, msgK, "mesos.v1.Metric"},
	}},
	{"mesos.v1.master.Response.GetOperations", true, []field{
		{"operations", 1, rep, msgK, "mesos.v1.Operation"},
	}},
	{"mesos.v1.master.Response.GetQuota", true, []field{
		{"status", 1, req, msgK, "mesos.v1.quota.QuotaStatus"},
	}},
	{"mesos.v1.master.Response.GetRoles", true, []field{
		{"roles", 1, rep, msgK, "mesos.v1.Role"},
	}},
	{"mesos.v1.master.Response.GetState", true, []field{
		{"get_tasks", 1, opt, msgK, "mesos.v1.master.Response.GetTasks"},
		{"get_executors", 2, opt, msgK, "mesos.v1.master.Response.GetExecutors"},
		{"get_frameworks", 3, opt, msgK, "mesos.v1.master.Response.GetFrameworks"},
		{"get_agents", 4, opt, msgK, "mesos.v1.master.Response.GetAgents"},
	}},
	{"mesos.v1.master.Response.GetTasks", true, []field{
		{"pending_tasks", 1, rep, msgK, "mesos.v1.Task"},
		{"tasks", 2, rep, msgK, "mesos.v1.Task"},
		{"unreachable_tasks", 5, rep, msgK, "mesos.v1.Task"},
		{"completed_tasks", 3, rep, msgK, "mesos.v1.Task"},
		{"orphan_tasks", 4, rep, msgK, "mesos.v1.Task"},
	}},
	{"mesos.v1.master.Response.GetVersion", true, []field{
		{"version_info", 1, req, msgK, "mesos.v1.VersionInfo"},
	}},
	{"mesos.v1.master.Response.GetWeights", true, []field{
		{"weight_infos", 1, rep, msgK, "mesos.v1.WeightInfo"},
	}},
	{"mesos.v1.master.Response.ListFiles", true, []field{
		{"file_infos", 1, rep, msgK, "mesos.v1.FileInfo"},
	}},
	{"mesos.v1.master.Response.ReadFile", true, []field{
		{"size", 1, req, uint64K, ""},
		{"data", 2, req, bytesK, ""},
	}},
	{"mesos.v1.quota.QuotaConfig", true, []field{
		{"role", 1, req, strK, ""},
		{"guarantees", 2, rep, msgK, "map:mesos.v1.Value.Scalar"},
		{"limits", 3, rep, msgK, "map:mesos.v1.Value.Scalar"},
	}},
	{"mesos.v1.quota.QuotaInfo", true, []field{
		{"role", 1, opt, strK, ""},
		{"principal", 2, opt, strK, ""},
		{"guarantee", 3, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.quota.QuotaRequest", true, []field{
		{"force", 1, opt, boolK, ""},
		{"role", 2, opt, strK, ""},
		{"guarantee", 3, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.quota.QuotaStatus", true, []field{
		{"infos", 1, rep, msgK, "mesos.v1.quota.QuotaInfo"},
		{"configs", 2, rep, msgK, "mesos.v1.quota.QuotaConfig"},
	}},
}

var masterEnumFacts = []enumFact{
	{"mesos.v1.allocator.InverseOfferStatus.Status", []enumValue{{"UNKNOWN", 1}, {"ACCEPT", 2}, {"DECLINE", 3}}},
	{"mesos.v1.master.Call.Type", []enumValue{{"UNKNOWN", 0}, {"GET_HEALTH", 1}, {"GET_FLAGS", 2}, {"GET_VERSION", 3}, {"GET_METRICS", 4}, {"GET_LOGGING_LEVEL", 5}, {"SET_LOGGING_LEVEL", 6}, {"LIST_FILES", 7}, {"READ_FILE", 8}, {"GET_STATE", 9}, {"GET_AGENTS", 10}, {"GET_FRAMEWORKS", 11}, {"GET_EXECUTORS", 12}, {"GET_OPERATIONS", 33}, {"GET_TASKS", 13}, {"GET_ROLES", 14}, {"GET_WEIGHTS", 15}, {"UPDATE_WEIGHTS", 16}, {"GET_MASTER", 17}, {"SUBSCRIBE", 18}, {"RESERVE_RESOURCES", 19}, {"UNRESERVE_RESOURCES", 20}, {"CREATE_VOLUMES", 21}, {"DESTROY_VOLUMES", 22}, {"GROW_VOLUME", 34}, {"SHRINK_VOLUME", 35}, {"GET_MAINTENANCE_STATUS", 23}, {"GET_MAINTENANCE_SCHEDULE", 24}, {"UPDATE_MAINTENANCE_SCHEDULE", 25}, {"START_MAINTENANCE", 26}, {"STOP_MAINTENANCE", 27}, {"DRAIN_AGENT", 37}, {"DEACTIVATE_AGENT", 38}, {"REACTIVATE_AGENT", 39}, {"GET_QUOTA", 28}, {"UPDATE_QUOTA", 36}, {"SET_QUOTA", 29}, {"REMOVE_QUOTA", 30}, {"TEARDOWN", 31}, {"MARK_AGENT_GONE", 32}}},
	{"mesos.v1.master.Event.Type", []enumValue{{"UNKNOWN", 0}, {"SUBSCRIBED", 1}, {"TASK_ADDED", 2}, {"TASK_UPDATED", 3}, {"AGENT_ADDED", 4}, {"AGENT_REMOVED", 5}, {"FRAMEWORK_ADDED", 6}, {"FRAMEWORK_UPDATED", 7}, {"FRAMEWORK_REMOVED", 8}, {"HEARTBEAT", 9}}},
	{"mesos.v1.master.Response.Type", []enumValue{{"UNKNOWN", 0}, {"GET_HEALTH", 1}, {"GET_FLAGS", 2}, {"GET_VERSION", 3}, {"GET_METRICS", 4}, {"GET_LOGGING_LEVEL", 5}, {"LIST_FILES", 6}, {"READ_FILE", 7}, {"GET_STATE", 8}, {"GET_AGENTS", 9}, {"GET_FRAMEWORKS", 10}, {"GET_EXECUTORS", 11}, {"GET_OPERATIONS", 19}, {"GET_TASKS", 12}, {"GET_ROLES", 13}, {"GET_WEIGHTS", 14}, {"GET_MASTER", 15}, {"GET_MAINTENANCE_STATUS", 16}, {"GET_MAINTENANCE_SCHEDULE", 17}, {"GET_QUOTA", 18}}},
}
