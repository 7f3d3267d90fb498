// SPDX-License-Identifier: Apache-2.0

package mesosproto_test

// The agent operator API schema (mesosproto/agentpb) and the mesos.v1 types
// only the operator APIs reach (mesosproto/mesos_operator.proto), pinned as
// Apache Mesos 1.12 declares them in include/mesos/v1/agent/agent.proto and
// include/mesos/v1/mesos.proto.

var agentMessageFacts = []messageFact{
	{"mesos.v1.DrainConfig", true, []field{
		{"max_grace_period", 1, opt, msgK, "mesos.v1.DurationInfo"},
		{"mark_gone", 2, opt, boolK, ""},
	}},
	{"mesos.v1.DrainInfo", true, []field{
		{"state", 1, req, enumK, "mesos.v1.DrainState"},
		{"config", 2, req, msgK, "mesos.v1.DrainConfig"},
	}},
	{"mesos.v1.FileInfo", true, []field{
		{"path", 1, req, strK, ""},
		{"nlink", 2, opt, int32K, ""},
		{"size", 3, opt, uint64K, ""},
		{"mtime", 4, opt, msgK, "mesos.v1.TimeInfo"},
		{"mode", 5, opt, uint32K, ""},
		{"uid", 6, opt, strK, ""},
		{"gid", 7, opt, strK, ""},
	}},
	{"mesos.v1.Flag", true, []field{
		{"name", 1, req, strK, ""},
		{"value", 2, opt, strK, ""},
	}},
	{"mesos.v1.MachineID", true, []field{
		{"hostname", 1, opt, strK, ""},
		{"ip", 2, opt, strK, ""},
	}},
	{"mesos.v1.Metric", true, []field{
		{"name", 1, req, strK, ""},
		{"value", 2, opt, dblK, ""},
	}},
	{"mesos.v1.Operation", true, []field{
		{"framework_id", 1, opt, msgK, "mesos.v1.FrameworkID"},
		{"agent_id", 2, opt, msgK, "mesos.v1.AgentID"},
		{"info", 3, req, msgK, "mesos.v1.Offer.Operation"},
		{"latest_status", 4, req, msgK, "mesos.v1.OperationStatus"},
		{"statuses", 5, rep, msgK, "mesos.v1.OperationStatus"},
		{"uuid", 6, req, msgK, "mesos.v1.UUID"},
	}},
	{"mesos.v1.ResourceProviderInfo", true, []field{
		{"id", 1, opt, msgK, "mesos.v1.ResourceProviderID"},
		{"attributes", 2, rep, msgK, "mesos.v1.Attribute"},
		{"type", 3, req, strK, ""},
		{"name", 4, req, strK, ""},
		{"default_reservations", 5, rep, msgK, "mesos.v1.Resource.ReservationInfo"},
		{"storage", 6, opt, msgK, "mesos.v1.ResourceProviderInfo.Storage"},
	}},
	{"mesos.v1.ResourceProviderInfo.Storage", true, []field{
		{"plugin", 1, req, msgK, "mesos.v1.CSIPluginInfo"},
		{"reconciliation_interval_seconds", 2, opt, dblK, ""},
	}},
	{"mesos.v1.Role", true, []field{
		{"name", 1, req, strK, ""},
		{"weight", 2, req, dblK, ""},
		{"frameworks", 3, rep, msgK, "mesos.v1.FrameworkID"},
		{"resources", 4, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.Task", true, []field{
		{"name", 1, req, strK, ""},
		{"task_id", 2, req, msgK, "mesos.v1.TaskID"},
		{"framework_id", 3, req, msgK, "mesos.v1.FrameworkID"},
		{"executor_id", 4, opt, msgK, "mesos.v1.ExecutorID"},
		{"agent_id", 5, req, msgK, "mesos.v1.AgentID"},
		{"state", 6, req, enumK, "mesos.v1.TaskState"},
		{"resources", 7, rep, msgK, "mesos.v1.Resource"},
		{"statuses", 8, rep, msgK, "mesos.v1.TaskStatus"},
		{"status_update_state", 9, opt, enumK, "mesos.v1.TaskState"},
		{"status_update_uuid", 10, opt, bytesK, ""},
		{"labels", 11, opt, msgK, "mesos.v1.Labels"},
		{"discovery", 12, opt, msgK, "mesos.v1.DiscoveryInfo"},
		{"container", 13, opt, msgK, "mesos.v1.ContainerInfo"},
		{"health_check", 15, opt, msgK, "mesos.v1.HealthCheck"},
		{"kill_policy", 16, opt, msgK, "mesos.v1.KillPolicy"},
		{"user", 14, opt, strK, ""},
		{"limits", 17, rep, msgK, "map:mesos.v1.Value.Scalar"},
	}},
	{"mesos.v1.VersionInfo", true, []field{
		{"version", 1, req, strK, ""},
		{"build_date", 2, opt, strK, ""},
		{"build_time", 3, opt, dblK, ""},
		{"build_user", 4, opt, strK, ""},
		{"git_sha", 5, opt, strK, ""},
		{"git_branch", 6, opt, strK, ""},
		{"git_tag", 7, opt, strK, ""},
	}},
	{"mesos.v1.WeightInfo", true, []field{
		{"weight", 1, req, dblK, ""},
		{"role", 2, opt, strK, ""},
	}},
	{"mesos.v1.agent.Call", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.Call.Type"},
		{"get_metrics", 2, opt, msgK, "mesos.v1.agent.Call.GetMetrics"},
		{"set_logging_level", 3, opt, msgK, "mesos.v1.agent.Call.SetLoggingLevel"},
		{"list_files", 4, opt, msgK, "mesos.v1.agent.Call.ListFiles"},
		{"read_file", 5, opt, msgK, "mesos.v1.agent.Call.ReadFile"},
		{"get_containers", 20, opt, msgK, "mesos.v1.agent.Call.GetContainers"},
		{"launch_nested_container", 6, opt, msgK, "mesos.v1.agent.Call.LaunchNestedContainer"},
		{"wait_nested_container", 7, opt, msgK, "mesos.v1.agent.Call.WaitNestedContainer"},
		{"kill_nested_container", 8, opt, msgK, "mesos.v1.agent.Call.KillNestedContainer"},
		{"remove_nested_container", 12, opt, msgK, "mesos.v1.agent.Call.RemoveNestedContainer"},
		{"launch_nested_container_session", 9, opt, msgK, "mesos.v1.agent.Call.LaunchNestedContainerSession"},
		{"attach_container_input", 10, opt, msgK, "mesos.v1.agent.Call.AttachContainerInput"},
		{"attach_container_output", 11, opt, msgK, "mesos.v1.agent.Call.AttachContainerOutput"},
		{"launch_container", 13, opt, msgK, "mesos.v1.agent.Call.LaunchContainer"},
		{"wait_container", 14, opt, msgK, "mesos.v1.agent.Call.WaitContainer"},
		{"kill_container", 15, opt, msgK, "mesos.v1.agent.Call.KillContainer"},
		{"remove_container", 16, opt, msgK, "mesos.v1.agent.Call.RemoveContainer"},
		{"add_resource_provider_config", 17, opt, msgK, "mesos.v1.agent.Call.AddResourceProviderConfig"},
		{"update_resource_provider_config", 18, opt, msgK, "mesos.v1.agent.Call.UpdateResourceProviderConfig"},
		{"remove_resource_provider_config", 19, opt, msgK, "mesos.v1.agent.Call.RemoveResourceProviderConfig"},
		{"mark_resource_provider_gone", 22, opt, msgK, "mesos.v1.agent.Call.MarkResourceProviderGone"},
		{"prune_images", 21, opt, msgK, "mesos.v1.agent.Call.PruneImages"},
	}},
	{"mesos.v1.agent.Call.AddResourceProviderConfig", true, []field{
		{"info", 1, req, msgK, "mesos.v1.ResourceProviderInfo"},
	}},
	{"mesos.v1.agent.Call.AttachContainerInput", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.Call.AttachContainerInput.Type"},
		{"container_id", 2, opt, msgK, "mesos.v1.ContainerID"},
		{"process_io", 3, opt, msgK, "mesos.v1.agent.ProcessIO"},
	}},
	{"mesos.v1.agent.Call.AttachContainerOutput", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.agent.Call.GetContainers", true, []field{
		{"show_nested", 1, opt, boolK, ""},
		{"show_standalone", 2, opt, boolK, ""},
	}},
	{"mesos.v1.agent.Call.GetMetrics", true, []field{
		{"timeout", 1, opt, msgK, "mesos.v1.DurationInfo"},
	}},
	{"mesos.v1.agent.Call.KillContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
		{"signal", 2, opt, int32K, ""},
	}},
	{"mesos.v1.agent.Call.KillNestedContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
		{"signal", 2, opt, int32K, ""},
	}},
	{"mesos.v1.agent.Call.LaunchContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
		{"command", 2, opt, msgK, "mesos.v1.CommandInfo"},
		{"resources", 3, rep, msgK, "mesos.v1.Resource"},
		{"container", 4, opt, msgK, "mesos.v1.ContainerInfo"},
		{"limits", 5, rep, msgK, "map:mesos.v1.Value.Scalar"},
	}},
	{"mesos.v1.agent.Call.LaunchNestedContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
		{"command", 2, opt, msgK, "mesos.v1.CommandInfo"},
		{"container", 3, opt, msgK, "mesos.v1.ContainerInfo"},
	}},
	{"mesos.v1.agent.Call.LaunchNestedContainerSession", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
		{"command", 2, opt, msgK, "mesos.v1.CommandInfo"},
		{"container", 3, opt, msgK, "mesos.v1.ContainerInfo"},
	}},
	{"mesos.v1.agent.Call.ListFiles", true, []field{
		{"path", 1, req, strK, ""},
	}},
	{"mesos.v1.agent.Call.MarkResourceProviderGone", true, []field{
		{"resource_provider_id", 1, req, msgK, "mesos.v1.ResourceProviderID"},
	}},
	{"mesos.v1.agent.Call.PruneImages", true, []field{
		{"excluded_images", 1, rep, msgK, "mesos.v1.Image"},
	}},
	{"mesos.v1.agent.Call.ReadFile", true, []field{
		{"path", 1, req, strK, ""},
		{"offset", 2, req, uint64K, ""},
		{"length", 3, opt, uint64K, ""},
	}},
	{"mesos.v1.agent.Call.RemoveContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.agent.Call.RemoveNestedContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.agent.Call.RemoveResourceProviderConfig", true, []field{
		{"type", 1, req, strK, ""},
		{"name", 2, req, strK, ""},
	}},
	{"mesos.v1.agent.Call.SetLoggingLevel", true, []field{
		{"level", 1, req, uint32K, ""},
		{"duration", 2, req, msgK, "mesos.v1.DurationInfo"},
	}},
	{"mesos.v1.agent.Call.UpdateResourceProviderConfig", true, []field{
		{"info", 1, req, msgK, "mesos.v1.ResourceProviderInfo"},
	}},
	{"mesos.v1.agent.Call.WaitContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.agent.Call.WaitNestedContainer", true, []field{
		{"container_id", 1, req, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.agent.ProcessIO", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.ProcessIO.Type"},
		{"data", 2, opt, msgK, "mesos.v1.agent.ProcessIO.Data"},
		{"control", 3, opt, msgK, "mesos.v1.agent.ProcessIO.Control"},
	}},
	{"mesos.v1.agent.ProcessIO.Control", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.ProcessIO.Control.Type"},
		{"tty_info", 2, opt, msgK, "mesos.v1.TTYInfo"},
		{"heartbeat", 3, opt, msgK, "mesos.v1.agent.ProcessIO.Control.Heartbeat"},
	}},
	{"mesos.v1.agent.ProcessIO.Control.Heartbeat", true, []field{
		{"interval", 1, opt, msgK, "mesos.v1.DurationInfo"},
	}},
	{"mesos.v1.agent.ProcessIO.Data", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.ProcessIO.Data.Type"},
		{"data", 2, opt, bytesK, ""},
	}},
	{"mesos.v1.agent.Response", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.agent.Response.Type"},
		{"get_health", 2, opt, msgK, "mesos.v1.agent.Response.GetHealth"},
		{"get_flags", 3, opt, msgK, "mesos.v1.agent.Response.GetFlags"},
		{"get_version", 4, opt, msgK, "mesos.v1.agent.Response.GetVersion"},
		{"get_metrics", 5, opt, msgK, "mesos.v1.agent.Response.GetMetrics"},
		{"get_logging_level", 6, opt, msgK, "mesos.v1.agent.Response.GetLoggingLevel"},
		{"list_files", 7, opt, msgK, "mesos.v1.agent.Response.ListFiles"},
		{"read_file", 8, opt, msgK, "mesos.v1.agent.Response.ReadFile"},
		{"get_state", 9, opt, msgK, "mesos.v1.agent.Response.GetState"},
		{"get_containers", 10, opt, msgK, "mesos.v1.agent.Response.GetContainers"},
		{"get_frameworks", 11, opt, msgK, "mesos.v1.agent.Response.GetFrameworks"},
		{"get_executors", 12, opt, msgK, "mesos.v1.agent.Response.GetExecutors"},
		{"get_operations", 18, opt, msgK, "mesos.v1.agent.Response.GetOperations"},
		{"get_tasks", 13, opt, msgK, "mesos.v1.agent.Response.GetTasks"},
		{"get_agent", 15, opt, msgK, "mesos.v1.agent.Response.GetAgent"},
		{"get_resource_providers", 17, opt, msgK, "mesos.v1.agent.Response.GetResourceProviders"},
		{"wait_nested_container", 14, opt, msgK, "mesos.v1.agent.Response.WaitNestedContainer"},
		{"wait_container", 16, opt, msgK, "mesos.v1.agent.Response.WaitContainer"},
	}},
	{"mesos.v1.agent.Response.GetAgent", true, []field{
		{"agent_info", 1, opt, msgK, "mesos.v1.AgentInfo"},
		{"drain_config", 2, opt, msgK, "mesos.v1.DrainConfig"},
		{"estimated_drain_start_time", 3, opt, msgK, "mesos.v1.TimeInfo"},
	}},
	{"mesos.v1.agent.Response.GetContainers", true, []field{
		{"containers", 1, rep, msgK, "mesos.v1.agent.Response.GetContainers.Container"},
	}},
	{"mesos.v1.agent.Response.GetContainers.Container", true, []field{
		{"framework_id", 1, opt, msgK, "mesos.v1.FrameworkID"},
		{"executor_id", 2, opt, msgK, "mesos.v1.ExecutorID"},
		{"executor_name", 3, opt, strK, ""},
		{"container_id", 4, req, msgK, "mesos.v1.ContainerID"},
		{"container_status", 5, opt, msgK, "mesos.v1.ContainerStatus"},
		{"resource_statistics", 6, opt, msgK, "mesos.v1.ResourceStatistics"},
	}},
	{"mesos.v1.agent.Response.GetExecutors", true, []field{
		{"executors", 1, rep, msgK, "mesos.v1.agent.Response.GetExecutors.Executor"},
		{"completed_executors", 2, rep, msgK, "mesos.v1.agent.Response.GetExecutors.Executor"},
	}},
	{"mesos.v1.agent.Response.GetExecutors.Executor", true, []field{
		{"executor_info", 1, req, msgK, "mesos.v1.ExecutorInfo"},
	}},
	{"mesos.v1.agent.Response.GetFlags", true, []field{
		{"flags", 1, rep, msgK, "mesos.v1.Flag"},
	}},
	{"mesos.v1.agent.Response.GetFrameworks", true, []field{
		{"frameworks", 1, rep, msgK, "mesos.v1.agent.Response.GetFrameworks.Framework"},
		{"completed_frameworks", 2, rep, msgK, "mesos.v1.agent.Response.GetFrameworks.Framework"},
	}},
	{"mesos.v1.agent.Response.GetFrameworks.Framework", true, []field{
		{"framework_info", 1, req, msgK, "mesos.v1.FrameworkInfo"},
	}},
	{"mesos.v1.agent.Response.GetHealth", true, []field{
		{"healthy", 1, req, boolK, ""},
	}},
	{"mesos.v1.agent.Response.GetLoggingLevel", true, []field{
		{"level", 1, req, uint32K, ""},
	}},
	{"mesos.v1.agent.Response.GetMetrics", true, []field{
		{"metrics", 1, rep, msgK, "mesos.v1.Metric"},
	}},
	{"mesos.v1.agent.Response.GetOperations", true, []field{
		{"operations", 1, rep, msgK, "mesos.v1.Operation"},
	}},
	{"mesos.v1.agent.Response.GetResourceProviders", true, []field{
		{"resource_providers", 1, rep, msgK, "mesos.v1.agent.Response.GetResourceProviders.ResourceProvider"},
	}},
	{"mesos.v1.agent.Response.GetResourceProviders.ResourceProvider", true, []field{
		{"resource_provider_info", 1, req, msgK, "mesos.v1.ResourceProviderInfo"},
		{"total_resources", 2, rep, msgK, "mesos.v1.Resource"},
	}},
	{"mesos.v1.agent.Response.GetState", true, []field{
		{"get_tasks", 1, opt, msgK, "mesos.v1.agent.Response.GetTasks"},
		{"get_executors", 2, opt, msgK, "mesos.v1.agent.Response.GetExecutors"},
		{"get_frameworks", 3, opt, msgK, "mesos.v1.agent.Response.GetFrameworks"},
	}},
	{"mesos.v1.agent.Response.GetTasks", true, []field{
		{"pending_tasks", 1, rep, msgK, "mesos.v1.Task"},
		{"queued_tasks", 2, rep, msgK, "mesos.v1.Task"},
		{"launched_tasks", 3, rep, msgK, "mesos.v1.Task"},
		{"terminated_tasks", 4, rep, msgK, "mesos.v1.Task"},
		{"completed_tasks", 5, rep, msgK, "mesos.v1.Task"},
	}},
	{"mesos.v1.agent.Response.GetVersion", true, []field{
		{"version_info", 1, req, msgK, "mesos.v1.VersionInfo"},
	}},
	{"mesos.v1.agent.Response.ListFiles", true, []field{
		{"file_infos", 1, rep, msgK, "mesos.v1.FileInfo"},
	}},
	{"mesos.v1.agent.Response.ReadFile", true, []field{
		{"size", 1, req, uint64K, ""},
		{"data", 2, req, bytesK, ""},
	}},
	{"mesos.v1.agent.Response.WaitContainer", true, []field{
		{"exit_status", 1, opt, int32K, ""},
		{"state", 2, opt, enumK, "mesos.v1.TaskState"},
		{"reason", 3, opt, enumK, "mesos.v1.TaskStatus.Reason"},
		{"limitation", 4, opt, msgK, "mesos.v1.TaskResourceLimitation"},
		{"message", 5, opt, strK, ""},
	}},
	{"mesos.v1.agent.Response.WaitNestedContainer", true, []field{
		{"exit_status", 1, opt, int32K, ""},
		{"state", 2, opt, enumK, "mesos.v1.TaskState"},
		{"reason", 3, opt, enumK, "mesos.v1.TaskStatus.Reason"},
		{"limitation", 4, opt, msgK, "mesos.v1.TaskResourceLimitation"},
		{"message", 5, opt, strK, ""},
	}},
}

