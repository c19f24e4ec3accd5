/*
 * lightboard.reader._scan: the reader's hot loop in C (twin of lightboard/reader/scan.py).
 *
 * A Scanner belongs to one run. feed(data) walks the TFRecord frames in `data` (bytes-like), checks both
 * CRCs, parses each Event just far enough to route its values:
 *   - scalar points (simple_value, or a one-element DT_FLOAT / DT_DOUBLE / DT_HALF / DT_BFLOAT16 tensor
 *     of a tag whose first metadata names the scalars plugin or DATA_CLASS_SCALAR) are appended to
 *     per-tag columns: step int64, wall_time float64, value float32 (float64 once a double needs it);
 *   - every other Summary.Value is handed back as its serialized bytes, and so is every event that is
 *     not a summary (graph_def, session_log, ...), for Python to decode with the kind modules.
 * A tag's kind is decided once, by the first SummaryMetadata it carries (TensorBoard's first-value
 * rule), else by its first value. take() hands the columns over to Python without copying them.
 * feed() lets the GIL go while it appends plain scalar events, so other threads run meanwhile; a Scanner
 * must not be fed from two threads at once (RuntimeError if it is).
 *
 * feed(data) -> (offset, state, bad_crc, malformed, others)
 *   offset:    where the next feed must resume (the start of the first record not consumed);
 *   state:     0 every complete record consumed, 1 a partial record starts at offset (wait for more),
 *              2 the length CRC at offset does not match (the rest of the file cannot be trusted);
 *   bad_crc:   offsets of records skipped for a payload CRC mismatch;
 *   malformed: offsets of records whose payload is not a well-formed Event (skipped);
 *   others:    list of (tag or None, step, wall_time, field, payload): field 5 is a Summary.Value,
 *              others are the Event field number of a non-summary event (4 graph_def, 7 session_log, ...).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../_crc32c.h"

#ifdef __linux__ /* mremap (Python.h defines _GNU_SOURCE); elsewhere columns live on the heap */
#define LB_USE_MMAP 1
#include <sys/mman.h>
#endif

/* ---- columns: growable arrays, mapped from the kernel once past 64 KiB so that growth never copies and
   memory goes back to the system when Python frees them (malloc's heap would keep the doubled copies) --- */

#define MAP_THRESHOLD (1u << 16)

typedef struct {
    char *data;
    size_t capacity; /* bytes */
    int mapped;
} Column;

static void column_free(Column *c) {
    if (!c->data) return;
#ifdef LB_USE_MMAP
    if (c->mapped) munmap(c->data, c->capacity);
    else
#endif
        PyMem_RawFree(c->data);
    c->data = NULL;
    c->capacity = 0;
    c->mapped = 0;
}

static int column_reserve(Column *c, size_t needed) {
    if (needed <= c->capacity) return 0;
    size_t capacity = c->capacity ? c->capacity : 512;
    while (capacity < needed) capacity *= 2;
#ifdef LB_USE_MMAP
    if (capacity >= MAP_THRESHOLD) {
        char *data;
        if (c->mapped) {
            data = mremap(c->data, c->capacity, capacity, MREMAP_MAYMOVE);
        } else {
            data = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (data != MAP_FAILED && c->data) {
                memcpy(data, c->data, c->capacity);
                PyMem_RawFree(c->data);
            }
        }
        if (data != MAP_FAILED) {
            c->data = data;
            c->capacity = capacity;
            c->mapped = 1;
            return 0;
        }
        if (c->mapped) { /* out of mappings (vm.max_map_count) or address space: nothing else will do */
            PyErr_NoMemory();
            return -1;
        }
    }
#endif
    char *data = PyMem_RawRealloc(c->data, capacity);
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
    c->data = data;
    c->capacity = capacity;
    return 0;
}

/* ---- Block: a column handed to Python (buffer protocol; numpy.frombuffer wraps it without a copy) --- */

