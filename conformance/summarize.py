"""Summarize the output of `scim2 test -v` (scim2-cli 0.6.0 / scim2-tester 0.5.2).

Usage: python summarize.py LOG

`scim2 test` has no machine-readable output. It prints one line per check result,
`STATUS check_name` at the start of the line, followed by the result's reason (and, with -v,
its data) indented by two spaces; a multi-line reason's later lines are not indented. It
exits 1 when any result is not SUCCESS, SKIPPED included, so its exit code can't tell "the
server failed a check" from "a check did not apply": this script reads the result lines.

Statuses (scim2_tester.Status): SUCCESS, COMPLIANT and ACCEPTABLE pass; ERROR (a MUST is
broken), CRITICAL and DEVIATION (a SHOULD is not followed) fail; SKIPPED is neither (the
check does not apply, e.g. the server answered 501 to an optional feature).

A failure matching one of WAIVERS below is a known scim2-tester false positive: it is listed
as WAIVED with the reason and counted neither as passed nor as failed. Each waiver checks the
evidence in the log, so a real regression in the same check still fails.

Prints the failed, waived and skipped checks, then `conformance: N passed, M failed`.
Exits 0 when nothing failed, 1 when a check failed, 2 when the suite did not run to the end
(no results, or a Python traceback). Standard library only.
"""

import re
import sys
from collections.abc import Callable

PASS = {"SUCCESS", "COMPLIANT", "ACCEPTABLE"}
FAIL = {"ERROR", "CRITICAL", "DEVIATION"}
SKIP = {"SKIPPED"}
# A result line: the status, one space, the check's function name, nothing else.
RESULT = re.compile(r"^(%s) ([A-Za-z_][A-Za-z0-9_]*|None)$" % "|".join(sorted(PASS | FAIL | SKIP)))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Printed once the suite has run, before the results (scim2_cli/test.py).
HEADER = "Performing a SCIM compliance check on "
# The per-resource-type checks start with object_creation, once per resource type, in the
# order query_all_resource_types reports them: that names the resource type of a result.
RESOURCE_TYPES = re.compile(r"^  Resource types available are: (.*)$")


def _members_differ_only_in_display(text: list[str]) -> bool:
    """The patched and the returned `members` are equal once `display` is left out.

    scim2-tester compares the whole element, `display` included, although the Group schema
    gatehouse publishes marks `members.display` readOnly: the tester leaves it out of the
    request (display=None) and the server fills it in with the member's name, as RFC 7643
    §8.4's example shows. Only that difference is waived.
    """
    values = {}
    for line in text:
        for label in ("Patched value: ", "Returned value: "):
            if line.startswith(label):
                values[label] = re.sub(r", display=(None|'[^']*'|\"[^\"]*\")", "", line[len(label):])
    return len(values) == 2 and values["Patched value: "] == values["Returned value: "]


# (check, resource type, reason contains, evidence(result's text), why): all must match.
WAIVERS: list[tuple[str, str, str, Callable[[list[str]], bool], str]] = [
    (check, "Group", "'members'", _members_differ_only_in_display,
     "scim2-tester compares the readOnly members.display the server fills in "
     "(see docs/CONFORMANCE.md)")
    for check in ("check_add_attribute", "check_replace_attribute")
]


def waiver_for(check: str, resource: str, text: list[str]) -> str | None:
    for w_check, w_resource, w_reason, evidence, why in WAIVERS:
        if check == w_check and resource == w_resource and w_reason in text[0] and evidence(text):
            return why
    return None


def main(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [ANSI.sub("", line.rstrip("\n")) for line in f]
    if "# summary" in lines:  # what conformance/run appends after the suite's output
        lines = lines[: lines.index("# summary")]

    completed = any(line.startswith(HEADER) for line in lines)
    crashed = any(line.startswith("Traceback (most recent call last):") for line in lines)
    starts = [i for i, line in enumerate(lines) if RESULT.match(line)]

    resource_types: list[str] = []
    section = -1  # index into resource_types; -1 while in the discovery checks
    counts: dict[str, int] = {}
    failed, waived, skipped = [], [], []
    for n, i in enumerate(starts):
        for line in lines[starts[n - 1] if n else 0:i]:
            found = RESOURCE_TYPES.match(line)
            if found and not resource_types:
                resource_types = re.findall(r"'([^']*)'", found.group(1))
        status, check = RESULT.match(lines[i]).groups()
        if check == "object_creation":
            section += 1
        resource = resource_types[section] if 0 <= section < len(resource_types) else ""
        # The result's own text: its lines up to the next result (or the summary we append).
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        text = [line.strip() for line in lines[i + 1:end] if not line.startswith("# ")] or [""]
        name = f"{check} [{resource}]" if resource else check
        entry = f"  {status} {name}: {text[0]}"
        if status in FAIL and (why := waiver_for(check, resource, text)):
            waived.append(f"{entry}\n      waived: {why}")
            status = "WAIVED"
        elif status in FAIL:
            failed.append(entry)
        elif status in SKIP:
            skipped.append(entry)
        counts[status] = counts.get(status, 0) + 1

    passed = sum(n for s, n in counts.items() if s in PASS)
    n_failed = sum(n for s, n in counts.items() if s in FAIL)
    for title, entries in (
        ("failed checks:", failed),
        ("waived checks (known scim2-tester false positives, not counted):", waived),
        ("skipped checks (not applicable to this server, not counted):", skipped),
    ):
        if entries:
            print(title)
            print("\n".join(entries))
    print("statuses: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"))

    if not completed or crashed or not counts:
        # No "N passed, M failed" line: the counts of a partial run would mislead.
        print("conformance: the suite did not run to the end (see the log)")
        return 2
    print(f"conformance: {passed} passed, {n_failed} failed")
    return 1 if n_failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
