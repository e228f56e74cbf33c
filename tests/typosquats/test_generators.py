"""Each technique on real look-alikes of the development set, and never on the popular
name itself or its legitimate extensions; the learned vocabulary, the per-technique
thresholds and the popularity prior.

The look-alikes are rows of ``tests/data/typosquats/dev_positives.tsv`` (real published
names: pypi_malregistry, DataDog's malicious-software-packages-dataset, TypoGard); the
test checks each is in that file, so the table cannot drift from the data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chainward.typosquats import vocab
from chainward.typosquats.detect import THRESHOLD, Detector
from chainward.typosquats.index import normalize
from chainward.typosquats.scoring import popularity_discount
from chainward.typosquats.thresholds import FILLER_MIN_HOSTS, PLUGIN_PER_MILLE, THRESHOLDS
from tests.typosquats.conftest import TS, dev_rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rules_only() -> Detector:
    """Trusts the top 1,000 only and ignores the popularity of the name checked: what
    the technique rules alone say about names ranked below 1,000."""
    return Detector(trusted_top=1000, popularity=False)


# technique -> real development-set look-alikes (name, target) it must flag, with the
# technique the detector names.
REAL_BY_TECHNIQUE = {
    "omission": [("matplotib", "matplotlib"), ("asynio", "asyncio"), ("awscl", "awscli")],
    "repetition": [("asynccio", "asyncio"), ("bbeautifulsoup", "beautifulsoup4")],
    "transposition": [("aiothtp", "aiohttp"), ("beatuifulsoup4", "beautifulsoup4")],
    "substitution-keyboard-adjacent": [("aoohttp", "aiohttp"), ("asyncii", "asyncio")],
    "insertion-keyboard-adjacent": [("asyncioi", "asyncio"), ("aiopbotocore", "aiobotocore")],
    "edit-distance-2": [
        ("aliababcloud-tea-openapi", "alibabacloud-tea-openapi"),
        ("asyncci", "asyncio"),  # a 7-letter target (DOUBLE_MIN_LEN)
    ],
    "py-affix": [
        ("python-flask", "flask"),
        ("python-openssl", "pyopenssl"),
        ("python3-dateutil", "python-dateutil"),
        ("python-alibabacloud-tea-openapi", "alibabacloud-tea-openapi"),
        ("nmap-python", "python-nmap"),
    ],
    "version-suffix": [("requests-2022", "requests"), ("rsa2026", "rsa")],
    "combosquat": [
        ("requests-latest", "requests"),
        ("install-pyyaml", "pyyaml"),
        ("stripe-client", "stripe"),
        ("httpx-advanced", "httpx"),
        ("selenium-matplotlib", "matplotlib"),
    ],
}


def test_the_examples_are_rows_of_the_development_set() -> None:
    rows = {(r["name"], r["target"]) for r in dev_rows("dev_positives.tsv")}
    missing = [
        pair
        for pairs in REAL_BY_TECHNIQUE.values()
        for pair in pairs
        if pair not in rows and (pair[0], "beautifulsoup") not in rows
    ]
    assert not missing


@pytest.mark.parametrize(
    ("technique", "name", "target"),
    [(t, n, g) for t, pairs in REAL_BY_TECHNIQUE.items() for n, g in pairs],
)
def test_each_technique_flags_real_look_alikes(
    full: Detector, technique: str, name: str, target: str
) -> None:
    verdict = full.check(name)
    assert verdict.flagged, verdict
    assert verdict.target == target
    assert verdict.technique == technique
    assert verdict.score >= full.thresholds.get(technique, THRESHOLD)


# technique -> made-up names of the same shape on other popular names: the rules are
# about the shape, not the rows above.
SHAPES = {
    "py-affix": ["python-numpy", "numpy-python", "pythonnumpy", "py3-requests", "pandas-python"],
    "version-suffix": ["numpy-2025", "requests-v2", "pandas-3"],
    "word-reorder": ["learn-scikit", "hub-huggingface", "lightning-pytorch"],
    "combosquat": ["numpy-sdk", "pandas-client", "torch-latest", "update-numpy"],
}


@pytest.mark.parametrize(
    ("technique", "name"), [(t, n) for t, names in SHAPES.items() for n in names]
)
def test_each_technique_generalises_to_other_popular_names(
    full: Detector, technique: str, name: str
) -> None:
    verdict = full.check(name)
    assert verdict.flagged, verdict
    assert verdict.technique == technique


# popular name -> its legitimate extensions (plugins, companions, stubs, integrations).
LEGIT_EXTENSIONS = {
    "requests": ["requests-toolbelt", "requests-oauthlib", "requests-mock", "types-requests"],
    "torch": ["torchvision", "torchaudio", "torchmetrics"],
    "pytest": ["pytest-cov", "pytest-xdist"],
    "flask": ["flask-cors", "flask-sqlalchemy"],
    "pandas": ["pandas-stubs"],
    "langchain": ["langchain-openai", "langchain-community"],
    "boto3": ["boto3-stubs"],
    "httpx": ["httpx-sse"],
    "pydantic": ["pydantic-settings", "pydantic-core"],
    "python-dateutil": ["python-dotenv", "python-multipart"],
}


@pytest.mark.parametrize("name", sorted({n for k, v in LEGIT_EXTENSIONS.items() for n in (k, *v)}))
def test_popular_names_and_their_extensions_are_not_flagged(
    full: Detector, rules_only: Detector, name: str
) -> None:
    assert not full.check(name).flagged
    assert not Detector(trusted_top=5000).check(name).flagged
    # Not trusted and not helped by their own popularity: the rules alone pass them.
    verdict = rules_only.check(name)
    assert not verdict.flagged, verdict


def test_real_dependency_names_are_not_flagged(full: Detector) -> None:
    for source in ("real_dependencies.txt", "realworld_dependencies.txt"):
        names = [
            line.strip()
            for line in (TS / source).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert len(names) > 200
        flagged = [n for n in names if full.check(n).flagged]
        assert not flagged, (source, flagged)


def test_fast_check_agrees_with_every_candidate() -> None:
    """check() stops early; all_candidates() does not: the same names are flagged."""
    names = [r["name"] for r in dev_rows("dev_positives.tsv")]
    names += [r["name"] for r in dev_rows("dev_hard_negatives.tsv")]
    names += [*SHAPES["combosquat"], *SHAPES["py-affix"], "django-fsm-3", "httpx2"]
    for trusted_top in (None, 5000):
        found = Detector(trusted_top=trusted_top)
        differ = []
        for raw in names:
            verdict = found.check(raw)
            if verdict.technique in ("invalid-name", "llm-hallucination"):
                continue
            thresholds = found.thresholds
            slow = any(
                c.score >= thresholds.get(c.technique, THRESHOLD)
                for c in found.all_candidates(normalize(raw))
            )
            if slow != verdict.flagged:
                differ.append(raw)
        assert not differ, (trusted_top, differ)


def test_thresholds_are_on_the_grid_the_early_exits_allow() -> None:
    assert THRESHOLDS
    assert all(0.3 <= v <= 0.6 for v in THRESHOLDS.values()), THRESHOLDS


def test_a_lower_technique_threshold_flags_more() -> None:
    name = "requests-lite2x"  # a combosquat candidate that scores below its threshold
    strict = Detector()
    assert not strict.check(name).flagged
    score = max(c.score for c in strict.all_candidates(name) if c.technique == "combosquat")
    loose = Detector(thresholds={**THRESHOLDS, "combosquat": score})
    assert loose.check(name).flagged


def test_popularity_discount_follows_the_download_ratio() -> None:
    assert popularity_discount(8000, 7000) == 0.3
    assert popularity_discount(9000, 100) == 0.15
    assert popularity_discount(12000, 5) == 0.0
    # A popular untrusted name close to a more popular one is discounted ...
    found = Detector(trusted_top=5000)
    verdict = found.check("python-statsd")
    assert not verdict.flagged
    assert "itself popular" in verdict.detail
    # ... and flagged by the rules alone.
    assert Detector(trusted_top=5000, popularity=False).check("python-statsd").flagged


def test_shipped_vocabulary_is_learned_from_the_shipped_list() -> None:
    assert vocab.main(["--check"]) == 0
    counts = vocab.load_vocabulary()
    assert counts["client"] > 100 and counts["sdk"] > 100
    assert "toolbelt" not in counts  # used by one popular name: a specific word
    assert vocab.word_counts(["a-b", "a-c", "a-a"]) == {"a": 3, "b": 1, "c": 1}


def test_shipped_thresholds_are_the_cross_validated_fit() -> None:
    """thresholds.py is what benchmarks/typosquat_cv.py fits on all rows now (re-run it
    with --write after changing a rule), and its folds keep a target in one fold."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import typosquat_cv as cv
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    raw = cv.load_raw()
    model = cv.fit_all(raw).model
    assert {k: v for k, v in model.thresholds.items() if v != cv.START} == {
        k: v for k, v in THRESHOLDS.items() if v != cv.START
    }
    assert model.min_hosts == FILLER_MIN_HOSTS
    assert model.plugin_per_mille == PLUGIN_PER_MILLE
    # The attacker words it learned on all rows are the shipped ones.
    shipped = vocab.load_filler_evidence()
    assert {w for w, (_, a) in model.evidence.items() if a} == {
        w for w, (_, a) in shipped.items() if a
    }
    folds = cv.target_folds([*raw.positives, *raw.negatives])
    assert len(set(folds.values())) == cv.FOLDS
    positives = raw.positives
    for technique in ("combosquat", "py-affix"):
        held = [r for r in positives if r[2].split("+")[0] != technique]
        assert all(technique not in r[2].split("+")[:1] for r in held)


