// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// validateEnvironment is common::validation::validateEnvironment
// (src/common/validation.cpp), which is all validateCommandInfo checks.
func validateEnvironment(env *mesosproto.Environment) error {
	for _, v := range env.GetVariables() {
		name := v.GetName()
		switch v.GetType() {
		case mesosproto.Environment_Variable_SECRET:
			if v.Secret == nil {
				return mesosErrf("Environment variable '%s' of type 'SECRET' must have a secret set", name)
			}
			if v.Value != nil {
				return mesosErrf("Environment variable '%s' of type 'SECRET' must not have a value set", name)
			}
			if err := validateSecret(v.GetSecret()); err != nil {
				return mesosErrf("Environment variable '%s' specifies an invalid secret: %s", name, err.Error())
			}
			if strings.ContainsRune(string(v.GetSecret().GetValue().GetData()), 0) {
				return mesosErrf("Environment variable '%s' specifies a secret containing null bytes, which is not allowed in the environment", name)
			}
		case mesosproto.Environment_Variable_VALUE:
			if v.Value == nil {
				return mesosErrf("Environment variable '%s' of type 'VALUE' must have a value set", name)
			}
			if v.Secret != nil {
				return mesosErrf("Environment variable '%s' of type 'VALUE' must not have a secret set", name)
			}
		default:
			return mesosErr("Environment variable of type 'UNKNOWN' is not allowed")
		}
	}
	return nil
}

// validateSecret is common::validation::validateSecret.
func validateSecret(s *mesosproto.Secret) error {
	switch s.GetType() {
	case mesosproto.Secret_REFERENCE:
		if s.Reference == nil {
			return mesosErr("Secret of type REFERENCE must have the 'reference' field set")
		}
		if s.Value != nil {
			return mesosErrf("Secret '%s' of type REFERENCE must not have the 'value' field set", s.GetReference().GetName())
		}
	case mesosproto.Secret_VALUE:
		if s.Value == nil {
			return mesosErr("Secret of type VALUE must have the 'value' field set")
		}
		if s.Reference != nil {
			return mesosErr("Secret of type VALUE must not have the 'reference' field set")
		}
	}
	return nil
}

// validateContainerInfo is common::validation::validateContainerInfo:
// every volume names exactly one source, and a DOCKER container has a
// DockerInfo without a "name" parameter.
func validateContainerInfo(c *mesosproto.ContainerInfo) error {
	for _, v := range c.GetVolumes() {
		if err := validateVolume(v); err != nil {
			return mesosErr("Invalid volume: " + err.Error())
		}
	}
	if c.GetType() == mesosproto.ContainerInfo_DOCKER {
		if c.Docker == nil {
			return mesosErr("DockerInfo 'docker' is not set for DOCKER typed ContainerInfo")
		}
		for _, p := range c.GetDocker().GetParameters() {
			if p.GetKey() == "name" {
				return mesosErr("Parameter in DockerInfo must not be 'name'")
			}
		}
	}
	return nil
}

// validateVolume is common::validation::validateVolume.
func validateVolume(v *mesosproto.Volume) error {
	n := 0
	for _, set := range []bool{v.HostPath != nil, v.Image != nil, v.Source != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return mesosErr("Only one of them should be set: 'host_path', 'image' and 'source'")
	}
	src := v.GetSource()
	if src == nil {
		return nil
	}
	switch src.GetType() {
	case mesosproto.Volume_Source_DOCKER_VOLUME:
		if src.DockerVolume == nil {
			return mesosErr("'source.docker_volume' is not set for DOCKER_VOLUME volume")
		}
	case mesosproto.Volume_Source_HOST_PATH:
		if src.HostPath == nil {
			return mesosErr("'source.host_path' is not set for HOST_PATH volume")
		}
	case mesosproto.Volume_Source_SANDBOX_PATH:
		if src.SandboxPath == nil {
			return mesosErr("'source.sandbox_path' is not set for SANDBOX_PATH volume")
		}
	case mesosproto.Volume_Source_SECRET:
		if src.Secret == nil {
			return mesosErr("'source.secret' is not set for SECRET volume")
		}
	case mesosproto.Volume_Source_CSI_VOLUME:
		if src.CsiVolume == nil {
			return mesosErr("'source.csi_volume' is not set for CSI volume")
		}
		if src.GetCsiVolume().StaticProvisioning == nil {
			return mesosErr("'source.csi_volume.static_provisioning' is not set for CSI volume")
		}
	default:
		return mesosErr("'source.type' is unknown")
	}
	return nil
}

