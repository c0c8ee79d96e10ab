"""Weights-only unpickling: a pure-Python interpreter of the pickle opcodes a checkpoint needs.

The C unpickler runs BUILD, SETITEM(S), APPEND(S) and SETSTATE on whatever object the file names, so
a crafted file could edit objects shared by the whole process (a dtype, a storage type, a function).
This interpreter instead:

* knows only the opcodes a checkpoint uses (protocols 2 to 5, no text opcodes, no extension codes,
  no out-of-band buffers); any other opcode is refused;
* resolves GLOBAL through a caller-supplied table and never imports anything;
* hands out allowed globals as `_Ref` tokens (immutable, holding only their module and name) except
  values that are meant to be used as such (dtypes) and classes or functions the user allowlisted;
* runs BUILD, SETITEM(S), APPEND(S) and ADDITEMS only on objects this load itself created: every object
  GLOBAL pushes, and whatever a user-allowlisted function returns, is marked foreign and refused;
* bounds memory by the file: a length field is checked against the bytes left before anything is
  read, the memo is a dict (one entry per PUT opcode), and nested tuples used as dict keys or set
  items are refused past `_MAX_KEY_DEPTH` levels (hashing them would overflow the C stack).

Every failure is an `UnpicklingError` naming the file, the record, the byte offset and the opcode.
"""
from __future__ import annotations

import collections
import pickle
import struct

__all__ = ["UnpicklingError", "Ref", "Unsupported", "Interpreter", "PassThrough"]


class UnpicklingError(pickle.UnpicklingError):
    """A checkpoint is malformed or asks for something a weights-only load does not allow."""


UnpicklingError.__module__ = "ember.serialization"      # where users import it from


class PassThrough(Exception):
    """Raised by a callback to get `exc` out of the interpreter unchanged (e.g. a map_location error)."""

    def __init__(self, exc):
        super().__init__(exc)
        self.exc = exc


class Ref(tuple):
    """An allowed global named by a checkpoint (e.g. `torch.FloatStorage`): immutable, only its name."""

    __slots__ = ()

    def __new__(cls, module, name):
        return tuple.__new__(cls, (module, name))

    @property
    def module(self):
        return self[0]

    @property
    def name(self):
        return self[1]

    def __repr__(self):
        return f"{self[0]}.{self[1]}"


class Unsupported(str):
    """A global torch allows that ember cannot rebuild: GLOBAL raises UnpicklingError with this reason."""

    __slots__ = ()


_MAX_KEY_DEPTH = 100
_BIG = 1 << 16            # lengths above this are checked against the bytes left in the file

_OPNAMES = {getattr(pickle, n)[0]: n for n in dir(pickle)
            if n.isupper() and isinstance(getattr(pickle, n), bytes) and len(getattr(pickle, n)) == 1}

_unpack_i = struct.Struct("<i").unpack
_unpack_I = struct.Struct("<I").unpack
_unpack_H = struct.Struct("<H").unpack
_unpack_Q = struct.Struct("<Q").unpack
_unpack_d = struct.Struct(">d").unpack


class _Mark:
    __slots__ = ()


def short_repr(obj, limit=80):
    """repr() for error messages: never fails, never long (a file may hold a 10**6-digit int)."""
    try:
        if type(obj) is int and obj.bit_length() > 200:
            return f"<int of {obj.bit_length()} bits>"
        r = repr(obj)
    except Exception:  # noqa: BLE001 - any object, any failure
        r = f"<{type(obj).__name__}>"
    return r if len(r) <= limit else r[:limit - 3] + "..."


