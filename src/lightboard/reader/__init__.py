"""Read TensorBoard event files (any writer's) into numpy, pandas, pyarrow or polars.

Start with :func:`read`; see :class:`Logdir` and :class:`Run` for what a read gives.
"""

from lightboard.reader.cursor import Damage
from lightboard.reader.logdir import Logdir, discover, read
from lightboard.reader.points import Audio, Histogram, Image, PrCurve, Tensor, Text
from lightboard.reader.run import Run
from lightboard.reader.series import Scalars

__all__ = [
    "Audio", "Damage", "Histogram", "Image", "Logdir", "PrCurve", "Run", "Scalars", "Tensor", "Text",
    "discover", "read",
]