typedef struct {
    PyObject_HEAD
    Column column;
    Py_ssize_t size;
} Block;

static void block_dealloc(Block *self) {
    column_free(&self->column);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int block_getbuffer(Block *self, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)self, self->column.data, self->size, 0, flags);
}

static Py_ssize_t block_length(Block *self) { return self->size; }

static PyBufferProcs block_as_buffer = {(getbufferproc)block_getbuffer, NULL};
static PySequenceMethods block_as_sequence = {.sq_length = (lenfunc)block_length};

static PyTypeObject BlockType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lightboard.reader._scan.Block",
    .tp_basicsize = sizeof(Block),
    .tp_dealloc = (destructor)block_dealloc,
    .tp_as_buffer = &block_as_buffer,
    .tp_as_sequence = &block_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory of one column of scalar points, owned until the last view of it goes.",
};

/* Move the first `size` bytes of a column into a new Block (the column is left empty). */
static PyObject *block_from(Column *c, size_t size) {
    Block *block = PyObject_New(Block, &BlockType);
    if (!block) return NULL;
#ifdef LB_USE_MMAP
    if (c->mapped) { /* give back the untouched tail: shrink in place to whole pages */
        size_t page = 4096, keep = (size + page - 1) / page * page;
        if (keep == 0) keep = page;
        if (keep < c->capacity && mremap(c->data, c->capacity, keep, 0) != MAP_FAILED) c->capacity = keep;
    }
#endif
    block->column = *c;
    block->size = (Py_ssize_t)size;
    c->data = NULL;
    c->capacity = 0;
    c->mapped = 0;
    return (PyObject *)block;
}

/* ---- series: one per tag of the run ----------------------------------------------------------------- */

enum { KIND_UNSET = 0, KIND_SCALAR = 1, KIND_OTHER = 2 };

typedef struct Series {
    char *key;
    size_t key_size;
    uint64_t hash;
    PyObject *tag;      /* str */
    PyObject *metadata; /* bytes of the first SummaryMetadata, or NULL */
    int kind;
    int doubles; /* the values column holds float64 */
    size_t count;
    Column steps, walls, values;
    struct Series *after; /* the series seen right after this one last time: loops log tags in a fixed order */
} Series;

typedef struct {
    PyObject_HEAD
    Series **table;
    size_t capacity, size;
    Series *last;
    int busy; /* a feed runs (without the GIL): another call from another thread must not touch the table */
} Scanner;

static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    while (n--) h = (h ^ *p++) * 1099511628211ull;
    return h;
}

static void series_free(Series *s) {
    Py_XDECREF(s->tag);
    Py_XDECREF(s->metadata);
    column_free(&s->steps);
    column_free(&s->walls);
    column_free(&s->values);
    PyMem_RawFree(s->key);
    PyMem_RawFree(s);
}

static int scanner_grow(Scanner *self) {
    size_t capacity = self->capacity ? self->capacity * 2 : 64;
    Series **table = PyMem_RawCalloc(capacity, sizeof(Series *));
    if (!table) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < self->capacity; i++) {
        Series *s = self->table[i];
        if (!s) continue;
        size_t j = (size_t)s->hash & (capacity - 1);
        while (table[j]) j = (j + 1) & (capacity - 1);
        table[j] = s;
    }
    PyMem_RawFree(self->table);
    self->table = table;
    self->capacity = capacity;
    return 0;
}

/* The series of a tag already seen, or NULL; no allocation and no Python object touched. */
static int series_is(const Series *s, const unsigned char *key, size_t key_size) {
    return s && s->key_size == key_size && memcmp(s->key, key, key_size) == 0;
}

