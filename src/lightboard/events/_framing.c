/*
 * lightboard.events._framing: the writer thread's hot loop in C.
 *
 * frame_batch(items, scalar_encoder) turns a list of queued events into the bytes of their TFRecord
 * frames, exactly as the pure-Python loop in lightboard/events/file.py does:
 *   - a bytes item is a serialized Event;
 *   - a 5-tuple whose first item is `scalar_encoder` is (encoder, wall_time: float, step: int,
 *     prefix: bytes, value: float) and is serialized here, byte for byte as
 *     lightboard.events.wire.encode_scalar_event does;
 *   - any other tuple is serialized by calling its first item with the tuple.
 * It returns (bytes, first_exception_or_None): a failing deferred event is skipped, not fatal.
 *
 * Frame: u64 length | u32 masked_crc32c(length) | payload | u32 masked_crc32c(payload), little-endian.
 * CRC-32C (Castagnoli) with SSE4.2 where the CPU has it, else slicing-by-8 tables.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "../_crc32c.h"

/* ---- output buffer ------------------------------------------------------------------------------ */

typedef struct {
    unsigned char *data;
    size_t size, capacity;
} Buffer;

static int reserve(Buffer *b, size_t extra) {
    if (b->size + extra <= b->capacity) return 0;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->size + extra) capacity *= 2;
    unsigned char *data = PyMem_Realloc(b->data, capacity);
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    return 0;
}

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Append one frame around `payload`; the payload may already sit in the buffer at `b->size + 12`. */
static int append_frame(Buffer *b, const unsigned char *payload, size_t n) {
    if (reserve(b, n + 16) < 0) return -1;
    unsigned char *out = b->data + b->size;
    put_u64(out, (uint64_t)n);
    put_u32(out + 8, masked_crc(out, 8));
    if (payload != out + 12) memcpy(out + 12, payload, n);
    put_u32(out + 12 + n, masked_crc(out + 12, n));
    b->size += n + 16;
    return 0;
}

static size_t put_varint(unsigned char *p, uint64_t v) {
    size_t n = 0;
    while (v > 0x7F) {
        p[n++] = (unsigned char)((v & 0x7F) | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Encode the scalar tuple straight into the buffer after room for the frame header. 1: not a plain
   scalar tuple (use the Python encoder), 0: done, -1: error. */
static int append_scalar(Buffer *b, PyObject *item) {
    PyObject *wall = PyTuple_GET_ITEM(item, 1), *step = PyTuple_GET_ITEM(item, 2);
    PyObject *prefix = PyTuple_GET_ITEM(item, 3), *value = PyTuple_GET_ITEM(item, 4);
    if (!PyFloat_CheckExact(wall) || !PyLong_CheckExact(step) || !PyBytes_CheckExact(prefix) ||
        !PyFloat_CheckExact(value))
        return 1;
    int overflow = 0;
    long long step_value = PyLong_AsLongLongAndOverflow(step, &overflow);
    if (overflow || (step_value == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 1;
    }
    size_t prefix_size = (size_t)PyBytes_GET_SIZE(prefix);
    if (reserve(b, 16 + 9 + 11 + prefix_size + 4) < 0) return -1;
    unsigned char *payload = b->data + b->size + 12, *p = payload;
    double wall_time = PyFloat_AS_DOUBLE(wall);
    uint64_t wall_bits;
    memcpy(&wall_bits, &wall_time, 8);
    if (wall_bits) {
        *p++ = 0x09;
        put_u64(p, wall_bits);
        p += 8;
    }
    if (step_value) {
        *p++ = 0x10;
        p += put_varint(p, (uint64_t)step_value);
    }
    memcpy(p, PyBytes_AS_STRING(prefix), prefix_size);
    p += prefix_size;
    float number = (float)PyFloat_AS_DOUBLE(value); /* IEEE rounding; out of range gives +-inf */
    uint32_t number_bits;
    memcpy(&number_bits, &number, 4);
    put_u32(p, number_bits);
    p += 4;
    return append_frame(b, payload, (size_t)(p - payload));
}

static PyObject *frame_batch(PyObject *module, PyObject *args) {
    PyObject *items, *scalar_encoder, *failure = NULL;
    if (!PyArg_ParseTuple(args, "O!O:frame_batch", &PyList_Type, &items, &scalar_encoder)) return NULL;
    Buffer b = {NULL, 0, 0};
    Py_ssize_t count = PyList_GET_SIZE(items);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        if (PyBytes_CheckExact(item)) {
            if (append_frame(&b, (const unsigned char *)PyBytes_AS_STRING(item), (size_t)PyBytes_GET_SIZE(item)) < 0)
                goto error;
            continue;
        }
        PyObject *payload = NULL;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 1) {
            PyErr_Format(PyExc_TypeError, "a queued event must be bytes or a tuple (encode, ...), got %.100s",
                         Py_TYPE(item)->tp_name);
        } else {
            if (PyTuple_GET_ITEM(item, 0) == scalar_encoder && PyTuple_GET_SIZE(item) == 5) {
                int done = append_scalar(&b, item);
                if (done < 0) goto error;
                if (done == 0) continue;
            }
            payload = PyObject_CallOneArg(PyTuple_GET_ITEM(item, 0), item);
        }
        if (payload && !PyBytes_Check(payload)) {
            Py_DECREF(payload);
            payload = NULL;
            PyErr_SetString(PyExc_TypeError, "a deferred event's encoder must return bytes");
        }
        if (!payload) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) goto error; /* KeyboardInterrupt and the like */
            if (failure) {
                PyErr_Clear();
            } else {
                PyObject *type, *traceback;
                PyErr_Fetch(&type, &failure, &traceback);
                PyErr_NormalizeException(&type, &failure, &traceback);
                if (traceback) PyException_SetTraceback(failure, traceback);
                Py_XDECREF(type);
                Py_XDECREF(traceback);
            }
            continue;
        }
        int status = append_frame(&b, (const unsigned char *)PyBytes_AS_STRING(payload), (size_t)PyBytes_GET_SIZE(payload));
        Py_DECREF(payload);
        if (status < 0) goto error;
    }
    PyObject *data = PyBytes_FromStringAndSize((const char *)b.data, (Py_ssize_t)b.size);
    PyMem_Free(b.data);
    if (!data) {
        Py_XDECREF(failure);
        return NULL;
    }
    return Py_BuildValue("(NN)", data, failure ? failure : Py_NewRef(Py_None));

error:
    PyMem_Free(b.data);
    Py_XDECREF(failure);
    return NULL;
}

static PyObject *masked_crc32c(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    uint32_t crc = masked_crc(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc);
}

static PyObject *masked_crc32c_portable(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    uint32_t crc = crc_software(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
}

static PyMethodDef methods[] = {
    {"frame_batch", frame_batch, METH_VARARGS,
     "frame_batch(items, scalar_encoder) -> (bytes, first_exception_or_None): frame queued events."},
    {"masked_crc32c", masked_crc32c, METH_O, "masked_crc32c(data) -> int: TFRecord's masked CRC-32C."},
    {"masked_crc32c_portable", masked_crc32c_portable, METH_O,
     "masked_crc32c_portable(data) -> int: the table-driven CRC used where the CPU lacks SSE4.2."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "lightboard.events._framing",
    "The writer thread's hot loop (TFRecord framing, scalar events) in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__framing(void) {
    crc_init();
    return PyModule_Create(&module_def);
}
