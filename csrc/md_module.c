/* musldetect._native: the thin Python glue over md_core (limited API, one abi3 build). */
#define Py_LIMITED_API 0x03080000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "md_core.h"
#include "md_elfdyn.h"
#include "md_elfhead.h"
#include "md_elfsym.h"
#ifdef MD_HAVE_ZLIB
#include "md_inflate.h"
#endif
#include "md_zip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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


/* The prefixes asked for (a tuple of bytes, or None: every export), as md_symbol_pass takes them. */
struct prefixes {
    const unsigned char *pointers[8];
    size_t sizes[8];
    size_t count;
    int given;
};

static int read_prefixes(PyObject *given, struct prefixes *out)
{
    out->count = 0;
    out->given = given != Py_None;
    if (!out->given) return 0;
    if (!PyTuple_Check(given) || PyTuple_Size(given) > 8) {
        PyErr_SetString(PyExc_TypeError, "symbol_pass: prefixes must be None or a tuple of at most 8 bytes");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_Size(given); i++) {
        char *data;
        Py_ssize_t size;
        if (PyBytes_AsStringAndSize(PyTuple_GetItem(given, i), &data, &size) < 0) return -1;
        out->pointers[i] = (const unsigned char *)data;
        out->sizes[i] = (size_t)size;
        out->count++;
    }
    return 0;
}

static PyObject *symbol_name(const unsigned char *strings, const struct md_symbol *symbol)
{
    return PyUnicode_DecodeUTF8((const char *)strings + symbol->name_at, (Py_ssize_t)symbol->name_length,
                                "surrogateescape");
}

/* The four lists symbol_pass answers with, from md_symbol_pass's output. */
static PyObject *symbol_lists(const unsigned char *strings, const struct md_symbol *out, size_t room,
                              size_t undefined_count, size_t exported_count)
{
    PyObject *names = PyList_New((Py_ssize_t)undefined_count);
    PyObject *weak = PyList_New((Py_ssize_t)undefined_count);
    PyObject *indexes = PyList_New((Py_ssize_t)undefined_count);
    PyObject *exports = PyList_New((Py_ssize_t)exported_count);
    if (!names || !weak || !indexes || !exports) goto failed;
    for (size_t i = 0; i < undefined_count; i++) {
        PyObject *name = symbol_name(strings, out + i);
        if (!name || PyList_SetItem(names, (Py_ssize_t)i, name) < 0) goto failed;
        PyObject *flag = PyLong_FromLong(out[i].weak);
        if (!flag || PyList_SetItem(weak, (Py_ssize_t)i, flag) < 0) goto failed;
        PyObject *index = PyLong_FromUnsignedLong(out[i].index);
        if (!index || PyList_SetItem(indexes, (Py_ssize_t)i, index) < 0) goto failed;
    }
    for (size_t i = 0; i < exported_count; i++) {
        PyObject *name = symbol_name(strings, out + room - 1 - i);
        if (!name || PyList_SetItem(exports, (Py_ssize_t)i, name) < 0) goto failed;
    }
    return Py_BuildValue("(NNNN)", names, weak, indexes, exports);
failed:
    Py_XDECREF(names);
    Py_XDECREF(weak);
    Py_XDECREF(indexes);
    Py_XDECREF(exports);
    return NULL;
}

/* symbol_pass(table, strings, entry_size, big_endian, prefixes) -> (names, weak, indexes,
 * exports), the undefined symbols column by column and the exports' names; None when the
 * names overlap past the Python reader's budget (it then refuses the file itself). */