var agentEnumFacts = []enumFact{
	{"mesos.v1.DrainState", []enumValue{{"UNKNOWN", 0}, {"DRAINING", 1}, {"DRAINED", 2}}},
	{"mesos.v1.agent.Call.AttachContainerInput.Type", []enumValue{{"UNKNOWN", 0}, {"CONTAINER_ID", 1}, {"PROCESS_IO", 2}}},
	{"mesos.v1.agent.Call.Type", []enumValue{{"UNKNOWN", 0}, {"GET_HEALTH", 1}, {"GET_FLAGS", 2}, {"GET_VERSION", 3}, {"GET_METRICS", 4}, {"GET_LOGGING_LEVEL", 5}, {"SET_LOGGING_LEVEL", 6}, {"LIST_FILES", 7}, {"READ_FILE", 8}, {"GET_STATE", 9}, {"GET_CONTAINERS", 10}, {"GET_FRAMEWORKS", 11}, {"GET_EXECUTORS", 12}, {"GET_OPERATIONS", 31}, {"GET_TASKS", 13}, {"GET_AGENT", 20}, {"GET_RESOURCE_PROVIDERS", 26}, {"LAUNCH_NESTED_CONTAINER", 14}, {"WAIT_NESTED_CONTAINER", 15}, {"KILL_NESTED_CONTAINER", 16}, {"REMOVE_NESTED_CONTAINER", 21}, {"LAUNCH_NESTED_CONTAINER_SESSION", 17}, {"ATTACH_CONTAINER_INPUT", 18}, {"ATTACH_CONTAINER_OUTPUT", 19}, {"LAUNCH_CONTAINER", 22}, {"WAIT_CONTAINER", 23}, {"KILL_CONTAINER", 24}, {"REMOVE_CONTAINER", 25}, {"ADD_RESOURCE_PROVIDER_CONFIG", 27}, {"UPDATE_RESOURCE_PROVIDER_CONFIG", 28}, {"REMOVE_RESOURCE_PROVIDER_CONFIG", 29}, {"MARK_RESOURCE_PROVIDER_GONE", 32}, {"PRUNE_IMAGES", 30}}},
	{"mesos.v1.agent.ProcessIO.Control.Type", []enumValue{{"UNKNOWN", 0}, {"TTY_INFO", 1}, {"HEARTBEAT", 2}}},
	{"mesos.v1.agent.ProcessIO.Data.Type", []enumValue{{"UNKNOWN", 0}, {"STDIN", 1}, {"STDOUT", 2}, {"STDERR", 3}}},
	{"mesos.v1.agent.ProcessIO.Type", []enumValue{{"UNKNOWN", 0}, {"DATA", 1}, {"CONTROL", 2}}},
	{"mesos.v1.agent.Response.Type", []enumValue{{"UNKNOWN", 0}, {"GET_HEALTH", 1}, {"GET_FLAGS", 2}, {"GET_VERSION", 3}, {"GET_METRICS", 4}, {"GET_LOGGING_LEVEL", 5}, {"LIST_FILES", 6}, {"READ_FILE", 7}, {"GET_STATE", 8}, {"GET_CONTAINERS", 9}, {"GET_FRAMEWORKS", 10}, {"GET_EXECUTORS", 11}, {"GET_OPERATIONS", 17}, {"GET_TASKS", 12}, {"GET_AGENT", 14}, {"GET_RESOURCE_PROVIDERS", 16}, {"WAIT_NESTED_CONTAINER", 13}, {"WAIT_CONTAINER", 15}}},
}