static Series *scanner_find(Scanner *self, const unsigned char *key, size_t key_size) {
    Series *last = self->last;
    if (last && series_is(last->after, key, key_size)) { /* the usual case: no hashing */
        self->last = last->after;
        return self->last;
    }
    if (series_is(last, key, key_size)) return last;
    if (!self->capacity) return NULL;
    uint64_t hash = hash_bytes(key, key_size);
    size_t j = (size_t)hash & (self->capacity - 1);
    for (Series *s; (s = self->table[j]); j = (j + 1) & (self->capacity - 1)) {
        if (s->hash == hash && series_is(s, key, key_size)) {
            if (last) last->after = s;
            self->last = s;
            return s;
        }
    }
    return NULL;
}

/* The series of a tag, made on first sight (needs the GIL). */
static Series *scanner_series(Scanner *self, const unsigned char *key, size_t key_size) {
    Series *found = scanner_find(self, key, key_size);
    if (found) return found;
    uint64_t hash = hash_bytes(key, key_size);
    if ((self->size + 1) * 2 > self->capacity && scanner_grow(self) < 0) return NULL;
    Series *s = PyMem_RawCalloc(1, sizeof(Series));
    if (!s) return (Series *)PyErr_NoMemory();
    s->key = PyMem_RawMalloc(key_size ? key_size : 1);
    s->tag = PyUnicode_DecodeUTF8((const char *)key, (Py_ssize_t)key_size, "replace");
    if (!s->key || !s->tag) {
        if (!s->key) PyErr_NoMemory();
        series_free(s);
        return NULL;
    }
    memcpy(s->key, key, key_size);
    s->key_size = key_size;
    s->hash = hash;
    size_t j = (size_t)hash & (self->capacity - 1);
    while (self->table[j]) j = (j + 1) & (self->capacity - 1);
    self->table[j] = s;
    self->size++;
    if (self->last) self->last->after = s;
    self->last = s;
    return s;
}

static int series_to_doubles(Series *s) {
    Column wide = {NULL, 0, 0};
    if (column_reserve(&wide, (s->count ? s->count : 1) * 8) < 0) return -1;
    const float *narrow = (const float *)s->values.data;
    double *out = (double *)wide.data;
    for (size_t i = 0; i < s->count; i++) out[i] = (double)narrow[i];
    column_free(&s->values);
    s->values = wide;
    s->doubles = 1;
    return 0;
}

static int series_append(Series *s, int64_t step, double wall, double value, int is_double) {
    size_t n = s->count;
    if (is_double && !s->doubles && !isnan(value) && (double)(float)value != value && series_to_doubles(s) < 0)
        return -1;
    size_t width = s->doubles ? 8 : 4;
    if (column_reserve(&s->steps, (n + 1) * 8) < 0 || column_reserve(&s->walls, (n + 1) * 8) < 0 ||
        column_reserve(&s->values, (n + 1) * width) < 0)
        return -1;
    ((int64_t *)s->steps.data)[n] = step;
    ((double *)s->walls.data)[n] = wall;
    if (s->doubles) ((double *)s->values.data)[n] = value;
    else ((float *)s->values.data)[n] = (float)value;
    s->count = n + 1;
    return 0;
}

/* ---- protobuf wire format ------------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *p, *end;
} Reader;

/* 0 on success; -1 when the varint runs past the end or is longer than 10 bytes. */
static int read_varint(Reader *r, uint64_t *out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) return -1;
        unsigned char byte = *r->p++;
        value |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return 0;
        }
    }
    return -1;
}

/* Read one field's key and value. For wire type 2 the payload is [*data, *data + *size); for 0 the value
   is in *number; for 1 and 5 the raw bytes are at *data. Returns the field number, 0 at the end, -1 if
   malformed. */
