"""What the office formats (workbook, report page) tabulate: findings by county.

A county office works county by county, so every finding is given the county
its subject belongs to: a project, meeting or visit names it; a village,
household, work team or report reaches it through regions; money reaches it
through its project (an allocation, a disbursement, a fund whose allocations all
go to one county). Findings about a prefecture, the dataset or a whole file
have no county.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic, Severity, Text
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.graph import Index
from guabao_rules.models import (
    Allocation,
    Disbursement,
    Fund,
    Household,
    Pairing,
    Record,
    Region,
    WorkTeam,
)
from guabao_rules.models import (
    Report as WorkReport,
)

SEVERITY_NAMES: dict[Severity, Text] = {
    Severity.ERROR: Text(zh="错误", en="error"),
    Severity.WARNING: Text(zh="警告", en="warning"),
    Severity.INFO: Text(zh="提示", en="info"),
}

NO_COUNTY = Text(zh="(不属任何县)", en="(no county)")


class Counties:
    """The county of each finding's subject, resolved once per subject."""

    def __init__(self, dataset: Dataset | None) -> None:
        if dataset is not None:  # a fund's county is its allocations': their records
            dataset.make_records(["allocations"], reason="the office report")
        self.index: Index | None = dataset.index if dataset is not None else None
        self.cache: dict[str, str | None] = {}

    def of(self, subject: str | None) -> str | None:
        """The county id the record ``subject`` belongs to, or None."""
        if subject is None or self.index is None:
            return None
        if subject not in self.cache:
            self.cache[subject] = self._resolve(subject)
        return self.cache[subject]

    def name(self, county: str | None) -> str:
        """A county's name ("" when it is not in the data)."""
        if county is None or self.index is None:
            return ""
        region = self.index.get(county, Region)
        return region.name if region is not None else ""

    def _record(self, subject: str) -> Record | None:
        assert self.index is not None
        entry = self.index.entries.get(subject)
        return entry.model if entry is not None else None

    def _resolve(self, subject: str) -> str | None:
        index = self.index
        assert index is not None
        record = self._record(subject)
        if record is None:
            return None
        if isinstance(record, Region):
            return index.county_of(record.id)
        if isinstance(record, Household | WorkTeam):
            return index.county_of(record.village)
        county = getattr(record, "county", None)  # projects, visits, meetings, findings, groups
        if isinstance(county, str):
            return index.county_of(county)
        if isinstance(record, Allocation):
            return self.of(record.project)
        if isinstance(record, Disbursement):
            return self.of(record.allocation)
        if isinstance(record, WorkReport):
            return self.of(record.household)
        if isinstance(record, Pairing):
            return self.of(record.target)
        if isinstance(record, Fund):
            return self._fund_county(record)
        return None

    def _fund_county(self, fund: Fund) -> str | None:
        """The one county a fund's allocations go to (None: none, or several)."""
        assert self.index is not None
        counties = {
            self.of(allocation.id)
            for allocation in self.index.referring(fund.id, "allocations", "fund", Allocation)
        }
        return counties.pop() if len(counties) == 1 else None


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding as an office table shows it.

    Attributes:
        diagnostic: The finding.
        title: Its rule's title, in the report's language.
        county: The county its subject belongs to (None: none).
        county_name: That county's name ("" when unknown).
        related: The related records, as ``id (file:line:column)`` joined by ``; ``.
    """

    diagnostic: Diagnostic
    title: str
    county: str | None
    county_name: str
    related: str


def related_text(diagnostic: Diagnostic) -> str:
    """The related records of a finding as one line of text."""
    return "; ".join(
        f"{r.subject or '-'} ({r.location})" if r.location.file else (r.subject or "-")
        for r in diagnostic.related
    )


def finding_rows(report: Report, counties: Counties) -> Iterator[FindingRow]:
    """Every finding of the report, in its order, with its title and county."""
    titles = {rule.id: rule.title.get(report.lang) for rule in catalogue().rules}
    for diagnostic in report.diagnostics:
        county = counties.of(diagnostic.subject)
        yield FindingRow(
            diagnostic=diagnostic,
            title=titles.get(diagnostic.rule, ""),
            county=county,
            county_name=counties.name(county),
            related=related_text(diagnostic),
        )


def family_counts(
    report: Report, counties: Counties
) -> dict[str | None, dict[str, dict[Severity, int]]]:
    """Per county (None: no county), per rule family, the findings of each severity."""
    counts: dict[str | None, dict[str, dict[Severity, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(Severity, 0))
    )
    for diagnostic in report.diagnostics:
        county = counties.of(diagnostic.subject)
        counts[county][diagnostic.rule[0]][diagnostic.severity] += 1
    return counts
