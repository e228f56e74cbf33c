"""Generalisation of unpinned-model-download beyond the truth set: real-code shapes of
ids and revisions (loops, string formatting, kwargs dicts, helpers) and local paths that
look like hub ids. Each snippet marks the lines that must be reported with ``# want``;
every other line must stay silent."""

from __future__ import annotations

import textwrap

import pytest

from chainward.inventory.model_refs.python import scan_source_full
from chainward.models.download_checks import find_download_problems

SHA = "0123456789abcdef0123456789abcdef01234567"


def reported(source: str) -> set[int]:
    found = scan_source_full("probe.py", textwrap.dedent(source))
    findings = find_download_problems(found.calls, found.remote_code)
    return {f.line or 0 for f in findings if str(f.check_id) == "unpinned-model-download"}


def wanted(source: str) -> set[int]:
    lines = textwrap.dedent(source).splitlines()
    return {n for n, line in enumerate(lines, start=1) if line.rstrip().endswith("# want")}


CASES = {
    "module-loop": """
        from transformers import AutoModel
        MODELS = ["bert-base-uncased", "org/second"]
        for name in MODELS:
            AutoModel.from_pretrained(name)  # want
        for path in ["./ckpt", "/models/x"]:
            AutoModel.from_pretrained(path)
    """,
    "tuple-loop": f"""
        from transformers import AutoModel
        PAIRS = [("org/a", "v1.0"), ("org/b", "main")]
        PINNED = [("org/c", "{SHA}"), ("org/d", "{SHA}")]
        def load():
            for model_id, rev in PAIRS:
                AutoModel.from_pretrained(model_id, revision=rev)  # want
            for model_id, rev in PINNED:
                AutoModel.from_pretrained(model_id, revision=rev)
        for model_id, rev in PINNED:
            AutoModel.from_pretrained(model_id, revision=rev)
    """,
    "dict-items-enumerate-zip": """
        from transformers import AutoModel
        SIZES = {"small": "org/s", "big": "org/b"}
        for size, model_id in SIZES.items():
            AutoModel.from_pretrained(model_id)  # want
        for index, model_id in enumerate(["org/e1", "org/e2"]):
            AutoModel.from_pretrained(model_id)  # want
        for model_id, rev in zip(["org/z1"], ["main"]):
            AutoModel.from_pretrained(model_id, revision=rev)  # want
        for key in SIZES.values():
            AutoModel.from_pretrained(key)  # want
    """,
    "string-formatting": """
        from transformers import AutoModel
        ORG, SIZE = "facebook", "125m"
        AutoModel.from_pretrained("{}/opt-{}".format(ORG, SIZE))  # want
        AutoModel.from_pretrained("{org}/opt-{s}".format(org=ORG, s="350m"))  # want
        AutoModel.from_pretrained("/".join([ORG, "opt-1.3b"]))  # want
        AutoModel.from_pretrained("%s/opt-%s" % (ORG, SIZE))  # want
        AutoModel.from_pretrained("%s/opt-2.7b" % ORG)  # want
        AutoModel.from_pretrained("{}/x".format(unknown))
        AutoModel.from_pretrained("%d/x" % 3)
        AutoModel.from_pretrained("{0.name}/x".format(ORG))
        AutoModel.from_pretrained("./runs/{}".format(SIZE))
    """,
    "dict-call-kwargs": f"""
        from transformers import AutoModel
        moving = dict(revision="main", torch_dtype="auto")
        AutoModel.from_pretrained("org/x", **moving)  # want
        pinned = dict(revision="{SHA}")
        AutoModel.from_pretrained("org/y", **pinned)
        AutoModel.from_pretrained(**dict(pretrained_model_name_or_path="org/z"))  # want
    """,
    "folder-shaped-ids": """
        from transformers import AutoModel
        from datasets import load_dataset
        load_dataset("data/train")
        AutoModel.from_pretrained("outputs/run1")
        AutoModel.from_pretrained("checkpoints/best")
        AutoModel.from_pretrained("models/llama-7b")
        AutoModel.from_pretrained("facebook/opt-125m")  # want
    """,
    "reassigned-revision": f"""
        from transformers import AutoModel
        def pinned():
            rev = "main"
            rev = "{SHA}"
            return AutoModel.from_pretrained("org/a", revision=rev)
        def moved(flag):
            rev = "{SHA}"
            if flag:
                rev = "main"
            return AutoModel.from_pretrained("org/b", revision=rev)  # want
        def either(flag):
            if flag:
                rev = "{SHA}"
            else:
                rev = "v2"
            return AutoModel.from_pretrained("org/c", revision=rev)  # want
        def parameter(revision="main"):
            revision = "{SHA}"
            return AutoModel.from_pretrained("org/d", revision=revision)
        def walrus():
            rev = "main"
            if (rev := "{SHA}") and False:
                pass
            return AutoModel.from_pretrained("org/e", revision=rev)  # want
        REV = "main"
        REV = "{SHA}"
        AutoModel.from_pretrained("org/f", revision=REV)
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reported_lines_are_the_wanted_ones(name: str) -> None:
    source = CASES[name]
    assert reported(source) == wanted(source)


LAMBDA_AND_PARTIAL = """
    import functools
    from functools import partial
    from transformers import AutoModel, AutoTokenizer
    get = lambda name: AutoModel.from_pretrained(name)  # want
    get("org/lambda")
    load = functools.partial(AutoModel.from_pretrained, "org/partial")
    model = load()  # want
    tok_loader = partial(AutoTokenizer.from_pretrained, revision="main")
    tok = tok_loader("org/tok")  # want
    pinned = partial(AutoModel.from_pretrained, revision="0123456789abcdef0123456789abcdef01234567")
    ok = pinned("org/pinned")
    local = partial(AutoModel.from_pretrained, "./ckpt")
    local()
"""


def test_named_lambdas_and_partials_download_where_they_are_called() -> None:
    assert reported(LAMBDA_AND_PARTIAL) == wanted(LAMBDA_AND_PARTIAL)


DICT_CHANGES = f"""
    from transformers import AutoModel
    def set_key():
        kw = {{}}
        kw["revision"] = "{SHA}"
        return AutoModel.from_pretrained("org/a", **kw)
    def updated():
        kw = {{"torch_dtype": "auto"}}
        kw.update(revision="{SHA}")
        return AutoModel.from_pretrained("org/b", **kw)
    def moved():
        kw = {{"torch_dtype": "auto"}}
        kw["revision"] = "main"
        return AutoModel.from_pretrained("org/c", **kw)  # want
    def splat_literal():
        base = {{"revision": "v1"}}
        return AutoModel.from_pretrained("org/d", **{{**base, "revision": "{SHA}"}})
    def popped():
        kw = {{"revision": "{SHA}"}}
        kw.pop("revision")
        return AutoModel.from_pretrained("org/e", **kw)
    def unknown_key(key):
        kw = {{}}
        kw[key] = "{SHA}"
        return AutoModel.from_pretrained("org/f", **kw)
    def no_revision():
        kw = {{"torch_dtype": "auto"}}
        kw["device_map"] = "auto"
        return AutoModel.from_pretrained("org/g", **kw)  # want
"""


def test_a_mapping_changed_in_place_is_read_with_its_changes() -> None:
    assert reported(DICT_CHANGES) == wanted(DICT_CHANGES)


BRANCH_CHANGES = f"""
    from transformers import AutoModel
    def branches(flag):
        kwargs = {{"device_map": "auto"}}
        if flag:
            kwargs["quantization_config"] = object()
        else:
            kwargs["quantization_config"] = None
        return AutoModel.from_pretrained("org/a", **kwargs)  # want
    def pinned_in_both(flag):
        kwargs = {{"revision": "{SHA}"}}
        if flag:
            kwargs["device_map"] = "auto"
        return AutoModel.from_pretrained("org/b", **kwargs)
    def pinned_in_one(flag):
        kwargs = {{}}
        if flag:
            kwargs["revision"] = "{SHA}"
        return AutoModel.from_pretrained("org/c", **kwargs)  # want
    def remote(flag):
        kwargs = {{"trust_remote_code": True}}
        if flag:
            kwargs["attn_implementation"] = "eager"
        return AutoModel.from_pretrained("org/d", revision="{SHA}", **kwargs)
"""


def test_a_mapping_changed_in_a_branch_holds_every_branch() -> None:
    assert reported(BRANCH_CHANGES) == wanted(BRANCH_CHANGES)
    found = scan_source_full("probe.py", textwrap.dedent(BRANCH_CHANGES))
    assert [r.line for r in found.remote_code] == [24]


MOCKS = """
    from unittest import mock
    from unittest.mock import patch
    from transformers import AutoModel, AutoTokenizer
    @mock.patch("transformers.AutoModel.from_pretrained")
    def test_decorated(fake):
        AutoModel.from_pretrained("org/mocked")
        AutoTokenizer.from_pretrained("org/real")  # want
    def test_with_block():
        with patch.object(AutoModel, "from_pretrained") as fake:
            AutoModel.from_pretrained("org/mocked-too")
    def test_monkeypatch(monkeypatch):
        monkeypatch.setattr("transformers.AutoTokenizer.from_pretrained", lambda *a: None)
        AutoTokenizer.from_pretrained("org/mocked-three")
    def test_not_mocked():
        AutoModel.from_pretrained("org/downloads")  # want
"""


def test_a_loader_a_test_replaces_with_a_mock_downloads_nothing() -> None:
    assert reported(MOCKS) == wanted(MOCKS)


CLASSES = """
    from dataclasses import dataclass
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer
    class Embedder:
        def __init__(self, model_name):
            self.model = SentenceTransformer(model_name)  # want
        def tokenizer(self, name):
            return AutoTokenizer.from_pretrained(name)  # want
    class Local:
        def __init__(self, path):
            self.model = AutoModel.from_pretrained(path)
    emb = Embedder("org/embedder")
    emb.tokenizer("org/tokenizer")
    Local("./checkpoints/best")
    @dataclass
    class Args:
        base_model: str = None
    args = Args(base_model="org/from-keyword")
    AutoModel.from_pretrained(args.base_model)  # want
"""


def test_constructors_and_instance_methods_take_their_call_site_values() -> None:
    assert reported(CLASSES) == wanted(CLASSES)


SPLATS_AND_DEFAULTS = """
    import argparse
    from transformers import AutoModel, AutoTokenizer
    class Encoder:
        def __init__(self, version="org/default-version"):
            self.model = AutoModel.from_pretrained(version)  # want
    def build(config):
        return Encoder(version=config.version)
    def train(dataset, pretrained_model="./unused"):
        return AutoTokenizer.from_pretrained(pretrained_model)  # want
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset")
    parser.add_argument("--pretrained_model", default="org/from-argparse")
    args = parser.parse_args()
    train(**vars(args))
"""


def test_splatted_options_and_init_defaults_resolve() -> None:
    assert reported(SPLATS_AND_DEFAULTS) == wanted(SPLATS_AND_DEFAULTS)
    calls = scan_source_full("probe.py", textwrap.dedent(SPLATS_AND_DEFAULTS)).calls
    assert [c.repo_id for c in calls] == ["org/default-version", "org/from-argparse"]


LOOP_OF_SPECS = f"""
    from transformers import AutoModel
    SPECS = [
        {{"model": "org/a", "revision": "{SHA}"}},
        {{"model": "org/b", "revision": "{SHA}"}},
    ]
    MOVING = [{{"model": "org/c", "revision": "main"}}, {{"model": "org/d"}}]
    for spec in SPECS:
        AutoModel.from_pretrained(spec["model"], revision=spec["revision"])
    for spec in MOVING:
        AutoModel.from_pretrained(spec["model"], revision=spec.get("revision"))  # want
"""


def test_a_loop_over_literal_specs_reads_each_spec() -> None:
    assert reported(LOOP_OF_SPECS) == wanted(LOOP_OF_SPECS)


def test_an_empty_module_has_no_calls() -> None:
    assert scan_source_full("empty.py", "").calls == []
    assert scan_source_full("comment.py", "# nothing\n").calls == []
