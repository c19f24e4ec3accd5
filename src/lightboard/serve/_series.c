/*
 * lightboard.serve._series: the viewer's per-point loops in C (twins of smoothing.py and envelope.py).
 *
 * smooth(values, weight) -> bytes
 *   values: a float64 buffer. TensorBoard's debiased EMA, point by point as its dashboard computes it:
 *   non-finite values kept as they are (they do not move the average), a constant series left as it is.
 *   Returns the smoothed float64 values.
 *
 * extremes(x, columns, buckets, first, scale) -> bytes
 *   x: float64 buffer, ascending; columns: a sequence of float64 buffers as long as x. Point i falls in
 *   bucket min((int64)((x[i] - first) * scale), buckets - 1). Per bucket and column: the first index
 *   holding the minimum and the first holding the maximum (non-finite values count as +inf for the
 *   minimum and -inf for the maximum) and the first non-finite index; plus indices 0 and n - 1.
 *   Returns those indices as int64, ascending and unique.
 *
 * Both let the GIL go while they loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static int float64_buffer(PyObject *object, Py_buffer *view, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != 8 || !view->format || (strcmp(view->format, "d") != 0 && strcmp(view->format, "<d") != 0 &&
                                                 strcmp(view->format, "=d") != 0)) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a float64 buffer", what);
        return -1;
    }
    return 0;
}

static PyObject *series_smooth(PyObject *module, PyObject *args) {
    PyObject *object;
    double weight;
    if (!PyArg_ParseTuple(args, "Od:smooth", &object, &weight)) return NULL;
    if (!(weight >= 0.0 && weight <= 1.0)) {
        PyErr_Format(PyExc_ValueError, "smoothing weight must be in [0, 1], got %R", PyTuple_GET_ITEM(args, 1));
        return NULL;
    }
    Py_buffer view;
    if (float64_buffer(object, &view, "values") < 0) return NULL;
    Py_ssize_t n = view.len / 8;
    PyObject *result = PyBytes_FromStringAndSize(NULL, view.len);
    if (!result) {
        PyBuffer_Release(&view);
        return NULL;
    }
    const double *in = view.buf;
    double *out = (double *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    int constant = 1;
    for (Py_ssize_t i = 1; i < n && constant; i++) constant = in[i] == in[0];
    if (n && in[0] != in[0]) constant = 0; /* NaN equals nothing, itself included */
    if (weight == 0.0 || constant) {
        memcpy(out, in, (size_t)view.len);
    } else {
        double last = 0.0, power = 1.0; /* power: weight ** (values averaged so far) */
        for (Py_ssize_t i = 0; i < n; i++) {
            double value = in[i];
            if (!isfinite(value)) {
                out[i] = value;
                continue;
            }
            last = last * weight + (1.0 - weight) * value;
            /* Once 1 - power is 1 in float64, stop: power would sink into subnormals, 50x slower to multiply */
            if (power > 1e-20) power *= weight;
            else power = 0.0;
            out[i] = weight == 1.0 ? last : last / (1.0 - power);
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return result;
}

typedef struct {
    int64_t *data;
    size_t size, capacity;
} Indices;

static int indices_add(Indices *list, const int64_t *items, size_t count) {
    if (list->size + count > list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 1024;
        while (capacity < list->size + count) capacity *= 2;
        int64_t *data = PyMem_RawRealloc(list->data, capacity * sizeof(int64_t));
        if (!data) return -1;
        list->data = data;
        list->capacity = capacity;
    }
    memcpy(list->data + list->size, items, count * sizeof(int64_t));
    list->size += count;
    return 0;
}

/* The picks of one bucket, sorted and without repeats, appended to `out`. */
static int flush_bucket(Indices *out, int64_t *picks, size_t count) {
    for (size_t i = 1; i < count; i++) { /* insertion sort: a handful of items */
        int64_t item = picks[i];
        size_t j = i;
        while (j > 0 && picks[j - 1] > item) {
            picks[j] = picks[j - 1];
            j--;
        }
        picks[j] = item;
    }
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (picks[i] >= 0 && (kept == 0 || picks[kept - 1] != picks[i])) picks[kept++] = picks[i];
    return indices_add(out, picks, kept);
}

#define MAX_COLUMNS 8

static PyObject *series_extremes(PyObject *module, PyObject *args) {
    PyObject *x_object, *column_objects;
    Py_ssize_t buckets;
    double first, scale;
    if (!PyArg_ParseTuple(args, "OOndd:extremes", &x_object, &column_objects, &buckets, &first, &scale)) return NULL;
    if (buckets < 1) return PyErr_Format(PyExc_ValueError, "buckets must be at least 1, got %zd", buckets);
    PyObject *sequence = PySequence_Fast(column_objects, "columns must be a sequence of buffers");
    if (!sequence) return NULL;
    Py_ssize_t ncolumns = PySequence_Fast_GET_SIZE(sequence);
    if (ncolumns > MAX_COLUMNS) {
        Py_DECREF(sequence);
        return PyErr_Format(PyExc_ValueError, "at most %d columns, got %zd", MAX_COLUMNS, ncolumns);
    }
    Py_buffer x_view, views[MAX_COLUMNS];
    Py_ssize_t held = 0;
    PyObject *result = NULL;
    Indices out = {NULL, 0, 0};
    if (float64_buffer(x_object, &x_view, "x") < 0) {
        Py_DECREF(sequence);
        return NULL;
    }
    for (; held < ncolumns; held++) {
        if (float64_buffer(PySequence_Fast_GET_ITEM(sequence, held), &views[held], "each column") < 0) goto done;
        if (views[held].len != x_view.len) {
            PyBuffer_Release(&views[held]);
            PyErr_SetString(PyExc_ValueError, "every column must be as long as x");
            goto done;
        }
    }
    const double *x = x_view.buf;
    Py_ssize_t n = x_view.len / 8;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    int64_t picks[3 * MAX_COLUMNS + 2];
    int64_t low_at[MAX_COLUMNS], high_at[MAX_COLUMNS], odd_at[MAX_COLUMNS];
    double low[MAX_COLUMNS], high[MAX_COLUMNS];
    int64_t bucket = -1;
    for (Py_ssize_t i = 0; i <= n && !failed; i++) {
        int64_t here = -1;
        if (i < n) {
            here = (int64_t)((x[i] - first) * scale);
            if (here > buckets - 1) here = buckets - 1;
        }
        if (i == n || here != bucket) {
            if (bucket >= 0) { /* close the bucket that ends before i */
                size_t count = 0;
                for (Py_ssize_t c = 0; c < ncolumns; c++) {
                    picks[count++] = low_at[c];
                    picks[count++] = high_at[c];
                    picks[count++] = odd_at[c];
                }
                if (out.size == 0) picks[count++] = 0;
                if (i == n) picks[count++] = n - 1;
                if (flush_bucket(&out, picks, count) < 0) failed = 1;
            }
            if (i == n) break;
            bucket = here;
            for (Py_ssize_t c = 0; c < ncolumns; c++) {
                double value = ((const double *)views[c].buf)[i];
                int finite = isfinite(value);
                low_at[c] = high_at[c] = i;
                low[c] = finite ? value : INFINITY;
                high[c] = finite ? value : -INFINITY;
                odd_at[c] = finite ? -1 : i;
            }
            continue;
        }
        for (Py_ssize_t c = 0; c < ncolumns; c++) {
            double value = ((const double *)views[c].buf)[i];
            if (isfinite(value)) {
                if (value < low[c]) {
                    low[c] = value;
                    low_at[c] = i;
                }
                if (value > high[c]) {
                    high[c] = value;
                    high_at[c] = i;
                }
            } else if (odd_at[c] < 0) {
                odd_at[c] = i;
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (failed) PyErr_NoMemory();
    else result = PyBytes_FromStringAndSize((const char *)out.data, (Py_ssize_t)(out.size * sizeof(int64_t)));
done:
    for (Py_ssize_t c = 0; c < held; c++) PyBuffer_Release(&views[c]);
    PyBuffer_Release(&x_view);
    Py_DECREF(sequence);
    PyMem_RawFree(out.data);
    return result;
}

static PyMethodDef methods[] = {
    {"smooth", series_smooth, METH_VARARGS, "smooth(values, weight) -> bytes: TensorBoard's debiased EMA (float64)."},
    {"extremes", series_extremes, METH_VARARGS,
     "extremes(x, columns, buckets, first, scale) -> bytes: per-bucket extreme indices (int64)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "lightboard.serve._series", "The viewer's per-point loops in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__series(void) { return PyModule_Create(&module_def); }
