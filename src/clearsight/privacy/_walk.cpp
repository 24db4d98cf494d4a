// The scanner's walk over a raw batch, compiled: the same steps as
// ``scan.walk`` in scan.py, which stays the reference and the fallback.
//
// Why compiled: on real batches the prefilter stops about a thousand times
// per megabyte, and the interpreter's cost per stop (string bounds, a label
// check, a memory lookup) is what kept the scrubber below its target. Here
// those steps run over the bytes directly, RE2 is called through its C++
// API, and Python is called back only where detection has to happen:
// ``Scan.mask`` for a string the verdict memory does not already know as
// clean, and ``scan.Fragment`` for short digit-bearing text values. Every decision about a value stays in
// Python; this file only decides where to look, and skips what the memory
// has seen.
//
// Built by setup.py when a C++ compiler and RE2's headers (Debian:
// libre2-dev) are present; ``native.py`` falls back to scan.py otherwise.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <re2/re2.h>
#include <re2/set.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Config {
  std::unique_ptr<re2::RE2> prefilter;
  std::unique_ptr<re2::RE2> keyword;
  std::unique_ptr<re2::RE2::Set> labels;
  PyObject* memo = nullptr;        // strings._MEMO: clean strings under (bytes, allow)
  PyObject* fragment = nullptr;    // scan.Fragment
  PyObject* digest = nullptr;      // strings.memo_digest(before, raw, after)
  Py_ssize_t big_string = 0, margin = 0, reach = 0, label_reach = 0;
  Py_ssize_t neighbour_before = 0, neighbour_after = 0;
  Py_ssize_t context_after = 0, clean_longest = 0, memo_longest = 0, find_tries = 0;
  bool ready = false;
};

Config config;

re2::RE2::Options options() {
  re2::RE2::Options opts;
  opts.set_max_mem(64 << 20);
  opts.set_encoding(re2::RE2::Options::EncodingLatin1);
  opts.set_log_errors(false);
  return opts;
}

enum class Hit { kSkip, kFragment, kKeyword, kPlain };

struct Walk {
  PyObject* result;  // the Scan
  const unsigned char* body;
  Py_ssize_t n;
  PyObject* body_obj;
  PyObject* allow;
  PyObject* done;
  PyObject* fragments;
  Py_ssize_t cur_open = -1, cur_close = -1;  // Scan.current, kept here

  bool starts(Py_ssize_t at, const char* prefix) const {
    Py_ssize_t len = static_cast<Py_ssize_t>(std::strlen(prefix));
    // Python's bytes.startswith(prefix, start): a negative start counts from the end.
    if (at < 0) at = at + n < 0 ? 0 : at + n;
    return at + len <= n && std::memcmp(body + at, prefix, len) == 0;
  }

  static bool letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

  Hit classify(Py_ssize_t start, Py_ssize_t end) const {
    unsigned char first = body[start];
    if (first == '"') {
      if (starts(start, "\"textContent\":\"") || starts(start, "\"value\":\"") ||
          starts(start, "\"text\":\""))
        return Hit::kFragment;
      return starts(start, "\"d\":\"") ? Hit::kSkip : Hit::kPlain;
    }
    if (!letter(first)) return Hit::kPlain;
    if (starts(start, "data:")) return Hit::kSkip;
    re2::StringPiece text(reinterpret_cast<const char*>(body), end);
    if (config.keyword->Match(text, start, end, re2::RE2::ANCHOR_START, nullptr, 0))
      return Hit::kKeyword;
    return Hit::kPlain;
  }

  bool escaped(Py_ssize_t quote) const {
    Py_ssize_t i = quote - 1, run = 0;
    while (i >= 0 && body[i] == '\\') {
      ++run;
      --i;
    }
    return run % 2 == 1;
  }

  Py_ssize_t rfind_quote(Py_ssize_t lo, Py_ssize_t hi) const {
    if (lo < 0) lo = 0;
    for (Py_ssize_t i = hi - 1; i >= lo; --i)
      if (body[i] == '"') return i;
    return -1;
  }

  Py_ssize_t find_quote(Py_ssize_t at) const {
    if (at < 0) at = 0;
    if (at >= n) return -1;
    const void* q = std::memchr(body + at, '"', n - at);
    return q ? static_cast<const unsigned char*>(q) - body : -1;
  }

  static bool after_close(unsigned char c) {
    return c == ':' || c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\r' ||
           c == '\n';
  }

  static bool before_open(unsigned char c) {
    return c == '{' || c == '[' || c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\r' ||
           c == '\n';
  }

