/*
 * lightboard.summaries._image: the hot parts of image logging in C.
 *
 * scale_to_uint8(source, target) applies the pixel rule of lightboard.summaries.image.to_uint8 to a
 * C-contiguous float32/float64 array in one pass, keeping the GIL (a numpy pass would release it, and the
 * caller would then wait for a busy writer thread to hand it back).
 *
 * encode_png(pixels, level) -> bytes, for a uint8 array (H, W, C) of any strides, C in 1, 3, 4. It is the
 * C twin of lightboard.summaries.image.encode_png(to_hwc(...)) for one image, byte for byte:
 *   - one channel is repeated to RGB; every row gets the "Up" filter (each byte minus the byte above);
 *   - the zlib stream is run-length (Z_RLE) at `level`, unless that leaves more than half the filtered
 *     size, in which case it is the default strategy at `level` (as zlib.compress does it);
 *   - chunks IHDR (8-bit, colour type 2 or 6), IDAT, IEND.
 * All the work (gathering the strided pixels, filtering, deflating, CRCs) runs without the GIL, so that
 * the writer thread encoding images does not hold up the training thread.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const unsigned char SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Deflate `in` into `*out` (malloc'ed) the way Python's zlib module does: strategy Z_RLE through
   compressobj (compress, then flush) or, for Z_DEFAULT_STRATEGY, one call with Z_FINISH. */
static int deflate_all(const unsigned char *in, size_t size, int level, int strategy, unsigned char **out,
                       size_t *out_size) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, level, Z_DEFLATED, 15, 8, strategy) != Z_OK) return -1;
    size_t capacity = deflateBound(&stream, (uLong)size) + 64;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) {
        deflateEnd(&stream);
        return -1;
    }
    stream.next_in = (Bytef *)in;
    stream.avail_in = (uInt)size;
    stream.next_out = buffer;
    stream.avail_out = (uInt)capacity;
    int status = Z_OK;
    if (strategy == Z_RLE) status = deflate(&stream, Z_NO_FLUSH);
    if (status == Z_OK || status == Z_BUF_ERROR) status = deflate(&stream, Z_FINISH);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) {
        free(buffer);
        return -1;
    }
    *out = buffer;
    *out_size = capacity - stream.avail_out;
    return 0;
}

