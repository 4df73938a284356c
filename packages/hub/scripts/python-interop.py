"""Half of scripts/python-interop.ts: fetch (or, with `read`, only look up offline) a model's files with huggingface_hub."""
import json
import os
import sys

from huggingface_hub import hf_hub_download, scan_cache_dir
from huggingface_hub.errors import EntryNotFoundError

mode, repo, cache = sys.argv[1], sys.argv[2], sys.argv[3]
files = sys.argv[4:]
found = {}
for name in files:
    try:
        path = hf_hub_download(repo, name, cache_dir=cache, local_files_only=(mode == "read"))
        found[name] = os.path.relpath(os.path.realpath(path), cache)
    except EntryNotFoundError:
        found[name] = None  # known absent: a 404 online, a .no_exist marker offline
report = scan_cache_dir(cache)
print(json.dumps({"files": found, "warnings": [str(w) for w in report.warnings]}))