class Interpreter:
    """Unpickle one object from `file` (positioned at the pickle) in weights-only mode.

    `where` names the file and record in messages. `limit` is the number of bytes of `file` that
    belong to this pickle (or to the rest of the file). `globals_` maps (module, name) to what
    GLOBAL pushes; `calls` maps a `Ref` to the function REDUCE runs for it (its result counts as
    created by the load). `user` maps (module, name) to user-allowlisted objects: pushed as they
    are, called by REDUCE/NEWOBJ, and their instances may receive BUILD.
    """

    def __init__(self, file, where, limit, globals_, calls, user, persistent_load, encoding="utf-8",
                 label=None):
        self._file = file
        self._read = file.read
        self._readline = file.readline
        self._start = file.tell()
        self._limit = limit
        self.where = where
        self._label = label or where          # the file alone: errors from callbacks already start with it
        self._globals = globals_
        self._calls = calls
        self._user = user
        self._user_ids = {id(v) for v in user.values()}
        self._persistent_load = persistent_load
        self._encoding = encoding
        self._foreign = {}          # id -> object not created by this load (kept alive: its id stays unique)
        self._key_depth = {}        # id -> depth, for tuples already checked as keys
        self._key_keep = []

    # ---- helpers -------------------------------------------------------------------------------

    def _pos(self):
        try:
            return self._file.tell() - self._start
        except (OSError, ValueError):
            return -1

    def _take(self, n, what):
        if n > _BIG and self._limit is not None and n > self._limit - self._pos():
            raise UnpicklingError(f"{what} of {n} bytes is longer than the rest of the file "
                                  f"({max(0, self._limit - self._pos())} bytes)")
        data = self._read(n)
        if len(data) != n:
            raise UnpicklingError(f"the pickle is truncated ({what} of {n} bytes, {len(data)} left)")
        return data

    def _mark_foreign(self, obj):
        self._foreign[id(obj)] = obj
        return obj

    def check_key(self, k):
        """Refuse dict keys / set items whose hash would recurse deeper than _MAX_KEY_DEPTH."""
        if isinstance(k, tuple) and not isinstance(k, Ref):
            self._depth(k)

    def _depth(self, root):
        """Nesting depth of tuples in tuples, computed without recursion (memoised per tuple)."""
        known = self._key_depth
        if id(root) in known:
            return known[id(root)]
        path = [[root, iter(root), 0]]      # [tuple, its remaining items, deepest child so far]
        while path:
            top = path[-1]
            for child in top[1]:
                if isinstance(child, tuple) and type(child) is not Ref:
                    d = known.get(id(child))
                    if d is None:               # descend; this tuple's loop resumes afterwards
                        if len(path) >= _MAX_KEY_DEPTH:
                            raise self._too_deep()
                        path.append([child, iter(child), 0])
                        break
                    top[2] = max(top[2], d)
            else:
                path.pop()
                d = top[2] + 1
                if d > _MAX_KEY_DEPTH:
                    raise self._too_deep()
                known[id(top[0])] = d
                self._key_keep.append(top[0])   # kept alive: its id stays unique while `known` holds it
                if path:
                    path[-1][2] = max(path[-1][2], d)
        return known[id(root)]

    @staticmethod
    def _too_deep():
        return UnpicklingError(f"a dict key or set item is a tuple nested more than {_MAX_KEY_DEPTH} levels "
                               f"deep (hashing it could crash the interpreter)")

    def _pop_mark(self):
        items = self._stack
        self._stack = self._metastack.pop()
        return items

    def _target(self, kind, obj, ok):
        if not ok or id(obj) in self._foreign:
            raise UnpicklingError(f"{kind} on {short_repr(obj)} ({type(obj).__name__}), which is not a "
                                  f"container this file created: refused (it could change shared state)")
        return obj

    # ---- the loop ------------------------------------------------------------------------------

    def load(self):
        self._stack = []
        self._metastack = []
        self._memo = {}
        read = self._read
        dispatch = _DISPATCH
        key = b""
        try:
            while True:
                key = read(1)
                if not key:
                    raise UnpicklingError("the pickle is truncated (no STOP opcode)")
                op = dispatch.get(key[0])
                if op is None:
                    raise UnpicklingError(f"opcode {key!r} ({_OPNAMES.get(key[0], 'unknown')}) is not one a "
                                          f"checkpoint uses: refused")
                if op(self):
                    return self._result
        except UnpicklingError as e:
            raise self._located(e, key) from None
        except PassThrough as e:
            raise e.exc from None
        except Exception as e:  # noqa: BLE001 - whatever a malformed file provokes, say where
            raise self._located(UnpicklingError(f"{type(e).__name__}: {e}"), key) from None

    def _located(self, e, key):
        name = _OPNAMES.get(key[0], "?") if key else "start"
        at = f"at byte {max(0, self._pos() - 1)}, opcode {name}"
        msg = str(e)
        if msg.startswith(self._label):
            return UnpicklingError(f"{msg} (reading {self.where}, {at})")
        return UnpicklingError(f"{self.where}: {msg} ({at})")

    # ---- opcodes -------------------------------------------------------------------------------

    def _proto(self):
        p = self._take(1, "PROTO")[0]
        if not 2 <= p <= 5:
            raise UnpicklingError(f"pickle protocol {p} is not supported (checkpoints use 2 to 5)")

    def _frame(self):
        self._take(8, "FRAME")

    def _stop(self):
        if self._metastack:
            raise UnpicklingError("STOP inside an unclosed MARK")
        if len(self._stack) != 1:
            raise UnpicklingError(f"STOP with {len(self._stack)} objects on the stack (1 expected)")
        self._result = self._stack.pop()
        return True

    def _mark(self):
        self._metastack.append(self._stack)
        self._stack = []

    def _pop(self):
        if self._stack:
            self._stack.pop()
        else:
            self._pop_mark()

    def _pop_mark_op(self):
        self._pop_mark()

    def _dup(self):
        self._stack.append(self._stack[-1])

    def _none(self):
        self._stack.append(None)

    def _true(self):
        self._stack.append(True)

    def _false(self):
        self._stack.append(False)

    def _binint(self):
        self._stack.append(_unpack_i(self._take(4, "BININT"))[0])

    def _binint1(self):
        self._stack.append(self._take(1, "BININT1")[0])

    def _binint2(self):
        self._stack.append(_unpack_H(self._take(2, "BININT2"))[0])

    def _long1(self):
        n = self._take(1, "LONG1")[0]
        self._stack.append(int.from_bytes(self._take(n, "LONG1"), "little", signed=True))

    def _long4(self):
        n = _unpack_i(self._take(4, "LONG4"))[0]
        if n < 0:
            raise UnpicklingError("LONG4 with a negative byte count")
        self._stack.append(int.from_bytes(self._take(n, "LONG4"), "little", signed=True))

    def _binfloat(self):
        self._stack.append(_unpack_d(self._take(8, "BINFLOAT"))[0])

    def _str(self, n, what):
        return str(self._take(n, what), "utf-8", "surrogatepass")

    def _short_binunicode(self):
        self._stack.append(self._str(self._take(1, "SHORT_BINUNICODE")[0], "SHORT_BINUNICODE"))

    def _binunicode(self):
        self._stack.append(self._str(_unpack_I(self._take(4, "BINUNICODE"))[0], "BINUNICODE"))

    def _binunicode8(self):
        self._stack.append(self._str(_unpack_Q(self._take(8, "BINUNICODE8"))[0], "BINUNICODE8"))

    def _bytes_or_str(self, data):
        if self._encoding == "bytes":
            return data
        return data.decode(self._encoding, "strict")

    def _short_binstring(self):
        n = self._take(1, "SHORT_BINSTRING")[0]
        self._stack.append(self._bytes_or_str(self._take(n, "SHORT_BINSTRING")))

    def _binstring(self):
        n = _unpack_i(self._take(4, "BINSTRING"))[0]
        if n < 0:
            raise UnpicklingError("BINSTRING with a negative length")
        self._stack.append(self._bytes_or_str(self._take(n, "BINSTRING")))

    def _short_binbytes(self):
        self._stack.append(self._take(self._take(1, "SHORT_BINBYTES")[0], "SHORT_BINBYTES"))

    def _binbytes(self):
        self._stack.append(self._take(_unpack_I(self._take(4, "BINBYTES"))[0], "BINBYTES"))

    def _binbytes8(self):
        self._stack.append(self._take(_unpack_Q(self._take(8, "BINBYTES8"))[0], "BINBYTES8"))

    def _bytearray8(self):
        n = _unpack_Q(self._take(8, "BYTEARRAY8"))[0]
        self._stack.append(bytearray(self._take(n, "BYTEARRAY8")))

    def _empty_tuple(self):
        self._stack.append(())

    def _tuple(self):
        items = self._pop_mark()
        self._stack.append(tuple(items))

    def _tuple1(self):
        self._stack[-1] = (self._stack[-1],)

    def _tuple2(self):
        s = self._stack
        if len(s) < 2:
            raise UnpicklingError("TUPLE2 needs two objects on the stack")
        s[-2:] = [(s[-2], s[-1])]

    def _tuple3(self):
        s = self._stack
        if len(s) < 3:
            raise UnpicklingError("TUPLE3 needs three objects on the stack")
        s[-3:] = [(s[-3], s[-2], s[-1])]

    def _empty_list(self):
        self._stack.append([])

    def _empty_dict(self):
        self._stack.append({})

    def _empty_set(self):
        self._stack.append(set())

    def _append(self):
        item = self._stack.pop()
        self._target("APPEND", self._stack[-1], type(self._stack[-1]) is list).append(item)

    def _appends(self):
        items = self._pop_mark()
        self._target("APPENDS", self._stack[-1], type(self._stack[-1]) is list).extend(items)

    def _setitem(self):
        s = self._stack
        v = s.pop()
        k = s.pop()
        d = self._target("SETITEM", s[-1], isinstance(s[-1], dict))
        self.check_key(k)
        d[k] = v

    def _setitems(self):
        items = self._pop_mark()
        d = self._target("SETITEMS", self._stack[-1], isinstance(self._stack[-1], dict))
        if len(items) % 2:
            raise UnpicklingError("SETITEMS with an odd number of objects")
        for i in range(0, len(items), 2):
            self.check_key(items[i])
            d[items[i]] = items[i + 1]

    def _additems(self):
        items = self._pop_mark()
        s = self._target("ADDITEMS", self._stack[-1], type(self._stack[-1]) is set)
        for k in items:
            self.check_key(k)
        s.update(items)

    def _frozenset(self):
        items = self._pop_mark()
        for k in items:
            self.check_key(k)
        self._stack.append(frozenset(items))

    def _memo_put(self, i):
        if not self._stack:
            raise UnpicklingError("PUT with an empty stack")
        self._memo[i] = self._stack[-1]

    def _binput(self):
        self._memo_put(self._take(1, "BINPUT")[0])

    def _long_binput(self):
        self._memo_put(_unpack_I(self._take(4, "LONG_BINPUT"))[0])

    def _memoize(self):
        self._memo_put(len(self._memo))

    def _memo_get(self, i):
        try:
            self._stack.append(self._memo[i])
        except KeyError:
            raise UnpicklingError(f"memo entry {i} is read before it is written") from None

    def _binget(self):
        self._memo_get(self._take(1, "BINGET")[0])

    def _long_binget(self):
        self._memo_get(_unpack_I(self._take(4, "LONG_BINGET"))[0])

    def _resolve(self, module, name):
        obj = self._globals.get((module, name))
        if obj is None:
            obj = self._user.get((module, name))
        elif type(obj) is Unsupported and (module, name) not in self._user:
            raise UnpicklingError(f"{module}.{name} is in torch's weights-only allowlist, but {obj}")
        elif type(obj) is Unsupported:
            obj = self._user[(module, name)]
        if obj is None:
            raise UnpicklingError(
                f"Weights only load failed: unsupported global {module}.{name} is not an allowed global by "
                f"default. Nothing in the file was run. If you trust this file, allow it with "
                f"`ember.serialization.add_safe_globals([{module}.{name}])`, or load with weights_only=False "
                f"(which can run arbitrary code: only for files you trust).")
        self._stack.append(self._mark_foreign(obj))

    def _global(self):
        module = self._readline()
        name = self._readline()
        if not module.endswith(b"\n") or not name.endswith(b"\n"):
            raise UnpicklingError("the pickle is truncated (GLOBAL)")
        self._resolve(module[:-1].decode("utf-8"), name[:-1].decode("utf-8"))

    def _stack_global(self):
        name = self._stack.pop()
        module = self._stack.pop()
        if type(name) is not str or type(module) is not str:
            raise UnpicklingError("STACK_GLOBAL needs two strings")
        self._resolve(module, name)

    def _is_user(self, obj):
        return id(obj) in self._user_ids

    def _reduce(self):
        s = self._stack
        args = s.pop()
        func = s[-1]
        if type(args) is not tuple:
            raise UnpicklingError(f"REDUCE arguments must be a tuple, got {type(args).__name__}")
        if type(func) is Ref:
            fn = self._calls.get(func)
            if fn is None:
                raise UnpicklingError(f"{func} cannot be called")
            try:
                result = fn(*args)
            except (UnpicklingError, PassThrough):
                raise
            except Exception as e:  # noqa: BLE001 - a hostile argument list
                raise UnpicklingError(f"bad arguments to {func}{short_repr(args)}: {type(e).__name__}: {e}") \
                    from None
            s[-1] = result
        elif self._is_user(func):
            result = func(*args)
            s[-1] = result if isinstance(func, type) else self._mark_foreign(result)
        else:
            raise UnpicklingError(f"REDUCE on {short_repr(func)}, which is not an allowed callable")

    def _newobj(self):
        s = self._stack
        args = s.pop()
        cls = s[-1]
        if type(args) is not tuple:
            raise UnpicklingError(f"NEWOBJ arguments must be a tuple, got {type(args).__name__}")
        if not (self._is_user(cls) and isinstance(cls, type)):
            raise UnpicklingError(f"NEWOBJ on {short_repr(cls)}, which is not an allowlisted class")
        s[-1] = cls.__new__(cls, *args)

    def _build(self):
        s = self._stack
        state = s.pop()
        inst = s[-1]
        cls = type(inst)
        ok = cls is collections.OrderedDict or self._is_user(cls)
        self._target("BUILD", inst, ok)
        if cls is collections.OrderedDict:
            slots = None
            if type(state) is tuple and len(state) == 2:
                state, slots = state
            names_ok = type(state) is dict and all(type(k) is str for k in state)
            if slots or (state is not None and not names_ok):
                raise UnpicklingError("BUILD of an OrderedDict takes a dict of attribute names")
            if state:
                inst.__dict__.update(state)
            return
        setstate = getattr(inst, "__setstate__", None)
        if setstate is not None:
            setstate(state)
            return
        slots = None
        if type(state) is tuple and len(state) == 2:
            state, slots = state
        if state:
            inst.__dict__.update(state)
        if slots:
            for k, v in slots.items():
                setattr(inst, k, v)

    def _binpersid(self):
        pid = self._stack.pop()
        self._stack.append(self._persistent_load(pid))


