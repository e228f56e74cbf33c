"""What a pickle may import: the deny-list, the exact allow-lists per format, data-only classes.

Allow-list first: a global is allowed only when its exact ``module.name`` is listed for
the file's format (no wildcards: ``torch.*`` let ``torch.storage._load_from_bytes`` and
``torch.hub`` through). Everything else is at least "unknown" (high). A maintained
deny-list of code-execution callables is critical, checked first, and hop by hop
through dotted names: ``tarfile.os.system`` and ``torch._utils.pickle.loads`` reach
``os.system`` and ``pickle.loads`` through module attributes, ``builtins.__dict__.get``
reaches every builtin through ``__dict__``. A short list of data-only classes (plain
records whose loading cannot call anything but their own trivial ``__setstate__``, such
as requests' ``Response`` in a cached-response pickle) is medium at most.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

# Modules every attribute of which runs code, touches files or processes, or opens
# connections when called (any prefix of the dotted path matches).
DENIED_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "posixpath",
        "ntpath",
        "_posixsubprocess",
        "_winapi",
        "subprocess",
        "sys",
        "runpy",
        "pydoc",
        "timeit",
        "cProfile",
        "profile",
        "_lsprof",
        "trace",
        "pdb",
        "bdb",
        "code",
        "codeop",
        "compileall",
        "py_compile",
        "doctest",
        "importlib",
        "imp",
        "pkgutil",
        "zipimport",
        "site",
        "ensurepip",
        "venv",
        "shutil",
        "socket",
        "_socket",
        "socketserver",
        "ssl",
        "webbrowser",
        "ctypes",
        "_ctypes",
        "cffi",
        "pickle",
        "_pickle",
        "cPickle",
        "pickletools",
        "dill",
        "cloudpickle",
        "shelve",
        "dbm",
        "marshal",
        "multiprocessing",
        "concurrent",
        "_thread",
        "threading",
        "asyncio",
        "signal",
        "atexit",
        "gc",
        "inspect",
        "pty",
        "tty",
        "commands",
        "popen2",
        "platform",
        "tempfile",
        "io",
        "_io",
        "fileinput",
        "glob",
        "tarfile",
        "zipfile",
        "sqlite3",
        "urllib",
        "urllib2",
        "urllib3",
        "httplib",
        "http.client",
        "http.server",
        "xmlrpc",
        "ftplib",
        "smtplib",
        "poplib",
        "imaplib",
        "nntplib",
        "telnetlib",
        "requests",
        "httpx",
        "aiohttp",
        "operator",
        "_operator",
        "functools",
        "_functools",
        "logging.config",
        "distutils",
        "setuptools",
        "pip",
        "builtins.__dict__",
        "torch.hub",
        "torch.jit",
        "torch.package",
        "torch.utils.cpp_extension",
        "torch.ops",
        "torch.library",
        "torch._C",
        "numpy.testing",
        "numpy.f2py",
        "numpy.distutils",
        "numpy.ctypeslib",
        "joblib.externals",
        "joblib.parallel",
        "pandas.io.pickle",
        "yaml",
        "jinja2",
        "keras.utils",
        "tensorflow.io",
        "tensorflow.keras.utils",
    }
)
# Exact code-execution callables in modules that also hold harmless names.
DENIED_CALLABLES = frozenset(
    {
        "torch.load",
        "torch.save",
        "torch.from_file",
        "torch.compile",
        "torch.storage._load_from_bytes",
        "torch.serialization.load",
        "torch.serialization._load",
        "torch.serialization._legacy_load",
        "torch.serialization.save",
        "numpy.load",
        "numpy.save",
        "numpy.savez",
        "numpy.savetxt",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "numpy.memmap",
        "numpy.lib.npyio.load",
        "numpy.lib._npyio_impl.load",
        "numpy.lib.format.read_array",
        "joblib.load",
        "joblib.dump",
        "joblib.numpy_pickle.load",
        "pandas.read_pickle",
        "pandas.read_csv",
        "keras.models.load_model",
        "keras.saving.load_model",
        "tensorflow.keras.models.load_model",
        "types.FunctionType",
        "types.LambdaType",
        "types.CodeType",
        "types.MethodType",
        "types.ModuleType",
        "logging.FileHandler",
        "collections.namedtuple",
    }
)
BUILTIN_MODULES = frozenset({"builtins", "__builtin__", "__builtins__", "exceptions"})
DENIED_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "execfile",
        "compile",
        "__import__",
        "__build_class__",
        "open",
        "file",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "raw_input",
        "breakpoint",
        "help",
        "exit",
        "quit",
        "reload",
        "apply",
        "__loader__",
        "__spec__",
    }
)
# Modules that other modules import and so expose as attributes: a hop through one of
# them (``tarfile.os``, ``torch._utils.pickle``) reaches it.
REEXPORTED = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "builtins",
        "__builtins__",
        "posix",
        "nt",
        "pickle",
        "_pickle",
        "shutil",
        "socket",
        "importlib",
        "runpy",
        "io",
        "pty",
        "ctypes",
        "marshal",
        "dill",
        "joblib",
        "torch",
        "numpy",
        "np",
        "pdb",
        "code",
        "operator",
        "functools",
        "webbrowser",
        "tempfile",
        "platform",
        "multiprocessing",
    }
)
# Attributes that lead from any object to code execution (globals, builtins, classes).
DANGEROUS_DUNDERS = frozenset(
    {
        "__dict__",
        "__globals__",
        "__builtins__",
        "__class__",
        "__base__",
        "__bases__",
        "__mro__",
        "__subclasses__",
        "__getattribute__",
        "__getattr__",
        "__setattr__",
        "__delattr__",
        "__code__",
        "__func__",
        "__self__",
        "__closure__",
        "__loader__",
        "__spec__",
        "__import__",
        "__reduce__",
        "__reduce_ex__",
        "__call__",
        "__init__",
        "__new__",
    }
)

_COMMON = (
    "builtins.set",
    "builtins.frozenset",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.str",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.slice",
    "builtins.range",
    "builtins.object",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "copyreg._reconstructor",
    "_codecs.encode",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "pathlib.Path",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
)
_NUMPY_DTYPES = (
    "Bool",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Byte",
    "UByte",
    "Short",
    "UShort",
    "Int",
    "UInt",
    "Long",
    "ULong",
    "LongLong",
    "ULongLong",
    "Float16",
    "Float32",
    "Float64",
    "Half",
    "Float",
    "Double",
    "LongDouble",
    "Complex64",
    "Complex128",
    "CFloat",
    "CDouble",
    "CLongDouble",
    "Str",
    "Bytes",
    "Void",
    "Object",
    "DateTime64",
    "TimeDelta64",
    "String",
)
_NUMPY = (
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ma.core._mareconstruct",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    *(f"numpy.dtypes.{name}DType" for name in _NUMPY_DTYPES),
)
_TORCH_STORAGES = (
    "Float",
    "Double",
    "Half",
    "BFloat16",
    "Long",
    "Int",
    "Short",
    "Char",
    "Byte",
    "Bool",
    "ComplexFloat",
    "ComplexDouble",
    "QUInt8",
    "QInt8",
    "QInt32",
    "QUInt4x2",
    "QUInt2x4",
)
_TORCH_DTYPES = (
    "float",
    "float16",
    "float32",
    "float64",
    "double",
    "half",
    "bfloat16",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "short",
    "long",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex32",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "chalf",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
)
_TORCH = (
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.serialization._get_layout",
    "torch.Size",
    "torch.device",
    "torch.dtype",
    "torch.Tensor",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.nn.parameter.UninitializedParameter",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    *(f"torch.{name}Storage" for name in _TORCH_STORAGES),
    *(f"torch.cuda.{name}Storage" for name in _TORCH_STORAGES),
    *(f"torch.{name}" for name in _TORCH_DTYPES),
)
_JOBLIB = (
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
)


def _shipped(name: str) -> tuple[str, ...]:
    """An exact list shipped in ``models/data`` (one ``module.name`` a line)."""
    from importlib.resources import files

    text = files("chainward.models").joinpath("data").joinpath(name).read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


# scikit-learn estimators and the classes they hold (scripts/gen_sklearn_globals.py).
_SKLEARN = _shipped("sklearn-globals.txt")

ALLOWED_BY_FORMAT: dict[str, frozenset[str]] = {
    "torch": frozenset((*_COMMON, *_NUMPY, *_TORCH)),
    "numpy": frozenset((*_COMMON, *_NUMPY)),
    "joblib": frozenset((*_COMMON, *_NUMPY, *_JOBLIB, *_SKLEARN)),
}
TORCHSCRIPT_ALLOWED = frozenset(
    {
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.build_complexlist",
        "torch.jit._pickle.build_tensor_from_id",
        "torch.jit._pickle.restore_type_tag",
    }
)
ALLOWED_BY_FORMAT["torchscript"] = ALLOWED_BY_FORMAT["torch"]
ALLOWED_BY_FORMAT["pickle"] = frozenset().union(*ALLOWED_BY_FORMAT.values())

# Plain records: loading them sets attributes and nothing else (medium at most).
DATA_ONLY = frozenset(
    {
        "requests.models.Response",
        "requests.models.PreparedRequest",
        "requests.models.Request",
        "requests.structures.CaseInsensitiveDict",
        "requests.structures.LookupDict",
        "requests.cookies.RequestsCookieJar",
        "http.cookiejar.Cookie",
        "http.cookiejar.CookieJar",
        "http.cookiejar.DefaultCookiePolicy",
        "urllib3._collections.HTTPHeaderDict",
        "urllib3.response.HTTPResponse",
        "openai.openai_object.OpenAIObject",
        "argparse.Namespace",
        "types.SimpleNamespace",
        "enum.Enum",
    }
)


class Verdict(enum.IntEnum):
    """How a global is judged, worst last."""

    ALLOWED = 0
    DATA_ONLY = 1
    UNKNOWN = 2
    DENIED = 3


def _compat_names(module: str, name: str) -> list[tuple[str, str]]:
    """The names the unpickler may really look up: as written and, for protocol 0-2
    pickles, after ``fix_imports`` maps Python 2 names (``__builtin__``, ``commands``)."""
    import _compat_pickle

    names = [(module, name)]
    mapped = _compat_pickle.NAME_MAPPING.get((module, name))
    if mapped is not None:
        names.append(mapped)
    elif module in _compat_pickle.IMPORT_MAPPING:
        names.append((_compat_pickle.IMPORT_MAPPING[module], name))
    return names


def _canonical(module: str) -> str:
    return "builtins" if module in BUILTIN_MODULES else module


def _denied_reason(module: str, name: str) -> str | None:
    """Why ``module.name`` reaches code execution, or None."""
    module = _canonical(module)
    hops = name.split(".")
    if module == "builtins" and hops[0] in DENIED_BUILTINS:
        return f"builtins.{hops[0]}"
    for hop in hops:
        if hop in DANGEROUS_DUNDERS:
            return f"{module}.{name} (through the attribute {hop})"
    module_parts = module.split(".")
    parts = [*module_parts, *hops]
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if prefix in DENIED_MODULES or prefix in DENIED_CALLABLES:
            return prefix
    # Attribute hops through a module another module imported: tarfile.os.system is
    # os.system. Only hops in the name count: the module path is imported as written.
    for start in range(len(module_parts), len(parts) - 1):
        if parts[start] in REEXPORTED:
            reason = _denied_reason(parts[start], ".".join(parts[start + 1 :]))
            if reason is not None:
                return f"{reason} (reached from {module}.{name})"
    return None


def denied_reason(module: str, name: str) -> str | None:
    """The denied callable (or hop) that ``module.name`` reaches, or None."""
    for mod, attr in _compat_names(module, name):
        reason = _denied_reason(mod, attr)
        if reason is not None:
            return reason
    return None


def classify(
    module: str, name: str, fmt: str = "pickle", extra_allow: Sequence[str] = ()
) -> Verdict:
    """Data-only classes (exact names), then the deny-list, then the format's exact
    allow-list and the user's entries; anything else is unknown."""
    if fmt == "torchscript" and (
        f"{module}.{name}" in TORCHSCRIPT_ALLOWED or module.split(".", maxsplit=1)[0] == "__torch__"
    ):
        # TorchScript's own unpickler resolves these (the archive's compiled classes in
        # code/, and its list builders), not Python's find_class.
        return Verdict.ALLOWED
    for mod, attr in _compat_names(module, name):
        if f"{_canonical(mod)}.{attr}" in DATA_ONLY:
            return Verdict.DATA_ONLY
    if denied_reason(module, name) is not None:
        return Verdict.DENIED
    allowed = ALLOWED_BY_FORMAT.get(fmt, ALLOWED_BY_FORMAT["pickle"])
    for mod, attr in _compat_names(module, name):
        qualified = f"{_canonical(mod)}.{attr}"
        if qualified in allowed or _user_allows(qualified, extra_allow):
            return Verdict.ALLOWED
    return Verdict.UNKNOWN


def _user_allows(qualified: str, patterns: Iterable[str]) -> bool:
    # Users' own entries may be globs (their own packages); the shipped lists are exact.
    return any(fnmatchcase(qualified, pattern) for pattern in patterns)
