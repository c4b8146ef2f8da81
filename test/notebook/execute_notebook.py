"""Executes one notebook headlessly with nbclient and the tslab kernel; writes the executed copy
and a JSON report of every cell (status, seconds, output MIME types).

    python execute_notebook.py IN.ipynb OUT.ipynb REPORT.json [--cell-timeout S] [--kernel tslab]

Cells tagged `raises-exception` (nbclient's convention) are expected to fail; any other failing
cell fails the run (exit 1). tslab aborts every request that reaches it within 200 ms of a
failed cell (its "stop on error", so that "run all" stops), so after a failed cell the driver
waits that window out before sending the next one, as a person running cells one by one would.
The kernel's working directory is the notebook's folder, as in JupyterLab.
"""
import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

TSLAB_ABORT_WINDOW_S = 0.3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out")
    ap.add_argument("report")
    ap.add_argument("--cell-timeout", type=int, default=120)
    ap.add_argument("--kernel", default="tslab")
    args = ap.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    cells = []
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.cell_timeout,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
    )
    replies = {}

    def remember_reply(cell, cell_index, execute_reply, **_):
        replies[cell_index] = execute_reply["content"]["status"]

    client.on_cell_executed = remember_reply
    failure = None
    t_start = time.monotonic()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            expected = "raises-exception" in cell.metadata.get("tags", [])
            t0 = time.monotonic()
            status = "ok"
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError as e:
                status = "timeout"
                failure = f"cell {index} ran past {args.cell_timeout} s: {str(e)[:500]}"
            except CellExecutionError as e:
                status = "error"
                failure = f"cell {index} failed: {str(e)[:4000]}"
            cells.append({
                "index": index,
                # ok | error | timeout: what the driver saw (a tagged cell that fails is still "ok")
                "status": status,
                # the kernel's execute_reply status: ok | error | abort
                "reply": replies.get(index),
                "expected_error": expected,
                "seconds": round(time.monotonic() - t0, 3),
                "source": cell.source[:200],
                "mimes": [sorted(o.get("data", {}).keys()) for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")],
                "streams": [o.get("name") for o in cell.outputs if o.get("output_type") == "stream"],
                "stderr": "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stderr")[:2000],
            })
            if status != "ok":
                break
            if replies.get(index) == "error":
                time.sleep(TSLAB_ABORT_WINDOW_S)
    nbformat.write(nb, args.out)
    with open(args.report, "w") as f:
        json.dump({"notebook": args.notebook, "seconds": round(time.monotonic() - t_start, 3), "cells": cells, "failure": failure}, f, indent=1)
    if failure:
        print(failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
