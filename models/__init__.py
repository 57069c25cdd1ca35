"""Model artefacts: export, integrity-checked loading, and the shipped default model.

An exported model is a folder with two files:

``model.npz``
    What the fitted :class:`~newsclean.classifier.ParagraphClassifier` learned, as the plain
    arrays of its :class:`~newsclean.scorer.Scorer` (numpy ``.npz``; no pickle, so loading runs
    no code and needs neither scikit-learn nor the library versions it was trained with).
``model_card.json``
    What the model is: version, creation time, training-data fingerprint, MLflow run id,
    decision threshold, parameters, test metrics, library versions, and the SHA-256 of
    ``model.npz``.

:func:`load_artifact` checks the SHA-256 against the card *before* reading the arrays and refuses
a mismatch; arrays are read with ``allow_pickle=False``. The card's decisive fields (those that
decide which paragraphs are removed: :data:`DECISIVE_FIELDS`, the threshold among them) are
sealed at export by ``decisive_sha256``; a card edited after export (a threshold changed by
hand) is refused, naming the file and the field, unless it is deliberately resealed with
:func:`seal_card`.

A model that reads word vectors (:mod:`newsclean.features.vectors`) stores only its table's
fingerprint. The table is the vendored one (``vectors/word_vectors.npz`` beside this module,
GloVe 6B 50-d, see ``vectors/NOTICE.md``), or, for a model trained on another table, a copy
that :func:`export_model` writes into the model folder (``word_vectors.npz``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from newsclean.features.vectors import TABLE_NAME, WordVectors

from newsclean.atomic import atomic_file, atomic_write_bytes
from newsclean.jsonsafe import finite
from newsclean.scorer import SIGNALS_VERSION, Scorer, word_vectors_sha256

ARTIFACT_NAME = "model.npz"
#: Version of the folder layout and card.
CARD_FORMAT = 2
CARD_NAME = "model_card.json"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
#: The vendored word-vector table (GloVe 6B 50-d, 50k words; see ``vectors/NOTICE.md``).
VENDORED_VECTORS = Path(__file__).resolve().parent / "vectors" / TABLE_NAME
#: Loaded tables by path: one copy per process, shared read-only by every model.
_TABLES: dict[Path, WordVectors] = {}
_HASH_CHUNK = 1 << 20
#: Card fields that decide which paragraphs the model removes (with the arrays, which ``sha256``
#: pins). Parameters in ``params`` only matter to a refit: the scorer's own arrays fix the rest.
DECISIVE_FIELDS = ("artifact", "sha256", "threshold")
#: Decisive too when the card has them (cards exported before operating points do not).
OPTIONAL_DECISIVE_FIELDS = ("operating_points",)
#: The operating points a card may record, each a threshold chosen in training for an editorial
#: recall on reviewed validation articles: 0.999, 0.995 and 0.98.
MODES = ("precise", "balanced", "aggressive")
#: The card field holding the SHA-256 of the decisive fields (:func:`card_seal`).
SEAL_FIELD = "decisive_sha256"


class ModelIntegrityError(RuntimeError):
    """The model file does not match the SHA-256 recorded in its card."""


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_word_vectors(path: str | os.PathLike | None = None) -> WordVectors:
    """The word-vector table at ``path`` (default: the vendored one), loaded once per process."""
    path = Path(VENDORED_VECTORS if path is None else path).resolve()
    if path not in _TABLES:
        if not path.is_file():
            raise FileNotFoundError(f"no word-vector table at {path}")
        _TABLES[path] = WordVectors.load(path)
    return _TABLES[path]


def _table_for(directory: Path, sha256: str) -> WordVectors:
    """The table a model in ``directory`` reads: its own copy, else the vendored one."""
    candidates = [directory / TABLE_NAME, VENDORED_VECTORS]
    for candidate in candidates:
        if candidate.is_file():
            table = load_word_vectors(candidate)
            if table.sha256 == sha256:
                return table
    raise ValueError(
        f"the model in {directory} reads the word-vector table {sha256[:12]}..., which is "
        f"neither {candidates[0]} nor the vendored {candidates[1]}: re-export the model"
    )


def library_versions() -> dict[str, str]:
    """Versions of the libraries the model was trained with (for the record)."""
    import pandas
    import scipy
    import sklearn

    from newsclean._version import __version__

    return {
        "newsclean": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
    }


def export_model(model: Any, directory: str | os.PathLike, **card_fields: Any) -> Path:
    """Write a fitted ``model`` and its card to ``directory`` (created if needed).

    ``card_fields`` are merged into the card (for example ``threshold``, ``metrics``,
    ``data_fingerprint``, ``mlflow_run_id``). ``threshold`` defaults to ``model.threshold``.

    Returns
    -------
    Path
        The card's path.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    artifact = out / ARTIFACT_NAME
    arrays = model.scorer_.to_arrays()
    with atomic_file(artifact, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    vectors = model.scorer_.vectors
    if vectors is not None and (
        not VENDORED_VECTORS.is_file() or load_word_vectors().sha256 != vectors.sha256
    ):
        with atomic_file(out / TABLE_NAME, "wb") as fh:  # not the vendored table: keep a copy
            np.savez_compressed(fh, hashes=vectors.hashes, vectors=vectors.vectors)
    card = {
        "format": CARD_FORMAT,
        "signals_version": SIGNALS_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "artifact": ARTIFACT_NAME,
        "sha256": sha256_file(artifact),
        "threshold": float(getattr(model, "threshold", 0.5)),
        "params": {k: v for k, v in model.get_params().items() if _is_json_scalar(v)},
        "libraries": library_versions(),
        **card_fields,
    }
    card = finite(card)
    card[SEAL_FIELD] = card_seal(card)
    card_path = out / CARD_NAME
    _write_card(card_path, card)
    return card_path


def _write_card(path: Path, card: dict[str, Any]) -> None:
    # strict JSON: a metric a split cannot have (PR AUC without boilerplate) is null, not NaN
    payload = json.dumps(finite(card), indent=2, sort_keys=True, default=str, allow_nan=False)
    atomic_write_bytes(path, payload.encode())


def card_seal(card: dict[str, Any]) -> str:
    """SHA-256 of a card's :data:`DECISIVE_FIELDS` (canonical JSON; the threshold as a float,
    as :func:`read_card` reads it).

    Examples
    --------
    >>> card = {"artifact": "model.npz", "sha256": "ab", "threshold": 0.5}
    >>> card_seal(card) == card_seal({**card, "threshold": 0.05})
    False
    """
    decisive = {name: card.get(name) for name in DECISIVE_FIELDS}
    decisive |= {name: card[name] for name in OPTIONAL_DECISIVE_FIELDS if name in card}
    if isinstance(decisive["threshold"], (int, float)) and not isinstance(
        decisive["threshold"], bool
    ):
        decisive["threshold"] = float(decisive["threshold"])
    return hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()


def seal_card(directory: str | os.PathLike) -> Path:
    """Accept a model card's decisive fields as they are now: write their seal into the card.

    For a card exported before the seal existed, or a threshold changed on purpose (a reviewed
    decision, not an accident). The artifact's SHA-256 must still match; nothing is retrained
    and ``model.npz`` is not touched. Returns the card's path.
    """
    directory = Path(directory)
    path = directory / CARD_NAME
    card = json.loads(path.read_text())
    checked = read_card(directory)
    actual = sha256_file(directory / ARTIFACT_NAME)
    if actual != checked.get("sha256"):
        raise ModelIntegrityError(
            f"refusing to seal {path}: {ARTIFACT_NAME}'s SHA-256 is {actual}, not the card's"
        )
    card[SEAL_FIELD] = card_seal(checked)
    _write_card(path, card)
    return path


def _check_seal(card: dict[str, Any], path: Path) -> None:
    """Refuse a card whose decisive fields changed after export (see :func:`card_seal`)."""
    seal = card.get(SEAL_FIELD)
    if seal is None:
        warnings.warn(
            f"model card {path} has no {SEAL_FIELD} (exported by an older newsclean), so an "
            f"edited threshold cannot be detected; check its threshold ({card['threshold']}) "
            "and seal it with newsclean.models.seal_card(DIR), or re-export the model",
            UserWarning,
            stacklevel=3,
        )
        return
    if seal != card_seal(card):
        raise ModelIntegrityError(
            f"refusing to load {path}: its field 'threshold' ({card['threshold']}) or another "
            f"decisive field ({', '.join(DECISIVE_FIELDS)}) was changed after export, so it no "
            f"longer matches the card's {SEAL_FIELD}. Re-export the model (or reinstall "
            "newsclean for the shipped one); to keep a threshold chosen on purpose, pass "
            "--threshold / threshold= when cleaning, or reseal with "
            "newsclean.models.seal_card(DIR)."
        )


def _is_json_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def check_threshold(value: object, what: str = "threshold") -> float:
    """``value`` as a float if it is a real number in [0, 1]; else a clear error.

    A NaN threshold would remove every paragraph (no score is below it), so it is refused like
    any value outside [0, 1].
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= float(value) <= 1.0:  # also false for NaN
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}")
    return float(value)


def read_card(directory: str | os.PathLike) -> dict[str, Any]:
    """The model card of an exported model folder, with its threshold and params checked."""
    path = Path(directory) / CARD_NAME
    try:
        card = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no model card at {path}: a newsclean model folder holds {ARTIFACT_NAME} and "
            f"{CARD_NAME} (written by `newsclean train --export DIR`)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"model card {path} is not valid JSON ({exc}); re-export the model"
        ) from None
    if not isinstance(card, dict):
        raise ValueError(f"model card {path} must be a JSON object, got {type(card).__name__}")
    if "threshold" not in card:
        raise ValueError(f"model card {path} has no threshold; re-export the model")
    card["threshold"] = check_threshold(card["threshold"], f"the threshold in {path}")
    if not isinstance(card.get("params", {}), dict):
        raise ValueError(f"model card {path}: params must be a JSON object")
    if "operating_points" in card:
        points = card["operating_points"]
        if not isinstance(points, dict) or not set(points) <= set(MODES):
            raise ValueError(
                f"model card {path}: operating_points must map some of {list(MODES)} to "
                f"thresholds, got {points!r}"
            )
        card["operating_points"] = {
            mode: check_threshold(value, f"operating point {mode!r} in {path}")
            for mode, value in points.items()
        }
    return card


def mode_threshold(card: dict[str, Any], mode: str) -> float:
    """The threshold of operating point ``mode`` recorded in a (checked) model card.

    Raises
    ------
    ValueError
        If ``mode`` is not one of :data:`MODES`, or the card records no such point (a model
        trained without reviewed validation articles: pass a threshold instead).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    points = card.get("operating_points") or {}
    if mode not in points:
        raise ValueError(
            f"this model's card records no {mode!r} operating point (it was trained without "
            "the reviewed validation articles): pass a threshold instead"
        )
    return points[mode]


def load_artifact(directory: str | os.PathLike) -> tuple[Scorer, dict[str, Any]]:
    """Load an exported model after checking its SHA-256; return ``(scorer, card)``.

    Raises
    ------
    ModelIntegrityError
        If the artifact's SHA-256 differs from the card's, or a decisive field of the card
        (the threshold) no longer matches its seal; nothing is read from the artifact then.
    ValueError
        If the folder was written for other signals or by an older newsclean (retrain).
    """
    directory = Path(directory)
    if directory.is_file():  # accept the path of the artifact itself
        directory = directory.parent
    card = read_card(directory)
    if card.get("format") != CARD_FORMAT:
        raise ValueError(
            f"{directory} is a newsclean model folder of format {card.get('format')}; this "
            f"newsclean reads format {CARD_FORMAT}: retrain it with `newsclean train --export`"
        )
    if card.get("artifact", ARTIFACT_NAME) != ARTIFACT_NAME:  # never a path out of the folder
        raise ValueError(f"{directory / CARD_NAME} must name {ARTIFACT_NAME} as its artifact")
    artifact = directory / ARTIFACT_NAME
    if not artifact.is_file():
        raise FileNotFoundError(
            f"model card {directory / CARD_NAME} names {artifact}, which does not exist"
        )
    actual = sha256_file(artifact)
    if actual != card.get("sha256"):
        raise ModelIntegrityError(
            f"refusing to load {artifact}: its SHA-256 is {actual}, but {CARD_NAME} records "
            f"{card.get('sha256')}. The file was changed or corrupted after export; re-export "
            "it with `newsclean train --export`, or reinstall newsclean for the shipped model."
        )
    _check_seal(card, directory / CARD_NAME)
    with np.load(artifact, allow_pickle=False) as arrays:
        # Read-only: one loaded model is shared by every caller and thread of the process.
        frozen = {name: arrays[name] for name in arrays.files}
    for values in frozen.values():
        values.setflags(write=False)
    wanted = word_vectors_sha256(frozen)
    vectors = None if wanted is None else _table_for(directory, wanted)
    return Scorer.from_arrays(frozen, vectors), card


__all__ = [
    "ARTIFACT_NAME",
    "CARD_FORMAT",
    "CARD_NAME",
    "DECISIVE_FIELDS",
    "DEFAULT_MODEL_DIR",
    "MODES",
    "SEAL_FIELD",
    "VENDORED_VECTORS",
    "ModelIntegrityError",
    "card_seal",
    "check_threshold",
    "export_model",
    "load_artifact",
    "load_word_vectors",
    "mode_threshold",
    "read_card",
    "seal_card",
    "sha256_file",
]