static PyObject *native_symbol_pass(PyObject *module, PyObject *args)
{
    PyObject *table, *strings, *given;
    Py_ssize_t entry_size;
    int big_endian;
    struct prefixes prefixes;
    (void)module;
    if (!PyArg_ParseTuple(args, "SSnpO:symbol_pass", &table, &strings, &entry_size, &big_endian, &given)) return NULL;
    if (read_prefixes(given, &prefixes) < 0) return NULL;
    struct md_symbol_input in = {
        (const unsigned char *)PyBytes_AsString(table), (size_t)PyBytes_Size(table), (size_t)entry_size, big_endian,
        (const unsigned char *)PyBytes_AsString(strings), (size_t)PyBytes_Size(strings), prefixes.given,
        prefixes.pointers, prefixes.sizes, prefixes.count,
    };
    if (entry_size != 16 && entry_size != 24) return PyErr_Format(PyExc_ValueError, "symbol_pass: entry size %zd", entry_size);
    size_t room = in.table_size / in.entry_size;
    struct md_symbol *out = malloc((room ? room : 1) * sizeof *out);
    if (!out) return PyErr_NoMemory();
    size_t undefined_count, exported_count;
    int answer = md_symbol_pass(&in, out, &undefined_count, &exported_count);
    PyObject *lists = NULL;
    if (answer == MD_SYMBOLS_OK) {
        lists = symbol_lists(in.strings, out, room, undefined_count, exported_count);
    } else if (answer == MD_SYMBOLS_DECLINED) {
        Py_INCREF(Py_None);
        lists = Py_None;
    } else {
        PyErr_SetString(PyExc_ValueError, "md_symbol_pass: a table or string table past 4 GiB");
    }
    free(out);
    return lists;
}

/* The inputs of dynamic_pass that come as Python objects, and the memory they point into. */
struct dyn_arguments {
    struct md_piece *pieces;
    struct md_load *loads;
    struct prefixes prefixes;
};

/* The pieces as md_dynamic_pass reads them: 0; 1 when they are not bytes in file order
 * (a held file the pass does not read: the Python reader does); -1 on an error. A piece
 * may be a bytearray (read_member's reused memory) longer than the file: the pass reads
 * nothing past the file's size (md_elfdyn.c, held), whatever a piece holds there. */
static int read_pieces(PyObject *pieces, PyObject *starts, struct dyn_arguments *into, size_t *count)
{
    if (!PyList_Check(pieces) || !PyList_Check(starts) || PyList_Size(pieces) != PyList_Size(starts)) {
        PyErr_SetString(PyExc_TypeError, "dynamic_pass: pieces and starts must be lists of one length");
        return -1;
    }
    *count = (size_t)PyList_Size(pieces);
    into->pieces = malloc((*count ? *count : 1) * sizeof *into->pieces);
    if (!into->pieces) return PyErr_NoMemory(), -1;
    for (size_t i = 0; i < *count; i++) {
        PyObject *piece = PyList_GetItem(pieces, (Py_ssize_t)i);
        int is_bytes = PyBytes_Check(piece);
        if (!is_bytes && !PyByteArray_Check(piece)) return 1;
        unsigned long long start = PyLong_AsUnsignedLongLong(PyList_GetItem(starts, (Py_ssize_t)i));
        if (PyErr_Occurred()) return -1;
        if (i && start < into->pieces[i - 1].start + into->pieces[i - 1].size) return 1;
        const char *data = is_bytes ? PyBytes_AsString(piece) : PyByteArray_AsString(piece);
        uint64_t length = (uint64_t)(is_bytes ? PyBytes_Size(piece) : PyByteArray_Size(piece));
        into->pieces[i] = (struct md_piece){(const unsigned char *)data, start, length};
    }
    return 0;
}

static int read_loads(PyObject *loads, struct dyn_arguments *into, size_t *count)
{
    if (!PyList_Check(loads)) {
        PyErr_SetString(PyExc_TypeError, "dynamic_pass: loads must be a list of (vaddr, offset, filesz)");
        return -1;
    }
    *count = (size_t)PyList_Size(loads);
    into->loads = malloc((*count ? *count : 1) * sizeof *into->loads);
    if (!into->loads) return PyErr_NoMemory(), -1;
    for (size_t i = 0; i < *count; i++) {
        unsigned long long vaddr, offset, filesz;
        if (!PyArg_ParseTuple(PyList_GetItem(loads, (Py_ssize_t)i), "KKK", &vaddr, &offset, &filesz)) return -1;
        into->loads[i] = (struct md_load){vaddr, offset, filesz};
    }
    return 0;
}