static int64_t next_field(Reader *r, int *wire, uint64_t *number, const unsigned char **data, size_t *size) {
    if (r->p >= r->end) return 0;
    uint64_t key;
    if (read_varint(r, &key) < 0) return -1;
    uint64_t field = key >> 3;
    *wire = (int)(key & 7);
    if (field == 0 || field > 0x1FFFFFFF) return -1;
    switch (*wire) {
    case 0:
        if (read_varint(r, number) < 0) return -1;
        break;
    case 1:
    case 5: {
        size_t width = *wire == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < width) return -1;
        *data = r->p;
        *size = width;
        r->p += width;
        break;
    }
    case 2: {
        uint64_t length;
        if (read_varint(r, &length) < 0 || length > (uint64_t)(r->end - r->p)) return -1;
        *data = r->p;
        *size = (size_t)length;
        r->p += length;
        break;
    }
    default:
        return -1;
    }
    return (int64_t)field;
}

/* Whether [p, p + n) is a well-formed sequence of fields (not looking inside nested messages). */
static int well_formed(const unsigned char *p, size_t n) {
    Reader r = {p, p + n};
    int wire;
    uint64_t number;
    const unsigned char *data = NULL;
    size_t size;
    int64_t field;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
    }
    return field == 0;
}

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static float half_to_float(uint32_t h) {
    uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    float value;
    if (exponent == 0) value = ldexpf((float)mantissa, -24);
    else if (exponent == 31) value = mantissa ? NAN : INFINITY;
    else value = ldexpf((float)(mantissa | 0x400), (int)exponent - 25);
    return sign ? -value : value;
}

static float bits_to_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

enum { DT_FLOAT = 1, DT_DOUBLE = 2, DT_BFLOAT16 = 14, DT_HALF = 19 };

/* Decode a one-element floating-point TensorProto (the value from tensor_content, else from the typed
   field of its dtype, which must then hold exactly one number). 1 on success, 0 when it is not one. */
static int tensor_scalar(const unsigned char *p, size_t n, double *out, int *is_double) {
    Reader r = {p, p + n};
    int wire;
    uint64_t number, dtype = 0, elements = 1, half_bits = 0;
    const unsigned char *data = NULL, *content = NULL, *float_bits = NULL, *double_bits = NULL;
    size_t size, content_size = 0, floats = 0, doubles = 0, halves = 0;
    int64_t field;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
        if (field == 1 && wire == 0) {
            dtype = number;
        } else if (field == 2 && wire == 2) { /* TensorShapeProto: dim (2) { size (1) }, unknown_rank (3) */
            Reader shape = {data, data + size};
            const unsigned char *dim;
            size_t dim_size;
            int64_t f;
            while ((f = next_field(&shape, &wire, &number, &dim, &dim_size)) > 0) {
                if (f == 3 && wire == 0 && number) return 0;
                if (f != 2 || wire != 2) continue;
                Reader d = {dim, dim + dim_size};
                uint64_t extent = 0;
                const unsigned char *x;
                size_t xs;
                int64_t g;
                while ((g = next_field(&d, &wire, &number, &x, &xs)) > 0)
                    if (g == 1 && wire == 0) extent = number;
                if (g < 0) return 0;
                elements *= extent;
            }
            if (f < 0) return 0;
        } else if (field == 4 && wire == 2) {
            content = data;
            content_size = size;
        } else if (field == 5 && (wire == 5 || wire == 2) && size % 4 == 0 && size) {
            floats += size / 4;
            float_bits = data + size - 4;
        } else if (field == 6 && (wire == 1 || wire == 2) && size % 8 == 0 && size) {
            doubles += size / 8;
            double_bits = data + size - 8;
        } else if (field == 13 && wire == 0) {
            halves++;
            half_bits = number;
        } else if (field == 13 && wire == 2) {
            Reader packed = {data, data + size};
            while (packed.p < packed.end) {
                if (read_varint(&packed, &half_bits) < 0) return 0;
                halves++;
            }
        }
    }
    if (field < 0 || elements != 1) return 0;
    uint64_t bits;
    switch (dtype) {
    case DT_FLOAT:
        if (content ? content_size != 4 : floats != 1) return 0;
        *out = bits_to_float(le32(content ? content : float_bits));
        break;
    case DT_DOUBLE:
        if (content ? content_size != 8 : doubles != 1) return 0;
        bits = le64(content ? content : double_bits);
        memcpy(out, &bits, 8);
        break;
    case DT_HALF:
    case DT_BFLOAT16:
        if (content ? content_size != 2 : halves != 1) return 0;
        bits = content ? ((uint64_t)content[0] | (uint64_t)content[1] << 8) : (half_bits & 0xFFFF);
        *out = dtype == DT_HALF ? half_to_float((uint32_t)bits) : bits_to_float((uint32_t)bits << 16);
        break;
    default:
        return 0;
    }
    *is_double = dtype == DT_DOUBLE;
    return 1;
}

