"""botocore's own paginator, as an oracle for PaginateListDatasets.

Runs under the Python that has botocore (not the one with grpc). Reads JSON
on stdin: {"pages": {"<maxResults>|<nextToken or ''>": {"datasets": [...],
"nextToken": "..."}}, "runs": [{"MaxItems": n, "PageSize": p,
"StartingToken": t}, ...]} and prints, per run, the names botocore yields
per page and its resume token. The pages are the facade's real ListDatasets
pages, captured by the caller, so this checks the facade's paginator against
botocore's on identical data.
"""
import json
import sys

try:
    from botocore.paginate import Paginator
except ImportError as e:  # pragma: no cover
    print("botocore is not importable here: %s" % e, file=sys.stderr)
    sys.exit(77)

CONFIG = {"input_token": "nextToken", "output_token": "nextToken",
          "limit_key": "maxResults", "result_key": "datasets"}


class FakeModel:
    # PageIterator only asks the model for the limit key's type.
    class _Shape:
        type_name = "integer"
    class _Input:
        members = {"maxResults": None}
    input_shape = _Input()
    def __init__(self):
        self.input_shape.members = {"maxResults": self._Shape()}


def main():
    spec = json.load(sys.stdin)
    pages = spec["pages"]

    def list_datasets(**kwargs):
        key = "%s|%s" % (kwargs.get("maxResults", ""), kwargs.get("nextToken", ""))
        page = pages[key]
        out = {"datasets": [dict(d) for d in page["datasets"]]}
        if page.get("nextToken"):
            out["nextToken"] = page["nextToken"]
        return out

    results = []
    for run in spec["runs"]:
        paginator = Paginator(list_datasets, CONFIG, FakeModel())
        config = {k: v for k, v in run.items() if v is not None}
        iterator = paginator.paginate(PaginationConfig=config)
        yielded = [[d["name"] for d in page.get("datasets", [])] for page in iterator]
        results.append({"pages": yielded, "resume_token": iterator.resume_token})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
