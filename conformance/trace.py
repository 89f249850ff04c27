"""Run scim2-tester against a running gatehouse and record every HTTP exchange.

For investigating a failed check: `scim2 test -v` shows the server's answer, not the request
that caused it. This runs the same checks (scim2_tester.check_server, with the client built
the way `scim2 test` builds it) and appends one JSON object per request to OUT:
{"method", "url", "request", "status", "response"}.

    export SCIM_TOKEN=gsc_…            # from `gatehouse bootstrap --json` (scim_token)
    conformance/.venv/bin/python conformance/trace.py http://127.0.0.1:PORT/scim/v2 OUT.jsonl \
        [TAGS] [RESOURCE_TYPES]

TAGS narrows the checks (comma-separated scim2-tester tags, e.g. `patch:add` or
`discovery`), RESOURCE_TYPES the resource types (e.g. `Group`). Prints one line per result.
"""

import json
import os
import sys

from httpx2 import Client
from scim2_cli.session import describe_server
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server


def main() -> None:
    if len(sys.argv) < 3 or "SCIM_TOKEN" not in os.environ:
        sys.exit(__doc__)
    url, out = sys.argv[1], sys.argv[2]
    tags = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else None
    resource_types = sys.argv[4].split(",") if len(sys.argv) > 4 else None

    with open(out, "a", encoding="utf-8") as trace:

        def record(response):  # an httpx2 response hook
            response.read()
            request = response.request
            trace.write(json.dumps({
                "method": request.method,
                "url": str(request.url),
                "request": request.content.decode(errors="replace"),
                "status": response.status_code,
                "response": response.text,
            }) + "\n")

        http = Client(
            base_url=url,
            headers={"Authorization": f"Bearer {os.environ['SCIM_TOKEN']}"},
            event_hooks={"response": [record]},
        )
        client = SyncSCIMClient(http)
        client.provider = describe_server(client, None, None, None)
        for result in check_server(client, include_tags=tags, resource_types=resource_types):
            reason = (result.reason or "").replace("\n", " | ")
            print(result.status.name, result.title, result.resource_type or "", reason[:300])


if __name__ == "__main__":
    main()