/* SummaryMetadata: whether it names the scalars plugin / DATA_CLASS_SCALAR (1), another kind (2), or
   neither (0: the kind then comes from the value). */
static int metadata_kind(const unsigned char *p, size_t n) {
    Reader r = {p, p + n};
    int wire, kind = KIND_UNSET;
    uint64_t number;
    const unsigned char *data = NULL;
    size_t size;
    int64_t field;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
        if (field == 4 && wire == 0 && number) {
            return number == 1 ? KIND_SCALAR : KIND_OTHER;
        } else if (field == 1 && wire == 2) { /* PluginData { plugin_name (1) } */
            Reader plugin = {data, data + size};
            const unsigned char *name;
            size_t name_size;
            int64_t f;
            while ((f = next_field(&plugin, &wire, &number, &name, &name_size)) > 0) {
                if (f == 1 && wire == 2)
                    kind = name_size == 0 ? KIND_UNSET
                           : (name_size == 7 && memcmp(name, "scalars", 7) == 0) ? KIND_SCALAR
                                                                                  : KIND_OTHER;
            }
        }
    }
    return kind;
}

typedef struct {
    PyObject *others, *bad_crc, *malformed;
} Findings;

static int add_offset(PyObject *list, size_t offset) {
    PyObject *number = PyLong_FromSize_t(offset);
    if (!number) return -1;
    int status = PyList_Append(list, number);
    Py_DECREF(number);
    return status;
}

static int add_other(Findings *f, PyObject *tag, int64_t step, double wall, int field, const unsigned char *data,
                     size_t size) {
    PyObject *item = Py_BuildValue("(OLdiy#)", tag ? tag : Py_None, (long long)step, wall, field, data,
                                   (Py_ssize_t)size);
    if (!item) return -1;
    int status = PyList_Append(f->others, item);
    Py_DECREF(item);
    return status;
}

/* Route one well-formed Summary.Value. */
static int scan_value(Scanner *self, Findings *f, const unsigned char *p, size_t n, int64_t step, double wall) {
    Reader r = {p, p + n};
    int wire, has_simple = 0;
    uint64_t number;
    const unsigned char *data = NULL, *tag = NULL, *node = NULL, *meta = NULL, *tensor = NULL;
    size_t size, tag_size = 0, node_size = 0, meta_size = 0, tensor_size = 0;
    float simple = 0;
    int64_t field;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
        switch (field) {
        case 1: if (wire == 2) { tag = data; tag_size = size; } break;
        case 7: if (wire == 2) { node = data; node_size = size; } break;
        case 9: if (wire == 2) { meta = data; meta_size = size; } break;
        case 2: if (wire == 5) { has_simple = 1; simple = bits_to_float(le32(data)); } break;
        case 8: if (wire == 2) { tensor = data; tensor_size = size; has_simple = 0; } break;
        case 3: case 4: case 5: case 6: if (wire == 2) has_simple = 0; break; /* another oneof member */
        }
    }
    if (!tag_size && node) {
        tag = node;
        tag_size = node_size;
    }
    Series *s = scanner_series(self, tag ? tag : (const unsigned char *)"", tag_size);
    if (!s) return -1;
    if (meta && !s->metadata) {
        s->metadata = PyBytes_FromStringAndSize((const char *)meta, (Py_ssize_t)meta_size);
        if (!s->metadata) return -1;
        if (s->kind == KIND_UNSET) s->kind = metadata_kind(meta, meta_size);
    }
    if (s->kind == KIND_UNSET) s->kind = has_simple ? KIND_SCALAR : KIND_OTHER;
    if (has_simple) return series_append(s, step, wall, (double)simple, 0);
    double value;
    int is_double;
    if (tensor && s->kind == KIND_SCALAR && tensor_scalar(tensor, tensor_size, &value, &is_double))
        return series_append(s, step, wall, value, is_double);
    return add_other(f, s->tag, step, wall, 5, p, n);
}

