"""Summarize the results of the scim-sanity probe (scim-sanity 0.7.4, `run_probe_api`).

Usage: python summarize_scim_sanity.py LOG

LOG is the JSON document conformance/run-scim-sanity wrote: `results`, each with `name`,
`status` (pass, fail, warn, skip, error), `phase` and an optional `message`.

pass counts as passed; fail and error as failed; warn and skip as neither (listed). The agent
phases (Phase 4, 5 and 5a) must have results, and none may fail: a server that stopped
advertising Agents would otherwise pass by skipping them.

A failure matching one of WAIVERS is deliberate gatehouse behaviour: listed as WAIVED with the
reason and counted neither as passed nor as failed. Each waiver matches the exact message, so
the same check failing another way still fails.

Prints the failed, waived, warned and skipped checks, then `scim-sanity: N passed, M failed`.
Exits 0 when nothing failed, 1 when a check failed, 2 when the results are missing or
unreadable. Standard library only.
"""

import json
import sys

PASS = {"pass"}
FAIL = {"fail", "error"}
AGENT_PHASES = ("Phase 4 ", "Phase 5 ", "Phase 5a ")

# (phase prefix, check name, exact message, why)
WAIVERS = [
    (
        "Phase 3 ",
        "PATCH /Groups/{id} add member",
        "Expected 200, got 400",
        "the probe adds the member id 'fake-member-id', which exists nowhere; gatehouse "
        "answers 400 invalidValue for a member that is not a user or group of the "
        "organization, on purpose (the same rule refuses references into another tenant; "
        "see docs/CONFORMANCE.md)",
    ),
]


def waiver_for(result: dict) -> str | None:
    for phase, name, message, why in WAIVERS:
        if (
            result.get("phase", "").startswith(phase)
            and result.get("name") == name
            and result.get("message", "") == message
        ):
            return why
    return None


def main(path: str) -> int:
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"scim-sanity: no readable results in {path}: {e}")
        return 2

    failed, waived, noted = [], [], []
    passed = 0
    agent_results = 0
    for r in results:
        status = r.get("status", "")
        phase = r.get("phase", "")
        entry = f"  {status.upper()} {r.get('name', '?')} ({phase}): {r.get('message', '')}"
        if phase.startswith(AGENT_PHASES) and status != "skip":
            agent_results += 1
        if status in PASS:
            passed += 1
        elif status in FAIL and (why := waiver_for(r)):
            waived.append(f"{entry}\n      waived: {why}")
        elif status in FAIL:
            failed.append(entry)
        else:
            noted.append(entry)
    if agent_results == 0:
        failed.append("  FAIL the agent phases did not run (are Agents still in /ResourceTypes?)")

    for title, entries in (
        ("failed checks:", failed),
        ("waived checks (deliberate gatehouse behaviour, not counted):", waived),
        ("warnings and skipped checks (not counted):", noted),
    ):
        if entries:
            print(title)
            print("\n".join(entries))
    print(f"scim-sanity: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