static PyObject *encode_png(PyObject *module, PyObject *args) {
    PyObject *array;
    int level;
    if (!PyArg_ParseTuple(args, "Oi:encode_png", &array, &level)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(array, &view, PyBUF_STRIDED_RO | PyBUF_FORMAT) < 0) return NULL;
    if (view.ndim != 3 || view.itemsize != 1 || (view.format && strcmp(view.format, "B") != 0)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "encode_png needs a uint8 array of shape (H, W, C)");
        return NULL;
    }
    Py_ssize_t height = view.shape[0], width = view.shape[1], channels = view.shape[2];
    if (height < 1 || width < 1 || height > 0x7FFFFFFF || width > 0x7FFFFFFF ||
        !(channels == 1 || channels == 3 || channels == 4)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "encode_png needs H, W >= 1 and C in 1, 3, 4");
        return NULL;
    }
    size_t colors = channels == 1 ? 3 : (size_t)channels;
    size_t row_size = (size_t)width * colors + 1, raw_size = row_size * (size_t)height;
    if (level < -1 || level > 9 || raw_size > 0x7FFFFF00u) { /* zlib's 32-bit lengths, PNG's 31-bit chunks */
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "encode_png needs level -1..9 and fewer than 2**31 bytes of pixels");
        return NULL;
    }
    unsigned char *filtered = malloc(raw_size), *compressed = NULL, *png = NULL;
    size_t compressed_size = 0, png_size = 0;
    int failed = filtered == NULL;
    Py_BEGIN_ALLOW_THREADS
    if (!failed) {
        const char *base = view.buf;
        Py_ssize_t sh = view.strides[0], sw = view.strides[1], sc = view.strides[2];
        for (Py_ssize_t y = 0; y < height; y++) { /* gather row y (gray repeated), then Up-filter it */
            unsigned char *row = filtered + (size_t)y * row_size;
            row[0] = 2;
            const char *source = base + y * sh;
            for (Py_ssize_t x = 0; x < width; x++) {
                unsigned char *pixel = row + 1 + (size_t)x * colors;
                const char *at = source + x * sw;
                for (size_t c = 0; c < colors; c++) pixel[c] = (unsigned char)at[channels == 1 ? 0 : (Py_ssize_t)c * sc];
            }
        }
        for (Py_ssize_t y = height - 1; y > 0; y--) {
            unsigned char *row = filtered + (size_t)y * row_size + 1, *above = row - row_size;
            for (size_t i = 0; i + 1 < row_size; i++) row[i] = (unsigned char)(row[i] - above[i]);
        }
        failed = deflate_all(filtered, raw_size, level, Z_RLE, &compressed, &compressed_size) < 0;
        if (!failed && compressed_size * 2 <= raw_size) { /* compressible: the full match search pays */
            free(compressed);
            compressed = NULL;
            failed = deflate_all(filtered, raw_size, level, Z_DEFAULT_STRATEGY, &compressed, &compressed_size) < 0;
        }
    }
    if (!failed) {
        png_size = 8 + (12 + 13) + (12 + compressed_size) + 12;
        png = malloc(png_size);
        failed = png == NULL;
    }
    if (!failed) {
        unsigned char *p = png;
        memcpy(p, SIGNATURE, 8);
        p += 8;
        put_be32(p, 13);
        memcpy(p + 4, "IHDR", 4);
        put_be32(p + 8, (uint32_t)width);
        put_be32(p + 12, (uint32_t)height);
        p[16] = 8;
        p[17] = colors == 3 ? 2 : 6;
        p[18] = p[19] = p[20] = 0;
        put_be32(p + 21, (uint32_t)crc32(0, p + 4, 17));
        p += 25;
        put_be32(p, (uint32_t)compressed_size);
        memcpy(p + 4, "IDAT", 4);
        memcpy(p + 8, compressed, compressed_size);
        put_be32(p + 8 + compressed_size, (uint32_t)crc32(0, p + 4, (uInt)(4 + compressed_size)));
        p += 12 + compressed_size;
        put_be32(p, 0);
        memcpy(p + 4, "IEND", 4);
        put_be32(p + 8, (uint32_t)crc32(0, p + 4, 4));
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    free(filtered);
    free(compressed);
    if (failed) {
        free(png);
        PyErr_SetString(PyExc_MemoryError, "encode_png: out of memory or zlib failed");
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize((const char *)png, (Py_ssize_t)png_size);
    free(png);
    return result;
}

/* x = value * 255 in the value's precision; NaN and x <= 0 give 0, x >= 255 gives 255, else truncate. */
#define SCALE_LOOP(type)                                                      \
    {                                                                         \
        const type *in = source.buf;                                          \
        for (Py_ssize_t i = 0; i < count; i++) { /* branch-free: vectorizes */ \
            type x = in[i] * (type)255;                                       \
            x = x > 0 ? x : 0; /* NaN fails the comparison: 0 */              \
            x = x < (type)255 ? x : (type)255;                                \
            out[i] = (unsigned char)(int)x;                                   \
        }                                                                     \
    }

static PyObject *scale_to_uint8(PyObject *module, PyObject *args) {
    PyObject *source_object, *target_object;
    if (!PyArg_ParseTuple(args, "OO:scale_to_uint8", &source_object, &target_object)) return NULL;
    Py_buffer source, target;
    if (PyObject_GetBuffer(source_object, &source, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(target_object, &target, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&source);
        return NULL;
    }
    const char *format = source.format ? source.format : "B";
    int single = strcmp(format, "f") == 0, dual = strcmp(format, "d") == 0;
    Py_ssize_t count = source.len / (source.itemsize ? source.itemsize : 1);
    if (!(single || dual) || target.itemsize != 1 || !target.format || strcmp(target.format, "B") != 0 ||
        target.len != count) {
        PyBuffer_Release(&source);
        PyBuffer_Release(&target);
        PyErr_SetString(PyExc_ValueError, "scale_to_uint8 needs float32/float64 values and a uint8 target of their size");
        return NULL;
    }
    unsigned char *out = target.buf;
    if (single) {
        SCALE_LOOP(float)
    } else {
        SCALE_LOOP(double)
    }
    PyBuffer_Release(&source);
    PyBuffer_Release(&target);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scale_to_uint8", scale_to_uint8, METH_VARARGS,
     "scale_to_uint8(source, target): float pixels in [0, 1] to uint8 (x 255, clipped, NaN 0), keeping the GIL."},
    {"encode_png", encode_png, METH_VARARGS,
     "encode_png(pixels, level) -> bytes: PNG of a uint8 (H, W, C) array, C in 1, 3, 4, without the GIL."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "lightboard.summaries._image", "The hot parts of image logging: pixel rule, PNG.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__image(void) { return PyModule_Create(&module_def); }
