/*
 * lightboard.summaries._histogram: histogram bucket counts in one pass, without sorting.
 *
 * count(values, edges, table, shift, counts) -> (first_bin, last_bin, minimum, maximum, nan)
 *
 * is the C twin of lightboard.summaries.histogram.count_python (same arguments, same results). Every value
 * (float32 or float64, compared as float64) is counted in counts[i + 1] (int64, len(edges) + 1 of them, zeroed
 * by the caller) when edges[i] <= value < edges[i + 1], the last bin also taking value == edges[-1] (numpy's
 * rule for explicit edges). counts[0] and counts[-1] receive the values below and above the edges, and each
 * NaN in one of them (which one may differ from the twin's).
 *
 * A value's bin is the largest i with edges[i] <= value. Without a table it is found by a branch-free
 * bisection of all the edges. With one, `key` orders doubles as integers (negative ones with every bit but
 * the sign flipped) and table[(key >> shift) + 2**(63 - shift)] is the bin of the least double of that slice
 * of keys, at most one below the bin of any other double in the slice (TensorBoard's default edges, 1.1
 * apart, leave at most one edge per slice of 16 per power of two): one branch-free comparison, an exact
 * fix-up, finishes it. NaN fails every comparison, so it needs no branch either.
 *
 * Returned: the first and last non-empty bin (-1, -1 when all are empty), the least and greatest value other
 * than NaN (inf, -inf when none) and whether there was a NaN. The GIL is kept: the loop is short, and a writer
 * thread holding the GIL would make the caller wait for it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The bin of `value` by the table, before its fix-up: the bin of the least double of its slice of keys. */
static inline Py_ssize_t table_bin(double value, const int32_t *table, int shift, int64_t offset) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    int64_t key = (int64_t)bits;
    key ^= (int64_t)((uint64_t)(key >> 63) >> 1);
    return table[(key >> shift) + offset];
}

/* The largest i < count with padded[i] <= value, or -1 (NaN too): a branch-free bisection. */
static inline Py_ssize_t bisected_bin(double value, const double *padded, Py_ssize_t count) {
    const double *base = padded;
    while (count > 1) {
        Py_ssize_t half = count / 2;
        base = base[half] <= value ? base + half : base;
        count -= half;
    }
    return (base - padded) + (*base <= value) - 1;
}

typedef struct {
    double minimum, maximum;
    int nan;
} Extremes;

/* The least and greatest value other than NaN (branch-free) and whether there was a NaN. */
#define EXTREMES(e, value)                                                                                    \
    do {                                                                                                      \
        (e).minimum = (value) < (e).minimum ? (value) : (e).minimum;                                          \
        (e).maximum = (value) > (e).maximum ? (value) : (e).maximum;                                          \
        (e).nan |= (value) != (value);                                                                        \
    } while (0)

/* Count `length` values of `type` at `in` into `out` (see above): `padded` holds the edges, then a NaN.
   A value at or above the last edge is counted above; the caller moves those equal to it into the last bin. */
