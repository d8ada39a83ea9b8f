"""guabao-rules: check 挂包帮 pairing data against its policy.

Typical use, exactly as ``guabao-rules check`` (config file, exclude, profile, as_of)::

    import guabao_rules

    report = guabao_rules.check_path("examples/yunnan-sanqu-sanzhou")
    for diagnostic in report.diagnostics:
        print(diagnostic.location, diagnostic.rule, diagnostic.message)
"""

from guabao_rules.api import check_path
from guabao_rules.config import Config, ConfigError, find_config
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic, Location, Related, Severity
from guabao_rules.engine.core import Catalogue, Report, RuleStat, catalogue, check
from guabao_rules.packs import PackError, RuleSpec
from guabao_rules.sources.loader import load

__version__ = "0.1.0"

__all__ = [
    "Catalogue",
    "Config",
    "ConfigError",
    "Dataset",
    "Diagnostic",
    "Location",
    "PackError",
    "Related",
    "Report",
    "RuleSpec",
    "RuleStat",
    "Severity",
    "__version__",
    "catalogue",
    "check",
    "check_path",
    "find_config",
    "load",
]
