"""Build of lightboard's optional C extension; everything else is declared in pyproject.toml.

The extension speeds up the writer thread's framing loop. It is optional: if it cannot be built
(no compiler), lightboard installs and runs on its pure-Python twin, which is tested too.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lightboard.events._framing",
            sources=["src/lightboard/events/_framing.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