  // strings.unescaped_quotes: a backslash run counts only from ``start`` on.
  Py_ssize_t unescaped_quotes(Py_ssize_t start, Py_ssize_t end) const {
    Py_ssize_t count = 0;
    for (Py_ssize_t i = start; i < end; ++i) {
      if (body[i] != '"') continue;
      Py_ssize_t run = 0;
      for (Py_ssize_t j = i - 1; j >= start && body[j] == '\\'; --j) ++run;
      if (run % 2 == 0) ++count;
    }
    return count;
  }

  // strings.string_state
  bool string_state(Py_ssize_t known, bool inside, Py_ssize_t probe, Py_ssize_t* opener) const {
    *opener = -1;
    Py_ssize_t q = rfind_quote(known, probe);
    while (q != -1 && escaped(q)) q = rfind_quote(known, q);
    if (q == -1) return inside;
    if (!after_close(body[q + 1])) {
      *opener = q;
      return true;
    }
    if (q == 0 || !before_open(body[q - 1])) return false;
    inside ^= (unescaped_quotes(known, probe) & 1) != 0;
    if (inside) *opener = q;
    return inside;
  }

  // strings.string_start
  Py_ssize_t string_start(Py_ssize_t inside) const {
    Py_ssize_t q = rfind_quote(0, inside);
    while (q > 0 && escaped(q)) q = rfind_quote(0, q);
    return q;
  }

  // strings.string_end
  Py_ssize_t string_end(Py_ssize_t inside) const {
    Py_ssize_t at = inside;
    for (Py_ssize_t i = 0; i < config.find_tries; ++i) {
      Py_ssize_t q = find_quote(at);
      if (q == -1) return n;
      if (!escaped(q)) return q;
      at = q + 1;
    }
    Py_ssize_t i = at;  // (?:[^"\\]|\\.)* from here
    while (i < n) {
      unsigned char c = body[i];
      if (c == '"') break;
      if (c == '\\') {
        if (i + 1 >= n) break;
        i += 2;
      } else {
        ++i;
      }
    }
    return i;
  }

  // strings.is_key
  bool is_key(Py_ssize_t close) const {
    Py_ssize_t i = close + 1;
    while (i < n && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) ++i;
    return i < n && body[i] == ':';
  }

  static bool hex(unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
  }