static PyObject *table_string(const struct md_dyn_output *out, struct md_string text)
{
    return PyUnicode_DecodeFSDefaultAndSize((const char *)out->strings + text.at, (Py_ssize_t)text.length);
}

static PyObject *string_list(const struct md_dyn_output *out, const struct md_string *texts, size_t count)
{
    PyObject *list = PyList_New((Py_ssize_t)count);
    for (size_t i = 0; list && i < count; i++) {
        PyObject *text = table_string(out, texts[i]);
        if (!text || PyList_SetItem(list, (Py_ssize_t)i, text) < 0) Py_CLEAR(list);
    }
    return list;
}

/* [(library, name, weak, index)], each library decoded once for the needs that follow it. */
static PyObject *version_list(const struct md_dyn_output *out)
{
    PyObject *list = PyList_New((Py_ssize_t)out->version_count), *library = NULL;
    uint64_t library_at = UINT64_MAX;
    for (size_t i = 0; list && i < out->version_count; i++) {
        const struct md_version_need *need = &out->versions[i];
        if (need->library.at != library_at) {
            Py_XDECREF(library);
            library = table_string(out, need->library);
            library_at = need->library.at;
        }
        PyObject *name = library ? table_string(out, need->name) : NULL;
        PyObject *entry = name ? Py_BuildValue("(OOOi)", library, name, need->weak ? Py_True : Py_False, need->index) : NULL;
        Py_XDECREF(name);
        if (!entry || PyList_SetItem(list, (Py_ssize_t)i, entry) < 0) Py_CLEAR(list);
    }
    Py_XDECREF(library);
    return list;
}

static PyObject *first_list(const struct md_dyn_output *out)
{
    PyObject *list = PyList_New((Py_ssize_t)out->first_count);
    for (size_t i = 0; list && i < out->first_count; i++) {
        PyObject *pair = Py_BuildValue("(in)", out->firsts[i].version_index, (Py_ssize_t)out->firsts[i].position);
        if (!pair || PyList_SetItem(list, (Py_ssize_t)i, pair) < 0) Py_CLEAR(list);
    }
    return list;
}

/* The undefined symbols as the facts take them: (the strong names, the weak names, and
 * (name, .dynsym index) of each whose name starts with one of `python`'s prefixes), in
 * .dynsym order; each name decoded once. */
static PyObject *undefined_columns(const struct md_dyn_output *out, const struct prefixes *python)
{
    size_t weak_count = 0;
    for (size_t i = 0; i < out->undefined_count; i++) weak_count += out->symbols[i].weak != 0;
    PyObject *strong = PyTuple_New((Py_ssize_t)(out->undefined_count - weak_count));
    PyObject *weak = PyTuple_New((Py_ssize_t)weak_count);
    PyObject *named = PyList_New(0);
    size_t strong_at = 0, weak_at = 0;
    for (size_t i = 0; strong && weak && named && i < out->undefined_count; i++) {
        const struct md_symbol *symbol = &out->symbols[i];
        PyObject *name = symbol_name(out->strings, symbol);
        if (!name) goto failed;
        int is_python = 0;
        for (size_t p = 0; p < python->count && !is_python; p++) {
            is_python = python->sizes[p] <= symbol->name_length
                        && memcmp(out->strings + symbol->name_at, python->pointers[p], python->sizes[p]) == 0;
        }
        if (is_python) {
            PyObject *pair = Py_BuildValue("(Ok)", name, (unsigned long)symbol->index);
            int added = pair ? PyList_Append(named, pair) : -1;
            Py_XDECREF(pair);
            if (added < 0) {
                Py_DECREF(name);
                goto failed;
            }
        }
        if (symbol->weak) PyTuple_SetItem(weak, (Py_ssize_t)weak_at++, name); /* steals */
        else PyTuple_SetItem(strong, (Py_ssize_t)strong_at++, name);
    }
    if (strong && weak && named) return Py_BuildValue("(NNN)", strong, weak, named);
failed:
    Py_XDECREF(strong);
    Py_XDECREF(weak);
    Py_XDECREF(named);
    return NULL;
}

