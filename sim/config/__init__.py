"""Typed configuration: dataclass schemas (stdlib only) and their validation."""

from sim.config.schema import (
    AgreementConfig,
    AuditConfig,
    BudgetConfig,
    EngineConfig,
    ErrorProfileConfig,
    ExpertConfig,
    ExpertPoolConfig,
    OutputConfig,
    PolicyConfig,
    RecomputeConfig,
    RootConfig,
    ScenarioConfig,
    StratumConfig,
    VerifierConfig,
)
from sim.config.validate import ConfigError, validate

__all__ = [
    "AgreementConfig",
    "AuditConfig",
    "BudgetConfig",
    "ConfigError",
    "EngineConfig",
    "ErrorProfileConfig",
    "ExpertConfig",
    "ExpertPoolConfig",
    "OutputConfig",
    "PolicyConfig",
    "RecomputeConfig",
    "RootConfig",
    "ScenarioConfig",
    "StratumConfig",
    "VerifierConfig",
    "validate",
]