/* The layout every writer uses for a plain scalar: wall_time, step (absent when 0), and one summary
   holding one value with just a tag and a simple_value, all lengths below 128. 1 when the event has that
   layout (its tag, step, wall time and value are set), 0 when it has another (scan it the long way). */
static int plain_scalar(const unsigned char *p, size_t n, const unsigned char **tag, size_t *tag_size,
                        int64_t *step_out, double *wall, float *value) {
    const unsigned char *end = p + n;
    if (n < 9 + 2 + 2 + 2 + 5 || p[0] != 0x09) return 0;
    uint64_t wall_bits = le64(p + 1), step = 0;
    Reader r = {p + 9, end};
    if (*r.p == 0x10) {
        r.p++;
        if (read_varint(&r, &step) < 0) return 0;
    }
    /* 0x2a len | 0x0a len | 0x0a len tag | 0x15 float */
    if (end - r.p < 4 || r.p[0] != 0x2a || r.p[1] > 0x7f || r.p[3] > 0x7f || r.p[1] != end - r.p - 2 || r.p[2] != 0x0a || r.p[3] != end - r.p - 4)
        return 0;
    const unsigned char *v = r.p + 4;
    if (v[0] != 0x0a || v[1] > 0x7f || end - v != v[1] + 7 || v[2 + v[1]] != 0x15) return 0;
    *tag = v + 2;
    *tag_size = v[1];
    *step_out = (int64_t)step;
    memcpy(wall, &wall_bits, 8);
    *value = bits_to_float(le32(end - 4));
    return 1;
}

/* A plain scalar event appended without the GIL: 1 when done, 0 when it needs Python (another layout, a
   tag not seen yet, or a column to grow). Touches only the scanner's own C memory. It is the hot path of
   every read: folded into scan_plain_scalar below (one function, a flag for the GIL) the scan ran 30%
   slower, so the two stay apart. */
static int append_plain_scalar_nogil(Scanner *self, const unsigned char *p, size_t n) {
    const unsigned char *tag;
    size_t tag_size;
    int64_t step;
    double wall;
    float value;
    if (!plain_scalar(p, n, &tag, &tag_size, &step, &wall, &value)) return 0;
    Series *s = scanner_find(self, tag, tag_size);
    if (!s || s->kind == KIND_UNSET) return 0;
    size_t count = s->count, width = s->doubles ? 8 : 4;
    if ((count + 1) * 8 > s->steps.capacity || (count + 1) * 8 > s->walls.capacity ||
        (count + 1) * width > s->values.capacity)
        return 0;
    ((int64_t *)s->steps.data)[count] = step;
    ((double *)s->walls.data)[count] = wall;
    if (s->doubles) ((double *)s->values.data)[count] = (double)value;
    else ((float *)s->values.data)[count] = value;
    s->count = count + 1;
    return 1;
}

