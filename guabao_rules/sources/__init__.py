"""Reading data files: YAML (a fast reader and PyYAML), CSV tables, source positions, the loader."""