  bool uuid(Py_ssize_t start) const {
    for (int i = 0; i < 36; ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? body[start + i] != '-' : !hex(body[start + i])) return false;
    }
    return true;
  }

  Py_ssize_t cut_before(Py_ssize_t start, Py_ssize_t at) const {
    if (at <= start) return start;
    Py_ssize_t lo = at - config.reach > start ? at - config.reach : start;
    for (Py_ssize_t i = at - 1; i >= lo; --i)
      if (body[i] == ' ') return i + 1;
    return start;
  }

  Py_ssize_t cut_after(Py_ssize_t at, Py_ssize_t end) const {
    if (at >= end) return end;
    Py_ssize_t hi = at + config.reach < end ? at + config.reach : end;
    for (Py_ssize_t i = at; i < hi; ++i)
      if (body[i] == ' ') return i;
    return end;
  }

  // The first half of strings.mask_string: the key the verdict memory
  // keeps this string under, looked up. 1: known clean, 0: ask Python
  // (not known, or known with masks to write), -1: error.
  int known_clean(Py_ssize_t lo, Py_ssize_t hi) {
    Py_ssize_t len = hi - lo;
    if (len > config.memo_longest) return 0;
    PyObject* out = PyObject_GetAttrString(result, "out");
    if (out == nullptr) return -1;
    const char* raw = reinterpret_cast<const char*>(body) + lo;
    if (out != Py_None) raw = PyByteArray_AS_STRING(out) + lo;
    bool simple = len <= config.clean_longest;
    for (Py_ssize_t i = 0; i < len && simple; ++i) {
      char c = raw[i];
      if (c == '%' || c == '+' || (c == '\\' && i + 1 < len && raw[i + 1] == 'u')) simple = false;
    }
    Py_ssize_t from = lo - config.label_reach < 0 ? 0 : lo - config.label_reach;
    Py_ssize_t to = hi + config.context_after > n ? n : hi + config.context_after;
    std::string before(reinterpret_cast<const char*>(body) + from, lo - from);
    std::string after(reinterpret_cast<const char*>(body) + hi, to - hi);
    bool plain = simple && !has_label(before, raw, len, after);
    if (!plain) {
      without_selectors(&before);
      without_selectors(&after);
      plain = simple && !has_label(before, raw, len, after);
    }
    int verdict;
    if (plain) {
      verdict = memo_clean(PyBytes_FromStringAndSize(raw, len));
    } else {
      label_context(&before);
      label_context(&after);
      verdict = memo_clean(PyObject_CallFunction(config.digest, "y#y#y#", before.data(),
                                                 static_cast<Py_ssize_t>(before.size()), raw, len,
                                                 after.data(),
                                                 static_cast<Py_ssize_t>(after.size())));
    }
    Py_DECREF(out);
    return verdict;
  }

  static bool has_label(const std::string& before, const char* raw, Py_ssize_t len,
                        const std::string& after) {
    std::string full(before);
    full.append(raw, len);
    full.append(after);
    std::vector<int> rows;
    return config.labels->Match(full, &rows);
  }

  // strings.label_context: digits that do not follow a letter become '0'.
  static void label_context(std::string* context) {
    bool after_letter = false;
    for (char& c : *context) {
      if (c >= '0' && c <= '9') {
        if (!after_letter) c = '0';
      } else {
        after_letter = letter(static_cast<unsigned char>(c));
      }
    }
  }

  // strings.without_selectors: "sel" values blanked, lengths kept.
  static void without_selectors(std::string* context) {
    static const char kSel[] = "\"sel\":\"";
    std::string& s = *context;
    size_t at = 0;
    while ((at = s.find(kSel, at)) != std::string::npos) {
      size_t i = at + sizeof(kSel) - 1;
      while (i < s.size()) {  // (?:[^"\\]|\\.)*  ('.' is not a newline)
        char c = s[i];
        if (c == '"') break;
        if (c == '\\') {
          if (i + 1 >= s.size() || s[i + 1] == '\n') break;
          s[i] = s[i + 1] = ' ';
          i += 2;
        } else {
          s[i++] = ' ';
        }
      }
      at = i;
    }
  }

  // Whether the memory holds ``key`` (a string's bytes or its keyed hash;
  // this function takes the reference) as clean: (None, ()).
  int memo_clean(PyObject* key_part) {
    if (key_part == nullptr) return -1;
    PyObject* key = PyTuple_Pack(2, key_part, allow);
    Py_DECREF(key_part);
    if (key == nullptr) return -1;
    PyObject* known = PyDict_GetItemWithError(config.memo, key);  // borrowed
    Py_DECREF(key);
    if (known == nullptr) return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_Check(known) || PyTuple_GET_SIZE(known) != 2) return 0;
    PyObject* names = PyTuple_GET_ITEM(known, 1);
    return PyTuple_GET_ITEM(known, 0) == Py_None && PyTuple_Check(names) &&
           PyTuple_GET_SIZE(names) == 0;
  }

  // Scan.mask, with the memory's clean strings settled here.
  bool mask(Py_ssize_t start, Py_ssize_t end, bool windowed, Py_ssize_t lo, Py_ssize_t hi) {
    if (!windowed) {
      lo = start;
      hi = end;
    }
    PyObject* key = PyLong_FromSsize_t(lo);
    if (key == nullptr) return false;
    int seen = PySet_Contains(done, key);
    if (seen != 0) {
      Py_DECREF(key);
      return seen > 0;
    }
    int clean = known_clean(lo, hi);
    if (clean < 0) {
      Py_DECREF(key);
      return false;
    }
    if (clean) {
      int added = PySet_Add(done, key);
      Py_DECREF(key);
      return added == 0;
    }
    Py_DECREF(key);
    PyObject* r = windowed ? PyObject_CallMethod(result, "mask", "nn(nn)", start, end, lo, hi)
                           : PyObject_CallMethod(result, "mask", "nn", start, end);
    if (r == nullptr) return false;
    Py_DECREF(r);
    return true;
  }

  // scan._string_hit; false on a Python error.
  bool string_hit(Py_ssize_t hit, Py_ssize_t end, bool keyword, Py_ssize_t opener,
                  Py_ssize_t* pos, bool* inside) {
    Py_ssize_t open_q = cur_open, close_q = cur_close;
    if (!(open_q <= hit && hit < close_q)) {
      open_q = opener >= 0 ? opener : string_start(hit + 1);
      close_q = string_end(end - 1);
      cur_open = open_q;
      cur_close = close_q;
    }
    if (close_q - open_q == 37 && uuid(open_q + 1)) {
      *pos = close_q + 1;
      *inside = false;
      return true;
    }
    if (close_q - open_q > config.big_string) {
      Py_ssize_t lo = cut_before(open_q + 1, hit - config.margin);
      Py_ssize_t hi = cut_after(end + config.margin, close_q);
      if (!mask(open_q + 1, close_q, true, lo, hi)) return false;
      if (hi >= close_q) {
        *pos = close_q + 1;
        *inside = false;
      } else {
        *pos = hi;
        *inside = true;
      }
      return true;
    }
    if (!is_key(close_q) && !mask(open_q + 1, close_q, false, 0, 0)) return false;
    // A selector naming a secret-looking element is no secret's name.
    if (keyword && !starts(open_q - 6, "\"sel\":") && !neighbours(open_q, close_q)) return false;
    *pos = close_q + 1;
    *inside = false;
    return true;
  }

  // scan.neighbours: the string values just before and after the string
  // that named a secret (a JSON key, a hidden input's name attribute).
  bool neighbours(Py_ssize_t open_q, Py_ssize_t close_q) {
    Py_ssize_t lo = open_q - config.neighbour_before < 0 ? 0 : open_q - config.neighbour_before;
    Py_ssize_t hi = close_q + config.neighbour_after > n ? n : close_q + config.neighbour_after;
    Py_ssize_t at = lo;
    while (at < hi) {  // :\s*" within [lo, hi)
      const void* found = std::memchr(body + at, ':', hi - at);
      if (found == nullptr) break;
      Py_ssize_t colon = static_cast<const unsigned char*>(found) - body;
      Py_ssize_t i = colon + 1;
      while (i < hi && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r' ||
                        body[i] == '\f' || body[i] == '\v'))
        ++i;
      if (i >= hi || body[i] != '"') {
        at = colon + 1;
        continue;
      }
      Py_ssize_t start = i + 1;
      at = start;
      // Only a ':' right after a key's closing quote starts a value.
      if (start == open_q + 1) continue;
      if (colon == 0 ? body[n - 1] != '"' : body[colon - 1] != '"' || escaped(colon - 1)) continue;
      Py_ssize_t end = string_end(start);
      if (open_q <= end && start <= close_q) continue;  // the naming string itself
      if (!is_key(end) && !mask(start, end, false, 0, 0)) return false;
    }
    return true;
  }

  static bool fragment_value(const unsigned char* s, Py_ssize_t len) {
    // [A-Za-z0-9 ]{0,23}[0-9][A-Za-z0-9 ]{0,23}
    if (len > 47) return false;
    bool digit = false;
    for (Py_ssize_t i = 0; i < len; ++i) {
      unsigned char c = s[i];
      if (!(c == ' ' || letter(c) || (c >= '0' && c <= '9'))) return false;
      if (c >= '0' && c <= '9' && i <= 23 && len - i - 1 <= 23) digit = true;
    }
    return digit;
  }

  // scan._fragment
  bool fragment(Py_ssize_t key_quote, Py_ssize_t* pos, bool* inside) {
    const void* colon = memmem(body + key_quote, n - key_quote, ":\"", 2);
    if (colon == nullptr) {
      PyErr_SetString(PyExc_ValueError, "subsection not found");
      return false;
    }
    Py_ssize_t start = static_cast<const unsigned char*>(colon) - body + 2;
    Py_ssize_t end = string_end(start);
    if (fragment_value(body + start, end - start)) {
      PyObject* key = PyBytes_FromStringAndSize(reinterpret_cast<const char*>(body) + key_quote + 1,
                                                start - 3 - key_quote - 1);
      if (key == nullptr) return false;
      PyObject* frag = PyObject_CallFunction(config.fragment, "nnO", start, end, key);
      Py_DECREF(key);
      if (frag == nullptr) return false;
      int appended = PyList_Append(fragments, frag);
      Py_DECREF(frag);
      if (appended < 0) return false;
    }
    return string_hit(start, start + 1, false, start - 1, pos, inside);
  }

  bool run() {
    Py_ssize_t pos = 0, spos = 0;
    bool inside = false;
    re2::StringPiece text(reinterpret_cast<const char*>(body), n);
    re2::StringPiece match;
    while (pos < n) {
      bool found;
      Py_BEGIN_ALLOW_THREADS;
      found = config.prefilter->Match(text, pos, n, re2::RE2::UNANCHORED, &match, 1);
      Py_END_ALLOW_THREADS;
      if (!found) break;
      Py_ssize_t hit = match.data() - text.data();
      Py_ssize_t end = hit + static_cast<Py_ssize_t>(match.size());
      Hit kind = classify(hit, end);
      if (kind == Hit::kSkip) {
        pos = end;
        continue;
      }
      Py_ssize_t probe = kind == Hit::kFragment ? hit : end - 1;
      Py_ssize_t opener = -1;
      if (cur_open < probe && probe < cur_close) {
        inside = true;
        spos = probe;
      } else if (probe > spos) {
        inside = string_state(spos, inside, probe, &opener);
        spos = probe;
      }
      if (!inside) {
        if (kind == Hit::kFragment) {
          if (!fragment(hit, &pos, &inside)) return false;
          spos = pos;
        } else {
          pos = end;
        }
      } else {
        if (!string_hit(hit, end, kind == Hit::kKeyword, opener, &pos, &inside)) return false;
        spos = pos;
      }
    }
    return true;
  }
};

