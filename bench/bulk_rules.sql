-- Hand-written DuckDB queries for the bulk rules, independent of the engine:
-- the benchmark's second yardstick (issue 10). {root} is the dataset folder.
-- Each query yields the subjects that fail, and the benchmark counts them.

CREATE TABLE households AS SELECT * FROM read_csv('{root}/counties/*/households.csv',
    header = true, columns = {'id': 'VARCHAR', 'village': 'VARCHAR', 'status': 'VARCHAR'});
CREATE TABLE cadres AS SELECT * FROM read_csv('{root}/counties/*/cadres/*.csv',
    header = true, columns = {'id': 'VARCHAR', 'name': 'VARCHAR', 'unit': 'VARCHAR'});
CREATE TABLE pairings AS SELECT * FROM read_csv('{root}/**/pairings/*.csv',
    header = true, union_by_name = true, types = {'id': 'VARCHAR', 'kind': 'VARCHAR',
    'helper': 'VARCHAR', 'target': 'VARCHAR', 'start': 'DATE'});
CREATE TABLE reports AS SELECT * FROM read_csv('{root}/counties/*/reports.csv',
    header = true, columns = {'id': 'VARCHAR', 'reporter': 'VARCHAR', 'household': 'VARCHAR',
    'period': 'VARCHAR', 'date': 'DATE', 'recipients': 'VARCHAR'});

-- D001: an id used by two records of the bulk tables.
SELECT id FROM (SELECT id FROM households UNION ALL SELECT id FROM cadres
    UNION ALL SELECT id FROM pairings UNION ALL SELECT id FROM reports)
    GROUP BY id HAVING count(*) > 1;
-- D002: a household pairing whose helper is no cadre, or whose target is no household.
SELECT p.id FROM pairings p LEFT JOIN cadres c ON p.helper = c.id
    WHERE p.kind = 'household_help' AND c.id IS NULL;
SELECT p.id FROM pairings p LEFT JOIN households h ON p.target = h.id
    WHERE p.kind = 'household_help' AND h.id IS NULL;
-- D002: a report whose household or reporter does not exist.
SELECT r.id FROM reports r LEFT JOIN households h ON r.household = h.id WHERE h.id IS NULL;
SELECT r.id FROM reports r LEFT JOIN cadres c ON r.reporter = c.id WHERE c.id IS NULL;
-- D003: a period not written YYYY-Qn.
SELECT id FROM reports WHERE NOT regexp_full_match(period, '[0-9]{4}-Q[1-4]');
-- Every poor household has a helping cadre (an active household_help pairing).
SELECT h.id FROM households h LEFT JOIN pairings p
    ON p.kind = 'household_help' AND p.target = h.id AND p.start <= DATE '2019-12-31'
    WHERE h.status = 'poor' AND p.id IS NULL;
-- A report each quarter of 2019 for each helped household.
SELECT p.id, q.period FROM pairings p
    CROSS JOIN (SELECT unnest(['2019-Q1', '2019-Q2', '2019-Q3', '2019-Q4']) AS period) q
    LEFT JOIN reports r ON r.household = p.target AND r.period = q.period
    WHERE p.kind = 'household_help' AND r.id IS NULL;
