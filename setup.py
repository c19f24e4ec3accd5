"""Build of lightboard's optional C extension; everything else is declared in pyproject.toml.

The extensions speed up the writer thread (its framing loop; the pixel rule and PNG encoding of
images) and the reader (its scan of records and events into scalar columns). They are
optional: if one cannot be built (no compiler, no zlib headers), lightboard installs and runs on its
pure-Python twin, which is tested too.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lightboard.events._framing",
            sources=["src/lightboard/events/_framing.c"],
            depends=["src/lightboard/_crc32c.h"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "lightboard.reader._scan",
            sources=["src/lightboard/reader/_scan.c"],
            depends=["src/lightboard/_crc32c.h"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "lightboard.summaries._image",
            sources=["src/lightboard/summaries/_image.c"],
            libraries=["z"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
    ]
)
