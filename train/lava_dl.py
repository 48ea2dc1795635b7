"""lava-dl slayer, imported once and quietly.

Importing slayer imports ``torch.utils.cpp_extension``, which prints "No
CUDA runtime is found" on CPU-only machines, and lava-dl prints a Prophesee
toolbox warning; neither concerns this library (no CUDA kernels are used),
and both would break the CLI's one-line error messages on stderr.
"""
import contextlib
import io

with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
    import torch.utils.cpp_extension  # noqa: F401
    from lava.lib.dl import slayer  # noqa: F401

__all__ = ["slayer"]