def test_dependency_names_are_extracted_from_a_real_repository(tmp_path: Path) -> None:
    """scripts/extract_dependency_names.py (which built realworld_dependencies.txt) reads
    the manifests of a git checkout through the inventory, index dependencies only."""
    import subprocess

    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "requirements.txt").write_text(
        "Requests_Toolbelt==1.0\ntorch>=2\ngit+https://github.com/o/r.git#egg=vcsdep\n"
    )
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "1"\ndependencies = ["numpy", "PyYAML>=6"]\n'
    )
    subprocess.run(("git", "init", "-q", str(repo)), check=True)
    subprocess.run(("git", "-C", str(repo), "add", "-A"), check=True)
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import extract_dependency_names
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    names = extract_dependency_names.names_of(repo)
    assert names == {"requests-toolbelt", "torch", "numpy", "pyyaml"}


def test_filler_words_are_learned_from_composition_and_attacks() -> None:
    """The combosquat fillers come from data: how words attach to popular names, and the
    words look-alikes add to the popular name they contain (the hand-written expert list
    is a separate source: see the next test)."""
    popular = ["docker", "docker-client", "stripe", "stripe-client", "scikit-learn", "numpy"]
    assert vocab.affix_hosts(popular)["client"] == 2
    rows = [
        ("numpy-latest", "numpy"),
        ("numpy-proxy2", "numpy"),
        ("scikit-learn-numpy", "numpy"),  # a popular name glued on: no attacker word
        ("update-stripe", "stripe"),
        ("stripe-latest", "stripe"),
        ("reqeusts-latest", "requests"),  # the target is not inside: nothing learned
    ]
    attack = vocab.attack_words(rows, popular)
    assert attack == {"latest": 2, "proxy": 1, "update": 1}
    assert vocab.lemma("updated") == vocab.lemma("update") == vocab.lemma("updates")
    assert vocab.lemma("proxies") == "proxy"
    evidence = vocab.parse_fillers(vocab.render_fillers(vocab.affix_hosts(popular), attack))
    assert vocab.fillers_from(evidence, 2) == {"client", "latest", "proxy", "update"}
    assert vocab.fillers_from(evidence, 3) == {"latest", "proxy", "update"}


