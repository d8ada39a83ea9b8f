"""The columnar engine: the collections as Arrow tables, rules as queries on DuckDB or Spark."""