// validateHealthCheck is common::validation::validateHealthCheck.
func validateHealthCheck(h *mesosproto.HealthCheck) error {
	if h.Type == nil {
		return mesosErr("HealthCheck must specify 'type'")
	}
	switch h.GetType() {
	case mesosproto.HealthCheck_COMMAND:
		if h.Command == nil {
			return mesosErr("Expecting 'command' to be set for COMMAND health check")
		}
		if err := validateCheckCommand(h.GetCommand(), "Command health check", "Health check's"); err != nil {
			return err
		}
	case mesosproto.HealthCheck_HTTP:
		if h.Http == nil {
			return mesosErr("Expecting 'http' to be set for HTTP health check")
		}
		hc := h.GetHttp()
		if hc.Scheme != nil && hc.GetScheme() != "http" && hc.GetScheme() != "https" {
			return mesosErrf("Unsupported HTTP health check scheme: '%s'", hc.GetScheme())
		}
		if hc.Path != nil && !strings.HasPrefix(hc.GetPath(), "/") {
			return mesosErrf("The path '%s' of HTTP health check must start with '/'", hc.GetPath())
		}
	case mesosproto.HealthCheck_TCP:
		if h.Tcp == nil {
			return mesosErr("Expecting 'tcp' to be set for TCP health check")
		}
	default:
		return mesosErrf("'%s' is not a valid health check type", h.GetType())
	}
	return firstNegative([]optSeconds{
		{h.DelaySeconds, "delay_seconds"},
		{h.GracePeriodSeconds, "grace_period_seconds"},
		{h.IntervalSeconds, "interval_seconds"},
		{h.TimeoutSeconds, "timeout_seconds"},
	})
}

// validateCheckInfo is common::validation::validateCheckInfo.
func validateCheckInfo(c *mesosproto.CheckInfo) error {
	if c.Type == nil {
		return mesosErr("CheckInfo must specify 'type'")
	}
	switch c.GetType() {
	case mesosproto.CheckInfo_COMMAND:
		if c.Command == nil {
			return mesosErr("Expecting 'command' to be set for COMMAND check")
		}
		if err := validateCheckCommand(c.GetCommand().GetCommand(), "Command check", "Check's"); err != nil {
			return err
		}
	case mesosproto.CheckInfo_HTTP:
		if c.Http == nil {
			return mesosErr("Expecting 'http' to be set for HTTP check")
		}
		if p := c.GetHttp().Path; p != nil && !strings.HasPrefix(*p, "/") {
			return mesosErrf("The path '%s' of HTTP check must start with '/'", *p)
		}
	case mesosproto.CheckInfo_TCP:
		if c.Tcp == nil {
			return mesosErr("Expecting 'tcp' to be set for TCP check")
		}
	default:
		return mesosErrf("'%s' is not a valid check type", c.GetType())
	}
	return firstNegative([]optSeconds{
		{c.DelaySeconds, "delay_seconds"},
		{c.IntervalSeconds, "interval_seconds"},
		{c.TimeoutSeconds, "timeout_seconds"},
	})
}

// validateCheckCommand checks the CommandInfo of a COMMAND check or health
// check: it needs a value, and its environment must be valid.
func validateCheckCommand(ci *mesosproto.CommandInfo, what, owner string) error {
	if ci.Value == nil {
		kind := "'executable path'"
		if ci.GetShell() {
			kind = "'shell command'"
		}
		return mesosErrf("%s must contain %s", what, kind)
	}
	if err := validateEnvironment(ci.GetEnvironment()); err != nil {
		return mesosErrf("%s `CommandInfo` is invalid: %s", owner, err.Error())
	}
	return nil
}

type optSeconds struct {
	v    *float64
	name string
}

// firstNegative reports the first set and negative field ("Expecting
// 'delay_seconds' to be non-negative"). NaN is not below zero for Mesos
// either.
func firstNegative(fields []optSeconds) error {
	for _, f := range fields {
		if f.v != nil && !math.IsNaN(*f.v) && *f.v < 0 {
			return mesosErrf("Expecting '%s' to be non-negative", f.name)
		}
	}
	return nil
}

// validateOfferFilters is common::validation::validateOfferFilters for every
// role's OfferFilters of a FrameworkInfo (master validation::framework's
// validateOfferFilters).
func validateOfferFilters(fi *mesosproto.FrameworkInfo) error {
	for _, role := range slices.Sorted(maps.Keys(fi.GetOfferFilters())) {
		f := fi.GetOfferFilters()[role]
		for _, qs := range f.GetMinAllocatableResources().GetQuantities() {
			if len(qs.GetQuantities()) == 0 {
				return mesosErr("Resource quantities must contain at least one quantity")
			}
			for _, name := range slices.Sorted(maps.Keys(qs.GetQuantities())) {
				if err := validateInputScalar(qs.GetQuantities()[name].GetValue()); err != nil {
					return mesosErrf("Invalid resource quantity for '%s': %s", name, err.Error())
				}
			}
		}
	}
	return nil
}

// validateInputScalar is common::validation::validateInputScalarValue.
func validateInputScalar(v float64) error {
	switch {
	case math.IsInf(v, 0):
		return mesosErr("Infinite values not supported")
	case math.IsNaN(v):
		return mesosErr("NaN not supported")
	case v != 0 && math.Abs(v) < 0x1p-1022:
		return mesosErr("Subnormal values not supported")
	case v < 0:
		return mesosErr("Negative values not supported")
	}
	return nil
}