def test_cross_validation_keeps_held_out_words_out_of_the_vocabulary() -> None:
    """A fold's attacker words come from its training rows only: hold out every row of
    'requests' and the words only its look-alikes use are not fillers there."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import typosquat_cv as cv
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    raw = cv.load_raw()
    training = [(n, t) for n, t, _ in raw.positives if t != "requests"]
    evidence = cv.evidence_from(raw, training)
    attackers = {w for w, (_, a) in evidence.items() if a}
    assert "latest" not in attackers and "beta" not in attackers  # requests-latest/-beta
    assert "proxy" in attackers  # aiohttp-proxy2, a training row
    held_out = Detector(filler_evidence=evidence, filler_min_hosts=10**6, expert_words=())
    assert not held_out.check("requests-latest").flagged
    assert Detector().check("requests-latest").flagged


def test_expert_filler_words_are_a_second_documented_source() -> None:
    """data/squat-words.txt (hand-curated attacker vocabulary, not fitted to the
    development data) is added to the learned fillers; ``expert_words=()`` leaves the
    learned ones only (the clean cross-validation). Expert words that are plugin
    namespaces or top-1,000 names are not fillers, like learned ones."""
    expert = vocab.load_expert_words()
    header = (Path(vocab.__file__).parent / "data" / vocab.EXPERT_FILE).read_text(encoding="utf-8")
    assert "public reports give for attacker" in header.replace("\n# ", " ")
    assert "not fitted to the development set" in header.replace("\n# ", " ").lower()
    assert {"latest", "official", "stealer", "windows", "update"} <= expert
    both, learned = Detector(), Detector(expert_words=())
    assert learned.fillers < both.fillers
    assert both.fillers - learned.fillers <= expert
    assert {"pip", "google"} & both.fillers == set()  # top-1,000 names: own rule
    for name in ("numpy-stealer", "requests-official", "torch-windows", "pandas-grabber"):
        assert both.check(name).flagged, name
        assert not learned.check(name).flagged, name
    for name in ("requests-toolbelt", "torchvision", "rich-cli", "pytest-cov", "numpy-stl"):
        assert not both.check(name).flagged, name
    # A top-1,000 name that looks like an inflected filler (packaging ~ package) is
    # still a target of its own.
    for name in ("packaging-latest", "update-packaging"):
        assert both.check(name).target == "packaging", name


def test_a_digit_fused_to_a_name_of_several_words_is_a_version_suffix() -> None:
    """aiohttp-socks5 (a development row): fused digits are five times rarer after a
    name of several words than after one word among popular names; the figures in the
    detector are those of the shipped list."""
    from chainward.typosquats.datafiles import data_text, parse_top
    from chainward.typosquats.techniques import FUSED_VERSION_SHARE

    names, _ = parse_top(data_text("top-pypi.txt"))
    popular = set(names)
    shapes = {"one word": [0, 0], "several words": [0, 0]}
    for name in names:
        shape = shapes["several words" if "-" in name else "one word"]
        shape[1] += 1
        stem = name.rstrip("0123456789")
        if stem != name and len(name) - len(stem) <= 2 and stem[-1:].isalpha():
            shape[0] += stem in popular
    assert {k: tuple(v) for k, v in shapes.items()} == FUSED_VERSION_SHARE
    verdict = Detector().check("aiohttp-socks5")
    assert verdict.flagged and verdict.technique == "version-suffix"
    assert verdict.target == "aiohttp-socks"
    # One-word next-major forks stay unflagged (nose2-style names; httpx2 and
    # httpcore2 are real dependency names).
    assert not Detector().check("httpx2").flagged


def test_a_version_after_a_popular_name_that_ends_in_digits() -> None:
    """urllib3-2024 is urllib3 plus a year, not urllib plus 3-2024: the longest base
    that is a popular name is the target (the shortest one the pattern takes stops
    inside the name). Before, these were missed or scored against the wrong name."""
    found = Detector()
    for name, target, score in (
        ("urllib3-2024", "urllib3", 0.75),
        ("boto3-2024", "boto3", 0.75),
        ("boto3-2", "boto3", 0.6),
        ("beautifulsoup4-2", "beautifulsoup4", 0.6),
        ("jinja2-v2", "jinja2", 0.6),
        ("psycopg2-2", "psycopg2", 0.5),
    ):
        verdict = found.check(name)
        assert verdict.flagged and verdict.technique == "version-suffix", name
        assert (verdict.target, verdict.score) == (target, score), name
    # The shortest base still serves where no longer one is popular.
    assert found.check("requests-2-31").target == "requests"
    # Popular names of this shape stay trusted; a fused digit stays a next-major fork.
    for name in ("boto3", "types-boto3", "opentelemetry-instrumentation-urllib3", "httpx2"):
        assert not found.check(name).flagged, name


def test_plugin_namespaces_are_words_many_trusted_names_start_with() -> None:
    """A first word is a plugin namespace when enough trusted names start with it (a
    share per thousand trusted names, chosen by cross-validation): pytest and django
    always are; requests, with a few dozen popular ``requests-*`` names, is one only at
    the smallest share, where a look-alike like ``requests-httpx`` (two popular names
    glued together, a development row) passes as a plugin."""
    from chainward.typosquats.datafiles import data_text, parse_top

    names, _ = parse_top(data_text("top-pypi.txt"))
    starting = sum(n.startswith("requests-") for n in names)
    assert 15 <= starting < 45  # a namespace at 1 per mille of 15,000, not at 3
    narrow, wide = Detector(plugin_per_mille=1), Detector(plugin_per_mille=3)
    assert {"pytest", "django", "flask", "types"} <= wide.hosts <= narrow.hosts
    assert "requests" in narrow.hosts and "requests" not in wide.hosts
    assert not narrow.check("requests-httpx").flagged
    assert wide.check("requests-httpx").flagged
    for found in (narrow, wide):
        for name in ("pytest-cov", "flask-login", "requests-toolbelt", "types-requests"):
            assert not found.check(name).flagged, name