_DISPATCH = {pickle.PROTO[0]: Interpreter._proto, pickle.FRAME[0]: Interpreter._frame,
             pickle.STOP[0]: Interpreter._stop, pickle.MARK[0]: Interpreter._mark,
             pickle.POP[0]: Interpreter._pop, pickle.POP_MARK[0]: Interpreter._pop_mark_op,
             pickle.DUP[0]: Interpreter._dup, pickle.NONE[0]: Interpreter._none,
             pickle.NEWTRUE[0]: Interpreter._true, pickle.NEWFALSE[0]: Interpreter._false,
             pickle.BININT[0]: Interpreter._binint, pickle.BININT1[0]: Interpreter._binint1,
             pickle.BININT2[0]: Interpreter._binint2, pickle.LONG1[0]: Interpreter._long1,
             pickle.LONG4[0]: Interpreter._long4, pickle.BINFLOAT[0]: Interpreter._binfloat,
             pickle.SHORT_BINUNICODE[0]: Interpreter._short_binunicode,
             pickle.BINUNICODE[0]: Interpreter._binunicode, pickle.BINUNICODE8[0]: Interpreter._binunicode8,
             pickle.SHORT_BINSTRING[0]: Interpreter._short_binstring,
             pickle.BINSTRING[0]: Interpreter._binstring,
             pickle.SHORT_BINBYTES[0]: Interpreter._short_binbytes, pickle.BINBYTES[0]: Interpreter._binbytes,
             pickle.BINBYTES8[0]: Interpreter._binbytes8, pickle.BYTEARRAY8[0]: Interpreter._bytearray8,
             pickle.EMPTY_TUPLE[0]: Interpreter._empty_tuple, pickle.TUPLE[0]: Interpreter._tuple,
             pickle.TUPLE1[0]: Interpreter._tuple1, pickle.TUPLE2[0]: Interpreter._tuple2,
             pickle.TUPLE3[0]: Interpreter._tuple3, pickle.EMPTY_LIST[0]: Interpreter._empty_list,
             pickle.APPEND[0]: Interpreter._append, pickle.APPENDS[0]: Interpreter._appends,
             pickle.EMPTY_DICT[0]: Interpreter._empty_dict, pickle.SETITEM[0]: Interpreter._setitem,
             pickle.SETITEMS[0]: Interpreter._setitems, pickle.EMPTY_SET[0]: Interpreter._empty_set,
             pickle.ADDITEMS[0]: Interpreter._additems, pickle.FROZENSET[0]: Interpreter._frozenset,
             pickle.BINPUT[0]: Interpreter._binput, pickle.LONG_BINPUT[0]: Interpreter._long_binput,
             pickle.MEMOIZE[0]: Interpreter._memoize, pickle.BINGET[0]: Interpreter._binget,
             pickle.LONG_BINGET[0]: Interpreter._long_binget, pickle.GLOBAL[0]: Interpreter._global,
             pickle.STACK_GLOBAL[0]: Interpreter._stack_global, pickle.REDUCE[0]: Interpreter._reduce,
             pickle.NEWOBJ[0]: Interpreter._newobj, pickle.BUILD[0]: Interpreter._build,
             pickle.BINPERSID[0]: Interpreter._binpersid}
