/* musldetect._native: the thin Python glue over md_core (limited API, one abi3 build). */
#define Py_LIMITED_API 0x03080000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "md_core.h"

#ifndef MUSLDETECT_VERSION
#error "MUSLDETECT_VERSION must be defined by setup.py"
#endif

static PyObject *text_or_none(const char *text)
{
    if (!text[0]) Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(text);
}

static const char *family_name(int family)
{
    return family == MD_MUSL ? "musl" : family == MD_GLIBC ? "glibc" : NULL;
}

/* detect() -> (family, version, path, static, interp, min_version, time64_symbols, reason):
 * the field order of musldetect._types.RawLibc. */
static PyObject *native_detect(PyObject *module, PyObject *unused)
{
    struct md_result result;
    (void)module;
    (void)unused;
    if (md_detect(&result) != 0) {
        return PyErr_Format(PyExc_OSError, "%s failed: %s", result.failed_call, result.reason);
    }
    PyObject *min_version;
    if (result.min_version[0] || result.min_version[1] || result.min_version[2]) {
        min_version = Py_BuildValue("(iii)", result.min_version[0], result.min_version[1], result.min_version[2]);
    } else {
        Py_INCREF(Py_None);
        min_version = Py_None;
    }
    PyObject *time64 = result.time64_symbols < 0 ? Py_None : result.time64_symbols ? Py_True : Py_False;
    Py_INCREF(time64);
    const char *family = family_name(result.family);
    PyObject *fields[8] = {
        family ? PyUnicode_FromString(family) : (Py_INCREF(Py_None), Py_None),
        text_or_none(result.version),
        text_or_none(result.path),
        PyBool_FromLong(result.is_static),
        text_or_none(result.interp),
        min_version,
        time64,
        PyUnicode_FromString(result.reason),
    };
    PyObject *tuple = PyTuple_New(8);
    for (int i = 0; i < 8; i++) {
        if (!fields[i] || !tuple) {
            for (int j = 0; j < 8; j++) Py_XDECREF(fields[j]);
            Py_XDECREF(tuple);
            return NULL;
        }
    }
    for (int i = 0; i < 8; i++) PyTuple_SetItem(tuple, i, fields[i]); /* steals */
    return tuple;
}

/* musl_version_in(bytes) -> (is_musl, version or None, reason): the C twin of the rules. */
static PyObject *native_musl_version_in(PyObject *module, PyObject *arg)
{
    char *data;
    Py_ssize_t size;
    char version[MD_VERSION_MAX], reason[MD_REASON_MAX];
    (void)module;
    if (PyBytes_AsStringAndSize(arg, &data, &size) < 0) return NULL;
    int is_musl = md_musl_version_in((const unsigned char *)data, (size_t)size, version, sizeof version, reason,
                                     sizeof reason);
    PyObject *version_obj = version[0] ? PyUnicode_FromString(version) : (Py_INCREF(Py_None), Py_None);
    if (!version_obj) return NULL;
    PyObject *out = Py_BuildValue("(NOs)", PyBool_FromLong(is_musl), version_obj, reason);
    Py_DECREF(version_obj);
    return out;
}

static PyMethodDef native_methods[] = {
    {"detect", native_detect, METH_NOARGS, "Uncached: the C library mapped into this process, as raw facts."},
    {"musl_version_in", native_musl_version_in, METH_O, "The musl version rules in C, over one bytes block."},
    {NULL, NULL, 0, NULL},
};

static int native_exec(PyObject *module)
{
    /* A stale build on sys.path must not answer for a newer package. (The version module, not
     * the package's lazy attribute, which would import importlib at start-up.) */
    PyObject *package = PyImport_ImportModule("musldetect._version");
    if (!package) return -1;
    PyObject *version = PyObject_GetAttrString(package, "__version__");
    Py_DECREF(package);
    if (!version) return -1;
    int same = PyUnicode_Check(version) && PyUnicode_CompareWithASCIIString(version, MUSLDETECT_VERSION) == 0;
    Py_DECREF(version);
    if (!same) {
        PyErr_SetString(PyExc_ImportError, "musldetect._native was built for musldetect " MUSLDETECT_VERSION
                                           ", which is not the installed package's version; rebuild it");
        return -1;
    }
    return PyModule_AddStringConstant(module, "__build_version__", MUSLDETECT_VERSION);
}

static PyModuleDef_Slot native_slots[] = {
    {Py_mod_exec, (void *)native_exec},
    {0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "musldetect._native", "The native backend's C core.", 0, native_methods, native_slots,
    NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModuleDef_Init(&native_module);
}