static PyObject *export_list(const struct md_dyn_output *out)
{
    PyObject *list = PyList_New((Py_ssize_t)out->exported_count);
    for (size_t i = 0; list && i < out->exported_count; i++) {
        PyObject *name = symbol_name(out->strings, out->symbols + out->symbol_room - 1 - i);
        if (!name || PyList_SetItem(list, (Py_ssize_t)i, name) < 0) Py_CLEAR(list);
    }
    return list;
}

/* The answer of dynamic_pass: (soname, needed, rpath, runpath, versions, (strong, weak,
 * python), exports, firsts). */
static PyObject *dynamic_facts(const struct md_dyn_output *out, const struct prefixes *python)
{
    PyObject *tuple = PyTuple_New(8);
    for (int i = 0; tuple && i < 8; i++) { /* each part made only while none has failed */
        PyObject *part;
        switch (i) {
        case 0: part = out->has_soname ? table_string(out, out->soname) : (Py_INCREF(Py_None), Py_None); break;
        case 1: part = string_list(out, out->needed, out->needed_count); break;
        case 2: part = string_list(out, out->rpath, out->rpath_count); break;
        case 3: part = string_list(out, out->runpath, out->runpath_count); break;
        case 4: part = version_list(out); break;
        case 5: part = out->symbols ? undefined_columns(out, python) : Py_BuildValue("(()()[])"); break;
        case 6: part = out->symbols ? export_list(out) : PyList_New(0); break;
        default: part = first_list(out); break;
        }
        if (!part) Py_CLEAR(tuple);
        else PyTuple_SetItem(tuple, i, part); /* steals */
    }
    return tuple;
}

/* md_dynamic_pass over `in` as a Python answer: its facts, None where it declines. */
static PyObject *dynamic_answer(const struct md_dyn_input *in, const struct prefixes *python)
{
    struct md_dyn_output out;
    int found = md_dynamic_pass(in, &out);
    if (found == MD_DYN_OK) {
        PyObject *answer = dynamic_facts(&out, python);
        md_dyn_free(&out);
        return answer;
    }
    if (found == MD_DYN_DECLINED) Py_RETURN_NONE;
    return PyErr_NoMemory();
}

/* dynamic_pass(pieces, starts, size, bits, big_endian, wide_hash, loads, dynamic, prefixes,
 * python_prefixes) -> (soname, needed, rpath, runpath, versions, (strong, weak, python),
 * exports, firsts), or None where the Python reader must decide (see md_elfdyn.h). */
static PyObject *native_dynamic_pass(PyObject *module, PyObject *args)
{
    PyObject *pieces, *starts, *loads, *given, *python_given;
    unsigned long long size, dynamic_offset, dynamic_filesz, dynamic_memsz;
    int bits, big_endian, wide_hash;
    (void)module;
    if (!PyArg_ParseTuple(args, "OOKippO(KKK)OO:dynamic_pass", &pieces, &starts, &size, &bits, &big_endian,
                          &wide_hash, &loads, &dynamic_offset, &dynamic_filesz, &dynamic_memsz, &given,
                          &python_given))
        return NULL;
    struct dyn_arguments held = {NULL, NULL, {{0}, {0}, 0, 0}};
    struct prefixes python = {{0}, {0}, 0, 0};
    size_t piece_count = 0, load_count = 0;
    PyObject *answer = NULL;
    int readable = read_pieces(pieces, starts, &held, &piece_count);
    if (readable > 0) {
        Py_INCREF(Py_None);
        answer = Py_None;
        goto done;
    }
    if (readable < 0 || read_loads(loads, &held, &load_count) < 0 || read_prefixes(given, &held.prefixes) < 0
        || read_prefixes(python_given, &python) < 0)
        goto done;
    struct md_dyn_input in = {
        held.pieces, piece_count, size, bits, big_endian, wide_hash, held.loads, load_count,
        dynamic_offset, dynamic_filesz, dynamic_memsz, held.prefixes.pointers, held.prefixes.sizes,
        held.prefixes.count,
    };
    answer = dynamic_answer(&in, &python);
done:
    free(held.pieces);
    free(held.loads);
    return answer;
}