/* A plain scalar event (see plain_scalar), with the GIL: 1 appended, 0 another layout, -1 error. */
static int scan_plain_scalar(Scanner *self, const unsigned char *p, size_t n) {
    const unsigned char *tag;
    size_t tag_size;
    int64_t step;
    double wall;
    float value;
    if (!plain_scalar(p, n, &tag, &tag_size, &step, &wall, &value)) return 0;
    Series *s = scanner_series(self, tag, tag_size);
    if (!s) return -1;
    if (s->kind == KIND_UNSET) s->kind = KIND_SCALAR;
    return series_append(s, step, wall, (double)value, 0) < 0 ? -1 : 1;
}

/* Parse one Event payload. 0 done, 1 malformed (nothing was routed), -1 error. */
static int scan_event(Scanner *self, Findings *f, const unsigned char *p, size_t n) {
    Reader r = {p, p + n};
    int wire, other_field = 0;
    uint64_t number, step_bits = 0, wall_bits = 0;
    const unsigned char *data = NULL, *other = NULL;
    size_t size, other_size = 0;
    int64_t field;
    int summaries = 0;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
        if (field == 1 && wire == 1) wall_bits = le64(data);
        else if (field == 2 && wire == 0) step_bits = number;
        else if (field == 5 && wire == 2) {
            /* Summary { repeated Value value = 1 }: every value must be well formed before any is routed */
            Reader summary = {data, data + size};
            const unsigned char *value;
            size_t value_size;
            int64_t g;
            while ((g = next_field(&summary, &wire, &number, &value, &value_size)) > 0)
                if (g == 1 && wire == 2 && !well_formed(value, value_size)) return 1;
            if (g < 0) return 1;
            summaries = 1;
        } else if (field >= 4 && field <= 9 && wire == 2) {
            other_field = (int)field;
            other = data;
            other_size = size;
        }
    }
    if (field < 0) return 1;
    double wall;
    memcpy(&wall, &wall_bits, 8);
    int64_t step = (int64_t)step_bits;
    if (other && add_other(f, NULL, step, wall, other_field, other, other_size) < 0) return -1;
    if (!summaries) return 0;
    r.p = p;
    while ((field = next_field(&r, &wire, &number, &data, &size)) > 0) {
        if (field != 5 || wire != 2) continue;
        Reader summary = {data, data + size};
        const unsigned char *value;
        size_t value_size;
        int64_t g;
        while ((g = next_field(&summary, &wire, &number, &value, &value_size)) > 0)
            if (g == 1 && wire == 2 && scan_value(self, f, value, value_size, step, wall) < 0) return -1;
    }
    return 0;
}

/* ---- the Scanner type ---------------------------------------------------------------------------------- */

static int scanner_claim(Scanner *self) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a Scanner was used from two threads at once");
        return -1;
    }
    return 0;
}

/* The GIL is let go while plain scalar events are appended (most of a training log), so that a server
   reading a logdir on one thread keeps answering on another; it is taken back for anything else. */
#define HOLD_GIL() do { if (released) { PyEval_RestoreThread(released); released = NULL; } } while (0)
#define LET_GO_GIL() do { if (!released) released = PyEval_SaveThread(); } while (0)

