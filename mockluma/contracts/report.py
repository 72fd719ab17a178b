"""A :class:`~mockluma.contracts.runner.Report` as people and CI read it: a text summary,
JUnit XML (one test case per check) and JSON (everything, for tools)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from mockluma.contracts.runner import Report, Result

_LABELS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERROR"}


def summary(report: Report, *, verbose: bool = False) -> str:
    """What ran, what failed and why (title and JSON path), and what it cost."""
    lines = [f"mockluma contract checks against {report.target}"]
    for result in report.results:
        if result.outcome == "passed" and not verbose:
            continue
        lines.append(f"  {_LABELS[result.outcome]:<5} {result.surface}: {result.check}")
        lines.append(f"        {result.endpoint} — {result.title}")
        for finding in result.findings:
            where = f" [{finding.json_path}]" if finding.json_path != "$" else ""
            lines.append(f"        {finding.check}: {finding.title}{where}")
            if finding.detail:
                lines.append(f"          {finding.detail.strip().splitlines()[0][:200]}")
        if result.reason:
            lines.append(f"        {result.reason}")
    lines.append(_spend(report))
    seconds = sum(result.seconds for result in report.results)
    lines.append(
        f"{report.count('passed')} checks passed, {report.count('failed')} failed, "
        f"{report.count('error')} broke and {report.count('skipped')} were skipped "
        f"in {seconds:.1f} s."
    )
    return "\n".join(lines)


def _spend(report: Report) -> str:
    if not report.live:
        return f"Spent nothing: the mock is free (the same run live: ~{report.spent_cents:.2f}¢)."
    limit = report.budget_cents or 0.0
    items = ", ".join(f"{what} ~{cents:.2f}¢" for what, cents in report.spending) or "nothing"
    return (
        f"Spent ~{report.spent_cents:.2f}¢ of a {limit:.2f}¢ budget ({items}); estimates, as "
        "each surface's contract prices its requests."
    )


def _result_json(result: Result) -> dict[str, Any]:
    return {
        "surface": result.surface,
        "check": result.check,
        "endpoint": result.endpoint,
        "title": result.title,
        "outcome": result.outcome,
        "reason": result.reason,
        "seconds": result.seconds,
        "failures": [
            {
                "check": finding.check,
                "title": finding.title,
                "json_path": finding.json_path,
                "detail": finding.detail,
            }
            for finding in result.findings
        ],
    }


def to_json(report: Report) -> str:
    document = {
        "target": report.target,
        "live": report.live,
        "ok": report.ok,
        "budget_cents": report.budget_cents,
        "spent_cents": report.spent_cents,
        "spending": [{"what": what, "cents": cents} for what, cents in report.spending],
        "counts": {
            outcome: report.count(outcome) for outcome in ("passed", "failed", "error", "skipped")
        },
        "results": [_result_json(result) for result in report.results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_junit(report: Report) -> str:
    suites = ElementTree.Element("testsuites", name="mockluma contract")
    by_surface: dict[str, list[Result]] = {}
    for result in report.results:
        by_surface.setdefault(result.surface, []).append(result)
    for surface, results in by_surface.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=f"contract.{surface}",
            tests=str(len(results)),
            failures=str(sum(r.outcome == "failed" for r in results)),
            errors=str(sum(r.outcome == "error" for r in results)),
            skipped=str(sum(r.outcome == "skipped" for r in results)),
            time=f"{sum(r.seconds for r in results):.3f}",
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (
            ("target", report.target),
            ("spent_cents", f"{report.spent_cents:.2f}"),
        ):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        for result in results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{surface}.{result.endpoint}",
                name=result.check,
                time=f"{result.seconds:.3f}",
            )
            if result.outcome == "failed":
                first = result.findings[0] if result.findings else None
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=first.title if first else result.title,
                    type=first.json_path if first else "$",
                )
                failure.text = "\n".join(
                    f"{f.check}: {f.title} at {f.json_path}"
                    + (f"\n  {f.detail}" if f.detail else "")
                    for f in result.findings
                )
            elif result.outcome == "error":
                ElementTree.SubElement(case, "error", message=result.reason)
            elif result.outcome == "skipped":
                ElementTree.SubElement(case, "skipped", message=result.reason)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


__all__ = ["summary", "to_json", "to_junit"]