/* Whether `machine` is among `machines` (a tuple of ints: _elf_symbols.WIDE_HASH_MACHINES);
 * -1 with an error set when one is not an int. */
static int among(PyObject *machines, long machine)
{
    for (Py_ssize_t i = 0; i < PyTuple_Size(machines); i++) {
        PyObject *item = PyTuple_GetItem(machines, i);
        if (!PyLong_Check(item)) { /* no __index__ run while the pieces' memory is held */
            PyErr_SetString(PyExc_TypeError, "elf_facts: the machines must be ints");
            return -1;
        }
        long one = PyLong_AsLong(item);
        if (one == -1 && PyErr_Occurred()) return -1;
        if (one == machine) return 1;
    }
    return 0;
}

/* The header's part of elf_facts: (bits, big_endian, e_type, e_machine, e_flags, interp,
 * stack_flags, properties), interp bytes or None, stack_flags -1 without PT_GNU_STACK,
 * properties a list of (pr_type, value). */
static PyObject *head_facts(const struct md_head *head)
{
    PyObject *interp = head->interp ? PyBytes_FromStringAndSize((const char *)head->interp,
                                                                (Py_ssize_t)head->interp_length)
                                    : (Py_INCREF(Py_None), Py_None);
    PyObject *properties = interp ? PyList_New((Py_ssize_t)head->property_count) : NULL;
    for (size_t i = 0; properties && i < head->property_count; i++) {
        PyObject *pair = Py_BuildValue("(kk)", (unsigned long)head->properties[i].type,
                                       (unsigned long)head->properties[i].value);
        if (!pair) Py_CLEAR(properties);
        else PyList_SetItem(properties, (Py_ssize_t)i, pair); /* steals */
    }
    PyObject *answer = properties ? Py_BuildValue("(iiiikOLO)", head->bits, head->big_endian, (int)head->type,
                                                  (int)head->machine, (unsigned long)head->flags, interp,
                                                  (long long)head->stack_flags, properties)
                                  : NULL;
    Py_XDECREF(interp);
    Py_XDECREF(properties);
    return answer;
}

/* elf_facts(pieces, starts, size, prefixes, python_prefixes, wide_hash_machines) -> (head,
 * dynamic): the header's facts (head_facts) and dynamic_pass's, read in one call from a
 * file held whole (DT_HASH's words 8 bytes wide for a 64-bit file of those machines); None
 * where the Python reader must decide (see md_elfhead.h and md_elfdyn.h). */
static PyObject *native_elf_facts(PyObject *module, PyObject *args)
{
    PyObject *pieces, *starts, *given, *python_given, *wide;
    unsigned long long size;
    (void)module;
    if (!PyArg_ParseTuple(args, "OOKOOO!:elf_facts", &pieces, &starts, &size, &given, &python_given, &PyTuple_Type,
                          &wide))
        return NULL;
    struct dyn_arguments held = {NULL, NULL, {{0}, {0}, 0, 0}};
    struct prefixes python = {{0}, {0}, 0, 0};
    size_t piece_count = 0;
    PyObject *answer = NULL;
    int readable = read_pieces(pieces, starts, &held, &piece_count);
    if (readable != 0 || read_prefixes(given, &held.prefixes) < 0 || read_prefixes(python_given, &python) < 0) {
        free(held.pieces);
        if (readable > 0) Py_RETURN_NONE;
        return NULL;
    }
    struct md_dyn_input in = {held.pieces, piece_count, size, 0, 0, 0, NULL, 0, 0, 0, 0,
                              held.prefixes.pointers, held.prefixes.sizes, held.prefixes.count};
    struct md_head head;
    int found = md_elf_head(&in, &head);
    if (found == MD_DYN_OK) {
        in.bits = head.bits;
        in.big_endian = head.big_endian;
        in.wide_hash = head.bits == 64 ? among(wide, head.machine) : 0;
        in.loads = head.loads;
        in.load_count = head.load_count;
        in.dynamic_offset = head.dynamic_offset;
        in.dynamic_filesz = head.dynamic_filesz;
        in.dynamic_memsz = head.dynamic_memsz;
        PyObject *dynamic = in.wide_hash < 0 ? NULL : dynamic_answer(&in, &python);
        if (dynamic == Py_None) answer = dynamic; /* declined: the Python reader reads it all */
        else if (dynamic) {
            PyObject *header = head_facts(&head);
            answer = header ? PyTuple_Pack(2, header, dynamic) : NULL;
            Py_XDECREF(header);
            Py_DECREF(dynamic);
        }
        md_head_free(&head);
    } else if (found == MD_DYN_DECLINED) {
        Py_INCREF(Py_None);
        answer = Py_None;
    } else {
        PyErr_NoMemory();
    }
    free(held.pieces);
    return answer;
}