static PyObject *scanner_feed(Scanner *self, PyObject *arg) {
    if (scanner_claim(self) < 0) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *base = view.buf;
    size_t length = (size_t)view.len, offset = 0;
    int state = 0;
    Findings f = {PyList_New(0), PyList_New(0), PyList_New(0)};
    PyThreadState *released = NULL;
    if (!f.others || !f.bad_crc || !f.malformed) goto error;
    self->busy = 1;
    LET_GO_GIL();
    while (1) {
        size_t left = length - offset;
        if (left == 0) break;
        if (left < 12) {
            state = 1;
            break;
        }
        const unsigned char *frame = base + offset;
        if (le32(frame + 8) != masked_crc(frame, 8)) {
            state = 2;
            break;
        }
        uint64_t size = le64(frame);
        if (size > left - 16 || left < 16) {
            state = 1;
            break;
        }
        const unsigned char *payload = frame + 12;
        if (le32(payload + size) != masked_crc(payload, (size_t)size)) {
            HOLD_GIL();
            if (add_offset(f.bad_crc, offset) < 0) goto error;
        } else if (!append_plain_scalar_nogil(self, payload, (size_t)size)) {
            HOLD_GIL();
            int status = scan_plain_scalar(self, payload, (size_t)size);
            status = status == 0 ? scan_event(self, &f, payload, (size_t)size) : status == 1 ? 0 : -1;
            if (status < 0) goto error;
            if (status == 1 && add_offset(f.malformed, offset) < 0) goto error;
        }
        LET_GO_GIL();
        offset += (size_t)size + 16;
    }
    HOLD_GIL();
    self->busy = 0;
    PyBuffer_Release(&view);
    return Py_BuildValue("(niNNN)", (Py_ssize_t)offset, state, f.bad_crc, f.malformed, f.others);

error:
    HOLD_GIL();
    self->busy = 0;
    PyBuffer_Release(&view);
    Py_XDECREF(f.others);
    Py_XDECREF(f.bad_crc);
    Py_XDECREF(f.malformed);
    return NULL;
}

/* {tag: (steps, wall_times, values, values_are_double)} for the points appended since the last take. */
static PyObject *scanner_take(Scanner *self, PyObject *unused) {
    if (scanner_claim(self) < 0) return NULL;
    PyObject *result = PyDict_New();
    if (!result) return NULL;
    for (size_t i = 0; i < self->capacity; i++) {
        Series *s = self->table[i];
        if (!s || !s->count) continue;
        size_t n = s->count;
        PyObject *item = Py_BuildValue("(NNNO)", block_from(&s->steps, n * 8), block_from(&s->walls, n * 8),
                                       block_from(&s->values, n * (s->doubles ? 8 : 4)),
                                       s->doubles ? Py_True : Py_False);
        s->count = 0;
        s->doubles = 0;
        if (!item || PyDict_SetItem(result, s->tag, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(item);
    }
    return result;
}

/* {tag: (is_scalar, first SummaryMetadata bytes or None)} for every tag seen. */
static PyObject *scanner_tags(Scanner *self, PyObject *unused) {
    if (scanner_claim(self) < 0) return NULL;
    PyObject *result = PyDict_New();
    if (!result) return NULL;
    for (size_t i = 0; i < self->capacity; i++) {
        Series *s = self->table[i];
        if (!s) continue;
        PyObject *item = Py_BuildValue("(OO)", s->kind == KIND_SCALAR ? Py_True : Py_False,
                                       s->metadata ? s->metadata : Py_None);
        if (!item || PyDict_SetItem(result, s->tag, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(item);
    }
    return result;
}

static void scanner_dealloc(Scanner *self) {
    for (size_t i = 0; i < self->capacity; i++)
        if (self->table[i]) series_free(self->table[i]);
    PyMem_RawFree(self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef scanner_methods[] = {
    {"feed", (PyCFunction)scanner_feed, METH_O,
     "feed(data) -> (offset, state, bad_crc, malformed, others): scan the complete records in data."},
    {"take", (PyCFunction)scanner_take, METH_NOARGS,
     "take() -> {tag: (steps, wall_times, values, double)}: hand over the scalar points scanned so far."},
    {"tags", (PyCFunction)scanner_tags, METH_NOARGS,
     "tags() -> {tag: (is_scalar, metadata bytes or None)}: every tag seen, with its first metadata."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lightboard.reader._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(): routes the events of one run (see the module docstring).",
    .tp_methods = scanner_methods,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "lightboard.reader._scan",
    "The reader's hot loop (TFRecord frames, Events, scalar columns) in C.", -1, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    crc_init();
    if (PyType_Ready(&BlockType) < 0 || PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (!module) return NULL;
    if (PyModule_AddObjectRef(module, "Scanner", (PyObject *)&ScannerType) < 0 ||
        PyModule_AddObjectRef(module, "Block", (PyObject *)&BlockType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
