"""Build of lightboard's optional C extensions and of the viewer's web page; the rest is in pyproject.toml.

The extensions speed up the writer thread (its framing loop; the pixel rule and PNG encoding of
images), histograms (their bucket counts), the reader (its scan of records and events into scalar columns)
and the viewer (smoothing and min/max envelopes). They are optional: if one cannot be built (no compiler, no zlib headers), lightboard installs and runs on its
pure-Python twin, which is tested too.

The viewer's page (``frontend/``, TypeScript and uPlot from the npm registry) is bundled into
``lightboard/serve/static`` by ``make``; a build from a source tree without it runs ``npm`` here, and when
npm is missing the package still builds (``lightboard serve`` then says the page was not built).
"""

import os
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

FRONTEND = "frontend"
BUNDLE = os.path.join("src", "lightboard", "serve", "static", "index.html")


class BuildWithPage(build_py):
    """``build_py`` that first bundles the viewer's page when the source tree has it but it was not built."""

    def run(self) -> None:
        if os.path.isdir(FRONTEND) and not os.path.exists(BUNDLE):
            if shutil.which("npm"):
                subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
                subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True)
            else:
                print("warning: npm not found: the viewer's page is not built (run `make` where npm is installed)")
        super().run()


setup(
    cmdclass={"build_py": BuildWithPage},
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
            "lightboard.serve._series",
            sources=["src/lightboard/serve/_series.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "lightboard.summaries._histogram",
            sources=["src/lightboard/summaries/_histogram.c"],
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
    ],
)