/* zip_walk(fd, file_size, directory, count, directory_offset) -> (names, members), the
 * members as (name, data_offset, method, crc, compressed, size) in file order, or None
 * where the Python reader must decide (see md_zip.h). */
static PyObject *native_zip_walk(PyObject *module, PyObject *args)
{
    int fd;
    unsigned long long file_size, directory_offset;
    PyObject *directory;
    Py_ssize_t count;
    (void)module;
    if (!PyArg_ParseTuple(args, "iKSnK:zip_walk", &fd, &file_size, &directory, &count, &directory_offset)) return NULL;
    const unsigned char *bytes = (const unsigned char *)PyBytes_AsString(directory);
    size_t size = (size_t)PyBytes_Size(directory);
    if (count < 0 || (size_t)count > size / 46) Py_RETURN_NONE; /* each entry takes 46 bytes at least */
    struct md_zip_member *members = malloc(((size_t)count ? (size_t)count : 1) * sizeof *members);
    if (!members) return PyErr_NoMemory();
    int answer;
    Py_BEGIN_ALLOW_THREADS
    answer = md_zip_walk(fd, file_size, bytes, size, (size_t)count, directory_offset, members);
    Py_END_ALLOW_THREADS
    PyObject *found = NULL, *names = NULL, *rows = NULL;
    if (answer != MD_ZIP_OK) {
        Py_INCREF(Py_None);
        found = Py_None;
        goto done;
    }
    names = PyList_New(count);
    rows = PyList_New(count);
    for (Py_ssize_t i = 0; names && rows && i < count; i++) {
        const struct md_zip_member *member = &members[i];
        PyObject *name = PyUnicode_DecodeASCII((const char *)bytes + member->name_at, (Py_ssize_t)member->name_length,
                                               "strict");
        PyObject *row = name ? Py_BuildValue("(OKiKKK)", name, (unsigned long long)member->data_offset,
                                             (int)member->method, (unsigned long long)member->crc,
                                             (unsigned long long)member->compressed,
                                             (unsigned long long)member->size)
                             : NULL;
        if (!row) {
            Py_XDECREF(name);
            goto done;
        }
        PyList_SetItem(names, i, name); /* steals */
        PyList_SetItem(rows, i, row);
    }
    if (names && rows) found = Py_BuildValue("(OO)", names, rows);
done:
    Py_XDECREF(names);
    Py_XDECREF(rows);
    free(members);
    return found;
}

#ifdef MD_HAVE_ZLIB
/* read_member(fd, offset, compressed, size, method, out, scratch) -> (produced, crc,
 * complete, truncated, inflate_error): one member read into `out` (a bytearray of at least
 * max(size + 1, compressed) bytes, reused from member to member) as md_inflate.h says,
 * deflated data passing through `scratch` (at least `compressed` bytes); inflate_error is
 * zlib's words for a failure, or None. The checks are the caller's (WheelZip.whole's). */