#define COUNT_LOOP(type)                                                                                      \
    static Extremes count_##type(const type *in, Py_ssize_t length, const double *padded, Py_ssize_t last,    \
                                 const int32_t *table, int shift, int64_t *out) {                             \
        const int64_t offset = (int64_t)1 << (63 - shift);                                                    \
        Extremes e = {INFINITY, -INFINITY, 0};                                                                \
        if (table) { /* TensorBoard's default edges */                                                        \
            for (Py_ssize_t i = 0; i < length; i++) {                                                         \
                double value = (double)in[i];                                                                 \
                Py_ssize_t bin = table_bin(value, table, shift, offset);                                      \
                bin += padded[bin + 1] <= value;                                                              \
                out[bin + 1]++;                                                                               \
                EXTREMES(e, value);                                                                           \
            }                                                                                                 \
        } else {                                                                                              \
            for (Py_ssize_t i = 0; i < length; i++) {                                                         \
                double value = (double)in[i];                                                                 \
                out[bisected_bin(value, padded, last + 1) + 1]++;                                             \
                EXTREMES(e, value);                                                                           \
            }                                                                                                 \
        }                                                                                                     \
        if (out[last + 1] && e.maximum >= padded[last]) { /* the last bin is closed on the right */           \
            for (Py_ssize_t i = 0; i < length; i++) {                                                         \
                if ((double)in[i] == padded[last]) {                                                          \
                    out[last + 1]--;                                                                          \
                    out[last]++;                                                                              \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
        return e;                                                                                             \
    }

COUNT_LOOP(float)
COUNT_LOOP(double)

/* A contiguous buffer of `object`; with `formats`, its format must be one of those letters and its items
   `itemsize` bytes. */
static int get(PyObject *object, Py_buffer *view, int flags, const char *formats, Py_ssize_t itemsize,
               const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | flags) < 0) return -1;
    if (formats && (!view->format || strlen(view->format) != 1 || !strchr(formats, view->format[0]) ||
                    view->itemsize != itemsize)) {
        PyErr_Format(PyExc_ValueError, "count: %s must be a contiguous array of %zd-byte items (%s)", what, itemsize,
                     formats);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *count(PyObject *module, PyObject *args) {
    PyObject *values_object, *edges_object, *table_object, *counts_object;
    int shift;
    if (!PyArg_ParseTuple(args, "OOOiO:count", &values_object, &edges_object, &table_object, &shift, &counts_object))
        return NULL;
    Py_buffer values, edges, table = {0}, counts;
    if (get(values_object, &values, 0, NULL, 0, "values") < 0) return NULL;
    if (get(edges_object, &edges, 0, "d", 8, "edges") < 0) goto release_values;
    if (get(counts_object, &counts, PyBUF_WRITABLE, "lq", 8, "counts") < 0) goto release_edges;
    int with_table = table_object != Py_None;
    if (with_table && get(table_object, &table, 0, "il", 4, "table") < 0) goto release_counts;
    const char *format = values.format ? values.format : "B";
    int single = strcmp(format, "f") == 0, dual = strcmp(format, "d") == 0;
    Py_ssize_t edge_count = edges.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t length = values.len / (values.itemsize ? values.itemsize : 1);
    if (!(single || dual) || edge_count < 2 || counts.len != (edge_count + 1) * (Py_ssize_t)sizeof(int64_t) ||
        shift < 1 || shift > 62 || (with_table && table.len != ((Py_ssize_t)1 << (64 - shift)) * 4)) {
        PyErr_SetString(PyExc_ValueError,
                        "count needs float32/float64 values, >= 2 float64 edges, int64 counts of one more, a table of "
                        "2**(64 - shift) int32 (or None)");
        goto release_table;
    }
    Py_ssize_t last = edge_count - 1;
    double *padded = PyMem_Malloc((edge_count + 1) * sizeof(double)); /* a NaN after the last edge */
    PyObject *result = NULL;
    if (padded) {
        memcpy(padded, edges.buf, edge_count * sizeof(double));
        padded[edge_count] = NAN;
        const int32_t *bins = with_table ? table.buf : NULL;
        int64_t *out = counts.buf;
        Extremes e = single ? count_float(values.buf, length, padded, last, bins, shift, out)
                            : count_double(values.buf, length, padded, last, bins, shift, out);
        PyMem_Free(padded);
        Py_ssize_t first_bin = 1, last_bin = last;
        while (first_bin <= last && !out[first_bin]) first_bin++;
        while (last_bin > 0 && !out[last_bin]) last_bin--;
        if (first_bin > last) first_bin = last_bin = 0; /* all empty */
        result = Py_BuildValue("nnddO", first_bin - 1, last_bin - 1, e.minimum, e.maximum, e.nan ? Py_True : Py_False);
    } else {
        PyErr_NoMemory();
    }
    if (with_table) PyBuffer_Release(&table);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&edges);
    PyBuffer_Release(&values);
    return result;
release_table:
    if (with_table) PyBuffer_Release(&table);
release_counts:
    PyBuffer_Release(&counts);
release_edges:
    PyBuffer_Release(&edges);
release_values:
    PyBuffer_Release(&values);
    return NULL;
}

static PyMethodDef methods[] = {
    {"count", count, METH_VARARGS,
     "count(values, edges, table, shift, counts) -> (first_bin, last_bin, minimum, maximum, nan): "
     "histogram counts in one pass (see lightboard.summaries.histogram.count_python)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "lightboard.summaries._histogram", "Histogram bucket counts in one pass, without sorting.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__histogram(void) { return PyModule_Create(&module_def); }
