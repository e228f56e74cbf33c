"""Shell variables in hub downloads outside Python: a value the script (or the
Dockerfile's ARG/ENV) fixes is resolved; anything else stays unresolved, never guessed."""

from __future__ import annotations

import textwrap

from chainward.inventory.model_refs.text import scan_text
from chainward.models.download_checks import find_download_problems

SHA = "0123456789abcdef0123456789abcdef01234567"


def _lines(rel: str, text: str) -> tuple[set[int], set[int]]:
    text = textwrap.dedent(text)
    calls = scan_text(rel, text)
    found = {
        f.line or 0
        for f in find_download_problems(calls, ())
        if f.check_id == "unpinned-model-download"
    }
    want = {n for n, line in enumerate(text.splitlines(), 1) if line.endswith("# want")}
    return found, want


def test_script_variables_fixed_by_the_script_are_resolved() -> None:
    found, want = _lines(
        "download.sh",
        f"""\
        MODEL=meta-llama/Llama-2-7b-hf
        export PINNED_REV={SHA}
        huggingface-cli download "$MODEL" --local-dir weights  # want
        huggingface-cli download ${{MODEL}} --revision $PINNED_REV
        BASE=${{BASE:-org/defaulted}}
        hf download $BASE  # want
        URL=https://huggingface.co/org/w/resolve/main/model.bin
        wget "$URL" -O model.bin  # want
        huggingface-cli download "$1"
        huggingface-cli download "$FROM_THE_ENVIRONMENT"
        REPO=org/one
        REPO=org/two
        huggingface-cli download $REPO
        huggingface-cli download $LATER
        LATER=org/later
        CMD=$(cat name.txt)
        huggingface-cli download $CMD
        """,
    )
    assert found == want


def test_dockerfile_arg_and_env_values_are_resolved() -> None:
    found, want = _lines(
        "Dockerfile",
        f"""\
        FROM python:3.12
        ARG MODEL=org/from-arg
        ENV REV={SHA}
        ENV LEGACY org/legacy
        RUN huggingface-cli download $MODEL  # want
        RUN huggingface-cli download $MODEL --revision $REV
        RUN huggingface-cli download ${{LEGACY}}  # want
        """,
    )
    assert found == want


def test_inline_python_programs_are_read_like_python_files() -> None:
    found, want = _lines(
        "Dockerfile",
        f"""\
        FROM python:3.12
        RUN python -c "from huggingface_hub import snapshot_download as s; s('org/a')"  # want
        RUN python3 -c "import transformers as t; t.AutoModel.from_pretrained('gpt2')"  # want
        RUN python -c "import huggingface_hub as h; h.snapshot_download('org/b', revision='{SHA}')"
        RUN python -c "import torch; print(torch.__version__)"
        RUN python -c "this is not python (
        """,
    )
    assert found == want


def test_makefile_variables_are_resolved() -> None:
    found, want = _lines(
        "Makefile",
        f"""\
        MODEL ?= org/from-make
        REV := {SHA}
        EXTRA += org/appended
        weights:
        \thuggingface-cli download $(MODEL) --local-dir weights  # want
        \thuggingface-cli download $(MODEL) --revision $(REV)
        \thuggingface-cli download $(EXTRA)
        \thuggingface-cli download $(UNDEFINED)
        """,
    )
    assert found == want


def test_messages_name_the_command_or_setting_not_a_python_call() -> None:
    """A command is quoted as typed and a config key named as a setting; only Python
    calls read ``name()``."""
    script = "git clone https://huggingface.co/org/cloned\nhf download org/fetched\n"
    config = "base_model: org/tuned\n"
    messages = [
        f.message
        for rel, text in (("get.sh", script), ("train.yaml", config))
        for f in find_download_problems(scan_text(rel, text), ())
    ]
    assert any(m.startswith("`git clone` downloads model 'org/cloned'") for m in messages)
    assert any(m.startswith("`hf download` downloads model 'org/fetched'") for m in messages)
    setting = "the 'base_model' setting downloads model 'org/tuned'"
    assert any(m.startswith(setting) for m in messages)
    assert not any("()" in m for m in messages), messages