PyObject* get_attr(PyObject* obj, const char* name, std::vector<PyObject*>* held) {
  PyObject* value = PyObject_GetAttrString(obj, name);
  if (value != nullptr) held->push_back(value);
  return value;
}

PyObject* walk(PyObject*, PyObject* result) {
  if (!config.ready) {
    PyErr_SetString(PyExc_RuntimeError, "_walk.configure() was not called");
    return nullptr;
  }
  std::vector<PyObject*> held;
  Walk w;
  w.result = result;
  w.body_obj = get_attr(result, "body", &held);
  w.allow = w.body_obj ? get_attr(result, "allow", &held) : nullptr;
  w.done = w.allow ? get_attr(result, "done", &held) : nullptr;
  w.fragments = w.done ? get_attr(result, "fragments", &held) : nullptr;
  bool ok = w.fragments != nullptr;
  if (ok && (!PyBytes_Check(w.body_obj) || !PySet_Check(w.done) || !PyList_Check(w.fragments))) {
    PyErr_SetString(PyExc_TypeError, "walk() needs a Scan over bytes");
    ok = false;
  }
  if (ok) {
    w.body = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(w.body_obj));
    w.n = PyBytes_GET_SIZE(w.body_obj);
    ok = w.run();
    if (ok) {
      PyObject* current = Py_BuildValue("(nn)", w.cur_open, w.cur_close);
      ok = current != nullptr && PyObject_SetAttrString(result, "current", current) == 0;
      Py_XDECREF(current);
    }
  }
  for (PyObject* obj : held) Py_DECREF(obj);
  if (!ok) return nullptr;
  Py_RETURN_NONE;
}

