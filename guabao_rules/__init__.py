"""guabao-rules: check 挂包帮 pairing data against its policy.

Typical use, exactly as ``guabao-rules check`` (config file, exclude, profile, as_of)::

    import guabao_rules

    report = guabao_rules.check_path("examples/yunnan-sanqu-sanzhou")
    for diagnostic in report.diagnostics:
        print(diagnostic.location, diagnostic.rule, diagnostic.message)
"""

import gc as _gc

# Importing builds some 70 pydantic models and 90 dataclasses, all kept: the ~90
# collections the cyclic GC would run meanwhile find no garbage and cost ~5 % of a
# cold `guabao-rules check`. After the imports, what they made goes to the oldest
# generation in one step (freeze, unfreeze: no traversal), so the first collection
# does not walk it all either; a full collection still sees it, as it would have.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from guabao_rules.api import check_path
    from guabao_rules.config import Config, ConfigError, find_config
    from guabao_rules.dataset import Dataset
    from guabao_rules.diagnostics import Diagnostic, Location, Related, Severity
    from guabao_rules.engine.core import Catalogue, Report, RuleStat, catalogue, check
    from guabao_rules.packs import PackError, RuleSpec
    from guabao_rules.sources.loader import load
finally:
    if _gc.get_freeze_count() == 0:  # never unfreeze what a caller froze
        _gc.freeze()
        _gc.unfreeze()
    if _collecting:
        _gc.enable()

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
