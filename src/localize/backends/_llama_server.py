"""The embedded server's child process: llama.cpp's server, with or without extra buffer types.

llama-cpp-python exposes ``use_extra_bufts`` (weight repacking, and the AMX path on CPUs that
advertise AMX) only in the C model parameters, not among its server settings. On an Intel Xeon VM
under KVM the repacked weights crash the first completion with SIGSEGV, so `LocalServer` can ask
this process to load the model with them off: the default parameters the model is built from are
wrapped before the server loads it.

    python -m localize.backends._llama_server [--no-extra-buffers] LLAMA_CPP_SERVER_ARGS...
"""

from __future__ import annotations

import sys

# Imported by `localize.backends._local` for this flag, so llama_cpp is imported only in the child.
NO_EXTRA_BUFFERS = "--no-extra-buffers"


def _disable_extra_buffers() -> None:
    import llama_cpp.llama_cpp as llama_lib

    make_default = llama_lib.llama_model_default_params

    def without_extra_buffers() -> llama_lib.llama_model_params:
        params: llama_lib.llama_model_params = make_default()
        params.use_extra_bufts = False
        return params

    # Llama() reads this attribute of the module at load time, so the wrapper is what it calls.
    llama_lib.llama_model_default_params = without_extra_buffers


def main(argv: list[str]) -> None:
    args = list(argv)
    if NO_EXTRA_BUFFERS in args:
        args.remove(NO_EXTRA_BUFFERS)
        _disable_extra_buffers()
    from llama_cpp.server.__main__ import main as serve

    sys.argv = ["llama_cpp.server", *args]
    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main(sys.argv[1:])