std::unique_ptr<re2::RE2> compile(PyObject* pattern) {
  char* data;
  Py_ssize_t len;
  if (PyBytes_AsStringAndSize(pattern, &data, &len) < 0) return nullptr;
  auto re = std::make_unique<re2::RE2>(re2::StringPiece(data, len), options());
  if (!re->ok()) {
    PyErr_Format(PyExc_ValueError, "bad pattern: %s", re->error().c_str());
    return nullptr;
  }
  return re;
}

PyObject* configure(PyObject*, PyObject* args) {
  PyObject *prefilter, *keyword, *labels, *memo, *digest, *fragment;
  Config next;
  if (!PyArg_ParseTuple(args, "SSO!O!OO(nnnnnnnnnn)", &prefilter, &keyword, &PyList_Type, &labels,
                        &PyDict_Type, &memo, &digest, &fragment, &next.big_string, &next.margin,
                        &next.reach, &next.neighbour_before, &next.neighbour_after,
                        &next.label_reach, &next.context_after, &next.clean_longest,
                        &next.memo_longest, &next.find_tries))
    return nullptr;
  next.prefilter = compile(prefilter);
  if (!next.prefilter) return nullptr;
  next.keyword = compile(keyword);
  if (!next.keyword) return nullptr;
  next.labels = std::make_unique<re2::RE2::Set>(options(), re2::RE2::UNANCHORED);
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(labels); ++i) {
    char* data;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(PyList_GET_ITEM(labels, i), &data, &len) < 0) return nullptr;
    std::string error;
    if (next.labels->Add(re2::StringPiece(data, len), &error) < 0) {
      PyErr_Format(PyExc_ValueError, "bad label pattern: %s", error.c_str());
      return nullptr;
    }
  }
  if (!next.labels->Compile()) {
    PyErr_SetString(PyExc_MemoryError, "label set does not compile");
    return nullptr;
  }
  Py_INCREF(memo);
  Py_INCREF(digest);
  Py_INCREF(fragment);
  Py_XDECREF(config.memo);
  Py_XDECREF(config.digest);
  Py_XDECREF(config.fragment);
  next.memo = memo;
  next.digest = digest;
  next.fragment = fragment;
  next.ready = true;
  config = std::move(next);
  Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(prefilter, keyword, labels, memo, digest, Fragment, limits): set the patterns "
     "and callbacks the walk uses."},
    {"walk", walk, METH_O, "walk(scan): the fast pass over scan.body, filling the Scan."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_walk", "The scanner's walk, compiled.", -1,
                      methods};

}  // namespace

PyMODINIT_FUNC PyInit__walk() { return PyModule_Create(&module); }
