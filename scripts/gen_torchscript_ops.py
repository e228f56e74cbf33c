"""Write src/chainward/models/data/torchscript-ops.txt: the operators of stock PyTorch
that TorchScript code in a model archive may call (``ns::name``, one a line).

Taken from torch's operator registry (``torch._C._jit_get_all_schemas()``), in the
namespaces that compute on tensors, numbers and strings, minus the operators that
touch files, processes or the network, or skip bounds checks (``unsafe`` in the
name, ``set_``, ``as_strided``: the memory-corruption gadgets of TorchScript
exploits). Run in an environment with torch installed; the list is shipped, so
chainward never imports torch. Usage: python scripts/gen_torchscript_ops.py
"""

from __future__ import annotations

from pathlib import Path

NAMESPACES = frozenset(
    {"aten", "prim", "quantized", "_quantized", "mkldnn", "mkl", "onednn", "sparse", "quantization"}
)
EXCLUDED = frozenset(
    {
        "aten::save",
        "aten::from_file",
        "aten::set_",
        "aten::as_strided",
        "aten::as_strided_",
        "aten::as_strided_copy",
        "aten::as_strided_scatter",
        "aten::_reshape_alias",
        "aten::_reshape_alias_copy",
        "aten::_nested_view_from_buffer",
        "aten::_nested_view_from_buffer_copy",
        "aten::_nested_view_from_jagged",
        "aten::_nested_view_from_jagged_copy",
        "aten::_index_put_impl_",
        "aten::_cufft_set_plan_cache_max_size",
        "prim::PythonOp",
        "prim::IgnoredPythonOp",
        "prim::rpc_sync",
        "prim::rpc_async",
        "prim::rpc_remote",
        "prim::profile",
        "prim::profile_ivalue",
    }
)


def collect() -> list[str]:
    """Every allowed operator, sorted."""
    import torch

    names = set()
    for schema in torch._C._jit_get_all_schemas():
        namespace, _, name = schema.name.partition("::")
        if namespace not in NAMESPACES or schema.name in EXCLUDED or "unsafe" in name:
            continue
        names.add(schema.name)
    return sorted(names)


def main() -> None:
    """Write the list with a header naming the torch version it came from."""
    import torch

    out = Path(__file__).resolve().parent.parent / "src/chainward/models/data/torchscript-ops.txt"
    header = (
        "# Operators TorchScript code in a model archive may call\n"
        "# (scripts/gen_torchscript_ops.py,"
        f" from torch {torch.__version__}'s operator registry). Exact names: no wildcards.\n"
    )
    out.write_text(header + "".join(f"{name}\n" for name in collect()), encoding="utf-8")


if __name__ == "__main__":
    main()