static PyObject *native_read_member(PyObject *module, PyObject *args)
{
    int fd, method;
    unsigned long long offset, compressed, size;
    PyObject *out, *scratch;
    (void)module;
    if (!PyArg_ParseTuple(args, "iKKKiO!O!:read_member", &fd, &offset, &compressed, &size, &method,
                          &PyByteArray_Type, &out, &PyByteArray_Type, &scratch)) {
        return NULL;
    }
    unsigned long long room = (unsigned long long)PyByteArray_Size(out);
    if ((method != MD_STORED && method != MD_DEFLATED) || size >= room || compressed > room ||
        (method == MD_DEFLATED && (compressed > (unsigned long long)PyByteArray_Size(scratch) || out == scratch))) {
        PyErr_SetString(PyExc_ValueError, "read_member: a stored or deflated member, and two buffers that hold it");
        return NULL;
    }
    unsigned char *into = (unsigned char *)PyByteArray_AsString(out);
    unsigned char *passing = (unsigned char *)PyByteArray_AsString(scratch);
    struct md_member_read result;
    int started;
    Py_BEGIN_ALLOW_THREADS
    started = md_read_member(fd, offset, compressed, size, method, into, passing, &result);
    Py_END_ALLOW_THREADS
    if (started != 0) return PyErr_NoMemory();
    if (result.read_errno) {
        errno = result.read_errno;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    PyObject *problem = result.inflate_error ? PyUnicode_FromString(result.message) : (Py_INCREF(Py_None), Py_None);
    if (!problem) return NULL;
    PyObject *answer = Py_BuildValue("(KkOOO)", (unsigned long long)result.produced, (unsigned long)result.crc,
                                     result.complete ? Py_True : Py_False, result.truncated ? Py_True : Py_False,
                                     problem);
    Py_DECREF(problem);
    return answer;
}

/* crc32(data, crc) -> ZIP's CRC-32 of `data` (bytes) continuing `crc`: zlib.crc32's answer,
 * folded by carry-less multiplication where the CPU has it (md_inflate.h). */
static PyObject *native_crc32(PyObject *module, PyObject *args)
{
    PyObject *data;
    unsigned long crc;
    (void)module;
    if (!PyArg_ParseTuple(args, "Sk:crc32", &data, &crc)) return NULL;
    const unsigned char *bytes = (const unsigned char *)PyBytes_AsString(data);
    uint64_t length = (uint64_t)PyBytes_Size(data);
    uint32_t value;
    if (length < ((uint64_t)1 << 16)) return PyLong_FromUnsignedLong(md_crc32((uint32_t)crc, bytes, length));
    Py_BEGIN_ALLOW_THREADS
    value = md_crc32((uint32_t)crc, bytes, length);
    Py_END_ALLOW_THREADS
    return PyLong_FromUnsignedLong(value);
}

/* scratch(size): a bytearray of `size` bytes left as the allocator gives them, for
 * read_member to fill (zeroing it first would cost as much as the first fill). */
static PyObject *native_scratch(PyObject *module, PyObject *size)
{
    (void)module;
    Py_ssize_t length = PyLong_AsSsize_t(size);
    if (length < 0) return PyErr_Occurred() ? NULL : (PyErr_SetString(PyExc_ValueError, "scratch: size < 0"), NULL);
    return PyByteArray_FromStringAndSize(NULL, length);
}
#endif

static PyMethodDef native_methods[] = {
    {"detect", native_detect, METH_NOARGS, "Uncached: the C library mapped into this process, as raw facts."},
    {"musl_version_in", native_musl_version_in, METH_O, "The musl version rules in C, over one bytes block."},
    {"symbol_pass", native_symbol_pass, METH_VARARGS, "The dynamic symbol table's one pass in C (_elf_symbols' twin)."},
    {"dynamic_pass", native_dynamic_pass, METH_VARARGS, "The dynamic section's facts in one C pass (md_elfdyn.h)."},
    {"elf_facts", native_elf_facts, METH_VARARGS, "A held ELF file's header and dynamic facts in one C call (md_elfhead.h)."},
    {"zip_walk", native_zip_walk, METH_VARARGS, "A wheel's central directory and byte accounting, common case (md_zip.h)."},
#ifdef MD_HAVE_ZLIB
    {"read_member", native_read_member, METH_VARARGS, "One member read and inflated into reused memory (md_inflate.h)."},
    {"scratch", native_scratch, METH_O, "A bytearray for read_member to fill, not zeroed first."},
    {"crc32", native_crc32, METH_VARARGS, "ZIP's CRC-32 of bytes, continuing a CRC (md_inflate.h)."},
#endif
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
