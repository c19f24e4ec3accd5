"""``SummaryWriter`` methods for mesh (see :mod:`lightboard.methods`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lightboard.proto.summary_pb2 import Summary


class MeshMethods:
    """mesh methods of :class:`lightboard.SummaryWriter`."""

    if TYPE_CHECKING:

        def _add_summary(self, summary: Summary, global_step: Any, walltime: Any) -> None: ...

    def add_mesh(
        self,
        tag: str,
        vertices: Any,
        colors: Any = None,
        faces: Any = None,
        config_dict: Mapping[str, Any] | None = None,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a triangle mesh or a point cloud for TensorBoard's MESH tab (rendered with three.js).

        Written as TensorBoard's own mesh summary: values ``<tag>_VERTEX``, ``<tag>_FACE`` and
        ``<tag>_COLOR`` (only for the parts given), shown in the dashboard under ``tag``. The tag is not
        cleaned (as in tensorboardX).

        Args:
            tag: name of the mesh.
            vertices: ``(B, N, 3)`` coordinates of N vertices for each of B samples; any real dtype, stored
                as float32. If nothing shows, try scaling the coordinates to about [-1, 1].
            colors: ``(B, N, 3)`` RGB colour of each vertex, whole numbers in [0, 255]; stored as uint8.
            faces: ``(B, F, 3)`` triangles as vertex indices in [0, N); stored as int32. Without faces the
                vertices show as a point cloud.
            config_dict: three.js scene configuration (camera, lights, materials), stored as JSON.
            global_step: step of the mesh (default 0, or the ``use_metadata`` step).
            walltime: seconds since the epoch (default now, or the ``use_metadata`` time).

        Raises:
            TypeError: ``tag`` is not a str; non-numeric values; faces or colours that are not integers;
                a ``config_dict`` that is not a JSON-serializable mapping.
            ValueError: a shape other than ``(B, *, 3)``, empty input, batch sizes or colour shapes that do
                not match the vertices, NaN or infinite vertices, face indices outside the vertices,
                colours outside [0, 255].

        Example::

            vertices = np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], dtype=np.float32)
            faces = np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]])
            colors = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]])
            writer.add_mesh("tetrahedron", vertices, colors=colors, faces=faces)
        """
        from lightboard.summaries import mesh
        from lightboard.summaries.tags import check_tag
        from lightboard.tensor import to_numpy

        method = "add_mesh"
        check_tag(tag, method)
        if vertices is None:
            raise TypeError(f"{method}: vertices for tag {tag!r} are required, got None")
        points = mesh.check_vertices(to_numpy(vertices, argument="vertices", method=method, tag=tag), tag=tag)
        triangles = None
        if faces is not None:
            raw = to_numpy(faces, argument="faces", method=method, tag=tag)
            triangles = mesh.check_faces(raw, points, tag=tag)
        rgb = None
        if colors is not None:
            rgb = mesh.check_colors(to_numpy(colors, argument="colors", method=method, tag=tag), points, tag=tag)
        config = mesh.json_config(config_dict, tag=tag)
        self._add_summary(mesh.summary(tag, points, triangles, rgb, config), global_step, walltime)
