"""Running rules: the engine, the rule context, waivers and baselines."""
